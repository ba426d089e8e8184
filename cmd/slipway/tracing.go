package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	temporalotel "go.temporal.io/sdk/contrib/opentelemetry"
	"go.temporal.io/sdk/interceptor"

	"github.com/slipway-dev/slipway/internal/telemetry"
)

// tracerName is the instrumentation scope of the Temporal spans.
const tracerName = "github.com/slipway-dev/slipway"

// tracing is a process's OpenTelemetry tracing, from the OTEL_* environment
// (see internal/telemetry). Off, its provider is nil and nothing is
// instrumented.
type tracing struct {
	provider trace.TracerProvider
	temporal interceptor.Interceptor
	shutdown func(context.Context) error
}

// startLogging makes lc's logger, writing to w, and sets up tracing for
// serviceName around it (setupTracing). A bad log setting is a usage error.
func startLogging(ctx context.Context, lc *logConfig, serviceName string, w io.Writer) (*tracing, *slog.Logger, error) {
	logger, err := lc.logger(w)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %w", errUsage, err)
	}
	return setupTracing(ctx, serviceName, logger)
}

// setupTracing reads the environment for serviceName and wraps logger so
// that records logged inside a span carry trace_id and span_id. A
// malformed OTEL_* setting is a usage error.
func setupTracing(ctx context.Context, serviceName string, logger *slog.Logger) (*tracing, *slog.Logger, error) {
	tp, shutdown, err := telemetry.Setup(ctx, serviceName)
	if err != nil {
		return nil, logger, fmt.Errorf("%w: %w", errUsage, err)
	}
	t := &tracing{shutdown: shutdown}
	if !telemetry.Enabled(tp) {
		return t, logger, nil
	}
	t.provider = tp
	if t.temporal, err = newTemporalTracing(tp); err != nil {
		_ = shutdown(ctx)
		return nil, logger, err
	}
	logger = slog.New(telemetry.NewLogHandler(logger.Handler()))
	logger.InfoContext(ctx, "tracing on", "service", serviceName)
	return t, logger, nil
}

// close flushes the spans still buffered, within a few seconds.
func (t *tracing) close(ctx context.Context, logger *slog.Logger) {
	if t == nil {
		return
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := t.shutdown(sctx); err != nil {
		logger.WarnContext(ctx, "traces not flushed", "err", err)
	}
}

// tracerProvider is the provider to instrument with, or nil when off.
func (t *tracing) tracerProvider() trace.TracerProvider {
	if t == nil {
		return nil
	}
	return t.provider
}

// temporalOptions add Temporal's OpenTelemetry interceptor to a client
// when tracing is on: starting a workflow opens a span in the caller's
// trace and writes its context into the workflow's headers, and workers
// built on the client continue it in workflow and activity spans, so one
// trace runs from the API request to the activities that served it.
func (t *tracing) temporalOptions() []func(*client.Options) {
	if t == nil || t.temporal == nil {
		return nil
	}
	return []func(*client.Options){withClientInterceptor(t.temporal)}
}

func withClientInterceptor(i interceptor.ClientInterceptor) func(*client.Options) {
	return func(o *client.Options) { o.Interceptors = append(o.Interceptors, i) }
}

// newTemporalTracing is the Temporal tracing interceptor over tp, with the
// W3C propagator the API uses.
func newTemporalTracing(tp trace.TracerProvider) (interceptor.Interceptor, error) {
	i, err := temporalotel.NewTracingInterceptor(temporalotel.TracerOptions{
		Tracer:            tp.Tracer(tracerName),
		TextMapPropagator: telemetry.Propagator(),
	})
	if err != nil {
		return nil, fmt.Errorf("build temporal tracing interceptor: %w", err)
	}
	return i, nil
}
