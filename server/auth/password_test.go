package auth

import (
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var phcPattern = regexp.MustCompile(`^\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$`)

func TestHashAndVerifyPassword(t *testing.T) {
	h, err := HashPassword("correct horse battery", fastParams)
	require.NoError(t, err)
	m := phcPattern.FindStringSubmatch(h)
	require.NotNil(t, m, "hash %q is not a PHC argon2id string", h)
	assert.Equal(t, []string{"1024", "1", "1"}, m[1:])

	ok, err := VerifyPassword("correct horse battery", h)
	require.NoError(t, err)
	assert.True(t, ok)
	ok, err = VerifyPassword("correct horse batterY", h)
	require.NoError(t, err)
	assert.False(t, ok)

	h2, err := HashPassword("correct horse battery", fastParams)
	require.NoError(t, err)
	assert.NotEqual(t, h, h2, "salts must differ")
	assert.False(t, NeedsRehash(h, fastParams))
	assert.True(t, NeedsRehash(h, DefaultPasswordParams))
	assert.True(t, NeedsRehash("garbage", fastParams))
}

func TestDefaultPasswordParams(t *testing.T) {
	require.NoError(t, DefaultPasswordParams.validate())
	h, err := HashPassword("a long enough password", DefaultPasswordParams)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(h, "$argon2id$v=19$m=65536,t=2,p=2$"), h)
	ok, err := VerifyPassword("a long enough password", h)
	require.NoError(t, err)
	assert.True(t, ok)
}

func TestVerifyRefusesMalformedHashes(t *testing.T) {
	good, err := HashPassword("pw", fastParams)
	require.NoError(t, err)
	parts := strings.Split(good, "$")
	for name, h := range map[string]string{
		"empty":            "",
		"argon2i":          strings.Replace(good, "argon2id", "argon2i", 1),
		"old version":      strings.Replace(good, "v=19", "v=16", 1),
		"huge memory":      strings.Replace(good, "m=1024", "m=99999999", 1),
		"zero time":        strings.Replace(good, "t=1", "t=0", 1),
		"threads overflow": strings.Replace(good, "p=1", "p=256", 1),
		"reordered params": strings.Replace(good, "m=1024,t=1", "t=1,m=1024", 1),
		"bad salt":         strings.Join([]string{"", parts[1], parts[2], parts[3], "!!!", parts[5]}, "$"),
		"short salt":       strings.Join([]string{"", parts[1], parts[2], parts[3], "AAAA", parts[5]}, "$"),
		"padded hash":      good + "==",
		"extra field":      good + "$x",
	} {
		ok, err := VerifyPassword("pw", h)
		assert.False(t, ok, name)
		assert.ErrorIs(t, err, errMalformedHash, name)
	}
}

func TestCheckPassword(t *testing.T) {
	weak := map[string]string{
		"short":             "Xq7!mZ2#",
		"common list":       "passwordpassword",
		"common list case":  "PasswordPassword",
		"digits run":        "123456789012",
		"digits run wraps":  "890123456789",
		"reverse run":       "987654321098",
		"alphabet":          "abcdefghijklm",
		"keyboard row":      "qwertyuiopasd",
		"keyboard columns":  "1qaz2wsx3edc",
		"one char":          "aaaaaaaaaaaaaaaa",
		"few distinct":      "abababababab",
		"short unit":        "xk9!2mxk9!2m",
		"common word twice": "sunshinesunshine",
		"word plus digits":  "Password2024!",
		"leet word":         "P@ssw0rd!!2024",
		"email local":       "alice.smith2024",
		"email doubled":     "alice.smithalice.smith",
		"email domain":      "example20242024",
		"whole email":       "alice.smith@example.com",
		"brand":             "slipway123456",
	}
	for name, pw := range weak {
		err := CheckPassword(pw, " Alice.Smith@Example.com ")
		var w *WeakPasswordError
		if assert.ErrorAs(t, err, &w, "%s: %q accepted", name, pw) {
			assert.NotContains(t, w.Error(), pw, "the message must not echo the password")
		}
	}
	for _, pw := range []string{
		"violet-anchor-tundra-42",
		"correct horse battery staple", // four words: long is what counts
		"Tr0ub4dor&3-is-not-enough",
		"alice-loves-long-mountain-walks",
		"ジョンのパスワードは長い", // twelve characters, not bytes
	} {
		assert.NoError(t, CheckPassword(pw, "alice.smith@example.com"), pw)
	}
}

func TestCommonListIsCompiled(t *testing.T) {
	assert.Greater(t, len(commonPasswords), 300)
	for pw := range commonPasswords {
		assert.GreaterOrEqual(t, len(pw), MinPasswordLen, "%q is shorter than the policy allows anyway", pw)
		assert.Equal(t, strings.ToLower(pw), pw)
	}
}

// BenchmarkHashPassword measures the default argon2id cost; DefaultPasswordParams
// states the figure.
func BenchmarkHashPassword(b *testing.B) {
	for b.Loop() {
		if _, err := HashPassword("violet-anchor-tundra-42", DefaultPasswordParams); err != nil {
			b.Fatal(err)
		}
	}
}
