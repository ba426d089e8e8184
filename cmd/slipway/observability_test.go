package main

import (
	"bufio"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/telemetry"
	"github.com/slipway-dev/slipway/server/servertest"
)

// scrape reads /metrics into "name{labels}" → value, as printed.
func scrape(t *testing.T, url string) map[string]float64 {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out := map[string]float64{}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("metrics line %q: %v", line, err)
		}
		out[line[:i]] = v
	}
	return out
}

// TestAPIMetricsAsServed builds the API as serve does (real auth, rate
// limits and Postgres; Temporal down) and checks what /metrics says after
// refusals of every kind the API can tell apart.
func TestAPIMetricsAsServed(t *testing.T) {
	pool := dbtest.New(t)
	ident := testIdentity(t)
	ident.FreePerMin, ident.PaidPerMin, ident.AuthPerMin = 5, 8, 10
	srv := serveTestAPI(t, ident, apiDeps{Pool: pool, Logger: newTestLogger(t)})
	api := srv.URL + "/api/v1"

	m := scrape(t, srv.URL)
	for _, name := range []string{"slipway_db_pool_acquired_conns", "slipway_db_pool_idle_conns", "slipway_db_pool_total_conns",
		"slipway_db_pool_max_conns", "slipway_db_pool_acquires_total", "slipway_db_pool_acquire_seconds_total", "slipway_db_pool_empty_acquires_total"} {
		if _, ok := m[name]; !ok {
			t.Errorf("/metrics has no %s", name)
		}
	}
	if m["slipway_db_pool_max_conns"] < 1 {
		t.Errorf("slipway_db_pool_max_conns = %v", m["slipway_db_pool_max_conns"])
	}
	for _, tier := range []string{"free", "paid", "ip"} {
		if v, ok := m[`slipway_ratelimit_rejected_total{tier="`+tier+`"}`]; !ok || v != 0 {
			t.Errorf("rejections of tier %s = %v (present %v), want 0 before any", tier, v, ok)
		}
	}

	do := func(method, path string, header map[string]string, body string) int {
		t.Helper()
		var rd io.Reader
		if body != "" {
			rd = strings.NewReader(body)
		}
		req, err := http.NewRequest(method, api+path, rd)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		_ = resp.Body.Close()
		return resp.StatusCode
	}
	// Auth calls from this address: 10 allowed per minute.
	ada := map[string]string{"email": "ada@example.com", "password": "correct horse battery staple"}
	bob := map[string]string{"email": "bob@example.com", "password": "correct horse battery staple"}
	for _, u := range []map[string]string{ada, bob} {
		if code, body, _ := callJSON(t, "POST", api+"/auth/register", "", u); code != 200 { // 1, 2
			t.Fatalf("register = %d %v", code, body)
		}
	}
	login := func(u map[string]string) (string, string) {
		t.Helper()
		code, body, _ := callJSON(t, "POST", api+"/auth/login", "", u)
		access, _ := body["accessToken"].(string)
		refresh, _ := body["refreshToken"].(string)
		if code != 200 || access == "" {
			t.Fatalf("login = %d %v", code, body)
		}
		return access, refresh
	}
	access, refresh := login(ada) // 3
	bobAccess, _ := login(bob)    // 4

	// Refusals of the interceptor, one per reason.
	for _, c := range []struct {
		header map[string]string
		want   int
	}{
		{nil, 401},
		{map[string]string{"Authorization": "Bearer not-a-jwt"}, 401},
		{map[string]string{"Authorization": "Basic YWRhOnB3"}, 401},
		{map[string]string{"Authorization": "Bearer " + access, "X-API-Key": "slw_abc_def"}, 400},
		{map[string]string{"X-API-Key": "slw_nope"}, 401},
	} {
		if code := do("GET", "/networks", c.header, ""); code != c.want {
			t.Fatalf("GET /networks with %v = %d, want %d", c.header, code, c.want)
		}
	}
	// A revoked API key is refused like an unknown one, under a reason of
	// its own in the metric.
	code, body, _ := callJSON(t, "POST", api+"/api-keys", access, map[string]string{"name": "ci"})
	key, _ := body["key"].(string)
	keyID, _ := body["apiKey"].(map[string]any)["id"].(string)
	if code != 200 || key == "" || keyID == "" {
		t.Fatalf("create api key = %d %v", code, body)
	}
	if code := do("DELETE", "/api-keys/"+keyID, map[string]string{"Authorization": "Bearer " + access}, ""); code != 200 {
		t.Fatalf("revoke api key = %d", code)
	}
	if code := do("GET", "/networks", map[string]string{"X-API-Key": key}, ""); code != 401 {
		t.Fatalf("revoked api key = %d", code)
	}
	// Login and refresh failures.
	if code := do("POST", "/auth/login", nil, `{"email":"ada@example.com","password":"wrong horse battery staple"}`); code != 401 { // 5
		t.Fatalf("wrong password = %d", code)
	}
	if code := do("POST", "/auth/login", nil, `{"email":"nobody@example.com","password":"correct horse battery staple"}`); code != 401 { // 6
		t.Fatalf("unknown email = %d", code)
	}
	if code := do("POST", "/auth/refresh", nil, `{"refreshToken":"bm90LWEtcmVmcmVzaC10b2tlbg"}`); code != 401 { // 7
		t.Fatalf("bogus refresh = %d", code)
	}
	if code, body, _ := callJSON(t, "POST", api+"/auth/refresh", "", map[string]string{"refreshToken": refresh}); code != 200 { // 8
		t.Fatalf("refresh = %d %v", code, body)
	}
	if code := do("POST", "/auth/refresh", nil, `{"refreshToken":"`+refresh+`"}`); code != 401 { // 9: reuse revokes the session
		t.Fatalf("reused refresh = %d", code)
	}
	if code := do("GET", "/networks", map[string]string{"Authorization": "Bearer " + access}, ""); code != 401 {
		t.Fatalf("access token of a revoked session = %d", code)
	}
	access, _ = login(ada) // 10

	// Rate limits: the address, a free user, a paid one.
	refusedAfter := func(what string, try func() int) {
		t.Helper()
		for i := range 30 {
			switch code := try(); code {
			case 429:
				return
			case 200, 401:
			default:
				t.Fatalf("%s call %d = %d", what, i, code)
			}
		}
		t.Fatalf("%s never refused", what)
	}
	refusedAfter("login", func() int {
		return do("POST", "/auth/login", nil, `{"email":"ada@example.com","password":"correct horse battery staple"}`)
	})
	refusedAfter("free user", func() int { return do("GET", "/networks", map[string]string{"Authorization": "Bearer " + access}, "") })
	if _, err := pool.Exec(context.Background(), "UPDATE users SET tier = 'paid' WHERE email = 'bob@example.com'"); err != nil {
		t.Fatal(err)
	}
	refusedAfter("paid user", func() int {
		return do("GET", "/networks", map[string]string{"Authorization": "Bearer " + bobAccess}, "")
	})

	// Temporal is down: /readyz answers 503 and the gauges say which.
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d, want 503", resp.StatusCode)
	}

	m = scrape(t, srv.URL)
	want := map[string]float64{
		`slipway_ratelimit_rejected_total{tier="ip"}`:                                                                                1,
		`slipway_ratelimit_rejected_total{tier="free"}`:                                                                              1,
		`slipway_ratelimit_rejected_total{tier="paid"}`:                                                                              1,
		`slipway_auth_failures_total{reason="missing_credentials"}`:                                                                  1,
		`slipway_auth_failures_total{reason="invalid_token"}`:                                                                        1,
		`slipway_auth_failures_total{reason="malformed_credentials"}`:                                                                2,
		`slipway_auth_failures_total{reason="invalid_api_key"}`:                                                                      1,
		`slipway_auth_failures_total{reason="revoked_api_key"}`:                                                                      1,
		`slipway_auth_failures_total{reason="wrong_password"}`:                                                                       1,
		`slipway_auth_failures_total{reason="unknown_email"}`:                                                                        1,
		`slipway_auth_failures_total{reason="invalid_refresh_token"}`:                                                                1,
		`slipway_auth_failures_total{reason="reused_refresh_token"}`:                                                                 1,
		`slipway_auth_failures_total{reason="revoked_session"}`:                                                                      1,
		`slipway_auth_failures_total{reason="expired_token"}`:                                                                        0,
		`slipway_ready{check="postgres"}`:                                                                                            1,
		`slipway_ready{check="temporal"}`:                                                                                            0,
		`slipway_http_requests_total{code="resource_exhausted",procedure="/slipway.v1.NetworkService/ListNetworks",protocol="rest"}`: 2,
	}
	for k, v := range want {
		got, ok := m[k]
		if !ok || got != v {
			t.Errorf("%s = %v (present %v), want %v", k, got, ok, v)
		}
	}
	if m["slipway_db_pool_acquires_total"] < 10 {
		t.Errorf("slipway_db_pool_acquires_total = %v after dozens of requests", m["slipway_db_pool_acquires_total"])
	}
}

// spanRecorder is an in-memory exporter shared by the API and the worker.
type spanRecorder struct {
	exp *tracetest.InMemoryExporter
	tp  *sdktrace.TracerProvider
}

func newSpanRecorder(t *testing.T) spanRecorder {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return spanRecorder{exp: exp, tp: tp}
}

// TestTracingFollowsACompileFromAPIToActivity compiles through the whole
// stack with tracing on, the API and the worker each on a Temporal client
// of their own (as serve and worker are), and checks that the Connect
// call, the workflow start, the workflow and the activity are spans of one
// trace, parented in that order, and that the request's log line carries
// the trace id.
func TestTracingFollowsACompileFromAPIToActivity(t *testing.T) {
	rec := newSpanRecorder(t)
	tracer, err := newTemporalTracing(rec.tp)
	if err != nil {
		t.Fatal(err)
	}
	cfg := startTestWorker(t, "slipway-trace-test", withClientInterceptor(tracer)).cfg

	apiTC, err := dialTemporal(cfg, newTestLogger(t), (&tracing{temporal: tracer}).temporalOptions()...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(apiTC.Close)
	apiLogger, logs := servedLogger(t, "info")
	tr := &tracing{provider: rec.tp, temporal: tracer}
	srv := serveTestAPI(t, testIdentity(t), apiDeps{Temporal: apiTC, Namespace: cfg.Namespace, TaskQueue: cfg.TaskQueue, Logger: apiLogger, Tracer: tr.tracerProvider()})
	api := srv.URL + "/api/v1"
	token := registerAndLogin(t, api, "tracer@example.com")
	rec.exp.Reset()

	src := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Traced { uint256 public n; function inc() external { n += 1; } }\n"
	if code, body, _ := callJSON(t, "POST", api+"/contracts/compile", token, map[string]any{"source": src, "contractName": "Traced"}); code != 200 {
		t.Fatalf("compile = %d %v", code, body)
	}

	const rpc = "slipway.v1.ContractService/CompileContract"
	var spans tracetest.SpanStubs
	byName := func(prefix string) *tracetest.SpanStub {
		for i := range spans {
			if strings.HasPrefix(spans[i].Name, prefix) {
				return &spans[i]
			}
		}
		return nil
	}
	deadline := time.Now().Add(15 * time.Second)
	for {
		spans = rec.exp.GetSpans()
		if byName(rpc) != nil && byName("StartWorkflow:CompileWorkflow") != nil && byName("RunWorkflow:CompileWorkflow") != nil && byName("RunActivity:") != nil {
			break
		}
		if time.Now().After(deadline) {
			var names []string
			for _, s := range spans {
				names = append(names, s.Name)
			}
			t.Fatalf("spans after the compile: %v; want the RPC, StartWorkflow, RunWorkflow and RunActivity", names)
		}
		time.Sleep(50 * time.Millisecond)
	}
	call, start, run, act := byName(rpc), byName("StartWorkflow:CompileWorkflow"), byName("RunWorkflow:CompileWorkflow"), byName("RunActivity:")
	traceID := call.SpanContext.TraceID()
	for _, s := range []*tracetest.SpanStub{start, run, act, byName("StartActivity:")} {
		if s == nil {
			t.Fatal("no StartActivity span")
		}
		if s.SpanContext.TraceID() != traceID {
			t.Errorf("span %s in trace %s, want the RPC's %s", s.Name, s.SpanContext.TraceID(), traceID)
		}
	}
	if call.SpanKind != trace.SpanKindServer {
		t.Errorf("RPC span kind %v", call.SpanKind)
	}
	if start.Parent.SpanID() != call.SpanContext.SpanID() {
		t.Errorf("StartWorkflow's parent %s, want the RPC span %s", start.Parent.SpanID(), call.SpanContext.SpanID())
	}
	if run.Parent.SpanID() != start.SpanContext.SpanID() {
		t.Errorf("RunWorkflow's parent %s, want StartWorkflow %s", run.Parent.SpanID(), start.SpanContext.SpanID())
	}

	// The API's request log line leads to the trace. It is written once the
	// answer has gone out, so it may come a moment after the client has it.
	var found bool
	for end := time.Now().Add(5 * time.Second); !found && time.Now().Before(end); time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(logs.String(), "\n") {
			if strings.Contains(line, `"msg":"request"`) && strings.Contains(line, `"path":"/api/v1/contracts/compile"`) {
				found = true
				if !strings.Contains(line, `"trace_id":"`+traceID.String()+`"`) || !strings.Contains(line, `"user_id":"`) || strings.Count(line, `"request_id":"`) != 1 {
					t.Errorf("compile request log line lacks trace_id %s, user_id or (one) request_id: %s", traceID, line)
				}
			}
		}
	}
	if !found {
		t.Errorf("no request log line for the compile:\n%s", logs.String())
	}
}

// servedLogger is serve's own logger at level, with its JSON lines in the
// buffer it also answers (written by server goroutines).
func servedLogger(t *testing.T, level string) (*slog.Logger, *servertest.SyncBuffer) {
	t.Helper()
	logs := &servertest.SyncBuffer{}
	lc := logConfig{Level: level, Format: "json"}
	logger, err := lc.logger(logs)
	if err != nil {
		t.Fatal(err)
	}
	return slog.New(telemetry.NewLogHandler(logger.Handler())), logs
}

// TestServedLogsNeverCarrySecrets runs the API with serve's own logger at
// debug, sends every kind of secret a request carries (password, access
// and refresh tokens, API key) through accepted and refused calls, logs the
// kinds that only configuration carries (the JWT signing key, a signer's
// private key) the way a careless call site would, and greps the output.
func TestServedLogsNeverCarrySecrets(t *testing.T) {
	logger, logs := servedLogger(t, "debug")
	ident := testIdentity(t)
	srv := serveTestAPI(t, ident, apiDeps{Logger: logger})
	api := srv.URL + "/api/v1"

	const password = "Tr0ub4dor-and-3-more-words"
	creds := map[string]string{"email": "careful@example.com", "password": password}
	if code, body, _ := callJSON(t, "POST", api+"/auth/register", "", creds); code != 200 {
		t.Fatalf("register = %d %v", code, body)
	}
	_, body, _ := callJSON(t, "POST", api+"/auth/login", "", creds)
	access, _ := body["accessToken"].(string)
	refresh, _ := body["refreshToken"].(string)
	callJSON(t, "POST", api+"/auth/login", "", map[string]string{"email": "careful@example.com", "password": password + "x"})
	_, body, _ = callJSON(t, "POST", api+"/api-keys", access, map[string]string{"name": "ci"})
	key, _ := body["key"].(string)
	callJSON(t, "GET", api+"/networks", key, nil)
	callJSON(t, "GET", api+"/networks", key+"x", nil)
	callJSON(t, "GET", api+"/networks", access+"x", nil)
	_, body, _ = callJSON(t, "POST", api+"/auth/refresh", "", map[string]string{"refreshToken": refresh})
	refresh2, _ := body["refreshToken"].(string)
	callJSON(t, "POST", api+"/auth/refresh", "", map[string]string{"refreshToken": refresh}) // reuse
	callJSON(t, "POST", api+"/auth/logout", "", map[string]string{"refreshToken": refresh2})
	if access == "" || refresh == "" || key == "" || refresh2 == "" {
		t.Fatalf("credentials not issued: %q %q %q %q", access, refresh, key, refresh2)
	}

	signingKey := strings.TrimSpace(os.Getenv("SLIPWAY_TEST_JWT_KEY"))
	const signer = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	logger.Error("loading configuration failed", "jwt_key", signingKey, "deployer_key", signer,
		"err", errors.New("cannot parse "+signingKey))
	logger.Debug("request body", "body", map[string]string{"password": password, "refresh_token": refresh2}, "headers", http.Header{"Authorization": {"Bearer " + access}, "X-Api-Key": {key}})

	out := logs.String()
	if !strings.Contains(out, `"msg":"request"`) {
		t.Fatalf("no request lines logged:\n%s", out)
	}
	if !strings.Contains(out, secrets.Redacted) {
		t.Fatalf("nothing redacted: the fixture does not exercise the redaction\n%s", out)
	}
	pemBody := strings.Split(signingKey, "\n")[1]
	for name, secret := range map[string]string{
		"password": password, "access token": access, "refresh token": refresh, "second refresh token": refresh2,
		"api key": key, "api key secret": key[strings.LastIndexByte(key, '_')+1:], "jwt signing key": pemBody, "signer key": signer,
	} {
		if strings.Contains(out, secret) {
			t.Errorf("the %s reached the log", name)
		}
	}
}
