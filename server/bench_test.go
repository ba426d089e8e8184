package server

import (
	"bytes"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// BenchmarkInterceptorChain measures an unauthenticated unary Connect call
// (ListNetworks, a real handler, Connect JSON as a browser sends it) through
// the whole chain — edge (recovery, request id, security headers, body limit,
// access log at info level as JSON, metrics), CORS, the router, the
// Connect interceptors (recovery, validation, error boundary) and the strict
// codec — against the same handler bare, alternating the two in one loop so
// both see the same machine state.
//
// Reported: ratio = chain ops/s ÷ bare ops/s over loopback HTTP/1.1 (what a
// client sees; target ≥ 0.8), and inproc-ratio, the same for ServeHTTP
// called directly, which leaves out the network and so shows the chain's
// own cost at its most visible.
func BenchmarkInterceptorChain(b *testing.B) {
	chain, err := New(Config{Networks: testNetworks, AllowedOrigins: []string{allowedOrigin}}, Deps{
		Logger:   slog.New(slog.NewJSONHandler(io.Discard, nil)),
		Registry: prometheus.NewRegistry(),
	})
	if err != nil {
		b.Fatal(err)
	}
	bareMux := http.NewServeMux()
	bareMux.Handle(slipwayv1connect.NewNetworkServiceHandler(NewNetworkService(testNetworks, nil)))

	chainSrv, bareSrv := httptest.NewServer(chain), httptest.NewServer(bareMux)
	defer chainSrv.Close()
	defer bareSrv.Close()
	transport := &http.Transport{MaxIdleConnsPerHost: 4}
	defer transport.CloseIdleConnections()
	client := &http.Client{Transport: transport}
	chainClient := slipwayv1connect.NewNetworkServiceClient(client, chainSrv.URL, connect.WithProtoJSON())
	bareClient := slipwayv1connect.NewNetworkServiceClient(client, bareSrv.URL, connect.WithProtoJSON())

	ctx := b.Context()
	call := func(c slipwayv1connect.NetworkServiceClient) time.Duration {
		start := time.Now()
		res, err := c.ListNetworks(ctx, connect.NewRequest(&slipwayv1.ListNetworksRequest{}))
		d := time.Since(start)
		if err != nil || len(res.Msg.GetNetworks()) != len(testNetworks) {
			b.Fatalf("ListNetworks: %v", err)
		}
		return d
	}
	body := []byte(`{}`)
	serve := func(h http.Handler) time.Duration {
		req := httptest.NewRequest(http.MethodPost, slipwayv1connect.NetworkServiceListNetworksProcedure, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		start := time.Now()
		h.ServeHTTP(rec, req)
		d := time.Since(start)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body)
		}
		return d
	}
	for range 200 { // warm connections, caches and lazily built validators
		call(chainClient)
		call(bareClient)
		serve(chain)
		serve(bareMux)
	}

	var chainNet, bareNet, chainIn, bareIn time.Duration
	n := 0
	for b.Loop() {
		if n%2 == 0 {
			chainNet += call(chainClient)
			bareNet += call(bareClient)
			chainIn += serve(chain)
			bareIn += serve(bareMux)
		} else {
			bareNet += call(bareClient)
			chainNet += call(chainClient)
			bareIn += serve(bareMux)
			chainIn += serve(chain)
		}
		n++
	}
	per := func(d time.Duration) float64 { return float64(d.Nanoseconds()) / float64(n) }
	b.ReportMetric(per(chainNet), "chain-ns/call")
	b.ReportMetric(per(bareNet), "bare-ns/call")
	b.ReportMetric(per(bareNet)/per(chainNet), "ratio")
	b.ReportMetric(per(chainIn), "chain-inproc-ns/call")
	b.ReportMetric(per(bareIn), "bare-inproc-ns/call")
	b.ReportMetric(per(bareIn)/per(chainIn), "inproc-ratio")
}
