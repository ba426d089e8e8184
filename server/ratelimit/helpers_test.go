package ratelimit_test

import (
	"context"
	"encoding/json"
	"errors"
	"github.com/slipway-dev/slipway/server/servertest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/identity"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Test headers read by fakeAuth, which stands in for the real auth
// interceptor: it trusts the caller to say who they are.
const (
	userHeader    = "X-Test-User"
	sessionHeader = "X-Test-Session"
	apiKeyHeader  = "X-Test-Api-Key"
)

// fakeAuth puts a Principal in the context from test headers. The tier it
// claims is always free, as a token minted before an upgrade would: the
// limiter must go by the database.
type fakeAuth struct{}

func (fakeAuth) principal(h http.Header) (identity.Principal, bool) {
	id, err := uuid.Parse(h.Get(userHeader))
	if err != nil {
		return identity.Principal{}, false
	}
	p := identity.Principal{UserID: id, Tier: "free", Method: identity.MethodBearer}
	if k, err := uuid.Parse(h.Get(apiKeyHeader)); err == nil {
		p.Method, p.APIKeyID = identity.MethodAPIKey, k
	} else if s, err := uuid.Parse(h.Get(sessionHeader)); err == nil {
		p.SessionID = s
	}
	return p, true
}

func (a fakeAuth) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if p, ok := a.principal(req.Header()); ok {
			ctx = identity.NewContext(ctx, p)
		}
		return next(ctx, req)
	}
}

func (fakeAuth) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (a fakeAuth) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if p, ok := a.principal(conn.RequestHeader()); ok {
			ctx = identity.NewContext(ctx, p)
		}
		return next(ctx, conn)
	}
}

var testNetworks = []server.Network{{Name: "dev", ChainID: 31337, Confirmations: 1}}

// newLimiter answers a Limiter on pool, closed when the test ends.
func newLimiter(t testing.TB, pool *pgxpool.Pool, cfg ratelimit.Config, reg prometheus.Registerer) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(pool, cfg, reg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	require.NoError(t, err)
	t.Cleanup(l.Close)
	return l
}

// newServer serves the whole API (server.New) with fakeAuth and the
// limiter, on HTTP/1.1 and h2c as slipway serve does.
func newServer(t testing.TB, interceptors ...connect.Interceptor) *httptest.Server {
	t.Helper()
	h, err := server.New(server.Config{Networks: testNetworks}, server.Deps{
		Logger:       slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Registry:     prometheus.NewRegistry(),
		Interceptors: append([]connect.Interceptor{fakeAuth{}}, interceptors...),
	})
	require.NoError(t, err)
	srv := servertest.NewServer(t, h)
	return srv
}

// newUser inserts a user of the given tier and answers its id.
func newUser(t testing.TB, pool *pgxpool.Pool, tier string) (uuid.UUID, string) {
	t.Helper()
	email := "u" + strings.ReplaceAll(uuid.NewString(), "-", "") + "@example.com"
	u, err := db.New(pool).CreateUser(context.Background(), db.CreateUserParams{Email: email, PasswordHash: "x", Tier: &tier})
	require.NoError(t, err)
	return u.ID, email
}

var (
	h1Client  = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	h2cClient = func() *http.Client {
		p := new(http.Protocols)
		p.SetUnencryptedHTTP2(true)
		return &http.Client{Transport: &http.Transport{Protocols: p}}
	}()
)

// answer is what one call got, whatever the protocol.
type answer struct {
	ok     bool
	code   connect.Code // when !ok
	status int          // HTTP status, for REST only
	header http.Header  // response headers, or error metadata
	msg    string
}

func (a answer) int(t *testing.T, name string) int {
	t.Helper()
	v := a.header.Get(name)
	require.NotEmpty(t, v, "header %s missing from %v", name, a.header)
	n, err := strconv.Atoi(v)
	require.NoError(t, err, "header %s", name)
	return n
}

// caller makes ListNetworks calls over one protocol as one principal.
type caller func(t *testing.T, header http.Header) answer

func listNetworksREST(baseURL string) caller {
	return func(t *testing.T, header http.Header) answer {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, baseURL+"/api/v1/networks", nil)
		require.NoError(t, err)
		for k, v := range header {
			req.Header[k] = v
		}
		return doREST(t, req)
	}
}

// doREST sends req over HTTP/1.1 and answers the response, with the code of
// a REST error body.
func doREST(t *testing.T, req *http.Request) answer {
	t.Helper()
	resp, body := servertest.Do(t, h1Client, req)
	a := answer{ok: resp.StatusCode == http.StatusOK, status: resp.StatusCode, header: resp.Header, msg: string(body)}
	if !a.ok {
		a.code = codeOfREST(t, body)
	}
	return a
}

func listNetworksRPC(baseURL string, client *http.Client, opts ...connect.ClientOption) caller {
	c := slipwayv1connect.NewNetworkServiceClient(client, baseURL, opts...)
	return func(t *testing.T, header http.Header) answer {
		t.Helper()
		req := connect.NewRequest(&slipwayv1.ListNetworksRequest{})
		for k, v := range header {
			req.Header()[k] = v
		}
		res, err := c.ListNetworks(t.Context(), req)
		return rpcAnswer(t, res, err)
	}
}

func rpcAnswer[T any](t *testing.T, res *connect.Response[T], err error) answer {
	t.Helper()
	if err != nil {
		ce, ok := errors.AsType[*connect.Error](err)
		require.True(t, ok, "not a connect error: %v", err)
		return answer{code: ce.Code(), header: ce.Meta(), msg: ce.Message()}
	}
	h := res.Header().Clone()
	for k, v := range res.Trailer() {
		h[k] = append(h[k], v...)
	}
	return answer{ok: true, header: h}
}

// codeOfREST reads the code of a REST error body (google.rpc.Status).
func codeOfREST(t *testing.T, body []byte) connect.Code {
	t.Helper()
	var st struct {
		Code int `json:"code"`
	}
	require.NoError(t, json.Unmarshal(body, &st), "body %s", body)
	return connect.Code(st.Code)
}

func userHeaders(id uuid.UUID, kv ...string) http.Header {
	h := http.Header{}
	h.Set(userHeader, id.String())
	for i := 0; i+1 < len(kv); i += 2 {
		h.Set(kv[i], kv[i+1])
	}
	return h
}

// jsonField reads one string field of a JSON object.
func jsonField(t *testing.T, body []byte, name string) string {
	t.Helper()
	var m map[string]any
	require.NoError(t, json.Unmarshal(body, &m), "body %s", body)
	s, _ := m[name].(string)
	return s
}

func connectErr(t *testing.T, err error) *connect.Error {
	t.Helper()
	ce, ok := errors.AsType[*connect.Error](err)
	require.True(t, ok, "not a connect error: %v", err)
	return ce
}

// counterValue reads one series of a counter from reg.
func counterValue(t *testing.T, reg *prometheus.Registry, name, label, value string) float64 {
	t.Helper()
	series := servertest.Series(t, reg, name, label, value)
	if len(series) == 0 {
		t.Fatalf("no series %s{%s=%q}", name, label, value)
	}
	return series[0].GetCounter().GetValue()
}
