package server

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// fakeCompiler answers by the source: "ok" compiles, "broken" fails with
// diagnostics, "old" names a missing compiler, anything else is a fault.
type fakeCompiler struct{}

func (fakeCompiler) Compile(_ context.Context, req *slipwayv1.CompileContractRequest) (*slipwayv1.CompileContractResponse, error) {
	switch req.GetSource() {
	case "ok":
		return &slipwayv1.CompileContractResponse{CompilerVersion: "0.8.37", Contracts: []*slipwayv1.CompiledContract{{Name: "A", Abi: "[]", Bytecode: "0x6080"}}}, nil
	case "broken":
		return nil, fmt.Errorf("run compile workflow: %w", &compile.CompileError{Diagnostics: []compileapi.Diagnostic{
			{Severity: compileapi.SeverityWarning, File: "Contract.sol", Line: 1, Column: 1, Message: "SPDX license identifier not provided"},
			{Severity: compileapi.SeverityError, File: "Contract.sol", Line: 3, Column: 13, Message: "Expected ';' but got '}'", Code: "2314"},
		}})
	case "old":
		return nil, fmt.Errorf("%w: compiler version 0.8.1 is not installed (installed: 0.8.37)", compile.ErrNoCompiler)
	}
	return nil, fmt.Errorf("dial temporal: connection refused")
}

func withCompiler(c Compiler) envOption {
	return func(_ *Config, d *Deps) { d.Services.Contracts = NewContractServiceWithCompiler(c) }
}

func TestCompileContractOverConnect(t *testing.T) {
	env := newEnv(t, withCompiler(fakeCompiler{}))
	client := slipwayv1connect.NewContractServiceClient(h1Client, env.srv.URL)
	ctx := context.Background()

	res, err := client.CompileContract(ctx, connect.NewRequest(&slipwayv1.CompileContractRequest{Source: "ok"}))
	require.NoError(t, err)
	assert.Equal(t, "0x6080", res.Msg.GetContracts()[0].GetBytecode())

	_, err = client.CompileContract(ctx, connect.NewRequest(&slipwayv1.CompileContractRequest{Source: "broken"}))
	require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	var cerr *connect.Error
	require.ErrorAs(t, err, &cerr)
	assert.Equal(t, "compilation failed: Contract.sol:3:13: error: Expected ';' but got '}'", cerr.Message())
	var details *slipwayv1.CompileErrorDetails
	for _, d := range cerr.Details() {
		v, derr := d.Value()
		require.NoError(t, derr)
		if cd, ok := v.(*slipwayv1.CompileErrorDetails); ok {
			details = cd
		}
	}
	require.NotNil(t, details, "no CompileErrorDetails detail")
	require.Len(t, details.GetDiagnostics(), 2)
	assert.Equal(t, uint32(3), details.GetDiagnostics()[1].GetLine())
	assert.Equal(t, uint32(13), details.GetDiagnostics()[1].GetColumn())
	assert.Equal(t, "2314", details.GetDiagnostics()[1].GetCode())

	_, err = client.CompileContract(ctx, connect.NewRequest(&slipwayv1.CompileContractRequest{Source: "old"}))
	assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "installed: 0.8.37")

	_, err = client.CompileContract(ctx, connect.NewRequest(&slipwayv1.CompileContractRequest{Source: "fault"}))
	assert.Equal(t, connect.CodeInternal, connect.CodeOf(err), "%v", err)
	assert.NotContains(t, err.Error(), "connection refused")
}

func TestCompileContractOverREST(t *testing.T) {
	env := newEnv(t, withCompiler(fakeCompiler{}))
	a := env.do(t, "POST", "/api/v1/contracts/compile", "application/json", strings.NewReader(`{"source":"broken"}`))
	require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
		Details []struct {
			Type        string `json:"@type"`
			Diagnostics []struct {
				File   string `json:"file"`
				Line   int    `json:"line"`
				Column int    `json:"column"`
			} `json:"diagnostics"`
		} `json:"details"`
	}
	require.NoError(t, json.Unmarshal(a.body, &st), "%s", a.body)
	assert.Equal(t, int(connect.CodeInvalidArgument), st.Code)
	assert.True(t, strings.HasPrefix(st.Message, "compilation failed: Contract.sol:3:13"), st.Message)
	require.Len(t, st.Details, 1, "%s", a.body)
	assert.Equal(t, "type.googleapis.com/slipway.v1.CompileErrorDetails", st.Details[0].Type)
	require.Len(t, st.Details[0].Diagnostics, 2)
	assert.Equal(t, 3, st.Details[0].Diagnostics[1].Line)
	assert.Equal(t, 13, st.Details[0].Diagnostics[1].Column)

	a = env.do(t, "POST", "/api/v1/contracts/compile", "application/json", strings.NewReader(`{"source":"ok"}`))
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	assert.Contains(t, string(a.body), `"bytecode":"0x6080"`)
}
