package server

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/telemetry"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/servertest"
)

// requestLines answers the access log records ("request") for path.
func requestLines(t *testing.T, logs *syncBuffer, path string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, l := range logs.lines(t) {
		if l["msg"] == "request" && l["path"] == path {
			out = append(out, l)
		}
	}
	return out
}

// The request log line names the request, the caller, the procedure, the
// outcome and the deployment (with its workflow) the request is about.
func TestRequestLogCarriesCallerAndDeployment(t *testing.T) {
	pool := dbtest.New(t)
	env := newEnv(t, withDeployments(pool, &servertest.Workflows{}))
	user, bearer := servertest.NewUser(t, db.New(pool))
	a := env.do(t, "POST", "/api/v1/contracts/deploy", "application/json", strings.NewReader(servertest.TemplateDeployJSON("dev", "log-1")),
		"Authorization", bearer, RequestIDHeader, "req-log-1")
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	var created struct {
		Deployment struct{ ID, WorkflowID string }
	}
	require.NoError(t, json.Unmarshal(a.body, &created))
	id := created.Deployment.ID
	require.NotEmpty(t, id)

	get := env.do(t, "GET", "/api/v1/deployments/"+id, "", nil, "Authorization", bearer)
	require.Equal(t, http.StatusOK, get.status, "%s", get.body)
	// Another user's (or an unknown) deployment names none.
	_, other := servertest.NewUser(t, db.New(pool))
	require.Equal(t, http.StatusNotFound, env.do(t, "GET", "/api/v1/deployments/"+id, "", nil, "Authorization", other).status)

	lines := requestLines(t, env.logs, "/api/v1/contracts/deploy")
	require.Len(t, lines, 1)
	l := lines[0]
	assert.Equal(t, "req-log-1", l["request_id"])
	assert.Equal(t, user.String(), l["user_id"])
	assert.Equal(t, slipwayv1connect.DeploymentServiceCreateDeploymentProcedure, l["procedure"])
	assert.Equal(t, "ok", l["code"])
	assert.Equal(t, id, l["deployment_id"])
	assert.Equal(t, "deployment-"+id, l["workflow_id"])
	assert.Equal(t, created.Deployment.WorkflowID, l["workflow_id"])

	lines = requestLines(t, env.logs, "/api/v1/deployments/"+id)
	require.Len(t, lines, 2)
	assert.Equal(t, id, lines[0]["deployment_id"])
	assert.Equal(t, "ok", lines[0]["code"])
	assert.NotEmpty(t, lines[0]["request_id"])
	assert.Equal(t, "not_found", lines[1]["code"])
	assert.NotContains(t, lines[1], "deployment_id")
	assert.NotEqual(t, user.String(), lines[1]["user_id"])
	for _, l := range append(lines, requestLines(t, env.logs, "/api/v1/contracts/deploy")...) {
		assert.NotContains(t, l, "trace_id", "tracing is off")
	}
}

// With a TracerProvider every RPC is a server span that continues the
// caller's W3C traceparent, on Connect, gRPC and REST, and the request log
// line carries the span's ids.
func TestTracingSpansContinueTraceparentAndReachTheLog(t *testing.T) {
	exp := tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(exp))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	env := newEnv(t, func(_ *Config, d *Deps) {
		d.TracerProvider = tp
		d.Logger = slog.New(telemetry.NewLogHandler(d.Logger.Handler()))
	})

	const parent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
	a := env.do(t, "GET", "/api/v1/networks", "", nil, "traceparent", parent)
	require.Equal(t, http.StatusOK, a.status, "%s", a.body)
	client := slipwayv1connect.NewNetworkServiceClient(h1Client, env.srv.URL)
	_, err := client.ListNetworks(t.Context(), connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
	require.NoError(t, err)

	spans := exp.GetSpans()
	require.Len(t, spans, 2, "one span per RPC")
	for _, s := range spans {
		assert.Equal(t, "slipway.v1.NetworkService/ListNetworks", s.Name)
		assert.Equal(t, trace.SpanKindServer, s.SpanKind)
	}
	rest := spans[0]
	assert.Equal(t, "4bf92f3577b34da6a3ce929d0e0e4736", rest.SpanContext.TraceID().String(), "REST request continues the caller's trace")
	assert.Equal(t, "00f067aa0ba902b7", rest.Parent.SpanID().String())
	assert.NotEqual(t, rest.SpanContext.TraceID(), spans[1].SpanContext.TraceID(), "no traceparent: a trace of its own")

	lines := requestLines(t, env.logs, "/api/v1/networks")
	require.Len(t, lines, 1)
	assert.Equal(t, rest.SpanContext.TraceID().String(), lines[0]["trace_id"])
	assert.Equal(t, rest.SpanContext.SpanID().String(), lines[0]["span_id"])
	lines = requestLines(t, env.logs, slipwayv1connect.NetworkServiceListNetworksProcedure)
	require.Len(t, lines, 1)
	assert.Equal(t, spans[1].SpanContext.TraceID().String(), lines[0]["trace_id"])
}

// metricValue reads one series from reg; ok is false when it is absent.
func metricValue(t *testing.T, reg prometheus.Gatherer, name string, labels ...string) (float64, bool) {
	t.Helper()
	for _, m := range servertest.Series(t, reg, name, labels...) {
		switch {
		case m.GetGauge() != nil:
			return m.GetGauge().GetValue(), true
		case m.GetCounter() != nil:
			return m.GetCounter().GetValue(), true
		}
	}
	return 0, false
}

// slipway_ready follows each check: set by /readyz and, while Serve runs,
// refreshed on its own, with nobody probing.
func TestReadyGaugeRefreshedWithoutProbes(t *testing.T) {
	var chainDown atomic.Bool
	chainDown.Store(true)
	var evaluations atomic.Int64
	env := newEnv(t, func(c *Config, d *Deps) {
		c.ReadinessInterval = 50 * time.Millisecond
		d.Readiness = []ReadinessCheck{
			{Name: "postgres", Check: func(context.Context) error { evaluations.Add(1); return nil }},
			{Name: "chain:dev", Check: func(context.Context) error {
				if chainDown.Load() {
					return errors.New("connection refused")
				}
				return nil
			}},
		}
	})
	// Not yet served by Serve: nothing evaluated, no series.
	_, ok := metricValue(t, env.registry, "slipway_ready", "check", "postgres")
	assert.False(t, ok)
	a := env.do(t, http.MethodGet, "/readyz", "", nil)
	require.Equal(t, http.StatusServiceUnavailable, a.status)
	v, ok := metricValue(t, env.registry, "slipway_ready", "check", "postgres")
	assert.True(t, ok)
	assert.Equal(t, 1.0, v)
	v, _ = metricValue(t, env.registry, "slipway_ready", "check", "chain:dev")
	assert.Equal(t, 0.0, v)

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Serve(ctx, ln, env.handler, env.logger) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
	})
	chainDown.Store(false)
	require.Eventually(t, func() bool {
		v, _ := metricValue(t, env.registry, "slipway_ready", "check", "chain:dev")
		return v == 1
	}, 5*time.Second, 20*time.Millisecond, "the refresh sets the gauge without /readyz")
	chainDown.Store(true)
	require.Eventually(t, func() bool {
		v, _ := metricValue(t, env.registry, "slipway_ready", "check", "chain:dev")
		return v == 0
	}, 5*time.Second, 20*time.Millisecond)
	assert.Greater(t, evaluations.Load(), int64(2))

	// What Prometheus scrapes.
	resp, err := h1Client.Get("http://" + ln.Addr().String() + "/metrics")
	require.NoError(t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	sb := string(body)
	assert.Contains(t, sb, `slipway_ready{check="postgres"} 1`)
	assert.Contains(t, sb, `slipway_ready{check="chain:dev"} 0`)
	// Every auth failure reason has a series before the first failure.
	for _, r := range callctx.AuthFailureReasons {
		assert.Contains(t, sb, `slipway_auth_failures_total{reason="`+r+`"} 0`)
	}
}

// RecordAuthFailure counts once per request and cannot mint label values.
func TestRecordAuthFailureBounded(t *testing.T) {
	env := newEnv(t, func(_ *Config, d *Deps) {
		d.Interceptors = []connect.Interceptor{connect.UnaryInterceptorFunc(func(next connect.UnaryFunc) connect.UnaryFunc {
			return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
				reason := req.Header().Get("X-Reason")
				callctx.RecordAuthFailure(ctx, reason)
				return nil, connect.NewError(connect.CodeUnauthenticated, errors.New("no"))
			}
		})}
	})
	client := slipwayv1connect.NewNetworkServiceClient(h1Client, env.srv.URL)
	for _, reason := range []string{callctx.AuthFailureExpiredToken, callctx.AuthFailureExpiredToken, "attacker-chosen-" + strings.Repeat("x", 50)} {
		req := connect.NewRequest(&slipwayv1.ListNetworksRequest{})
		req.Header().Set("X-Reason", reason)
		_, err := client.ListNetworks(t.Context(), req)
		require.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	}
	v, _ := metricValue(t, env.registry, "slipway_auth_failures_total", "reason", callctx.AuthFailureExpiredToken)
	assert.Equal(t, 2.0, v)
	v, _ = metricValue(t, env.registry, "slipway_auth_failures_total", "reason", "other")
	assert.Equal(t, 1.0, v)
	lines := requestLines(t, env.logs, slipwayv1connect.NetworkServiceListNetworksProcedure)
	require.Len(t, lines, 3)
	assert.Equal(t, callctx.AuthFailureExpiredToken, lines[0]["auth_failure"])
	// Outside a request it is a no-op, not a panic.
	callctx.RecordAuthFailure(context.Background(), callctx.AuthFailureInvalidToken)
}

// Load balancers' gRPC health checks (grpc-go's own client, over h2c)
// follow the readiness checks, for the server and for each API service.
func TestGRPCHealthWithGRPCGoClient(t *testing.T) {
	var down atomic.Bool
	env := newEnv(t, func(_ *Config, d *Deps) {
		d.Readiness = []ReadinessCheck{{Name: "postgres", Check: func(context.Context) error {
			if down.Load() {
				return errors.New("connection refused")
			}
			return nil
		}}}
	})
	conn, err := grpc.NewClient(strings.TrimPrefix(env.srv.URL, "http://"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	t.Cleanup(func() { _ = conn.Close() })
	health := healthpb.NewHealthClient(conn)

	for _, svc := range []string{"", "slipway.v1.DeploymentService", "slipway.v1.AuthService", "slipway.v1.ContractService", "slipway.v1.NetworkService", "slipway.v1.ApiKeyService"} {
		res, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
		require.NoError(t, err, "service %q", svc)
		assert.Equal(t, healthpb.HealthCheckResponse_SERVING, res.GetStatus(), "service %q", svc)
	}
	_, err = health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: "no.such.Service"})
	assert.Equal(t, codes.NotFound, status.Code(err))

	down.Store(true)
	time.Sleep(readinessCacheTTL) // the last evaluation answers for a second
	for _, svc := range []string{"", "slipway.v1.DeploymentService"} {
		res, err := health.Check(t.Context(), &healthpb.HealthCheckRequest{Service: svc})
		require.NoError(t, err)
		assert.Equal(t, healthpb.HealthCheckResponse_NOT_SERVING, res.GetStatus(), "service %q", svc)
	}
	v, _ := metricValue(t, env.registry, "slipway_ready", "check", "postgres")
	assert.Equal(t, 0.0, v, "a gRPC health check evaluates readiness too")
}
