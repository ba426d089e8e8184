package auth

import (
	"crypto/ed25519"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/golang-jwt/jwt/v5"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

func testKeySet(t testing.TB) (*KeySet, ed25519.PrivateKey) {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	ks, err := NewKeySet(priv)
	require.NoError(t, err)
	return ks, priv
}

func testIssuer(ks *KeySet, now func() time.Time) *tokenIssuer {
	cfg, err := Config{Password: fastParams}.withDefaults()
	if err != nil {
		panic(err)
	}
	return newTokenIssuer(ks, cfg, now)
}

// sign makes a token with any method, key and header, as an attacker could.
func sign(t testing.TB, method jwt.SigningMethod, key any, kid any, claims jwt.Claims) string {
	t.Helper()
	tok := jwt.NewWithClaims(method, claims)
	if kid != nil {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(key)
	require.NoError(t, err)
	return s
}

// validClaims answers the claims a genuine token for (user, session) has.
func validClaims(user, session uuid.UUID, now time.Time) AccessClaims {
	return AccessClaims{
		SessionID: session.String(),
		Tier:      "free",
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer:    DefaultIssuer,
			Subject:   user.String(),
			Audience:  jwt.ClaimStrings{DefaultAudience},
			ExpiresAt: jwt.NewNumericDate(now.Add(15 * time.Minute)),
			NotBefore: jwt.NewNumericDate(now),
			IssuedAt:  jwt.NewNumericDate(now),
			ID:        uuid.NewString(),
		},
	}
}

// attackTokens are tokens that must all be refused by a verifier holding
// only ks, for the given genuine user and session.
func attackTokens(t testing.TB, ks *KeySet, priv ed25519.PrivateKey, user, session uuid.UUID) map[string]string {
	t.Helper()
	now := time.Now()
	kid := ks.CurrentKID()
	pub := priv.Public().(ed25519.PublicKey)
	pubDER, err := x509.MarshalPKIXPublicKey(pub)
	require.NoError(t, err)
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER})
	_, other, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)

	with := func(f func(c *AccessClaims)) AccessClaims {
		c := validClaims(user, session, now)
		f(&c)
		return c
	}
	genuine := sign(t, jwt.SigningMethodEdDSA, priv, kid, validClaims(user, session, now))
	parts := strings.Split(genuine, ".")
	forged := validClaims(uuid.New(), session, now)
	forgedPayload, err := json.Marshal(forged)
	require.NoError(t, err)

	none := jwt.NewWithClaims(jwt.SigningMethodNone, validClaims(user, session, now))
	none.Header["kid"] = kid
	noneToken, err := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	require.NoError(t, err)

	return map[string]string{
		"expired": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(-time.Hour))
			c.NotBefore = c.IssuedAt
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-45 * time.Minute))
		})),
		"expired just past leeway": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.ExpiresAt = jwt.NewNumericDate(now.Add(-DefaultLeeway - 2*time.Second))
			c.IssuedAt = jwt.NewNumericDate(now.Add(-time.Minute))
			c.NotBefore = c.IssuedAt
		})),
		"not yet valid": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.NotBefore = jwt.NewNumericDate(now.Add(time.Minute))
		})),
		"issued in the future": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.IssuedAt = jwt.NewNumericDate(now.Add(time.Hour))
		})),
		"tampered payload":  parts[0] + "." + base64.RawURLEncoding.EncodeToString(forgedPayload) + "." + parts[2],
		"tampered sig":      parts[0] + "." + parts[1] + "." + flipLast(parts[2]),
		"alg none":          noneToken,
		"alg none unsigned": base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"JWT","kid":"`+kid+`"}`)) + "." + parts[1] + ".",
		"HS256 with raw public key": sign(t, jwt.SigningMethodHS256, []byte(pub), kid,
			validClaims(user, session, now)),
		"HS256 with PEM public key": sign(t, jwt.SigningMethodHS256, pubPEM, kid,
			validClaims(user, session, now)),
		"unknown kid": sign(t, jwt.SigningMethodEdDSA, other, KeyID(other.Public().(ed25519.PublicKey)),
			validClaims(user, session, now)),
		"other key, our kid": sign(t, jwt.SigningMethodEdDSA, other, kid, validClaims(user, session, now)),
		"no kid":             sign(t, jwt.SigningMethodEdDSA, priv, nil, validClaims(user, session, now)),
		"numeric kid":        sign(t, jwt.SigningMethodEdDSA, priv, 7, validClaims(user, session, now)),
		"wrong audience": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.Audience = jwt.ClaimStrings{"someone-else"}
		})),
		"no audience": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.Audience = nil
		})),
		"wrong issuer": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.Issuer = "evil"
		})),
		"no exp": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.ExpiresAt = nil
		})),
		"no nbf": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.NotBefore = nil
		})),
		"sub not a uuid": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.Subject = "admin"
		})),
		"sid not a uuid": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.SessionID = "*"
		})),
		"no jti": sign(t, jwt.SigningMethodEdDSA, priv, kid, with(func(c *AccessClaims) {
			c.ID = ""
		})),
		"garbage":  "not.a.token",
		"empty":    "",
		"too long": strings.Repeat("a", maxTokenLen+1),
	}
}

func flipLast(s string) string {
	b := []byte(s)
	if b[len(b)-2] == 'A' {
		b[len(b)-2] = 'B'
	} else {
		b[len(b)-2] = 'A'
	}
	return string(b)
}

func TestParseAccessTokenRefusesAttacks(t *testing.T) {
	ks, priv := testKeySet(t)
	iss := testIssuer(ks, time.Now)
	user, session := uuid.New(), uuid.New()

	genuine, ttl, err := iss.issue(user, session, "paid")
	require.NoError(t, err)
	assert.Equal(t, 15*time.Minute, ttl)
	v, err := iss.parse(genuine)
	require.NoError(t, err)
	assert.Equal(t, user, v.userID)
	assert.Equal(t, session, v.sessionID)
	assert.Equal(t, "paid", v.tier)

	for name, tok := range attackTokens(t, ks, priv, user, session) {
		_, err := iss.parse(tok)
		if assert.Error(t, err, name) {
			assert.True(t, isTokenError(err), "%s: %v", name, err)
		}
	}
	_, err = iss.parse(attackTokens(t, ks, priv, user, session)["expired"])
	assert.ErrorIs(t, err, ErrTokenExpired)
}

func isTokenError(err error) bool {
	return errors.Is(err, ErrTokenInvalid) || errors.Is(err, ErrTokenExpired)
}

func TestTokenClaimsAndLeeway(t *testing.T) {
	ks, _ := testKeySet(t)
	issuedAt := time.Now()
	iss := testIssuer(ks, func() time.Time { return issuedAt })
	tok, _, err := iss.issue(uuid.New(), uuid.New(), "free")
	require.NoError(t, err)

	// The header names the algorithm and the key.
	header, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[0])
	require.NoError(t, err)
	var h map[string]any
	require.NoError(t, json.Unmarshal(header, &h))
	assert.Equal(t, "EdDSA", h["alg"])
	assert.Equal(t, ks.CurrentKID(), h["kid"])

	payload, err := base64.RawURLEncoding.DecodeString(strings.Split(tok, ".")[1])
	require.NoError(t, err)
	var c map[string]any
	require.NoError(t, json.Unmarshal(payload, &c))
	for _, k := range []string{"sub", "sid", "tier", "iss", "aud", "exp", "nbf", "iat", "jti"} {
		assert.Contains(t, c, k)
	}

	at := func(d time.Duration) *tokenIssuer {
		return testIssuer(ks, func() time.Time { return issuedAt.Add(d) })
	}
	_, err = at(15*time.Minute + DefaultLeeway - time.Second).parse(tok)
	assert.NoError(t, err, "within the leeway after exp")
	_, err = at(15*time.Minute + DefaultLeeway + time.Second).parse(tok)
	assert.ErrorIs(t, err, ErrTokenExpired)
	_, err = at(-DefaultLeeway + time.Second).parse(tok)
	assert.NoError(t, err, "clock skew within the leeway")
	_, err = at(-DefaultLeeway - 2*time.Second).parse(tok)
	assert.ErrorIs(t, err, ErrTokenInvalid)
}

func TestKeyRotation(t *testing.T) {
	_, oldKey, _ := ed25519.GenerateKey(nil)
	_, newKey, _ := ed25519.GenerateKey(nil)
	before, err := NewKeySet(oldKey)
	require.NoError(t, err)
	during, err := NewKeySet(newKey, oldKey.Public().(ed25519.PublicKey))
	require.NoError(t, err)
	after, err := NewKeySet(newKey)
	require.NoError(t, err)

	oldToken, _, err := testIssuer(before, time.Now).issue(uuid.New(), uuid.New(), "free")
	require.NoError(t, err)
	newToken, _, err := testIssuer(during, time.Now).issue(uuid.New(), uuid.New(), "free")
	require.NoError(t, err)

	_, err = testIssuer(during, time.Now).parse(oldToken)
	assert.NoError(t, err, "a previous key still verifies")
	_, err = testIssuer(during, time.Now).parse(newToken)
	assert.NoError(t, err)
	_, err = testIssuer(after, time.Now).parse(oldToken)
	assert.ErrorIs(t, err, ErrTokenInvalid, "a removed key no longer verifies")
	_, err = testIssuer(before, time.Now).parse(newToken)
	assert.ErrorIs(t, err, ErrTokenInvalid)
}

// TestTokenAttacksOverHTTP sends every attack token for a real session to
// GetMe over each protocol: all unauthenticated, with the bearer hint.
func TestTokenAttacksOverHTTP(t *testing.T) {
	env := newEnv(t, envOptions{})
	u, pair := env.account(t, "victim@example.com")
	v, err := env.svc.tokens.parse(pair.GetAccessToken())
	require.NoError(t, err)
	attacks := attackTokens(t, env.svc.tokens.keys, env.priv, uuid.MustParse(u.GetId()), v.sessionID)

	for proto := range protocols {
		authc, _, _ := env.clients(proto)
		_, err := authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(pair.GetAccessToken())...))
		require.NoError(t, err, "%s: the genuine token works", proto)
		for name, tok := range attacks {
			if tok == "" {
				continue // an empty bearer is covered by the missing-credentials tests
			}
			_, err := authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(tok)...))
			assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "%s %s: %v", proto, name, err)
		}
	}
	for name, tok := range attacks {
		a := env.rest(t, "GET", "/api/v1/me", nil, bearer(tok)...)
		assert.Equal(t, 401, a.status, "%s: %s", name, a.raw)
		assert.Contains(t, a.header.Get("WWW-Authenticate"), "Bearer", name)
	}
}

// FuzzParseAccessToken: whatever the input, parsing never panics and never
// accepts — the corpus holds genuine tokens' pieces, but no input the
// fuzzer can make is signed by a key it does not have.
func FuzzParseAccessToken(f *testing.F) {
	ks, priv := testKeySet(f)
	iss := testIssuer(ks, time.Now)
	genuine, _, err := iss.issue(uuid.New(), uuid.New(), "free")
	require.NoError(f, err)
	parts := strings.Split(genuine, ".")
	f.Add(parts[0] + "." + parts[1] + ".")
	f.Add(parts[0] + "." + parts[1] + "." + flipLast(parts[2]))
	f.Add(parts[1] + "." + parts[0] + "." + parts[2])
	for _, tok := range attackTokens(f, ks, priv, uuid.New(), uuid.New()) {
		f.Add(tok)
	}
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("..")
	f.Fuzz(func(t *testing.T, tok string) {
		if tok == genuine {
			t.Skip()
		}
		if v, err := iss.parse(tok); err == nil {
			t.Fatalf("accepted a token the fuzzer made: %q → %+v", tok, v)
		}
	})
}
