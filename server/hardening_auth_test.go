package server_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/auth"
	"github.com/slipway-dev/slipway/server/ratelimit"
	"github.com/slipway-dev/slipway/server/servertest"
)

// newProxiedAPI is the guarded API behind a proxy at 127.0.0.1 that the
// server trusts, so tests pick each request's client address with
// X-Forwarded-For.
func newProxiedAPI(t *testing.T, failuresPerMinute int) *guardedAPI {
	t.Helper()
	return newGuardedAPI(t,
		server.Config{TrustedProxies: []string{"127.0.0.1"}, AuthFailuresPerMinute: failuresPerMinute},
		ratelimit.Config{FreePerMinute: 1000, AuthPerMinutePerIP: 1000})
}

type answer struct {
	status int
	header http.Header
	body   string
}

// do sends one request; header holds name, value pairs.
func (a *guardedAPI) do(t *testing.T, method, path, contentType, body string, header ...string) answer {
	t.Helper()
	req := servertest.NewRequest(t, method, a.url+path, contentType, strings.NewReader(body), header...)
	res, b := servertest.Do(t, http.DefaultClient, req)
	return answer{status: res.StatusCode, header: res.Header, body: string(b)}
}

// unknownAPIKey is well-formed (so it costs a lookup) and matches no key.
func unknownAPIKey(t *testing.T) string {
	t.Helper()
	secret := make([]byte, 32)
	_, err := rand.Read(secret)
	require.NoError(t, err)
	key := "slw_zz9zz9zz_" + base64.RawURLEncoding.EncodeToString(secret)
	require.Len(t, key, auth.APIKeyLen)
	_, err = auth.ParseAPIKey(key)
	require.NoError(t, err)
	return key
}

// A client guessing API keys gets its budget of refusals, then 429 with
// Retry-After before anything looks its key up, on every protocol; a
// client at another address is unaffected.
func TestFailedAuthenticationsLimitedPerAddress(t *testing.T) {
	const budget = 5
	api := newProxiedAPI(t, budget)
	attacker := []string{"X-Forwarded-For", "198.51.100.66"}
	for i := range budget {
		a := api.do(t, "GET", "/api/v1/networks", "", "", append([]string{"X-Api-Key", unknownAPIKey(t)}, attacker...)...)
		require.Equal(t, http.StatusUnauthorized, a.status, "guess %d: %s", i, a.body)
	}
	for range 3 {
		a := api.do(t, "GET", "/api/v1/networks", "", "", append([]string{"X-Api-Key", unknownAPIKey(t)}, attacker...)...)
		require.Equal(t, http.StatusTooManyRequests, a.status, "%s", a.body)
		assert.Contains(t, a.body, "too many failed authentications")
		secs, err := strconv.Atoi(a.header.Get("Retry-After"))
		require.NoError(t, err)
		assert.True(t, secs >= 1 && secs <= 60/budget, "Retry-After %d", secs)
	}
	// Connect and gRPC get it in their own shapes.
	nets := slipwayv1connect.NewNetworkServiceClient(http.DefaultClient, api.url)
	req := connect.NewRequest(&slipwayv1.ListNetworksRequest{})
	req.Header().Set("X-Api-Key", unknownAPIKey(t))
	req.Header().Set(attacker[0], attacker[1])
	_, err := nets.ListNetworks(context.Background(), req)
	assert.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	grpcNets := slipwayv1connect.NewNetworkServiceClient(servertest.H2CClient(), api.url, connect.WithGRPC())
	_, err = grpcNets.ListNetworks(context.Background(), req)
	assert.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	// The refused ones never reached authentication, so never the database.
	assert.Equal(t, float64(budget), servertest.CounterSum(t, api.reg, "slipway_auth_failures_total", "reason", "invalid_api_key"))
	assert.Equal(t, 5.0, servertest.CounterSum(t, api.reg, "slipway_auth_throttled_total"))

	// Even a valid credential from that address waits: the refusal comes
	// before anything tells credentials apart.
	a := api.do(t, "GET", "/api/v1/networks", "", "", append([]string{"Authorization", "Bearer " + api.token}, attacker...)...)
	assert.Equal(t, http.StatusTooManyRequests, a.status)
	// Requests without credentials (login, register) are the auth routes'
	// own limit's business.
	a = api.do(t, "POST", "/api/v1/auth/login", "application/json", `{"email":"ada@example.com","password":"wrong password here"}`, attacker...)
	assert.Equal(t, http.StatusUnauthorized, a.status, "%s", a.body)

	// Another address authenticates as ever, with a token and with a key
	// guess that is refused only for being wrong.
	a = api.do(t, "GET", "/api/v1/networks", "", "", "Authorization", "Bearer "+api.token, "X-Forwarded-For", "203.0.113.5")
	assert.Equal(t, http.StatusOK, a.status, "%s", a.body)
	a = api.do(t, "GET", "/api/v1/me", "", "", "Authorization", "Bearer "+api.token, "X-Forwarded-For", "203.0.113.5")
	assert.Equal(t, http.StatusOK, a.status, "%s", a.body)
	a = api.do(t, "GET", "/api/v1/networks", "", "", "X-Api-Key", unknownAPIKey(t), "X-Forwarded-For", "203.0.113.6")
	assert.Equal(t, http.StatusUnauthorized, a.status, "%s", a.body)
	assert.Zero(t, servertest.CounterSum(t, api.reg, "slipway_http_requests_total", "code", "internal"))
}

// A NUL byte in login's email used to reach Postgres (which refuses it in
// text) and answer 500; the gate refuses it first on every protocol.
func TestLoginWithNULByteIsInvalidArgument(t *testing.T) {
	api := newProxiedAPI(t, 0)
	a := api.do(t, "POST", "/api/v1/auth/login", "application/json", `{"email":"ada\u0000@example.com","password":"correct horse battery staple"}`)
	require.Equal(t, http.StatusBadRequest, a.status, "%s", a.body)
	var st struct {
		Code    int
		Message string
	}
	require.NoError(t, json.Unmarshal([]byte(a.body), &st))
	assert.Equal(t, int(connect.CodeInvalidArgument), st.Code)
	assert.Contains(t, st.Message, "email: must not contain NUL bytes")

	authClient := slipwayv1connect.NewAuthServiceClient(http.DefaultClient, api.url)
	_, err := authClient.Login(context.Background(), connect.NewRequest(&slipwayv1.LoginRequest{Email: "ada\x00@example.com", Password: "correct horse battery staple"}))
	assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	grpcAuth := slipwayv1connect.NewAuthServiceClient(servertest.H2CClient(), api.url, connect.WithGRPC())
	_, err = grpcAuth.Register(context.Background(), connect.NewRequest(&slipwayv1.RegisterRequest{Email: "x@example.com", Password: "correct horse\x00battery staple"}))
	assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	assert.Zero(t, servertest.CounterSum(t, api.reg, "slipway_http_requests_total", "code", "internal"))
}

// Every string of every JSON route, made to hold a NUL byte or invalid
// UTF-8, on the real services and database: never a 5xx.
func TestBadTextNeverAnswers5xx(t *testing.T) {
	api := newProxiedAPI(t, 1000)
	routes := []struct{ method, path, body string }{
		{"POST", "/api/v1/auth/register", `{"email":"bob@example.com","password":"correct horse battery staple"}`},
		{"POST", "/api/v1/auth/login", `{"email":"ada@example.com","password":"correct horse battery staple"}`},
		{"POST", "/api/v1/auth/refresh", `{"refreshToken":"abc"}`},
		{"POST", "/api/v1/auth/logout", `{"refreshToken":"abc"}`},
		{"POST", "/api/v1/api-keys", `{"name":"ci"}`},
		{"POST", "/api/v1/contracts/deploy", `{"network":"dev","source":"contract C {}","contractName":"C","idempotencyKey":"k","constructorArgs":["a",{"k":"v"}]}`},
		{"POST", "/api/v1/contracts/deploy", `{"network":"dev","sources":{"C.sol":"contract C {}"},"contractName":"C"}`},
		{"POST", "/api/v1/contracts/generate", `{"template":{"kind":"ERC20","name":"T","symbol":"T","options":{"premint":"1"}}}`},
		{"POST", "/slipway.v1.DeploymentService/ListDeployments", `{"pageToken":"abc","status":"DEPLOYMENT_STATUS_FAILED"}`},
		{"POST", "/slipway.v1.DeploymentService/GetDeployment", `{"id":"abc"}`},
		{"POST", "/slipway.v1.ApiKeyService/DeleteApiKey", `{"id":"abc"}`},
	}
	auth := []string{"Authorization", "Bearer " + api.token}
	sent := 0
	for _, r := range routes {
		for _, bad := range []string{`\u0000`, "\xff", "\xc3\x28"} {
			for _, body := range stringVariants(t, r.body, bad) {
				a := api.do(t, r.method, r.path, "application/json", body, auth...)
				sent++
				assert.Less(t, a.status, 500, "%s %s %q: %s", r.method, r.path, body, a.body)
			}
		}
	}
	for _, path := range []string{"/api/v1/deployments/a%00b", "/api/v1/deployments/%FF", "/api/v1/deployments?pageToken=%00", "/api/v1/deployments?status=%FF", "/api/v1/api-keys/%C3%28"} {
		for _, method := range []string{"GET", "DELETE", "POST"} {
			a := api.do(t, method, path, "", "", auth...)
			assert.Less(t, a.status, 500, "%s %s: %s", method, path, a.body)
		}
	}
	assert.Greater(t, sent, 50)
	assert.Zero(t, servertest.CounterSum(t, api.reg, "slipway_http_requests_total", "code", "internal"))
}

// stringVariants answers body once per JSON string in it (keys and
// values), with bad spliced into that string.
func stringVariants(t *testing.T, body, bad string) []string {
	t.Helper()
	var out []string
	for i := 0; i < len(body); i++ {
		if body[i] != '"' {
			continue
		}
		end := strings.IndexByte(body[i+1:], '"')
		require.GreaterOrEqual(t, end, 0)
		end += i + 1
		out = append(out, body[:i+1]+body[i+1:end]+bad+body[end:])
		i = end
	}
	return out
}
