package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The template's name is the token's display name, as in the OpenZeppelin
// Wizard; REST clients get the derived identifier, and unset options take
// the Wizard's defaults while explicit ones are honoured.
func TestGenerateContractDisplayNameOverREST(t *testing.T) {
	env := newEnv(t)
	gen := func(body string) httpAnswer {
		return env.do(t, http.MethodPost, "/api/v1/contracts/generate", "application/json", strings.NewReader(body))
	}
	var got struct{ Source, ContractName string }

	a := gen(`{"template":{"kind":"ERC20","name":"Café Token","symbol":"CAFE"}}`)
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	require.NoError(t, json.Unmarshal(a.body, &got))
	assert.Equal(t, "CafeToken", got.ContractName)
	assert.Contains(t, got.Source, `contract CafeToken is ERC20, ERC20Permit {`)
	assert.Contains(t, got.Source, `ERC20(unicode"Café Token", "CAFE")`)

	a = gen(`{"template":{"kind":"ERC20","name":"Bar Token","symbol":"BAR","options":{"permit":false}}}`)
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	require.NoError(t, json.Unmarshal(a.body, &got))
	assert.Equal(t, "BarToken", got.ContractName)
	assert.NotContains(t, got.Source, "Permit")

	a = gen(`{"template":{"kind":"ERC1155","name":"Bar Items","options":{"updatableUri":false}}}`)
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	require.NoError(t, json.Unmarshal(a.body, &got))
	assert.NotContains(t, got.Source, "setURI")

	for body, want := range map[string]string{
		`{"template":{"kind":"ERC20","name":"123 ¥","symbol":"X"}}`:      "gives no contract identifier",
		`{"template":{"kind":"ERC20","name":"Bar\nToken","symbol":"X"}}`: "template.name",
		`{"template":{"kind":"ERC20","name":"ERC 20","symbol":"X"}}`:     `"ERC20", which collides`,
	} {
		a := gen(body)
		require.Equal(t, http.StatusBadRequest, a.status, "%s: %s", body, a.body)
		code, msg := restError(t, a)
		assert.Equal(t, int(connect.CodeInvalidArgument), code)
		assert.Contains(t, msg, want, body)
	}
}
