package signer

import (
	"bytes"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/crypto"
)

func mustMarshal(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// derSeeds are signatures KMS could answer and near misses.
func derSeeds(t testing.TB) [][]byte {
	one := big.NewInt(1)
	nMinus1 := new(big.Int).Sub(secp256k1N, one)
	high := new(big.Int).Add(secp256k1HalfN, one)
	valid := mustMarshal(t, ecdsaSignature{big.NewInt(12345), high})
	return [][]byte{
		valid,
		mustMarshal(t, ecdsaSignature{one, one}),
		mustMarshal(t, ecdsaSignature{nMinus1, nMinus1}),
		mustMarshal(t, ecdsaSignature{secp256k1N, one}),        // r = N
		mustMarshal(t, ecdsaSignature{big.NewInt(0), one}),     // r = 0
		mustMarshal(t, ecdsaSignature{big.NewInt(-5), one}),    // negative
		append(append([]byte(nil), valid...), 0),               // trailing byte
		{0x30, 0x81, 0x06, 0x02, 0x01, 0x01, 0x02, 0x01, 0x01}, // long-form length
		{0x30, 0x07, 0x02, 0x02, 0x00, 0x01, 0x02, 0x01, 0x01}, // padded integer
		{0x30, 0x00},
		{},
	}
}

func TestParseDER(t *testing.T) {
	seeds := derSeeds(t)
	for i, der := range seeds {
		r, s, err := parseDER(der)
		wantOK := i <= 2
		if (err == nil) != wantOK {
			t.Errorf("seed %d (% x): err %v, want ok=%v", i, der, err, wantOK)
			continue
		}
		if err == nil && !bytes.Equal(mustMarshal(t, ecdsaSignature{r, s}), der) {
			t.Errorf("seed %d: parsed values do not re-encode to the input", i)
		}
	}
}

// FuzzParseDER checks that parseDER never panics and accepts only
// canonical DER with r and s in [1, N-1].
func FuzzParseDER(f *testing.F) {
	for _, s := range derSeeds(f) {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, der []byte) {
		r, s, err := parseDER(der)
		if err != nil {
			return
		}
		for _, v := range []*big.Int{r, s} {
			if v.Sign() <= 0 || v.Cmp(secp256k1N) >= 0 {
				t.Fatalf("accepted out-of-range value %s", v)
			}
		}
		if !bytes.Equal(mustMarshal(t, ecdsaSignature{r, s}), der) {
			t.Fatalf("accepted non-canonical encoding % x", der)
		}
	})
}

func spki(t testing.TB, alg, curve asn1.ObjectIdentifier, point []byte) []byte {
	t.Helper()
	return mustMarshal(t, subjectPublicKeyInfo{
		Algorithm: pkix.AlgorithmIdentifier{Algorithm: alg, Parameters: asn1.RawValue{FullBytes: mustMarshal(t, curve)}},
		PublicKey: asn1.BitString{Bytes: point, BitLength: 8 * len(point)},
	})
}

func TestPublicKeyAddress(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	want := crypto.PubkeyToAddress(key.PublicKey)
	for name, der := range map[string][]byte{
		"uncompressed": spki(t, oidECPublicKey, oidSecp256k1, crypto.FromECDSAPub(&key.PublicKey)),
		"compressed":   spki(t, oidECPublicKey, oidSecp256k1, crypto.CompressPubkey(&key.PublicKey)),
	} {
		got, err := publicKeyAddress(der)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got != want {
			t.Fatalf("%s: address %s, want %s", name, got, want)
		}
	}
	p256 := asn1.ObjectIdentifier{1, 2, 840, 10045, 3, 1, 7}
	offCurve := crypto.FromECDSAPub(&key.PublicKey)
	offCurve[64] ^= 1
	for name, der := range map[string][]byte{
		"P-256 curve":  spki(t, oidECPublicKey, p256, crypto.FromECDSAPub(&key.PublicKey)),
		"RSA":          spki(t, asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}, oidSecp256k1, crypto.FromECDSAPub(&key.PublicKey)),
		"off curve":    spki(t, oidECPublicKey, oidSecp256k1, offCurve),
		"short point":  spki(t, oidECPublicKey, oidSecp256k1, []byte{4, 1, 2}),
		"trailing":     append(spki(t, oidECPublicKey, oidSecp256k1, crypto.FromECDSAPub(&key.PublicKey)), 0),
		"empty":        nil,
		"not sequence": {0x02, 0x01, 0x01},
	} {
		if _, err := publicKeyAddress(der); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzPublicKeyAddress checks that the SubjectPublicKeyInfo parser never
// panics on what a KMS (or something posing as one) answers.
func FuzzPublicKeyAddress(f *testing.F) {
	key, err := crypto.GenerateKey()
	if err != nil {
		f.Fatal(err)
	}
	f.Add(spki(f, oidECPublicKey, oidSecp256k1, crypto.FromECDSAPub(&key.PublicKey)))
	f.Add(spki(f, oidECPublicKey, oidSecp256k1, crypto.CompressPubkey(&key.PublicKey)))
	f.Fuzz(func(t *testing.T, der []byte) {
		_, _ = publicKeyAddress(der)
	})
}
