package server

import (
	"bufio"
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testNetworks are deliberately out of order: the service sorts them.
var testNetworks = []Network{
	{Name: "sepolia", ChainID: 11155111, Confirmations: 3},
	{Name: "dev", ChainID: 31337, Confirmations: 1},
	{Name: "mainnet", ChainID: 1, Confirmations: 12},
}

const allowedOrigin = "https://console.example.com"

// syncBuffer collects log output written by server goroutines while the
// test reads it.
type syncBuffer struct{ servertest.SyncBuffer }

// lines answers the JSON log records written so far.
func (b *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(b.Bytes()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var m map[string]any
		require.NoError(t, json.Unmarshal(sc.Bytes(), &m), "log line %q", sc.Text())
		out = append(out, m)
	}
	return out
}

type testEnv struct {
	srv      *httptest.Server
	handler  http.Handler
	logs     *syncBuffer
	logger   *slog.Logger
	registry *prometheus.Registry
}

type envOption func(*Config, *Deps)

// newEnv starts the full handler on an httptest server that speaks HTTP/1.1
// and h2c, as Serve does.
func newEnv(t *testing.T, opts ...envOption) *testEnv {
	t.Helper()
	logs := &syncBuffer{}
	logger := slog.New(NewLogHandler(slog.NewJSONHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})))
	reg := prometheus.NewRegistry()
	cfg := Config{Networks: testNetworks, AllowedOrigins: []string{allowedOrigin}}
	deps := Deps{Logger: logger, Registry: reg}
	for _, o := range opts {
		o(&cfg, &deps)
	}
	h, err := New(cfg, deps)
	require.NoError(t, err)
	srv := servertest.NewServer(t, h)
	return &testEnv{srv: srv, handler: h, logs: logs, logger: logger, registry: reg}
}

// withDeployments serves the real DeploymentService on pool, starting
// workflows with wf, behind servertest.FakeAuth ("Bearer <user uuid>").
func withDeployments(pool *pgxpool.Pool, wf *servertest.Workflows, opts ...deployments.Option) envOption {
	return func(c *Config, d *Deps) {
		d.Interceptors = []connect.Interceptor{servertest.FakeAuth{}}
		d.Services.Deployments = deployments.NewService(pool, wf, c.Networks, nil, d.Logger, opts...)
	}
}

// h1Client speaks HTTP/1.1, as browsers do over plain HTTP.
var h1Client = &http.Client{Transport: &http.Transport{}}

type httpAnswer struct {
	status int
	header http.Header
	body   []byte
}

// do sends one plain HTTP request.
func (e *testEnv) do(t *testing.T, method, path, contentType string, body io.Reader, header ...string) httpAnswer {
	t.Helper()
	resp, b := servertest.Do(t, h1Client, servertest.NewRequest(t, method, e.srv.URL+path, contentType, body, header...))
	return httpAnswer{status: resp.StatusCode, header: resp.Header, body: b}
}

// restError decodes a REST error body (google.rpc.Status).
func restError(t *testing.T, a httpAnswer) (int, string) {
	t.Helper()
	return servertest.RESTError(t, a.header, a.body)
}

// connectError decodes a Connect unary error body.
func connectError(t *testing.T, a httpAnswer) (string, string) {
	t.Helper()
	require.True(t, strings.HasPrefix(a.header.Get("Content-Type"), "application/json"), "content type %q", a.header.Get("Content-Type"))
	var st struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(a.body, &st), "body %s", a.body)
	return st.Code, st.Message
}
