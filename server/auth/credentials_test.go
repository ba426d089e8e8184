package auth

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAPIKeyFormat(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		key, prefix, hash, err := newAPIKey()
		require.NoError(t, err)
		assert.Regexp(t, apiKeyPattern, key)
		assert.Len(t, key, APIKeyLen)
		assert.Equal(t, key[:12], prefix)
		assert.Equal(t, hashSecret(key), hash)
		got, err := ParseAPIKey(key)
		require.NoError(t, err)
		assert.Equal(t, prefix, got)
		assert.False(t, seen[prefix])
		seen[prefix] = true
	}
	key, _, _, err := newAPIKey()
	require.NoError(t, err)
	for name, k := range map[string]string{
		"empty":            "",
		"other scheme":     "sk" + key[2:],
		"upper prefix":     key[:4] + strings.ToUpper(key[4:12]) + key[12:],
		"no separator":     key[:12] + "-" + key[13:],
		"short":            key[:len(key)-1],
		"long":             key + "A",
		"bad base64":       key[:len(key)-1] + "*",
		"padded":           key[:len(key)-1] + "=",
		"non-canonical":    key[:len(key)-1] + nonCanonicalLast(key[len(key)-1]),
		"space inside":     key[:20] + " " + key[21:],
		"unicode in place": key[:5] + "é" + key[7:],
	} {
		_, err := ParseAPIKey(k)
		assert.ErrorIs(t, err, ErrMalformedAPIKey, name)
	}
}

// nonCanonicalLast answers a last base64url character that decodes to the
// same bytes as c but sets the unused low bits, a second spelling of the
// same secret that strict decoding refuses.
func nonCanonicalLast(c byte) string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	i := strings.IndexByte(alphabet, c)
	return string(alphabet[i|1])
}

func TestRefreshTokenFormat(t *testing.T) {
	tok, hash, err := newRefreshToken()
	require.NoError(t, err)
	assert.Len(t, tok, 43)
	assert.True(t, validRefreshToken(tok))
	assert.Equal(t, hashSecret(tok), hash)
	assert.Len(t, hash, 32)
	assert.False(t, validRefreshToken(tok[:42]))
	assert.False(t, validRefreshToken(tok+"="))
	assert.False(t, validRefreshToken(strings.Repeat("!", 43)))
}

// FuzzParseAPIKey: never panics; accepts only the one canonical shape, and
// then answers the key's first 12 characters as the prefix.
func FuzzParseAPIKey(f *testing.F) {
	key, _, _, err := newAPIKey()
	require.NoError(f, err)
	f.Add(key)
	f.Add(key[:len(key)-1] + "B")
	f.Add("slw_abcdefgh_")
	f.Add("slw_" + strings.Repeat("_", 52))
	f.Add("")
	f.Fuzz(func(t *testing.T, k string) {
		prefix, err := ParseAPIKey(k)
		if err != nil {
			return
		}
		if len(k) != APIKeyLen || prefix != k[:12] || !apiKeyPattern.MatchString(k) {
			t.Fatalf("accepted %q with prefix %q", k, prefix)
		}
	})
}

func TestSessionCache(t *testing.T) {
	c := newSessionCache(2*time.Second, 3)
	now := time.Now()
	id := uuid.New()
	active := sessionState{userID: uuid.New(), tier: "free", active: true, expiresAt: now.Add(time.Hour)}
	c.put(id, active, now)
	got, ok := c.get(id, now.Add(time.Second))
	assert.True(t, ok)
	assert.Equal(t, active, got)
	_, ok = c.get(id, now.Add(2*time.Second))
	assert.False(t, ok, "stale after the ttl")

	// Revocation is final: kept past the ttl, never overwritten by an
	// active state fetched before it.
	c.revoke(id, now)
	c.put(id, active, now.Add(time.Millisecond))
	got, ok = c.get(id, now.Add(time.Hour))
	assert.True(t, ok)
	assert.False(t, got.active)

	// Bounded: the fourth entry evicts stale ones, or everything.
	for range 10 {
		c.put(uuid.New(), active, now)
	}
	assert.LessOrEqual(t, len(c.m), 3)
}
