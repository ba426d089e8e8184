package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// defaultWorkerMetricsAddr is loopback, like the API's default: exposing
// metrics beyond the host is a deliberate choice (a pod IP, 0.0.0.0).
const defaultWorkerMetricsAddr = "127.0.0.1:9091"

// metricsAddrEnabled reports whether addr asks for a metrics listener:
// empty and "off" turn it off.
func metricsAddrEnabled(addr string) bool {
	return addr != "" && !strings.EqualFold(addr, "off")
}

func validateMetricsAddr(flagName, addr string) error {
	if !metricsAddrEnabled(addr) {
		return nil
	}
	return validateHostPort(flagName, addr, true)
}

// newWorkerRegistry is a worker's metrics registry, with the Go runtime and
// process collectors that every Prometheus target is expected to have.
func newWorkerRegistry() *prometheus.Registry {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return reg
}

// withMetricsHandler sets the Temporal client's metrics handler, through
// which the SDK reports its own metrics.
func withMetricsHandler(h client.MetricsHandler) func(*client.Options) {
	return func(o *client.Options) { o.MetricsHandler = h }
}

// metricsHandler serves /metrics from reg and /healthz, which answers 200
// while the process runs: a worker has no readiness of its own to report
// beyond polling, which Temporal's task queue view shows.
func metricsHandler(reg *prometheus.Registry) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"status":"ok"}` + "\n"))
	})
	return mux
}

// serveMetrics serves metricsHandler on ln until ctx ends, then shuts down
// within a few seconds.
func serveMetrics(ctx context.Context, ln net.Listener, reg *prometheus.Registry, logger *slog.Logger) error {
	srv := &http.Server{
		Handler:           metricsHandler(reg),
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       10 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	select {
	case err := <-done:
		return fmt.Errorf("serve worker metrics: %w", err)
	case <-ctx.Done():
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(sctx); err != nil {
		return fmt.Errorf("stop worker metrics: %w", err)
	}
	if err := <-done; err != nil && !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("serve worker metrics: %w", err)
	}
	return nil
}
