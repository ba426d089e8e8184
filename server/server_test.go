package server

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/slipway-dev/slipway/activities/generate"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/servertest"
)

var uuidPattern = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`)

// protocolClients builds NetworkService clients for every protocol a client
// may speak on the one port.
func protocolClients(url string) map[string]slipwayv1connect.NetworkServiceClient {
	return map[string]slipwayv1connect.NetworkServiceClient{
		"connect+proto": slipwayv1connect.NewNetworkServiceClient(h1Client, url),
		"connect+json":  slipwayv1connect.NewNetworkServiceClient(h1Client, url, connect.WithProtoJSON()),
		"connect GET":   slipwayv1connect.NewNetworkServiceClient(h1Client, url, connect.WithProtoJSON(), connect.WithHTTPGet()),
		"grpc (h2c)":    slipwayv1connect.NewNetworkServiceClient(servertest.H2CClient(), url, connect.WithGRPC()),
		"grpc+json":     slipwayv1connect.NewNetworkServiceClient(servertest.H2CClient(), url, connect.WithGRPC(), connect.WithProtoJSON()),
		"grpc-web":      slipwayv1connect.NewNetworkServiceClient(h1Client, url, connect.WithGRPCWeb()),
	}
}

func TestListNetworksOverEveryProtocol(t *testing.T) {
	env := newEnv(t)
	want := []*slipwayv1.Network{
		{Name: "dev", ChainId: 31337, Confirmations: 1},
		{Name: "mainnet", ChainId: 1, Confirmations: 12},
		{Name: "sepolia", ChainId: 11155111, Confirmations: 3},
	}
	for name, client := range protocolClients(env.srv.URL) {
		t.Run(name, func(t *testing.T) {
			res, err := client.ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
			require.NoError(t, err)
			require.Len(t, res.Msg.GetNetworks(), len(want))
			for i, n := range res.Msg.GetNetworks() {
				assert.Equal(t, want[i].GetName(), n.GetName())
				assert.Equal(t, want[i].GetChainId(), n.GetChainId())
				assert.Equal(t, want[i].GetConfirmations(), n.GetConfirmations())
			}
			assert.True(t, uuidPattern.MatchString(res.Header().Get(RequestIDHeader)), "request id %q", res.Header().Get(RequestIDHeader))
		})
	}

	t.Run("REST", func(t *testing.T) {
		a := env.do(t, http.MethodGet, "/api/v1/networks", "", nil)
		require.Equal(t, http.StatusOK, a.status, "%s", a.body)
		assert.Equal(t, "application/json", a.header.Get("Content-Type"))
		var got struct {
			Networks []struct {
				Name          string `json:"name"`
				ChainID       string `json:"chainId"` // uint64 is a string in protobuf JSON
				Confirmations uint32 `json:"confirmations"`
			} `json:"networks"`
		}
		require.NoError(t, json.Unmarshal(a.body, &got), "%s", a.body)
		require.Len(t, got.Networks, len(want))
		for i, n := range got.Networks {
			assert.Equal(t, want[i].GetName(), n.Name)
			assert.Equal(t, fmt.Sprint(want[i].GetChainId()), n.ChainID)
			assert.Equal(t, want[i].GetConfirmations(), n.Confirmations)
		}
	})

	t.Run("Connect JSON with no Connect headers and no body", func(t *testing.T) {
		// What `curl -X POST -H 'Content-Type: application/json'` sends.
		a := env.do(t, http.MethodPost, slipwayv1connect.NetworkServiceListNetworksProcedure, "application/json", nil)
		require.Equal(t, http.StatusOK, a.status, "%s", a.body)
		assert.Contains(t, string(a.body), `"name":"dev"`)
	})
}

func TestListNetworksEmpty(t *testing.T) {
	env := newEnv(t, func(c *Config, _ *Deps) { c.Networks = nil })
	a := env.do(t, http.MethodGet, "/api/v1/networks", "", nil)
	require.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `{"networks":[]}`, string(a.body))
}

// spyAuth counts the calls that reach the AuthService implementation.
type spyAuth struct {
	slipwayv1connect.UnimplementedAuthServiceHandler
	calls atomic.Int32
}

func (s *spyAuth) Register(ctx context.Context, req *connect.Request[slipwayv1.RegisterRequest]) (*connect.Response[slipwayv1.RegisterResponse], error) {
	s.calls.Add(1)
	return s.UnimplementedAuthServiceHandler.Register(ctx, req)
}

func TestValidationRefusesBadInputBeforeTheHandler(t *testing.T) {
	spy := &spyAuth{}
	env := newEnv(t, func(_ *Config, d *Deps) { d.Services.Auth = spy })

	t.Run("REST", func(t *testing.T) {
		a := env.do(t, http.MethodPost, "/api/v1/auth/register", "application/json",
			strings.NewReader(`{"email":"not-an-email","password":"correct horse battery staple"}`))
		require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
		code, msg := restError(t, a)
		assert.Equal(t, int(connect.CodeInvalidArgument), code)
		assert.Contains(t, msg, "email")
		assert.NotContains(t, msg, "password")
	})
	t.Run("REST snake_case field names", func(t *testing.T) {
		a := env.do(t, http.MethodPost, "/api/v1/auth/refresh", "application/json", strings.NewReader(`{"refresh_token":""}`))
		require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
		_, msg := restError(t, a)
		assert.Contains(t, msg, "refresh_token")
	})
	for name, opts := range map[string][]connect.ClientOption{
		"Connect": {connect.WithProtoJSON()},
		"gRPC":    {connect.WithGRPC()},
	} {
		t.Run(name, func(t *testing.T) {
			client := slipwayv1connect.NewAuthServiceClient(servertest.H2CClient(), env.srv.URL, opts...)
			_, err := client.Register(t.Context(), connect.NewRequest(&slipwayv1.RegisterRequest{
				Email: "not-an-email", Password: "correct horse battery staple",
			}))
			require.Error(t, err)
			assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err))
			assert.Contains(t, err.Error(), "email")
		})
	}
	assert.Zero(t, spy.calls.Load(), "invalid requests reached the handler")

	// A valid request does reach it, so the zero above means something.
	client := slipwayv1connect.NewAuthServiceClient(h1Client, env.srv.URL)
	_, err := client.Register(t.Context(), connect.NewRequest(&slipwayv1.RegisterRequest{
		Email: "ada@example.com", Password: "correct horse battery staple",
	}))
	assert.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err))
	assert.EqualValues(t, 1, spy.calls.Load())
}

const testUUID = "0b5f2c0e-8d7a-4a51-9d3b-3c2f7a8e9b10"

// unary is a call of f with req in ctx, answering only its error.
func unary[Req, Res any](ctx context.Context, f func(context.Context, *connect.Request[Req]) (*connect.Response[Res], error), req *Req) func() error {
	return func() error {
		_, err := f(ctx, connect.NewRequest(req))
		return err
	}
}

func TestUnwiredRPCsAnswerUnimplemented(t *testing.T) {
	env := newEnv(t)
	ctx := t.Context()
	auth := slipwayv1connect.NewAuthServiceClient(h1Client, env.srv.URL)
	keys := slipwayv1connect.NewApiKeyServiceClient(h1Client, env.srv.URL)
	contracts := slipwayv1connect.NewContractServiceClient(h1Client, env.srv.URL)
	deployments := slipwayv1connect.NewDeploymentServiceClient(h1Client, env.srv.URL)
	tmpl := &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "MyToken", Symbol: "MTK"}
	source := "pragma solidity ^0.8.24; contract C {}"

	calls := map[string]struct {
		call       func() error
		capability string
	}{
		"Register":         {unary(ctx, auth.Register, &slipwayv1.RegisterRequest{Email: "ada@example.com", Password: "correct horse battery"}), "slipway.v1.AuthService.Register is not implemented"},
		"Login":            {unary(ctx, auth.Login, &slipwayv1.LoginRequest{Email: "ada@example.com", Password: "x"}), "is not implemented"},
		"Refresh":          {unary(ctx, auth.Refresh, &slipwayv1.RefreshRequest{RefreshToken: "t"}), "is not implemented"},
		"Logout":           {unary(ctx, auth.Logout, &slipwayv1.LogoutRequest{RefreshToken: "t"}), "is not implemented"},
		"GetMe":            {unary(ctx, auth.GetMe, &slipwayv1.GetMeRequest{}), "is not implemented"},
		"CreateApiKey":     {unary(ctx, keys.CreateApiKey, &slipwayv1.CreateApiKeyRequest{Name: "ci"}), "is not implemented"},
		"ListApiKeys":      {unary(ctx, keys.ListApiKeys, &slipwayv1.ListApiKeysRequest{}), "is not implemented"},
		"DeleteApiKey":     {unary(ctx, keys.DeleteApiKey, &slipwayv1.DeleteApiKeyRequest{Id: testUUID}), "is not implemented"},
		"CompileContract":  {unary(ctx, contracts.CompileContract, &slipwayv1.CompileContractRequest{Source: source}), "compiler capability"},
		"AuditContract":    {unary(ctx, contracts.AuditContract, &slipwayv1.AuditContractRequest{Source: source}), "linter capability"},
		"CreateDeployment": {unary(ctx, deployments.CreateDeployment, &slipwayv1.CreateDeploymentRequest{Network: "dev", Template: tmpl}), "is not implemented"},
		"ListDeployments":  {unary(ctx, deployments.ListDeployments, &slipwayv1.ListDeploymentsRequest{}), "is not implemented"},
		"GetDeployment":    {unary(ctx, deployments.GetDeployment, &slipwayv1.GetDeploymentRequest{Id: testUUID}), "is not implemented"},
		"CancelDeployment": {unary(ctx, deployments.CancelDeployment, &slipwayv1.CancelDeploymentRequest{Id: testUUID}), "is not implemented"},
		"WatchDeployment": {func() error {
			stream, err := deployments.WatchDeployment(ctx, connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: testUUID}))
			if err != nil {
				return err
			}
			defer stream.Close()
			if stream.Receive() {
				return errors.New("stream sent a message")
			}
			return stream.Err()
		}, "is not implemented"},
	}
	for name, c := range calls {
		t.Run(name, func(t *testing.T) {
			err := c.call()
			require.Error(t, err)
			assert.Equal(t, connect.CodeUnimplemented, connect.CodeOf(err), "%v", err)
			assert.Contains(t, err.Error(), c.capability)
		})
	}

	rest := []struct{ method, path, body, capability string }{
		{http.MethodPost, "/api/v1/auth/register", `{"email":"ada@example.com","password":"correct horse battery"}`, "slipway.v1.AuthService.Register is not implemented"},
		{http.MethodPost, "/api/v1/auth/login", `{"email":"ada@example.com","password":"x"}`, "is not implemented"},
		{http.MethodPost, "/api/v1/auth/refresh", `{"refreshToken":"t"}`, "is not implemented"},
		{http.MethodPost, "/api/v1/auth/logout", `{"refreshToken":"t"}`, "is not implemented"},
		{http.MethodGet, "/api/v1/me", "", "is not implemented"},
		{http.MethodPost, "/api/v1/api-keys", `{"name":"ci"}`, "is not implemented"},
		{http.MethodGet, "/api/v1/api-keys", "", "is not implemented"},
		{http.MethodDelete, "/api/v1/api-keys/" + testUUID, "", "is not implemented"},
		{http.MethodPost, "/api/v1/contracts/compile", `{"source":"contract C {}"}`, "compiler"},
		{http.MethodPost, "/api/v1/contracts/audit", `{"sources":{"C.sol":"contract C {}"}}`, "linter"},
		{http.MethodPost, "/api/v1/contracts/deploy", `{"network":"dev","template":{"kind":"ERC721","name":"Art","symbol":"ART"}}`, "is not implemented"},
		{http.MethodGet, "/api/v1/deployments?pageSize=10&status=DEPLOYMENT_STATUS_CONFIRMED", "", "is not implemented"},
		{http.MethodGet, "/api/v1/deployments/" + testUUID, "", "is not implemented"},
		{http.MethodPost, "/api/v1/deployments/" + testUUID + "/cancel", "", "is not implemented"},
		{http.MethodGet, "/api/v1/deployments/" + testUUID + "/updates", "", "deployment pipeline"},
	}
	for _, r := range rest {
		t.Run("REST "+r.method+" "+r.path, func(t *testing.T) {
			var body io.Reader
			ct := ""
			if r.body != "" {
				body, ct = strings.NewReader(r.body), "application/json"
			}
			a := env.do(t, r.method, r.path, ct, body)
			require.Equal(t, http.StatusNotImplemented, a.status, "%s", a.body)
			code, msg := restError(t, a)
			assert.Equal(t, int(connect.CodeUnimplemented), code)
			assert.Contains(t, msg, r.capability)
		})
	}
}

func TestWebSocketUpgradeGetsAClearAnswer(t *testing.T) {
	env := newEnv(t)
	a := env.do(t, http.MethodGet, "/api/v1/deployments/"+testUUID+"/updates?after=3", "", nil,
		"Connection", "Upgrade", "Upgrade", "websocket", "Sec-WebSocket-Version", "13", "Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
	require.Equal(t, http.StatusNotImplemented, a.status)
	_, msg := restError(t, a)
	assert.Contains(t, msg, "WebSocket is not available yet")
}

func TestBadInputGetsAClear4xx(t *testing.T) {
	env := newEnv(t)
	big := `{"email":"` + strings.Repeat("a", DefaultMaxRequestBytes) + `@example.com","password":"x"}`
	cases := []struct {
		name, method, path, contentType string
		body                            string
		hideLength                      bool // send chunked, without Content-Length
		status                          int
		code                            connect.Code
		msg                             string
	}{
		{"malformed JSON", "POST", "/api/v1/auth/login", "application/json", `{"email":`, false, 400, connect.CodeInvalidArgument, "invalid JSON request body"},
		{"malformed JSON", "POST", "/slipway.v1.AuthService/Login", "application/json", `{"email":`, false, 400, connect.CodeInvalidArgument, "invalid JSON request body"},
		{"not an object", "POST", "/api/v1/auth/login", "application/json", `[1,2]`, false, 400, connect.CodeInvalidArgument, "invalid JSON request body"},
		{"unknown field", "POST", "/api/v1/auth/login", "application/json", `{"email":"a@b.co","password":"x","admin":true}`, false, 400, connect.CodeInvalidArgument, `unknown field "admin"`},
		{"unknown field", "POST", "/slipway.v1.AuthService/Login", "application/json", `{"email":"a@b.co","password":"x","admin":true}`, false, 400, connect.CodeInvalidArgument, `unknown field "admin"`},
		{"unknown nested field", "POST", "/api/v1/contracts/generate", "application/json", `{"template":{"kind":"ERC20","name":"T","option":{}}}`, false, 400, connect.CodeInvalidArgument, `unknown field "option"`},
		{"unknown query parameter", "GET", "/api/v1/deployments?page_sise=3", "", "", false, 400, connect.CodeInvalidArgument, `"page_sise"`},
		{"invalid UTF-8", "POST", "/api/v1/auth/login", "application/json", "{\"email\":\"\xff\xfe\",\"password\":\"x\"}", false, 400, connect.CodeInvalidArgument, "invalid UTF-8"},
		{"invalid UTF-8", "POST", "/slipway.v1.AuthService/Login", "application/json", "{\"email\":\"\xff\xfe\",\"password\":\"x\"}", false, 400, connect.CodeInvalidArgument, "invalid UTF-8"},
		{"huge number", "POST", "/api/v1/contracts/compile", "application/json", `{"source":"x","optimizer":{"runs":1e400}}`, false, 400, connect.CodeInvalidArgument, "runs"},
		{"huge number", "POST", "/slipway.v1.DeploymentService/ListDeployments", "application/json", `{"pageSize":1e400}`, false, 400, connect.CodeInvalidArgument, "pageSize"},
		{"huge number in query", "GET", "/api/v1/deployments?pageSize=1e400", "", "", false, 400, connect.CodeInvalidArgument, "page_size"},
		{"number out of range", "POST", "/api/v1/contracts/deploy", "application/json", `{"network":"dev","template":{"kind":"ERC20","name":"T"},"confirmations":4294967296}`, false, 400, connect.CodeInvalidArgument, "confirmations"},
		{"unknown enum", "POST", "/api/v1/contracts/generate", "application/json", `{"template":{"kind":"ERC9999","name":"T"}}`, false, 400, connect.CodeInvalidArgument, "ERC9999"},
		{"wrong content type", "POST", "/api/v1/auth/login", "text/plain", `{}`, false, 415, connect.CodeInvalidArgument, "unsupported content type \"text/plain\""},
		{"wrong content type", "POST", "/slipway.v1.AuthService/Login", "text/plain", `{}`, false, 415, connect.CodeInvalidArgument, "unsupported content type \"text/plain\""},
		{"form content type", "POST", "/api/v1/auth/login", "application/x-www-form-urlencoded", `email=a`, false, 415, connect.CodeInvalidArgument, "application/json"},
		{"body on a GET", "GET", "/api/v1/networks", "application/json", `{}`, false, 400, connect.CodeInvalidArgument, "no body"},
		{"oversized body", "POST", "/api/v1/auth/login", "application/json", big, false, 413, connect.CodeResourceExhausted, "over the 2097152-byte limit"},
		{"oversized body", "POST", "/slipway.v1.AuthService/Login", "application/json", big, false, 413, connect.CodeResourceExhausted, "over the 2097152-byte limit"},
		{"oversized chunked body", "POST", "/api/v1/auth/login", "application/json", big, true, 413, connect.CodeResourceExhausted, "over the 2097152-byte limit"},
		{"oversized chunked body", "POST", "/slipway.v1.AuthService/Login", "application/json", big, true, 413, connect.CodeResourceExhausted, "over the 2097152-byte limit"},
		{"wrong method", "GET", "/api/v1/auth/login", "", "", false, 405, connect.CodeUnimplemented, "use POST"},
		{"unknown route", "GET", "/api/v1/nothing", "", "", false, 404, connect.CodeNotFound, "no route for GET /api/v1/nothing"},
		{"unknown procedure", "POST", "/slipway.v1.AuthService/Impersonate", "application/json", `{}`, false, 404, connect.CodeUnimplemented, "no such procedure"},
	}
	for _, c := range cases {
		t.Run(c.name+" "+c.path, func(t *testing.T) {
			var body io.Reader
			if c.body != "" {
				body = strings.NewReader(c.body)
				if c.hideLength {
					body = io.MultiReader(body) // the client cannot know the length
				}
			}
			a := env.do(t, c.method, c.path, c.contentType, body)
			require.Equal(t, c.status, a.status, "%s", a.body)
			if strings.HasPrefix(c.path, "/api/") {
				code, msg := restError(t, a)
				assert.Equal(t, int(c.code), code, "%s", msg)
				assert.Contains(t, msg, c.msg)
			} else {
				code, msg := connectError(t, a)
				assert.Equal(t, c.code.String(), code, "%s", msg)
				assert.Contains(t, msg, c.msg)
			}
		})
	}

	t.Run("malformed RPC framing is the client's fault", func(t *testing.T) {
		msg, err := proto.Marshal(&slipwayv1.RegisterRequest{Email: "ada@example.com", Password: "correct horse battery"})
		require.NoError(t, err)
		for _, c := range []struct {
			contentType string
			body        []byte
		}{
			{"application/grpc", envelope(1, msg)},           // compressed flag without grpc-encoding
			{"application/grpc", envelope(0, msg)[:10]},      // torn envelope
			{"application/grpc-web+proto", envelope(1, msg)}, // same over gRPC-Web
			{"application/connect+json", []byte{0, 0, 0}},    // torn envelope on a stream
		} {
			path := slipwayv1connect.AuthServiceRegisterProcedure
			if strings.HasPrefix(c.contentType, "application/connect+") {
				path = slipwayv1connect.DeploymentServiceWatchDeploymentProcedure
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, env.srv.URL+path, bytes.NewReader(c.body))
			require.NoError(t, err)
			req.Header.Set("Content-Type", c.contentType)
			res, err := servertest.H2CClient().Do(req)
			require.NoError(t, err)
			body, err := io.ReadAll(res.Body)
			require.NoError(t, err)
			_ = res.Body.Close()
			require.Equal(t, http.StatusOK, res.StatusCode, "%s", body)
			code, msg, found := rpcOutcome(res, body)
			require.True(t, found, "%s: %s", c.contentType, body)
			assert.Equal(t, connect.CodeInvalidArgument, code, "%s: %s", c.contentType, msg)
		}
		// Connect GET with a message that is not base64.
		a := env.do(t, http.MethodGet, slipwayv1connect.NetworkServiceListNetworksProcedure+"?encoding=proto&base64=1&message=!!", "", nil)
		require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
		wireCode, wireMsg := connectError(t, a)
		assert.Equal(t, "invalid_argument", wireCode)
		assert.Contains(t, wireMsg, "base64")
	})

	t.Run("oversized gRPC message", func(t *testing.T) {
		client := slipwayv1connect.NewAuthServiceClient(servertest.H2CClient(), env.srv.URL, connect.WithGRPC())
		_, err := client.Login(t.Context(), connect.NewRequest(&slipwayv1.LoginRequest{
			Email: strings.Repeat("a", DefaultMaxRequestBytes+10), Password: "x",
		}))
		require.Error(t, err)
		assert.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	})
}

func TestRequestID(t *testing.T) {
	var logger *slog.Logger
	env := newEnv(t, func(_ *Config, d *Deps) {
		d.Services.Networks = loggingNetworks{NewNetworkService(testNetworks, nil), &logger}
	})
	logger = env.logger
	client := slipwayv1connect.NewNetworkServiceClient(h1Client, env.srv.URL)

	call := func(t *testing.T, incoming string, set bool) string {
		t.Helper()
		req := connect.NewRequest(&slipwayv1.ListNetworksRequest{})
		if set {
			req.Header().Set(RequestIDHeader, incoming)
		}
		res, err := client.ListNetworks(t.Context(), req)
		require.NoError(t, err)
		return res.Header().Get(RequestIDHeader)
	}

	t.Run("generated when absent", func(t *testing.T) {
		id := call(t, "", false)
		assert.True(t, uuidPattern.MatchString(id), "%q", id)
		assert.NotEqual(t, id, call(t, "", false), "ids must differ")
	})
	t.Run("echoed when sane", func(t *testing.T) {
		for _, id := range []string{"abc", "req-42_x.y:z/w+v=u@t", strings.Repeat("a", 128), "00f067aa0ba902b7"} {
			assert.Equal(t, id, call(t, id, true))
		}
	})
	t.Run("replaced when not", func(t *testing.T) {
		for _, id := range []string{strings.Repeat("a", 129), "has space", `quote"d`, "semi;colon", "é", "<script>"} {
			got := call(t, id, true)
			assert.True(t, uuidPattern.MatchString(got), "%q replaced by %q", id, got)
		}
	})
	t.Run("in every log line of the request", func(t *testing.T) {
		id := call(t, "trace-me-123", true)
		var msgs []string
		for _, l := range env.logs.lines(t) {
			if l["request_id"] == id {
				msgs = append(msgs, l["msg"].(string))
			}
		}
		assert.ElementsMatch(t, []string{"listing networks", "request"}, msgs)
		for _, l := range env.logs.lines(t) {
			if l["msg"] == "listing networks" {
				assert.NotEmpty(t, l["request_id"], "a log line of a request lacks its id: %v", l)
			}
		}
	})
	t.Run("on REST and error answers too", func(t *testing.T) {
		a := env.do(t, http.MethodGet, "/api/v1/nothing", "", nil, RequestIDHeader, "rest-404")
		assert.Equal(t, "rest-404", a.header.Get(RequestIDHeader))
		a = env.do(t, http.MethodPost, "/api/v1/auth/login", "application/json", strings.NewReader("{"))
		assert.True(t, uuidPattern.MatchString(a.header.Get(RequestIDHeader)))
	})
}

// loggingNetworks logs with the request's context, as domain code does.
type loggingNetworks struct {
	slipwayv1connect.NetworkServiceHandler
	logger **slog.Logger
}

func (l loggingNetworks) ListNetworks(ctx context.Context, req *connect.Request[slipwayv1.ListNetworksRequest]) (*connect.Response[slipwayv1.ListNetworksResponse], error) {
	(*l.logger).InfoContext(ctx, "listing networks")
	return l.NetworkServiceHandler.ListNetworks(ctx, req)
}

func TestAccessLog(t *testing.T) {
	env := newEnv(t)
	env.do(t, http.MethodPost, "/api/v1/auth/register", "application/json", strings.NewReader(`{"email":"x"}`), RequestIDHeader, "log-1")
	var line map[string]any
	for _, l := range env.logs.lines(t) {
		if l["request_id"] == "log-1" && l["msg"] == "request" {
			line = l
		}
	}
	require.NotNil(t, line)
	assert.Equal(t, "INFO", line["level"])
	assert.Equal(t, "POST", line["method"])
	assert.Equal(t, "/api/v1/auth/register", line["path"])
	assert.Equal(t, "/slipway.v1.AuthService/Register", line["procedure"])
	assert.Equal(t, "rest", line["protocol"])
	assert.Equal(t, "invalid_argument", line["code"])
	assert.EqualValues(t, 400, line["status"])
	assert.Contains(t, line, "duration_ms")
}

// panickingNetworks stands for a handler bug.
type panickingNetworks struct {
	slipwayv1connect.NetworkServiceHandler
}

func (panickingNetworks) ListNetworks(context.Context, *connect.Request[slipwayv1.ListNetworksRequest]) (*connect.Response[slipwayv1.ListNetworksResponse], error) {
	panic("secret-db-password in a panic")
}

func TestPanicsAnswerInternalWithoutDetails(t *testing.T) {
	env := newEnv(t, func(_ *Config, d *Deps) { d.Services.Networks = panickingNetworks{} })
	for name, client := range protocolClients(env.srv.URL) {
		t.Run(name, func(t *testing.T) {
			_, err := client.ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
			require.Error(t, err)
			assert.Equal(t, connect.CodeInternal, connect.CodeOf(err))
			assert.Contains(t, err.Error(), "internal error (request id ")
			assert.NotContains(t, err.Error(), "secret")
			assert.NotContains(t, err.Error(), "goroutine")
		})
	}
	t.Run("REST", func(t *testing.T) {
		a := env.do(t, http.MethodGet, "/api/v1/networks", "", nil)
		require.Equal(t, http.StatusInternalServerError, a.status)
		code, msg := restError(t, a)
		assert.Equal(t, int(connect.CodeInternal), code)
		assert.NotContains(t, msg, "secret")
		assert.Contains(t, msg, a.header.Get(RequestIDHeader))
	})
	var logged int
	for _, l := range env.logs.lines(t) {
		if l["msg"] == "panic in rpc handler" {
			logged++
			assert.Contains(t, l["panic"], "secret-db-password")
			assert.Contains(t, l["stack"], "goroutine")
			assert.NotEmpty(t, l["request_id"])
		}
	}
	assert.Equal(t, len(protocolClients(env.srv.URL))+1, logged)
}

func TestEdgeRecoversPanicsOutsideRPCs(t *testing.T) {
	logs := &syncBuffer{}
	m, err := newMetrics(prometheus.NewRegistry())
	require.NoError(t, err)
	e := &edge{
		next:     http.HandlerFunc(func(http.ResponseWriter, *http.Request) { panic("boom") }),
		logger:   slog.New(NewLogHandler(slog.NewJSONHandler(logs, nil))),
		metrics:  m,
		errors:   connect.NewErrorWriter(),
		maxBytes: DefaultMaxRequestBytes,
	}
	for _, path := range []string{"/api/v1/networks", "/healthz"} {
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, path, nil))
		assert.Equal(t, http.StatusInternalServerError, rec.Code)
		assert.Contains(t, rec.Body.String(), "internal error (request id ")
		assert.NotContains(t, rec.Body.String(), "boom")
		assert.Equal(t, "nosniff", rec.Header().Get("X-Content-Type-Options"))
	}
	lines := logs.lines(t)
	require.NotEmpty(t, lines)
	assert.Equal(t, "panic serving request", lines[0]["msg"])
	assert.Contains(t, lines[0]["stack"], "goroutine")

	// Once the answer has started, the connection is cut instead.
	e.next = http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(http.StatusOK)
		panic("late")
	})
	assert.PanicsWithValue(t, http.ErrAbortHandler, func() {
		e.ServeHTTP(httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/healthz", nil))
	})
}

func TestHealthAndReadiness(t *testing.T) {
	var dbDown atomic.Bool
	env := newEnv(t, func(c *Config, d *Deps) {
		c.ReadinessTimeout = 200 * time.Millisecond
		d.Readiness = []ReadinessCheck{
			{Name: "postgres", Check: func(context.Context) error {
				if dbDown.Load() {
					return errors.New("dial tcp 127.0.0.1:5432: connection refused")
				}
				return nil
			}},
			{Name: "temporal", Check: func(context.Context) error { return nil }},
		}
	})

	a := env.do(t, http.MethodGet, "/healthz", "", nil)
	require.Equal(t, http.StatusOK, a.status)
	assert.JSONEq(t, `{"status":"ok"}`, string(a.body))

	a = env.do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	var ready struct {
		Status  string
		Failing []string
		Checks  map[string]struct{ Status, Error string }
	}
	require.NoError(t, json.Unmarshal(a.body, &ready))
	assert.Equal(t, "ok", ready.Status)
	assert.Equal(t, "ok", ready.Checks["postgres"].Status)
	assert.Equal(t, "ok", ready.Checks["temporal"].Status)

	health := grpchealth.NewClient(servertest.H2CClient(), env.srv.URL, connect.WithGRPC())
	res, err := health.Check(t.Context(), &grpchealth.CheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, grpchealth.StatusServing, res.Status)
	res, err = health.Check(t.Context(), &grpchealth.CheckRequest{Service: "slipway.v1.DeploymentService"})
	require.NoError(t, err)
	assert.Equal(t, grpchealth.StatusServing, res.Status)
	_, err = health.Check(t.Context(), &grpchealth.CheckRequest{Service: "no.such.Service"})
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err))

	dbDown.Store(true)
	time.Sleep(readinessCacheTTL) // the last evaluation answers for a second
	a = env.do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, a.status, "%s", a.body)
	ready.Failing, ready.Checks = nil, nil
	require.NoError(t, json.Unmarshal(a.body, &ready))
	assert.Equal(t, "unavailable", ready.Status)
	assert.Equal(t, []string{"postgres"}, ready.Failing)
	assert.Equal(t, "failing", ready.Checks["postgres"].Status)
	assert.Contains(t, ready.Checks["postgres"].Error, "connection refused")
	assert.Equal(t, "ok", ready.Checks["temporal"].Status)

	res, err = health.Check(t.Context(), &grpchealth.CheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, grpchealth.StatusNotServing, res.Status)

	// /healthz does not depend on the dependencies.
	assert.Equal(t, http.StatusOK, env.do(t, http.MethodGet, "/healthz", "", nil).status)
}

func TestReadinessTimesOutHangingChecksConcurrently(t *testing.T) {
	release := make(chan struct{})
	t.Cleanup(func() { close(release) })
	env := newEnv(t, func(c *Config, d *Deps) {
		c.ReadinessTimeout = 300 * time.Millisecond
		hang := func(context.Context) error { <-release; return nil } // ignores ctx
		slow := func(ctx context.Context) error { <-ctx.Done(); return ctx.Err() }
		d.Readiness = []ReadinessCheck{{Name: "chain:dev", Check: hang}, {Name: "temporal", Check: slow}, {Name: "panicky", Check: func(context.Context) error { panic("oops") }}}
	})
	start := time.Now()
	a := env.do(t, http.MethodGet, "/readyz", "", nil)
	elapsed := time.Since(start)
	require.Equal(t, http.StatusServiceUnavailable, a.status)
	assert.Less(t, elapsed, 2*time.Second, "checks must run concurrently under one timeout")
	var ready struct {
		Failing []string
		Checks  map[string]struct{ Error string }
	}
	require.NoError(t, json.Unmarshal(a.body, &ready))
	assert.Equal(t, []string{"chain:dev", "panicky", "temporal"}, ready.Failing)
	assert.Contains(t, ready.Checks["chain:dev"].Error, "no answer within 300ms")
	assert.Contains(t, ready.Checks["panicky"].Error, "panicked")
}

func TestMetrics(t *testing.T) {
	env := newEnv(t)
	clients := protocolClients(env.srv.URL)
	_, err := clients["connect+json"].ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
	require.NoError(t, err)
	_, err = clients["grpc (h2c)"].ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
	require.NoError(t, err)
	env.do(t, http.MethodPost, "/api/v1/auth/register", "application/json", strings.NewReader(`{"email":"x"}`))
	env.do(t, http.MethodPost, "/api/v1/auth/register", "application/json", strings.NewReader(`{"email":`))
	env.do(t, http.MethodGet, "/api/v1/me", "", nil)
	env.do(t, http.MethodGet, "/no/such/thing", "", nil)

	a := env.do(t, http.MethodGet, "/metrics", "", nil)
	require.Equal(t, http.StatusOK, a.status)
	text := string(a.body)
	for _, want := range []string{
		`slipway_http_requests_total{code="ok",procedure="/slipway.v1.NetworkService/ListNetworks",protocol="connect"} 1`,
		`slipway_http_requests_total{code="ok",procedure="/slipway.v1.NetworkService/ListNetworks",protocol="grpc"} 1`,
		`slipway_http_requests_total{code="invalid_argument",procedure="/slipway.v1.AuthService/Register",protocol="rest"} 2`,
		`slipway_http_requests_total{code="unimplemented",procedure="/slipway.v1.AuthService/GetMe",protocol="rest"} 1`,
		`slipway_http_requests_total{code="not_found",procedure="unmatched",protocol="http"} 1`,
		`slipway_http_request_duration_seconds_count{code="ok",procedure="/slipway.v1.NetworkService/ListNetworks"} 2`,
		`slipway_http_request_duration_seconds_bucket{code="invalid_argument",procedure="/slipway.v1.AuthService/Register",le="+Inf"} 2`,
	} {
		assert.Contains(t, text, want)
	}

	// The same registry can back a second handler (tests, reloads).
	_, err = New(Config{}, Deps{Registry: env.registry, Logger: env.logger})
	require.NoError(t, err)
}

func TestCORS(t *testing.T) {
	env := newEnv(t)
	preflight := func(origin, method, path, headers string) httpAnswer {
		return env.do(t, http.MethodOptions, path, "", nil,
			"Origin", origin, "Access-Control-Request-Method", method, "Access-Control-Request-Headers", headers)
	}

	// Sorted and lower case, as browsers send them.
	connectHeaders := "authorization,connect-protocol-version,connect-timeout-ms,content-type,grpc-timeout,x-api-key,x-grpc-web,x-request-id,x-user-agent"
	a := preflight(allowedOrigin, "POST", slipwayv1connect.NetworkServiceListNetworksProcedure, connectHeaders)
	require.Equal(t, http.StatusNoContent, a.status)
	assert.Equal(t, allowedOrigin, a.header.Get("Access-Control-Allow-Origin"))
	assert.Contains(t, a.header.Get("Access-Control-Allow-Methods"), "POST")
	allowed := strings.ToLower(a.header.Get("Access-Control-Allow-Headers"))
	for _, h := range strings.Split(connectHeaders, ",") {
		assert.Contains(t, allowed, h)
	}
	assert.NotEmpty(t, a.header.Get("Access-Control-Max-Age"))
	assert.Equal(t, "nosniff", a.header.Get("X-Content-Type-Options"))

	a = preflight(allowedOrigin, "DELETE", "/api/v1/api-keys/"+testUUID, "authorization")
	require.Equal(t, http.StatusNoContent, a.status)
	assert.Equal(t, allowedOrigin, a.header.Get("Access-Control-Allow-Origin"))

	a = preflight("https://evil.example", "POST", slipwayv1connect.NetworkServiceListNetworksProcedure, "content-type")
	assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))

	a = env.do(t, http.MethodPost, slipwayv1connect.NetworkServiceListNetworksProcedure, "application/json", strings.NewReader("{}"),
		"Origin", allowedOrigin)
	require.Equal(t, http.StatusOK, a.status)
	assert.Equal(t, allowedOrigin, a.header.Get("Access-Control-Allow-Origin"))
	exposed := a.header.Get("Access-Control-Expose-Headers")
	for _, h := range []string{"Grpc-Status", "Grpc-Message", "Grpc-Status-Details-Bin", "X-Request-Id", "Ratelimit-Limit", "Ratelimit-Remaining", "Ratelimit-Reset", "Retry-After"} {
		assert.Contains(t, exposed, h)
	}

	// Errors answered before the router (here: the body limit) are
	// readable by the browser too.
	a = env.do(t, http.MethodPost, "/api/v1/auth/login", "application/json",
		strings.NewReader(strings.Repeat(" ", DefaultMaxRequestBytes+1)), "Origin", allowedOrigin)
	require.Equal(t, http.StatusRequestEntityTooLarge, a.status)
	assert.Equal(t, allowedOrigin, a.header.Get("Access-Control-Allow-Origin"))

	t.Run("disabled without origins", func(t *testing.T) {
		env := newEnv(t, func(c *Config, _ *Deps) { c.AllowedOrigins = nil })
		a := env.do(t, http.MethodOptions, "/api/v1/networks", "", nil,
			"Origin", allowedOrigin, "Access-Control-Request-Method", "GET")
		assert.Empty(t, a.header.Get("Access-Control-Allow-Origin"))
	})
}

func TestSecurityHeaders(t *testing.T) {
	env := newEnv(t)
	want := map[string]string{
		"X-Content-Type-Options":  "nosniff",
		"X-Frame-Options":         "DENY",
		"Content-Security-Policy": "default-src 'none'; frame-ancestors 'none'",
		"Referrer-Policy":         "no-referrer",
		"Cache-Control":           "no-store",
	}
	answers := map[string]httpAnswer{
		"connect ok":    env.do(t, http.MethodPost, slipwayv1connect.NetworkServiceListNetworksProcedure, "application/json", strings.NewReader("{}")),
		"rest ok":       env.do(t, http.MethodGet, "/api/v1/networks", "", nil),
		"rest error":    env.do(t, http.MethodPost, "/api/v1/auth/login", "application/json", strings.NewReader("{")),
		"not found":     env.do(t, http.MethodGet, "/nope", "", nil),
		"unimplemented": env.do(t, http.MethodGet, "/api/v1/me", "", nil),
		"healthz":       env.do(t, http.MethodGet, "/healthz", "", nil),
		"metrics":       env.do(t, http.MethodGet, "/metrics", "", nil),
		"preflight": env.do(t, http.MethodOptions, "/api/v1/networks", "", nil,
			"Origin", allowedOrigin, "Access-Control-Request-Method", "GET"),
	}
	for name, a := range answers {
		for k, v := range want {
			assert.Equal(t, v, a.header.Get(k), "%s: %s", name, k)
		}
		assert.Empty(t, a.header.Get("Strict-Transport-Security"), "%s: HSTS without TLS", name)
	}

	tlsEnv := newEnv(t, func(c *Config, _ *Deps) { c.TLS = true })
	a := tlsEnv.do(t, http.MethodGet, "/healthz", "", nil)
	assert.Equal(t, "max-age=63072000; includeSubDomains", a.header.Get("Strict-Transport-Security"))
}

func TestConfigValidation(t *testing.T) {
	for name, cfg := range map[string]Config{
		"empty name":       {Networks: []Network{{ChainID: 1}}},
		"bad name":         {Networks: []Network{{Name: "Main Net", ChainID: 1}}},
		"duplicate":        {Networks: []Network{{Name: "dev", ChainID: 1}, {Name: "dev", ChainID: 2}}},
		"zero chain id":    {Networks: []Network{{Name: "dev"}}},
		"negative limit":   {MaxRequestBytes: -1},
		"negative timeout": {ReadinessTimeout: -time.Second},
		"empty origin":     {AllowedOrigins: []string{""}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := New(cfg, Deps{})
			assert.ErrorContains(t, err, "invalid server config")
		})
	}
	_, err := New(Config{}, Deps{Readiness: []ReadinessCheck{{Name: "x"}}})
	assert.ErrorContains(t, err, "readiness check")
}

func TestRequestIDLogHandlerKeepsAttrsAndGroups(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(&buf, nil))).With("component", "api").WithGroup("g")
	ctx := withRequestInfo(context.Background(), &requestInfo{id: "rid-7"})
	logger.InfoContext(ctx, "hello", "k", "v")
	logger.Info("no request")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	require.Len(t, lines, 2)
	assert.Contains(t, lines[0], `"component":"api"`)
	assert.Contains(t, lines[0], `"request_id":"rid-7"`)
	assert.NotContains(t, lines[1], "request_id")
	assert.Equal(t, "rid-7", callctx.RequestID(ctx))
	assert.Empty(t, callctx.RequestID(context.Background()))
	// Wrapping twice must not log the id twice.
	h := NewLogHandler(NewLogHandler(slog.NewJSONHandler(&buf, nil)))
	buf.Reset()
	slog.New(h).InfoContext(ctx, "once")
	assert.Equal(t, 1, strings.Count(buf.String(), "rid-7"))
}

func TestGenerateContract(t *testing.T) {
	env := newEnv(t)
	a := env.do(t, http.MethodPost, "/api/v1/contracts/generate", "application/json",
		strings.NewReader(`{"template":{"kind":"ERC20","name":"MyToken","symbol":"MTK","options":{"premint":"1000","mintable":true,"access":"roles"}}}`))
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	var got struct {
		Source, ContractName, CompilerVersion string
	}
	require.NoError(t, json.Unmarshal(a.body, &got))
	assert.Equal(t, "MyToken", got.ContractName)
	assert.Equal(t, generate.CompilerVersion, got.CompilerVersion)
	assert.Contains(t, got.Source, "contract MyToken is ERC20")
	assert.Contains(t, got.Source, "MINTER_ROLE")

	// An option that does not fit the kind is the caller's mistake, named.
	contracts := slipwayv1connect.NewContractServiceClient(h1Client, env.srv.URL)
	_, err := contracts.GenerateContract(t.Context(), connect.NewRequest(&slipwayv1.GenerateContractRequest{
		Template: &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC721, Name: "Art", Symbol: "ART", Options: &slipwayv1.TemplateOptions{Permit: proto.Bool(true)}},
	}))
	assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "options.permit")
}
