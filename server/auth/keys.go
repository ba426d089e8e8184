package auth

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeySet holds the Ed25519 keys access tokens are signed and verified with.
// Tokens are signed with the current key and carry its kid; verification
// accepts the current key and the previous ones by kid, so rotating a key is:
// make the new key current and the old one previous, then drop the old one
// once every token it signed has expired (AccessTTL plus leeway).
type KeySet struct {
	current    ed25519.PrivateKey
	currentKID string
	verify     map[string]ed25519.PublicKey
}

// NewKeySet builds a KeySet from the signing key and the public keys of
// previous signing keys still to be accepted.
func NewKeySet(current ed25519.PrivateKey, previous ...ed25519.PublicKey) (*KeySet, error) {
	if len(current) != ed25519.PrivateKeySize {
		return nil, errors.New("jwt signing key: not an Ed25519 private key")
	}
	pub, ok := current.Public().(ed25519.PublicKey)
	if !ok {
		return nil, errors.New("jwt signing key: no Ed25519 public key")
	}
	ks := &KeySet{current: current, currentKID: KeyID(pub), verify: map[string]ed25519.PublicKey{}}
	ks.verify[ks.currentKID] = pub
	for i, p := range previous {
		if len(p) != ed25519.PublicKeySize {
			return nil, fmt.Errorf("previous jwt key %d: not an Ed25519 public key", i)
		}
		ks.verify[KeyID(p)] = p
	}
	return ks, nil
}

// ParseKeySet builds a KeySet from key material as the secrets provider
// hands it over: current is a private key (see ParseEd25519PrivateKey);
// each of previous may hold several PEM blocks, each a private key (PKCS#8)
// or a public key (PKIX), or be one raw seed.
func ParseKeySet(current []byte, previous ...[]byte) (*KeySet, error) {
	priv, err := ParseEd25519PrivateKey(current)
	if err != nil {
		return nil, fmt.Errorf("current jwt key: %w", err)
	}
	var pubs []ed25519.PublicKey
	for i, material := range previous {
		if len(bytes.TrimSpace(material)) == 0 {
			continue
		}
		keys, err := parsePublicKeys(material)
		if err != nil {
			return nil, fmt.Errorf("previous jwt key %d: %w", i, err)
		}
		pubs = append(pubs, keys...)
	}
	return NewKeySet(priv, pubs...)
}

// CurrentKID is the kid of the signing key, for logs at start-up (it is a
// thumbprint of the public key, not a secret).
func (k *KeySet) CurrentKID() string { return k.currentKID }

// KeyID is the RFC 7638 JWK thumbprint of an Ed25519 public key: SHA-256 of
// its canonical JWK, base64url. It is stable across restarts and processes,
// so every replica names a key the same way without configuration.
func KeyID(pub ed25519.PublicKey) string {
	jwk := `{"crv":"Ed25519","kty":"OKP","x":"` + base64.RawURLEncoding.EncodeToString(pub) + `"}`
	sum := sha256.Sum256([]byte(jwk))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// ParseEd25519PrivateKey reads an Ed25519 private key given as a PEM
// "PRIVATE KEY" block (PKCS#8, what `openssl genpkey -algorithm ed25519`
// writes and GenerateEd25519PEM makes), or as the raw 32-byte seed in hex
// or base64 (standard or URL alphabet, padded or not). Errors never quote
// the input.
func ParseEd25519PrivateKey(pemOrSeed []byte) (ed25519.PrivateKey, error) {
	trimmed := bytes.TrimSpace(pemOrSeed)
	if len(trimmed) == 0 {
		return nil, errors.New("empty Ed25519 key")
	}
	if bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		block, rest := pem.Decode(trimmed)
		if block == nil {
			return nil, errors.New("malformed PEM")
		}
		if len(bytes.TrimSpace(rest)) != 0 {
			return nil, errors.New("more than one PEM block where one private key was expected")
		}
		return privateFromBlock(block)
	}
	seed, err := decodeSeed(string(trimmed))
	if err != nil {
		return nil, err
	}
	return ed25519.NewKeyFromSeed(seed), nil
}

func privateFromBlock(block *pem.Block) (ed25519.PrivateKey, error) {
	if block.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("PEM block %q: want PRIVATE KEY (PKCS#8)", block.Type)
	}
	key, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, errors.New("PEM block is not a PKCS#8 private key")
	}
	priv, ok := key.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("PKCS#8 key is %T, want Ed25519", key)
	}
	return priv, nil
}

func decodeSeed(s string) ([]byte, error) {
	decoders := []func(string) ([]byte, error){
		hex.DecodeString,
		base64.StdEncoding.DecodeString,
		base64.RawStdEncoding.DecodeString,
		base64.URLEncoding.DecodeString,
		base64.RawURLEncoding.DecodeString,
	}
	for _, dec := range decoders {
		if b, err := dec(s); err == nil && len(b) == ed25519.SeedSize {
			return b, nil
		}
	}
	return nil, fmt.Errorf("not a PEM private key nor a %d-byte seed in hex or base64", ed25519.SeedSize)
}

// parsePublicKeys reads every key in material: PEM private or public key
// blocks, or one raw seed.
func parsePublicKeys(material []byte) ([]ed25519.PublicKey, error) {
	trimmed := bytes.TrimSpace(material)
	if !bytes.HasPrefix(trimmed, []byte("-----BEGIN")) {
		priv, err := ParseEd25519PrivateKey(trimmed)
		if err != nil {
			return nil, err
		}
		return []ed25519.PublicKey{priv.Public().(ed25519.PublicKey)}, nil
	}
	var out []ed25519.PublicKey
	for rest := trimmed; len(bytes.TrimSpace(rest)) > 0; {
		var block *pem.Block
		block, rest = pem.Decode(rest)
		if block == nil {
			return nil, errors.New("malformed PEM")
		}
		switch block.Type {
		case "PRIVATE KEY":
			priv, err := privateFromBlock(block)
			if err != nil {
				return nil, err
			}
			out = append(out, priv.Public().(ed25519.PublicKey))
		case "PUBLIC KEY":
			key, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, errors.New("PEM block is not a PKIX public key")
			}
			pub, ok := key.(ed25519.PublicKey)
			if !ok {
				return nil, fmt.Errorf("PKIX key is %T, want Ed25519", key)
			}
			out = append(out, pub)
		default:
			return nil, fmt.Errorf("PEM block %q: want PRIVATE KEY or PUBLIC KEY", block.Type)
		}
	}
	return out, nil
}

// GenerateEd25519PEM makes a fresh signing key as a PKCS#8 PEM block, the
// form ParseEd25519PrivateKey reads: what the dev stack writes into its
// secrets on first start.
func GenerateEd25519PEM() ([]byte, error) {
	_, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("generate Ed25519 key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("encode Ed25519 key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// PublicKeyPEM answers the current verification key as a PKIX PEM block,
// for handing to another service that verifies Slipway's tokens or for
// keeping as a previous key after rotation.
func (k *KeySet) PublicKeyPEM() []byte {
	der, err := x509.MarshalPKIXPublicKey(k.current.Public())
	if err != nil {
		// Ed25519 public keys always marshal.
		panic(fmt.Sprintf("marshal Ed25519 public key: %v", err))
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der})
}
