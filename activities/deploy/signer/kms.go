package signer

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"net"
	"regexp"
	"strings"
	"unicode"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
)

var (
	// secp256k1N is the order of the curve's group; secp256k1HalfN bounds a
	// low S (EIP-2), which Ethereum requires and KMS does not produce.
	secp256k1N     = crypto.S256().Params().N
	secp256k1HalfN = new(big.Int).Rsh(secp256k1N, 1)

	oidECPublicKey = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidSecp256k1   = asn1.ObjectIdentifier{1, 3, 132, 0, 10}

	// keyIDPattern matches a bare KMS key id: a UUID, or a multi-Region key's
	// mrk- id.
	keyIDPattern = regexp.MustCompile(`^(?:mrk-[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$`)
)

// maxKeyIDLen is KMS's own limit on a KeyId parameter.
const maxKeyIDLen = 2048

// checkKeyID accepts the four forms KMS takes for a signing key: key id,
// key ARN, "alias/<name>" and alias ARN. Anything else would come back from
// KMS as NotFound; refusing it here says what is wrong with the reference.
func checkKeyID(keyID string) error {
	malformed := func(why string) error {
		return fmt.Errorf("%w: signer reference %s%s: %s", ErrConfig, kmsPrefix, keyID, why)
	}
	switch {
	case keyID == "":
		return fmt.Errorf("%w: signer reference %s names no KMS key", ErrConfig, kmsPrefix)
	case len(keyID) > maxKeyIDLen:
		return fmt.Errorf("%w: signer reference %s…: longer than %d characters", ErrConfig, kmsPrefix, maxKeyIDLen)
	case strings.IndexFunc(keyID, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) >= 0:
		return fmt.Errorf("%w: signer reference %s…: contains spaces or control characters", ErrConfig, kmsPrefix)
	case strings.HasPrefix(keyID, "arn:"):
		if !strings.Contains(keyID, ":kms:") || !(strings.Contains(keyID, ":key/") || strings.Contains(keyID, ":alias/")) {
			return malformed("not a KMS key or alias ARN")
		}
	case strings.HasPrefix(keyID, "alias/"):
		if keyID == "alias/" {
			return malformed("empty alias name")
		}
	case !keyIDPattern.MatchString(keyID):
		return malformed("not a key id, key ARN, alias/<name> or alias ARN")
	}
	return nil
}

// checkPublicKey checks that GetPublicKey describes a key Slipway can sign
// Ethereum transactions with, and answers its address.
func checkPublicKey(keyID string, out *kms.GetPublicKeyOutput) (kmsKey, error) {
	if out.KeyUsage != types.KeyUsageTypeSignVerify {
		return kmsKey{}, fmt.Errorf("%w: KMS key %q has key usage %s; a signer needs %s", ErrConfig, keyID, orNone(string(out.KeyUsage)), types.KeyUsageTypeSignVerify)
	}
	if out.KeySpec != types.KeySpecEccSecgP256k1 {
		return kmsKey{}, fmt.Errorf("%w: KMS key %q has key spec %s; Ethereum needs %s", ErrConfig, keyID, orNone(string(out.KeySpec)), types.KeySpecEccSecgP256k1)
	}
	addr, err := publicKeyAddress(out.PublicKey)
	if err != nil {
		return kmsKey{}, fmt.Errorf("%w: KMS key %q: %w", ErrConfig, keyID, err)
	}
	return kmsKey{arn: aws.ToString(out.KeyId), addr: addr}, nil
}

func orNone(s string) string {
	if s == "" {
		return "(none)"
	}
	return s
}

// subjectPublicKeyInfo is X.509's SubjectPublicKeyInfo, as GetPublicKey
// answers it. crypto/x509 cannot parse it: it knows no secp256k1.
type subjectPublicKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	PublicKey asn1.BitString
}

// publicKeyAddress answers the Ethereum address of a DER
// SubjectPublicKeyInfo holding a secp256k1 point.
func publicKeyAddress(der []byte) (common.Address, error) {
	var spki subjectPublicKeyInfo
	rest, err := asn1.Unmarshal(der, &spki)
	if err != nil {
		return common.Address{}, fmt.Errorf("parse public key: %w", err)
	}
	if len(rest) > 0 {
		return common.Address{}, errors.New("parse public key: trailing bytes")
	}
	if !spki.Algorithm.Algorithm.Equal(oidECPublicKey) {
		return common.Address{}, fmt.Errorf("public key algorithm %s is not EC", spki.Algorithm.Algorithm)
	}
	var curve asn1.ObjectIdentifier
	if rest, err := asn1.Unmarshal(spki.Algorithm.Parameters.FullBytes, &curve); err != nil || len(rest) > 0 {
		return common.Address{}, errors.New("public key has no named curve")
	}
	if !curve.Equal(oidSecp256k1) {
		return common.Address{}, fmt.Errorf("public key curve %s is not secp256k1", curve)
	}
	if spki.PublicKey.BitLength%8 != 0 {
		return common.Address{}, errors.New("public key bit string is not whole bytes")
	}
	point := spki.PublicKey.Bytes
	var pub *ecdsa.PublicKey
	switch {
	case len(point) == 65 && point[0] == 4:
		pub, err = crypto.UnmarshalPubkey(point)
	case len(point) == 33 && (point[0] == 2 || point[0] == 3):
		pub, err = crypto.DecompressPubkey(point)
	default:
		return common.Address{}, fmt.Errorf("public key point has %d bytes, not an encoded secp256k1 point", len(point))
	}
	if err != nil {
		return common.Address{}, fmt.Errorf("public key point: %w", err)
	}
	return crypto.PubkeyToAddress(*pub), nil
}

// maxDERSignature bounds a DER ECDSA signature over a 256-bit curve (72
// bytes), so that junk is refused before parsing.
const maxDERSignature = 80

// ecdsaSignature is the ASN.1 SEQUENCE { r INTEGER, s INTEGER } KMS answers.
type ecdsaSignature struct {
	R, S *big.Int
}

// parseDER parses a DER ECDSA signature into r and s, both in [1, N-1].
// Only canonical DER is accepted (the encoding re-marshals to the same
// bytes): KMS answers nothing else, so anything else is corruption.
func parseDER(der []byte) (r, s *big.Int, err error) {
	if len(der) > maxDERSignature {
		return nil, nil, fmt.Errorf("parse DER signature: %d bytes is too long", len(der))
	}
	var sig ecdsaSignature
	rest, err := asn1.Unmarshal(der, &sig)
	if err != nil {
		return nil, nil, fmt.Errorf("parse DER signature: %w", err)
	}
	if len(rest) > 0 {
		return nil, nil, errors.New("parse DER signature: trailing bytes")
	}
	for _, v := range []*big.Int{sig.R, sig.S} {
		if v == nil || v.Sign() <= 0 || v.Cmp(secp256k1N) >= 0 {
			return nil, nil, errors.New("parse DER signature: r or s out of range")
		}
	}
	again, err := asn1.Marshal(sig)
	if err != nil || !bytes.Equal(again, der) {
		return nil, nil, errors.New("parse DER signature: not canonical DER")
	}
	return sig.R, sig.S, nil
}

// kmsSigner signs with a KMS key; the private key never leaves KMS.
type kmsSigner struct {
	r      *Resolver
	client KMSAPI
	keyID  string
	key    kmsKey
}

func (k *kmsSigner) Address() common.Address { return k.key.addr }

// SignHash asks KMS to sign digest as a precomputed digest (MessageType
// DIGEST: KMS must not hash it again), then makes the signature Ethereum's:
// S is folded into the lower half (KMS's ECDSA does not), and V is whichever
// recovery id recovers the key's address, since KMS does not answer one.
func (k *kmsSigner) SignHash(ctx context.Context, digest common.Hash) ([]byte, error) {
	out, err := k.client.Sign(ctx, &kms.SignInput{
		KeyId:            &k.keyID,
		Message:          digest[:],
		MessageType:      types.MessageTypeDigest,
		SigningAlgorithm: types.SigningAlgorithmSpecEcdsaSha256,
	})
	if err != nil {
		return nil, kmsError("sign with", k.keyID, err)
	}
	if k.key.arn != "" && out.KeyId != nil && *out.KeyId != k.key.arn {
		// An alias now names another key: the cached address is stale.
		k.r.forget(k.keyID, k.key)
		return nil, fmt.Errorf("sign with KMS key %q: it now names %s, not %s; resolve the signer again", k.keyID, *out.KeyId, k.key.arn)
	}
	r, s, err := parseDER(out.Signature)
	if err != nil {
		return nil, fmt.Errorf("sign with KMS key %q: %w", k.keyID, err)
	}
	if s.Cmp(secp256k1HalfN) > 0 {
		s = new(big.Int).Sub(secp256k1N, s)
	}
	sig := make([]byte, crypto.SignatureLength)
	r.FillBytes(sig[0:32])
	s.FillBytes(sig[32:64])
	for v := byte(0); v <= 1; v++ {
		sig[crypto.RecoveryIDOffset] = v
		pub, err := crypto.SigToPub(digest[:], sig)
		if err == nil && crypto.PubkeyToAddress(*pub) == k.key.addr {
			return sig, nil
		}
	}
	// Neither recovery id gives the address: the key behind the reference
	// is not the one resolved (or KMS signed something else). Forget it so
	// that the next Resolve reads the key again.
	k.r.forget(k.keyID, k.key)
	return nil, fmt.Errorf("sign with KMS key %q: signature does not recover to %s; resolve the signer again", k.keyID, k.key.addr)
}

// configCodes are AWS error codes that mean the caller's identity or
// permissions are wrong, which retrying does not fix.
var configCodes = map[string]string{
	"AccessDeniedException":       "access denied",
	"AccessDenied":                "access denied",
	"NotAuthorized":               "access denied",
	"UnrecognizedClientException": "the AWS credentials are not valid",
	"InvalidClientTokenId":        "the AWS credentials are not valid",
	"InvalidSignatureException":   "the AWS secret key does not match the access key",
	"SignatureDoesNotMatch":       "the AWS secret key does not match the access key",
	"IncompleteSignature":         "the request was not signed with AWS credentials",
	"MissingAuthenticationToken":  "the request was not signed with AWS credentials",
	"ValidationException":         "the request was refused as invalid",
	"InvalidArnException":         "the key ARN is not valid",
}

// kmsError classifies a KMS call's error: ErrConfig (with what to fix) for
// answers about the key or the caller's permissions, transient for the
// rest. The message is built from safe parts only; the original error stays
// reachable with errors.As.
func kmsError(op, keyID string, err error) error {
	config := true
	var why string
	var (
		notFound    *types.NotFoundException
		disabled    *types.DisabledException
		state       *types.KMSInvalidStateException
		usage       *types.InvalidKeyUsageException
		unsupported *types.UnsupportedOperationException
		missingReg  *aws.MissingRegionError
		apiErr      smithy.APIError
	)
	switch {
	case errors.As(err, &notFound):
		why = "key not found"
	case errors.As(err, &disabled):
		why = "key is disabled"
	case errors.As(err, &state):
		why = "key is not usable in its state: " + state.ErrorMessage()
	case errors.As(err, &usage):
		why = "key may not sign: " + usage.ErrorMessage()
	case errors.As(err, &unsupported):
		why = "key has no public key to sign with (a symmetric or HMAC key?)"
	case errors.As(err, &missingReg):
		why = "no AWS region configured (set AWS_REGION or a profile's region)"
	case errors.As(err, &apiErr) && configCodes[apiErr.ErrorCode()] != "":
		why = configCodes[apiErr.ErrorCode()]
		if strings.HasPrefix(apiErr.ErrorCode(), "Access") || apiErr.ErrorCode() == "ValidationException" {
			// These name the principal, the key and the action: what an
			// operator needs to fix the policy, and no credentials.
			why += ": " + apiErr.ErrorMessage()
		}
	default:
		config = false
		why = transientReason(err)
	}
	msg := fmt.Sprintf("%s KMS key %q: %s", op, keyID, why)
	if config {
		return &safeError{msg: ErrConfig.Error() + ": " + msg, errs: []error{ErrConfig, err}}
	}
	return &safeError{msg: msg, errs: []error{err}}
}

// transientReason describes a failure retrying may fix without quoting
// whatever the credential chain said: a credential_process's output, for
// one, is quoted verbatim by the SDK when it does not parse.
func transientReason(err error) string {
	var (
		apiErr   smithy.APIError
		signErr  *v4.SigningError
		opErr    *net.OpError
		attempts *retry.MaxAttemptsError
	)
	suffix := ""
	if errors.As(err, &attempts) {
		suffix = fmt.Sprintf(" (gave up after %d attempts)", attempts.Attempt)
	}
	switch {
	case errors.Is(err, context.Canceled):
		return context.Canceled.Error()
	case errors.Is(err, context.DeadlineExceeded):
		return context.DeadlineExceeded.Error() + suffix
	case errors.As(err, &apiErr):
		return fmt.Sprintf("KMS answered %s: %s", apiErr.ErrorCode(), apiErr.ErrorMessage()) + suffix
	case errors.As(err, &signErr), strings.Contains(err.Error(), "get identity"),
		strings.Contains(err.Error(), "retrieve credentials"):
		return "no AWS credentials from the standard chain (environment, shared config, SSO, web identity, container or instance role)"
	case errors.As(err, &opErr):
		return "KMS unreachable: " + opErr.Error() + suffix
	}
	return err.Error()
}

// safeError carries a message built from safe parts and the errors it
// stands for, for errors.Is and errors.As.
type safeError struct {
	msg  string
	errs []error
}

func (e *safeError) Error() string   { return e.msg }
func (e *safeError) Unwrap() []error { return e.errs }
