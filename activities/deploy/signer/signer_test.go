package signer_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/aws/aws-sdk-go-v2/service/kms/types"
	"github.com/aws/smithy-go"
	"github.com/ethereum/go-ethereum/common"
	ethtypes "github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slipway-dev/slipway/activities/deploy/signer"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/devstack/localkms"
	"github.com/slipway-dev/slipway/internal/secrets"
)

// anvilKey0 is the first dev account of anvil's public mnemonic.
const (
	anvilKey0  = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	anvilAddr0 = "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
)

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func randomDigest(t testing.TB) common.Hash {
	t.Helper()
	var h common.Hash
	if _, err := rand.Read(h[:]); err != nil {
		t.Fatal(err)
	}
	return h
}

// checkSignature checks sig is a 65-byte [R || S || V] signature over
// digest by addr with V in {0,1} and S low, and answers V.
func checkSignature(t testing.TB, digest common.Hash, sig []byte, addr common.Address) byte {
	t.Helper()
	if len(sig) != crypto.SignatureLength {
		t.Fatalf("signature has %d bytes, want %d", len(sig), crypto.SignatureLength)
	}
	v := sig[crypto.RecoveryIDOffset]
	r, s := new(big.Int).SetBytes(sig[:32]), new(big.Int).SetBytes(sig[32:64])
	// homestead=true: S must be in the lower half (EIP-2).
	if !crypto.ValidateSignatureValues(v, r, s, true) {
		t.Fatalf("signature values invalid or S high (v=%d, s=%x)", v, s)
	}
	pub, err := crypto.SigToPub(digest[:], sig)
	if err != nil {
		t.Fatalf("recover: %v", err)
	}
	if got := crypto.PubkeyToAddress(*pub); got != addr {
		t.Fatalf("signature recovers to %s, want %s", got, addr)
	}
	if !crypto.VerifySignature(crypto.FromECDSAPub(pub), digest[:], sig[:64]) {
		t.Fatal("signature does not verify")
	}
	return v
}

// resolveAndSign resolves ref, checks the signer's address is want and
// that it signs a random digest for it.
func resolveAndSign(t *testing.T, ctx context.Context, r *signer.Resolver, ref string, want common.Address) signer.Signer {
	t.Helper()
	s, err := r.Resolve(ctx, ref, false)
	if err != nil {
		t.Fatalf("resolve %s: %v", ref, err)
	}
	if s.Address() != want {
		t.Fatalf("%s: address %s, want %s", ref, s.Address(), want)
	}
	d := randomDigest(t)
	sig, err := s.SignHash(ctx, d)
	if err != nil {
		t.Fatalf("%s: sign: %v", ref, err)
	}
	checkSignature(t, d, sig, want)
	return s
}

func requireConfig(t *testing.T, err error, mentions ...string) {
	t.Helper()
	if !errors.Is(err, signer.ErrConfig) {
		t.Fatalf("got %v, want an error wrapping ErrConfig", err)
	}
	t.Log(err)
	for _, m := range mentions {
		if !strings.Contains(err.Error(), m) {
			t.Errorf("error %q does not mention %q", err, m)
		}
	}
}

func requireTransient(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("got no error, want a transient one")
	}
	if errors.Is(err, signer.ErrConfig) {
		t.Fatalf("got %v wrapping ErrConfig, want a transient error", err)
	}
}

func TestIsKMS(t *testing.T) {
	for ref, want := range map[string]bool{
		"awskms:alias/deployer": true,
		"awskms:":               true,
		"env:DEPLOYER_KEY":      false,
		"vault:secret/x#key":    false,
		"AWSKMS:alias/x":        false,
		"":                      false,
	} {
		if got := signer.IsKMS(ref); got != want {
			t.Errorf("IsKMS(%q) = %v, want %v", ref, got, want)
		}
	}
}

func TestLocalRoundtrip(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	hexKey := hex.EncodeToString(crypto.FromECDSA(key))
	want := crypto.PubkeyToAddress(key.PublicKey)
	r := &signer.Resolver{Secrets: secrets.Static{
		"env:PLAIN":    secrets.NewSecretString(hexKey),
		"env:PREFIXED": secrets.NewSecretString(" 0x" + hexKey + "\n"),
	}}
	for _, ref := range []string{"env:PLAIN", "env:PREFIXED"} {
		s, err := r.Resolve(ctx, ref, false)
		if err != nil {
			t.Fatalf("resolve %s: %v", ref, err)
		}
		if s.Address() != want {
			t.Fatalf("%s: address %s, want %s", ref, s.Address(), want)
		}
		for range 20 {
			d := randomDigest(t)
			sig, err := s.SignHash(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			checkSignature(t, d, sig, want)
		}
	}
	if got := signer.NewLocal(key).Address(); got != want {
		t.Fatalf("NewLocal address %s, want %s", got, want)
	}
}

// TestLocalRotation checks that a local key is read on every Resolve, so
// a rotated secret takes effect without a restart.
func TestLocalRotation(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	store := secrets.Static{}
	r := &signer.Resolver{Secrets: store}
	for range 2 {
		key, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		store["env:KEY"] = secrets.NewSecretString(hex.EncodeToString(crypto.FromECDSA(key)))
		s, err := r.Resolve(ctx, "env:KEY", false)
		if err != nil {
			t.Fatal(err)
		}
		if want := crypto.PubkeyToAddress(key.PublicKey); s.Address() != want {
			t.Fatalf("address %s after rotation, want %s", s.Address(), want)
		}
	}
}

func TestPublicTestKeyRefused(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	r := &signer.Resolver{Secrets: secrets.Static{"env:KEY": secrets.NewSecretString(anvilKey0)}}
	_, err := r.Resolve(ctx, "env:KEY", false)
	requireConfig(t, err, "public test key")
	if strings.Contains(strings.ToLower(err.Error()), strings.TrimPrefix(anvilKey0, "0x")[:16]) {
		t.Fatalf("error quotes the key: %v", err)
	}
	s, err := r.Resolve(ctx, "env:KEY", true)
	if err != nil {
		t.Fatalf("dev chain refused the test key: %v", err)
	}
	if s.Address() != common.HexToAddress(anvilAddr0) {
		t.Fatalf("address %s, want %s", s.Address(), anvilAddr0)
	}
	if anvil.DevChainID != 31337 {
		t.Fatalf("dev chain id changed to %d", anvil.DevChainID)
	}
}

// unavailable is a secrets store that is down.
type unavailable struct{}

func (unavailable) Get(context.Context, string) (secrets.Secret, error) {
	return secrets.Secret{}, fmt.Errorf("%w: vault sealed", secrets.ErrUnavailable)
}

func TestLocalErrors(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	const notHex = "correct horse battery staple, not hex"
	r := &signer.Resolver{Secrets: secrets.Static{
		"env:NOT_HEX": secrets.NewSecretString(notHex),
		"env:SHORT":   secrets.NewSecretString("abcd"),
	}}
	_, err := r.Resolve(ctx, "env:NOT_HEX", false)
	requireConfig(t, err, "not a hex secp256k1 private key")
	if strings.Contains(err.Error(), "horse") {
		t.Fatalf("error quotes the secret: %v", err)
	}
	_, err = r.Resolve(ctx, "env:SHORT", false)
	requireConfig(t, err)
	_, err = r.Resolve(ctx, "env:MISSING", false)
	requireConfig(t, err, "env:MISSING")
	if !errors.Is(err, secrets.ErrNotFound) {
		t.Errorf("missing secret: %v does not wrap secrets.ErrNotFound", err)
	}
	_, err = r.Resolve(ctx, "", false)
	requireConfig(t, err, "no signer")
	_, err = (&signer.Resolver{}).Resolve(ctx, "env:KEY", false)
	requireConfig(t, err, "no secrets provider")

	_, err = (&signer.Resolver{Secrets: unavailable{}}).Resolve(ctx, "vault:secret/data/x#key", false)
	requireTransient(t, err)
	if !errors.Is(err, secrets.ErrUnavailable) {
		t.Errorf("unavailable store: %v does not wrap secrets.ErrUnavailable", err)
	}
}

// fakeKMS answers canned results and counts calls.
type fakeKMS struct {
	getPublicKey func(*kms.GetPublicKeyInput) (*kms.GetPublicKeyOutput, error)
	sign         func(*kms.SignInput) (*kms.SignOutput, error)
	gets, signs  atomic.Int32
}

func (f *fakeKMS) GetPublicKey(_ context.Context, in *kms.GetPublicKeyInput, _ ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	f.gets.Add(1)
	return f.getPublicKey(in)
}

func (f *fakeKMS) Sign(_ context.Context, in *kms.SignInput, _ ...func(*kms.Options)) (*kms.SignOutput, error) {
	f.signs.Add(1)
	return f.sign(in)
}

func TestMalformedKMSRefs(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	f := &fakeKMS{getPublicKey: func(in *kms.GetPublicKeyInput) (*kms.GetPublicKeyOutput, error) {
		t.Errorf("GetPublicKey called for %q", aws.ToString(in.KeyId))
		return nil, errors.New("unexpected")
	}}
	r := &signer.Resolver{KMS: f}
	for _, ref := range []string{
		"awskms:",
		"awskms:deployer",
		"awskms:alias/",
		"awskms:arn:aws:s3:::bucket",
		"awskms:alias/with space",
		"awskms:1234abcd-12ab-34cd-56ef-1234567890aZ",
	} {
		_, err := r.Resolve(ctx, ref, false)
		requireConfig(t, err)
	}
	for _, ref := range []string{
		"awskms:1234abcd-12ab-34cd-56ef-1234567890ab",
		"awskms:mrk-1234abcd12ab34cd56ef1234567890ab",
		"awskms:alias/deployer",
		"awskms:arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
		"awskms:arn:aws:kms:us-east-1:111122223333:alias/deployer",
	} {
		f.getPublicKey = func(*kms.GetPublicKeyInput) (*kms.GetPublicKeyOutput, error) {
			return nil, &types.NotFoundException{Message: aws.String("no such key")}
		}
		_, err := r.Resolve(ctx, ref, false)
		requireConfig(t, err, "not found", strings.TrimPrefix(ref, "awskms:"))
	}
}

// TestKMSErrorClasses checks the classification of answers local-kms
// cannot give (it has no IAM, no throttling).
func TestKMSErrorClasses(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	for _, tc := range []struct {
		err    error
		config bool
		want   string
	}{
		{&smithy.GenericAPIError{Code: "AccessDeniedException", Message: "User: arn:aws:iam::1:user/w is not authorized to perform: kms:GetPublicKey"}, true, "not authorized to perform"},
		{&smithy.GenericAPIError{Code: "UnrecognizedClientException", Message: "The security token included in the request is invalid."}, true, "credentials are not valid"},
		{&smithy.GenericAPIError{Code: "InvalidSignatureException", Message: "Check your AWS Secret Access Key"}, true, "secret key does not match"},
		{&types.KMSInvalidStateException{Message: aws.String("key is pending deletion")}, true, "pending deletion"},
		{&types.InvalidKeyUsageException{Message: aws.String("ENCRYPT_DECRYPT")}, true, "may not sign"},
		{&smithy.GenericAPIError{Code: "ThrottlingException", Message: "Rate exceeded"}, false, "ThrottlingException"},
		{&types.KMSInternalException{Message: aws.String("internal")}, false, "KMSInternalException"},
		{&types.KeyUnavailableException{Message: aws.String("try again")}, false, "KeyUnavailableException"},
		{&types.DependencyTimeoutException{Message: aws.String("slow")}, false, "DependencyTimeoutException"},
	} {
		f := &fakeKMS{getPublicKey: func(*kms.GetPublicKeyInput) (*kms.GetPublicKeyOutput, error) { return nil, tc.err }}
		_, err := (&signer.Resolver{KMS: f}).Resolve(ctx, "awskms:alias/deployer", false)
		if tc.config {
			requireConfig(t, err, "alias/deployer", tc.want)
		} else {
			requireTransient(t, err)
			if !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "alias/deployer") {
				t.Errorf("error %q does not mention %q and the key", err, tc.want)
			}
		}
		if !errors.Is(err, tc.err) {
			t.Errorf("%v does not wrap the KMS error", err)
		}
	}
}

// TestCredentialErrorsHidden checks that what the credential chain says
// stays out of the error: the SDK quotes a credential_process's output when
// it does not parse, and that output holds keys.
func TestCredentialErrorsHidden(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	client := kms.New(kms.Options{
		Region:           localkms.Region,
		BaseEndpoint:     aws.String("http://127.0.0.1:9"),
		RetryMaxAttempts: 1,
		Credentials: aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{}, errors.New(`parse failed of process output: {"SecretAccessKey":"hunter2"}`)
		}),
	})
	_, err := (&signer.Resolver{KMS: client}).Resolve(ctx, "awskms:alias/deployer", false)
	requireTransient(t, err)
	if strings.Contains(err.Error(), "hunter2") {
		t.Fatalf("error quotes the credential chain: %v", err)
	}
	if !strings.Contains(err.Error(), "credentials") {
		t.Errorf("error %q does not say credentials are missing", err)
	}
}

// newKMS starts local-kms with a fresh secp256k1 key.
func newKMS(t *testing.T) (srv *localkms.Server, keyID string, addr common.Address) {
	t.Helper()
	srv = localkms.NewForTest(t)
	keyID, addr, err := srv.CreateSecp256k1Key(testContext(t), "deployer")
	if err != nil {
		t.Fatal(err)
	}
	return srv, keyID, addr
}

func TestKMSAddress(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, keyID, addr := newKMS(t)
	r := &signer.Resolver{KMS: srv.Client(ctx)}
	for _, ref := range []string{
		"awskms:" + keyID,
		"awskms:alias/deployer",
		"awskms:arn:aws:kms:" + localkms.Region + ":" + localkms.AccountID + ":key/" + keyID,
		"awskms:arn:aws:kms:" + localkms.Region + ":" + localkms.AccountID + ":alias/deployer",
	} {
		resolveAndSign(t, ctx, r, ref, addr)
	}
}

// TestKMSSignsManyDigests checks the DER-to-Ethereum conversion on enough
// signatures that KMS's random S lands above N/2 and both recovery ids come
// up.
func TestKMSSignsManyDigests(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _, addr := newKMS(t)
	s := resolveAndSign(t, ctx, &signer.Resolver{KMS: srv.Client(ctx)}, "awskms:alias/deployer", addr)
	var seen [2]int
	for range 200 {
		d := randomDigest(t)
		sig, err := s.SignHash(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		seen[checkSignature(t, d, sig, addr)]++
	}
	if seen[0] == 0 || seen[1] == 0 {
		t.Fatalf("recovery ids seen: %v, want both", seen)
	}
	t.Logf("recovery ids: V=0 %d times, V=1 %d times", seen[0], seen[1])
}

func TestSignTx(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _, addr := newKMS(t)
	kmsSigner := resolveAndSign(t, ctx, &signer.Resolver{KMS: srv.Client(ctx)}, "awskms:alias/deployer", addr)
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	chainID := big.NewInt(anvil.DevChainID)
	for name, s := range map[string]signer.Signer{"kms": kmsSigner, "local": signer.NewLocal(key)} {
		to := common.HexToAddress("0x00000000000000000000000000000000000000aa")
		tx, err := signer.SignTx(ctx, s, chainID, &ethtypes.DynamicFeeTx{
			ChainID:   chainID,
			Nonce:     7,
			GasTipCap: big.NewInt(1e9),
			GasFeeCap: big.NewInt(30e9),
			Gas:       21000,
			To:        &to,
			Value:     big.NewInt(1),
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		from, err := ethtypes.Sender(ethtypes.LatestSignerForChainID(chainID), tx)
		if err != nil {
			t.Fatalf("%s: sender: %v", name, err)
		}
		if from != s.Address() {
			t.Fatalf("%s: sender %s, want %s", name, from, s.Address())
		}
		if tx.Type() != ethtypes.DynamicFeeTxType || tx.ChainId().Cmp(chainID) != 0 {
			t.Fatalf("%s: type %d chain %s", name, tx.Type(), tx.ChainId())
		}
	}
	if _, err := signer.SignTx(ctx, kmsSigner, nil, &ethtypes.DynamicFeeTx{}); err == nil {
		t.Fatal("SignTx without a chain id succeeded")
	}
}

// countingKMS counts GetPublicKey calls to a real client.
type countingKMS struct {
	*kms.Client
	gets atomic.Int32
}

func (c *countingKMS) GetPublicKey(ctx context.Context, in *kms.GetPublicKeyInput, optFns ...func(*kms.Options)) (*kms.GetPublicKeyOutput, error) {
	c.gets.Add(1)
	return c.Client.GetPublicKey(ctx, in, optFns...)
}

func TestKMSAddressCached(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _, addr := newKMS(t)
	c := &countingKMS{Client: srv.Client(ctx)}
	r := &signer.Resolver{KMS: c}
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s, err := r.Resolve(ctx, "awskms:alias/deployer", false)
			if err != nil {
				t.Error(err)
				return
			}
			if s.Address() != addr {
				t.Errorf("address %s, want %s", s.Address(), addr)
			}
		})
	}
	wg.Wait()
	if _, err := r.Resolve(ctx, "awskms:alias/deployer", false); err != nil {
		t.Fatal(err)
	}
	if n := c.gets.Load(); n != 1 {
		t.Fatalf("GetPublicKey called %d times, want 1", n)
	}
}

func TestKMSDisabledKey(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, keyID, _ := newKMS(t)
	client := srv.Client(ctx)
	r := &signer.Resolver{KMS: client}
	s, err := r.Resolve(ctx, "awskms:alias/deployer", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.DisableKey(ctx, &kms.DisableKeyInput{KeyId: &keyID}); err != nil {
		t.Fatal(err)
	}
	// Resolved before: Sign is refused.
	_, err = s.SignHash(ctx, randomDigest(t))
	requireConfig(t, err, "alias/deployer", "disabled")
	// Resolved afresh: GetPublicKey is refused.
	_, err = (&signer.Resolver{KMS: client}).Resolve(ctx, "awskms:"+keyID, false)
	requireConfig(t, err, keyID, "disabled")

	// Pending deletion (after enabling again, as it must be scheduled
	// from any state).
	if _, err := client.EnableKey(ctx, &kms.EnableKeyInput{KeyId: &keyID}); err != nil {
		t.Fatal(err)
	}
	if _, err := client.ScheduleKeyDeletion(ctx, &kms.ScheduleKeyDeletionInput{KeyId: &keyID, PendingWindowInDays: aws.Int32(7)}); err != nil {
		t.Fatal(err)
	}
	_, err = s.SignHash(ctx, randomDigest(t))
	requireConfig(t, err, "alias/deployer", "pending deletion")
}

// TestKMSWrongKeys checks that keys Ethereum cannot use are refused as
// configuration errors naming the key and what is wrong with it.
func TestKMSWrongKeys(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv := localkms.NewForTest(t)
	client := srv.Client(ctx)
	r := &signer.Resolver{KMS: client}
	for _, tc := range []struct {
		spec  types.KeySpec
		usage types.KeyUsageType
		want  string
	}{
		{types.KeySpecRsa2048, types.KeyUsageTypeEncryptDecrypt, "key usage ENCRYPT_DECRYPT"},
		{types.KeySpecRsa2048, types.KeyUsageTypeSignVerify, "key spec RSA_2048"},
		{types.KeySpecEccNistP256, types.KeyUsageTypeSignVerify, "key spec ECC_NIST_P256"},
		{types.KeySpecSymmetricDefault, types.KeyUsageTypeEncryptDecrypt, "no public key"},
	} {
		out, err := client.CreateKey(ctx, &kms.CreateKeyInput{KeySpec: tc.spec, KeyUsage: tc.usage})
		if err != nil {
			t.Fatalf("create %s key: %v", tc.spec, err)
		}
		id := aws.ToString(out.KeyMetadata.KeyId)
		_, err = r.Resolve(ctx, "awskms:"+id, false)
		requireConfig(t, err, id, tc.want)
	}
	_, err := r.Resolve(ctx, "awskms:alias/missing", false)
	requireConfig(t, err, "alias/missing", "not found")
	_, err = r.Resolve(ctx, "awskms:1234abcd-12ab-34cd-56ef-1234567890ab", false)
	requireConfig(t, err, "1234abcd-12ab-34cd-56ef-1234567890ab", "not found")
}

// TestKMSAliasMoved checks that a signer notices its alias now names
// another key, and that resolving again picks up the new key.
func TestKMSAliasMoved(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _, _ := newKMS(t)
	newID, newAddr, err := srv.CreateSecp256k1Key(ctx, "")
	if err != nil {
		t.Fatal(err)
	}
	client := srv.Client(ctx)
	r := &signer.Resolver{KMS: client}
	s, err := r.Resolve(ctx, "awskms:alias/deployer", false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := client.UpdateAlias(ctx, &kms.UpdateAliasInput{AliasName: aws.String("alias/deployer"), TargetKeyId: &newID}); err != nil {
		t.Fatal(err)
	}
	_, err = s.SignHash(ctx, randomDigest(t))
	requireTransient(t, err)
	if !strings.Contains(err.Error(), "resolve the signer again") {
		t.Fatalf("error %q does not say to resolve again", err)
	}
	resolveAndSign(t, ctx, r, "awskms:alias/deployer", newAddr)
}

// TestKMSOutage checks that KMS being down is transient, and that the same
// Resolver and Signer work again once it is back.
func TestKMSOutage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, keyID, addr := newKMS(t)
	r := &signer.Resolver{KMS: srv.Client(ctx, func(o *kms.Options) { o.RetryMaxAttempts = 2 })}
	s, err := r.Resolve(ctx, "awskms:alias/deployer", false)
	if err != nil {
		t.Fatal(err)
	}

	srv.Stop()
	_, err = s.SignHash(ctx, randomDigest(t))
	requireTransient(t, err)
	if !strings.Contains(err.Error(), "unreachable") {
		t.Errorf("error %q does not say KMS is unreachable", err)
	}
	t.Logf("while down: %v", err)
	_, err = r.Resolve(ctx, "awskms:"+keyID, false) // not cached yet
	requireTransient(t, err)

	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	d := randomDigest(t)
	sig, err := s.SignHash(ctx, d)
	if err != nil {
		t.Fatalf("sign after restart: %v", err)
	}
	checkSignature(t, d, sig, addr)
	resolveAndSign(t, ctx, r, "awskms:"+keyID, addr)
}

// TestKMSRidesOutOutage checks that a signature requested while KMS is
// down is retried (by the SDK's retryer) and succeeds once KMS is back.
func TestKMSRidesOutOutage(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	srv, _, addr := newKMS(t)
	s, err := (&signer.Resolver{KMS: srv.Client(ctx)}).Resolve(ctx, "awskms:alias/deployer", false)
	if err != nil {
		t.Fatal(err)
	}
	srv.Stop()
	const down = 500 * time.Millisecond
	d := randomDigest(t)
	type result struct {
		sig []byte
		err error
	}
	done := make(chan result, 1)
	began := time.Now()
	go func() {
		sig, err := s.SignHash(ctx, d)
		done <- result{sig, err}
	}()
	time.Sleep(down)
	if err := srv.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	res := <-done
	if res.err != nil {
		t.Fatalf("sign across the outage: %v", res.err)
	}
	if took := time.Since(began); took < down {
		t.Fatalf("signed in %s, before KMS was back", took)
	}
	checkSignature(t, d, res.sig, addr)
}

// TestKMSDefaultConfig checks the path production takes: no client given,
// so the standard AWS chain is loaded, pointed at local-kms by
// AWS_ENDPOINT_URL_KMS.
func TestKMSDefaultConfig(t *testing.T) {
	ctx := testContext(t)
	srv, keyID, addr := newKMS(t)
	dir := t.TempDir()
	t.Setenv("AWS_CONFIG_FILE", filepath.Join(dir, "config"))
	t.Setenv("AWS_SHARED_CREDENTIALS_FILE", filepath.Join(dir, "credentials"))
	t.Setenv("AWS_PROFILE", "")
	t.Setenv("AWS_SESSION_TOKEN", "")
	t.Setenv("AWS_ENDPOINT_URL", "")
	for _, kv := range srv.Env() {
		k, v, _ := strings.Cut(kv, "=")
		t.Setenv(k, v)
	}
	resolveAndSign(t, ctx, &signer.Resolver{}, "awskms:"+keyID, addr)

	t.Setenv("AWS_REGION", "")
	t.Setenv("AWS_DEFAULT_REGION", "")
	_, err := (&signer.Resolver{}).Resolve(ctx, "awskms:"+keyID, false)
	requireConfig(t, err, "region")
}
