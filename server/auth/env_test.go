package auth

import (
	"bufio"
	"context"
	"crypto/ed25519"
	"encoding/json"
	"github.com/slipway-dev/slipway/server/servertest"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/clientip"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// fastParams keep tests quick; TestDefaultPasswordParams and the login
// benchmark exercise the real cost.
var fastParams = PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// testClock is the service clock, moved forward by tests to expire things.
type testClock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *testClock) now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.off)
}

func (c *testClock) advance(d time.Duration) {
	c.mu.Lock()
	c.off += d
	c.mu.Unlock()
}

type testEnv struct {
	pool  *pgxpool.Pool
	q     *db.Queries
	svc   *Service
	srv   *httptest.Server
	clock *testClock
	logs  *servertest.SyncBuffer
	priv  ed25519.PrivateKey
}

type envOptions struct {
	pool     *pgxpool.Pool
	keys     *KeySet
	cfg      Config
	resolver clientip.Resolver
	// quiet logs at info level to nowhere, as a production process with
	// its access log would cost, for benchmarks.
	quiet bool
}

// newEnv starts the whole API (server.New) with this package's services
// and interceptor on an httptest server speaking HTTP/1.1 and h2c, on a
// fresh database unless o.pool shares one.
func newEnv(t testing.TB, o envOptions) *testEnv {
	t.Helper()
	pool := o.pool
	if pool == nil {
		pool = dbtest.New(t)
	}
	keys := o.keys
	var priv ed25519.PrivateKey
	if keys == nil {
		_, priv, _ = ed25519.GenerateKey(nil)
		var err error
		keys, err = NewKeySet(priv)
		require.NoError(t, err)
	} else {
		priv = keys.current
	}
	if o.cfg.Password == (PasswordParams{}) {
		o.cfg.Password = fastParams
	}
	clock := &testClock{}
	logs := &servertest.SyncBuffer{}
	logger := slog.New(server.NewLogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if o.quiet {
		logger = slog.New(server.NewLogHandler(slog.NewJSONHandler(io.Discard, nil)))
	}
	svc, err := NewService(Deps{Pool: pool, Keys: keys, Config: o.cfg, Resolver: o.resolver, Logger: logger, Clock: clock.now})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	// These tests send many refused credentials from one address on
	// purpose; the per-address limit on failures is server's to test.
	h, err := server.New(server.Config{Networks: []server.Network{{Name: "dev", ChainID: 31337, Confirmations: 1}}, AuthFailuresPerMinute: 1_000_000}, server.Deps{
		Logger:       logger,
		Interceptors: []connect.Interceptor{svc.Interceptor()},
		Services:     server.Services{Auth: svc.AuthHandler(), APIKeys: svc.APIKeyHandler(), Users: svc.UserHandler()},
	})
	require.NoError(t, err)
	srv := servertest.NewServer(t, h)
	return &testEnv{pool: pool, q: db.New(pool), svc: svc, srv: srv, clock: clock, logs: logs, priv: priv}
}

var h1Client = &http.Client{Transport: &http.Transport{}}

// protocols are the RPC client flavours every endpoint is tested over;
// REST is tested with plain HTTP.
var protocols = map[string]func(url string) (*http.Client, []connect.ClientOption){
	"connect": func(string) (*http.Client, []connect.ClientOption) {
		return h1Client, []connect.ClientOption{connect.WithProtoJSON()}
	},
	"grpc": func(string) (*http.Client, []connect.ClientOption) {
		return servertest.H2CClient(), []connect.ClientOption{connect.WithGRPC()}
	},
	"grpc-web": func(string) (*http.Client, []connect.ClientOption) {
		return h1Client, []connect.ClientOption{connect.WithGRPCWeb()}
	},
}

// clients answers the auth and key clients of one protocol.
func (e *testEnv) clients(protocol string) (slipwayv1connect.AuthServiceClient, slipwayv1connect.ApiKeyServiceClient, slipwayv1connect.NetworkServiceClient) {
	c, opts := protocols[protocol](e.srv.URL)
	return slipwayv1connect.NewAuthServiceClient(c, e.srv.URL, opts...),
		slipwayv1connect.NewApiKeyServiceClient(c, e.srv.URL, opts...),
		slipwayv1connect.NewNetworkServiceClient(c, e.srv.URL, opts...)
}

type restAnswer struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

// rest sends one REST request with a JSON body (nil for none) and headers
// as name, value pairs.
func (e *testEnv) rest(t testing.TB, method, path string, body any, header ...string) restAnswer {
	t.Helper()
	req, err := http.NewRequestWithContext(context.Background(), method, e.srv.URL+path, servertest.JSONBody(t, body))
	require.NoError(t, err)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Add(header[i], header[i+1])
	}
	resp, raw := servertest.Do(t, h1Client, req)
	a := restAnswer{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 {
		require.NoError(t, json.Unmarshal(raw, &a.body), "body %s", raw)
	}
	return a
}

func bearer(token string) []string { return []string{"Authorization", "Bearer " + token} }

// register creates an account over Connect and answers its id.
func (e *testEnv) register(t testing.TB, email, password string) *slipwayv1.User {
	t.Helper()
	a, _, _ := e.clients("connect")
	res, err := a.Register(t.Context(), connect.NewRequest(&slipwayv1.RegisterRequest{Email: email, Password: password}))
	require.NoError(t, err)
	return res.Msg.GetUser()
}

// login logs in over Connect.
func (e *testEnv) login(t testing.TB, email, password string) *slipwayv1.LoginResponse {
	t.Helper()
	a, _, _ := e.clients("connect")
	res, err := a.Login(t.Context(), connect.NewRequest(&slipwayv1.LoginRequest{Email: email, Password: password}))
	require.NoError(t, err)
	return res.Msg
}

// account registers and logs in a fresh user.
func (e *testEnv) account(t testing.TB, email string) (*slipwayv1.User, *slipwayv1.LoginResponse) {
	t.Helper()
	u := e.register(t, email, goodPassword)
	return u, e.login(t, email, goodPassword)
}

// restAPIKey creates an API key named name over REST with access, its
// owner's access token, and answers the key.
func (e *testEnv) restAPIKey(t testing.TB, access, name string) string {
	t.Helper()
	r := e.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": name}, bearer(access)...)
	require.Equal(t, 200, r.status)
	return r.body["key"].(string)
}

const goodPassword = "violet-anchor-tundra-42"

func withHeader[T any](req *connect.Request[T], kv ...string) *connect.Request[T] {
	for i := 0; i+1 < len(kv); i += 2 {
		req.Header().Add(kv[i], kv[i+1])
	}
	return req
}

// auditActions answers the actions of the audit rows, oldest first.
func (e *testEnv) auditActions(t testing.TB) []string {
	t.Helper()
	rows, err := e.pool.Query(t.Context(), "SELECT action FROM audit_logs ORDER BY id")
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

// logLines answers the JSON log records written so far.
func (e *testEnv) logLines(t testing.TB) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(strings.NewReader(e.logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m))
		out = append(out, m)
	}
	return out
}
