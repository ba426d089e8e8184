package auth

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
)

// secretLen is the entropy of refresh tokens and API key secrets: 256 bits,
// beyond any online or offline guessing.
const secretLen = 32

// encodedSecretLen is secretLen in unpadded base64url.
const encodedSecretLen = 43

// token64 is unpadded base64url that refuses non-canonical encodings (stray
// low bits in the last character), so each secret has exactly one spelling.
var token64 = base64.RawURLEncoding.Strict()

func randomSecret() (string, error) {
	b := make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("read random secret: %w", err)
	}
	return token64.EncodeToString(b), nil
}

// hashSecret is how refresh tokens and API keys are stored: SHA-256. A fast
// hash is right for them, unlike passwords: they are 256-bit random values,
// so a leaked hash cannot be brute-forced however fast the hash is, and a
// slow hash would only make every authenticated request slower.
func hashSecret(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// newRefreshToken answers an opaque refresh token (256 random bits,
// base64url) and the hash that is stored for it.
func newRefreshToken() (token string, hash []byte, err error) {
	token, err = randomSecret()
	if err != nil {
		return "", nil, err
	}
	return token, hashSecret(token), nil
}

// validRefreshToken reports whether s has the shape of a refresh token, so
// that garbage is refused without a database round trip.
func validRefreshToken(s string) bool {
	if len(s) != encodedSecretLen {
		return false
	}
	b, err := token64.DecodeString(s)
	return err == nil && len(b) == secretLen
}

// API keys look like slw_k3x9q2mf_<43 characters of base64url>:
//   - "slw_" names the issuer, so secret scanners and people recognise a
//     leaked key;
//   - 8 characters from [a-z0-9] (41 bits) are the lookup prefix, unique in
//     the database and shown in listings as "slw_k3x9q2mf";
//   - the rest is the 256-bit secret, of which only a SHA-256 is stored.
const (
	apiKeyScheme    = "slw_"
	apiKeyIDLen     = 8
	apiKeyPrefixLen = len(apiKeyScheme) + apiKeyIDLen // "slw_k3x9q2mf"
	// APIKeyLen is the length of every API key.
	APIKeyLen = apiKeyPrefixLen + 1 + encodedSecretLen
)

const apiKeyIDAlphabet = "abcdefghijklmnopqrstuvwxyz0123456789"

// ErrMalformedAPIKey is an X-API-Key value that is not shaped like a
// Slipway API key; it answers unauthenticated like an unknown key.
var ErrMalformedAPIKey = errors.New("malformed API key")

// newAPIKey answers a fresh key, its display prefix and the hash to store.
func newAPIKey() (key, prefix string, hash []byte, err error) {
	id := make([]byte, apiKeyIDLen)
	// 252 is the largest multiple of 36 below 256: rejecting bytes at or
	// above it keeps every character equally likely.
	buf := make([]byte, 2*apiKeyIDLen)
	for n := 0; n < apiKeyIDLen; {
		if _, err := rand.Read(buf); err != nil {
			return "", "", nil, fmt.Errorf("read random key id: %w", err)
		}
		for _, b := range buf {
			if b < 252 && n < apiKeyIDLen {
				id[n] = apiKeyIDAlphabet[int(b)%len(apiKeyIDAlphabet)]
				n++
			}
		}
	}
	secret, err := randomSecret()
	if err != nil {
		return "", "", nil, err
	}
	prefix = apiKeyScheme + string(id)
	key = prefix + "_" + secret
	return key, prefix, hashSecret(key), nil
}

// ParseAPIKey checks that key is shaped like a Slipway API key and answers
// its lookup prefix. It accepts exactly one spelling of each key: the
// scheme, 8 lower-case alphanumerics, an underscore and 43 characters of
// canonical unpadded base64url encoding 32 bytes.
func ParseAPIKey(key string) (prefix string, err error) {
	if len(key) != APIKeyLen || !strings.HasPrefix(key, apiKeyScheme) || key[apiKeyPrefixLen] != '_' {
		return "", ErrMalformedAPIKey
	}
	for i := len(apiKeyScheme); i < apiKeyPrefixLen; i++ {
		if !strings.ContainsRune(apiKeyIDAlphabet, rune(key[i])) {
			return "", ErrMalformedAPIKey
		}
	}
	b, err := token64.DecodeString(key[apiKeyPrefixLen+1:])
	if err != nil || len(b) != secretLen {
		return "", ErrMalformedAPIKey
	}
	return key[:apiKeyPrefixLen], nil
}
