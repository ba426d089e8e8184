package auth

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

func TestParseEd25519PrivateKey(t *testing.T) {
	pemKey, err := GenerateEd25519PEM()
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(string(pemKey), "-----BEGIN PRIVATE KEY-----"))
	priv, err := ParseEd25519PrivateKey(pemKey)
	require.NoError(t, err)
	seed := priv.Seed()

	for name, in := range map[string]string{
		"pem with spaces":  "\n  " + string(pemKey) + "\n",
		"hex seed":         hex.EncodeToString(seed),
		"base64 seed":      base64.StdEncoding.EncodeToString(seed),
		"raw base64 seed":  base64.RawStdEncoding.EncodeToString(seed),
		"base64url seed":   base64.URLEncoding.EncodeToString(seed),
		"hex with newline": hex.EncodeToString(seed) + "\n",
	} {
		got, err := ParseEd25519PrivateKey([]byte(in))
		require.NoError(t, err, name)
		assert.True(t, priv.Equal(got), name)
	}

	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKCS8PrivateKey(ecKey)
	require.NoError(t, err)
	for name, in := range map[string]string{
		"empty":        "",
		"short seed":   hex.EncodeToString(seed[:31]),
		"garbage":      "not a key at all",
		"ec key":       string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: ecDER})),
		"wrong type":   string(pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: ecDER})),
		"broken pem":   "-----BEGIN PRIVATE KEY-----\nAAAA",
		"two blocks":   string(pemKey) + string(pemKey),
		"public block": string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: []byte{1}})),
	} {
		_, err := ParseEd25519PrivateKey([]byte(in))
		if assert.Error(t, err, name) && len(in) > 8 {
			assert.NotContains(t, err.Error(), in[len(in)/2:], "%s: errors must not quote key material", name)
		}
	}
}

func TestKeyIDIsAStableThumbprint(t *testing.T) {
	// RFC 8037 appendix A.3's key and thumbprint.
	pub, err := base64.RawURLEncoding.DecodeString("11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo")
	require.NoError(t, err)
	assert.Equal(t, "kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k", KeyID(ed25519.PublicKey(pub)))
}

func TestParseKeySet(t *testing.T) {
	cur, err := GenerateEd25519PEM()
	require.NoError(t, err)
	old1, err := GenerateEd25519PEM()
	require.NoError(t, err)
	old2, err := GenerateEd25519PEM()
	require.NoError(t, err)
	old2Set, err := ParseKeySet(old2)
	require.NoError(t, err)

	// Previous keys as private PEM, public PEM, several blocks in one
	// value, or empty.
	ks, err := ParseKeySet(cur, append(append([]byte{}, old1...), old2Set.PublicKeyPEM()...), nil, []byte("  "))
	require.NoError(t, err)
	assert.Len(t, ks.verify, 3)
	curSet, err := ParseKeySet(cur)
	require.NoError(t, err)
	assert.Equal(t, curSet.CurrentKID(), ks.CurrentKID())
	assert.Contains(t, ks.verify, old2Set.CurrentKID())

	_, err = ParseKeySet([]byte("nope"))
	assert.Error(t, err)
	_, err = ParseKeySet(cur, []byte("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n"))
	assert.Error(t, err)
}

// TestKeyRotationOverHTTP: three replicas on one database — before, during
// and after a rotation — accept and refuse each other's tokens as a
// rotation requires.
func TestKeyRotationOverHTTP(t *testing.T) {
	oldPEM, err := GenerateEd25519PEM()
	require.NoError(t, err)
	newPEM, err := GenerateEd25519PEM()
	require.NoError(t, err)
	before, err := ParseKeySet(oldPEM)
	require.NoError(t, err)
	during, err := ParseKeySet(newPEM, oldPEM)
	require.NoError(t, err)
	after, err := ParseKeySet(newPEM)
	require.NoError(t, err)

	a := newEnv(t, envOptions{keys: before})
	b := newEnv(t, envOptions{pool: a.pool, keys: during})
	c := newEnv(t, envOptions{pool: a.pool, keys: after})
	_, oldPair := a.account(t, "rotate@example.com")
	newPair := b.login(t, "rotate@example.com", goodPassword)

	me := func(e *testEnv, tok string) error {
		authc, _, _ := e.clients("connect")
		_, err := authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(tok)...))
		return err
	}
	assert.NoError(t, me(b, oldPair.GetAccessToken()), "the previous key is still accepted")
	assert.NoError(t, me(b, newPair.GetAccessToken()))
	assert.NoError(t, me(c, newPair.GetAccessToken()))
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(me(c, oldPair.GetAccessToken())), "a removed key is refused")
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(me(a, newPair.GetAccessToken())), "an unknown kid is refused")
}
