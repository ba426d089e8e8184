package identity

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseScopes(t *testing.T) {
	s, err := ParseScopes([]string{"keys", "read"})
	require.NoError(t, err)
	assert.Equal(t, []string{"read", "keys"}, s.Names(), "canonical order")
	assert.True(t, s.Has(ScopeRead))
	assert.False(t, s.Has(ScopeDeploy))

	none, err := ParseScopes(nil)
	require.NoError(t, err)
	assert.Equal(t, Scopes(0), none)
	assert.Equal(t, []string{}, none.Names())

	_, err = ParseScopes([]string{"read", "read"})
	assert.ErrorContains(t, err, `scope "read" given twice`)
	_, err = ParseScopes([]string{"admin"})
	assert.ErrorContains(t, err, `unknown scope "admin"`)
	_, err = ParseScopes([]string{"READ"})
	assert.Error(t, err, "names are case-sensitive, as the proto's rule is")
	assert.False(t, Scope("").Valid())
}

func TestDefaultAndAllScopes(t *testing.T) {
	assert.Equal(t, []string{"read", "deploy", "contracts"}, DefaultAPIKeyScopes.Names())
	assert.Equal(t, []string{"read", "deploy", "contracts", "keys"}, AllScopes.Names())
	assert.Equal(t, AllScopes.Names(), ScopeNames())
	assert.True(t, AllScopes.Covers(DefaultAPIKeyScopes))
	assert.False(t, DefaultAPIKeyScopes.Covers(AllScopes))
	assert.Equal(t, "keys", AllScopes.Minus(DefaultAPIKeyScopes).String())
}

func TestPrincipalHasScope(t *testing.T) {
	bearer := Principal{Method: MethodBearer}
	for _, s := range ScopeNames() {
		assert.True(t, bearer.HasScope(Scope(s)), "bearer callers hold %s", s)
	}
	assert.Equal(t, AllScopes, bearer.EffectiveScopes())

	readOnly := Principal{Method: MethodAPIKey, Scopes: ScopeRead.set()}
	assert.True(t, readOnly.HasScope(ScopeRead))
	assert.False(t, readOnly.HasScope(ScopeDeploy))
	assert.False(t, readOnly.HasScope(ScopeContracts))
	assert.False(t, readOnly.HasScope(ScopeKeys))

	assert.False(t, Principal{Method: MethodAPIKey}.HasScope(ScopeRead), "a key without scopes fails closed")
	assert.False(t, Principal{}.HasScope(ScopeRead), "so does a principal of no method")
}

func TestStoredScopesIsLenient(t *testing.T) {
	assert.Equal(t, []string{"read", "deploy"}, StoredScopes([]string{"deploy", "read", "deploy", "admin"}).Names())
	assert.Equal(t, Scopes(0), StoredScopes(nil))
}
