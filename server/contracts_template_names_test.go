package server

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
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

// The deploy path plans (and records) the derived identifier, and checks
// constructor arguments against the defaults' parameters.
func TestPlanDeploymentTemplateDisplayName(t *testing.T) {
	owner := structpb.NewStringValue("0x" + strings.Repeat("ab", 20))
	req := &slipwayv1.CreateDeploymentRequest{Network: "dev",
		Template: &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "Bar Token", Symbol: "BAR",
			Options: &slipwayv1.TemplateOptions{Premint: "1000"}},
		ConstructorArgs: []*structpb.Value{owner}}
	plan, err := planDeployment(req)
	require.NoError(t, err)
	assert.Equal(t, "BarToken", plan.contractName)
	req.ContractName = "BarToken"
	_, err = planDeployment(req)
	require.NoError(t, err)
	req.ContractName = "Bar_Token"
	_, err = planDeployment(req)
	require.ErrorContains(t, err, `does not match the template's contract "BarToken"`)

	// ERC1155's setURI is on unless turned off, and needs an owner.
	items := &slipwayv1.CreateDeploymentRequest{Network: "dev",
		Template: &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC1155, Name: "Bar Items"}}
	_, err = planDeployment(items)
	require.ErrorContains(t, err, "address initialOwner")
	items.ConstructorArgs = []*structpb.Value{owner}
	plan, err = planDeployment(items)
	require.NoError(t, err)
	assert.Equal(t, "BarItems", plan.contractName)
	items.ConstructorArgs = nil
	items.Template.Options = &slipwayv1.TemplateOptions{UpdatableUri: proto.Bool(false)}
	_, err = planDeployment(items)
	require.NoError(t, err)
}
