// Package telemetry sets up OpenTelemetry tracing for Slipway's processes
// from the standard OTEL_* environment, and adds trace ids to log records.
//
// Tracing is off unless the environment asks for it, so a process started
// with nothing set exports nothing and pays nothing: Setup then answers a
// no-op TracerProvider, for which Enabled is false and callers install no
// instrumentation at all. It is on when OTEL_TRACES_EXPORTER is "otlp", or
// when it is unset and OTEL_EXPORTER_OTLP_ENDPOINT or
// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT is. OTEL_SDK_DISABLED=true and
// OTEL_TRACES_EXPORTER=none keep it off whatever else is set.
//
// The exporter speaks OTLP over gRPC or HTTP/protobuf as
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL says
// ("grpc", "http/protobuf"; the specification's default is http/protobuf),
// and reads the endpoint, headers, TLS and timeout variables itself. The
// service is named by OTEL_SERVICE_NAME, else by the caller;
// OTEL_RESOURCE_ATTRIBUTES adds attributes; OTEL_TRACES_SAMPLER and
// OTEL_BSP_* tune sampling and batching. Context travels as W3C
// traceparent and baggage.
//
// It lives in internal/ because the API server (cmd serve), the worker and
// the dev stack share it, and none of the spine folders fits a piece that
// is neither a handler nor an activity.
package telemetry

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// Protocols of OTEL_EXPORTER_OTLP_PROTOCOL that Setup supports.
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// Propagator is the W3C trace context and baggage propagator that every
// Slipway process uses, in and out.
func Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
}

// Enabled reports whether tp records spans: false for nil and for the
// no-op provider Setup answers when tracing is off.
func Enabled(tp trace.TracerProvider) bool {
	if tp == nil {
		return false
	}
	_, off := tp.(noop.TracerProvider)
	return !off
}

// Setup reads the environment and, when it asks for tracing, builds a
// TracerProvider that batches spans to the OTLP exporter, and makes it and
// Propagator the process's global ones (for libraries that trace through
// the globals). shutdown flushes the spans still buffered and stops the
// exporter; call it once, at exit, with a bounded context. When tracing is
// off Setup answers a no-op provider and a shutdown that does nothing. A
// malformed setting is an error that names it.
func Setup(ctx context.Context, serviceName string) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	return setup(ctx, serviceName, os.Getenv)
}

func setup(ctx context.Context, serviceName string, getenv func(string) string) (trace.TracerProvider, func(context.Context) error, error) {
	off := func(context.Context) error { return nil }
	on, err := wanted(getenv)
	if err != nil || !on {
		return noop.NewTracerProvider(), off, err
	}
	protocol, err := protocolOf(getenv)
	if err != nil {
		return noop.NewTracerProvider(), off, err
	}
	var exp sdktrace.SpanExporter
	switch protocol {
	case ProtocolGRPC:
		exp, err = otlptracegrpc.New(ctx)
	default:
		exp, err = otlptracehttp.New(ctx)
	}
	if err != nil {
		return noop.NewTracerProvider(), off, fmt.Errorf("create otlp trace exporter (%s): %w", protocol, err)
	}
	res, err := newResource(ctx, serviceName)
	if err != nil {
		_ = exp.Shutdown(ctx)
		return noop.NewTracerProvider(), off, err
	}
	// The sampler comes from OTEL_TRACES_SAMPLER (parent-based always-on
	// by default), the batch sizes and delays from OTEL_BSP_*.
	provider := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	otel.SetTracerProvider(provider)
	otel.SetTextMapPropagator(Propagator())
	return provider, func(ctx context.Context) error {
		if err := provider.Shutdown(ctx); err != nil {
			return fmt.Errorf("flush traces: %w", err)
		}
		return nil
	}, nil
}

// newResource describes the process: service.name (OTEL_SERVICE_NAME wins
// over serviceName), OTEL_RESOURCE_ATTRIBUTES, the SDK, the host and the
// process id.
func newResource(ctx context.Context, serviceName string) (*resource.Resource, error) {
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", serviceName)),
		resource.WithFromEnv(),
		resource.WithTelemetrySDK(),
		resource.WithHost(),
		resource.WithProcessPID(),
	)
	if err != nil && res == nil {
		return nil, fmt.Errorf("describe the process for traces: %w", err)
	}
	// A partial resource (a detector failed) still names the service.
	return res, nil
}

// wanted decides from the environment whether tracing is on.
func wanted(getenv func(string) string) (bool, error) {
	if strings.EqualFold(strings.TrimSpace(getenv("OTEL_SDK_DISABLED")), "true") {
		return false, nil
	}
	exporters := strings.TrimSpace(getenv("OTEL_TRACES_EXPORTER"))
	if exporters == "" {
		return getenv("OTEL_EXPORTER_OTLP_ENDPOINT") != "" || getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != "", nil
	}
	on := false
	for _, e := range strings.Split(exporters, ",") {
		switch e = strings.ToLower(strings.TrimSpace(e)); e {
		case "otlp":
			on = true
		case "none":
			return false, nil
		case "":
		default:
			return false, fmt.Errorf("OTEL_TRACES_EXPORTER %q: Slipway exports traces with otlp only (or none)", e)
		}
	}
	return on, nil
}

// protocolOf answers the OTLP protocol for traces.
func protocolOf(getenv func(string) string) (string, error) {
	name, p := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"))
	if p == "" {
		name, p = "OTEL_EXPORTER_OTLP_PROTOCOL", strings.TrimSpace(getenv("OTEL_EXPORTER_OTLP_PROTOCOL"))
	}
	switch p {
	case "", ProtocolHTTPProtobuf:
		return ProtocolHTTPProtobuf, nil
	case ProtocolGRPC:
		return ProtocolGRPC, nil
	case "http/json":
		return "", errors.New(name + " http/json: not supported by the Go exporter; use grpc or http/protobuf")
	}
	return "", fmt.Errorf("%s %q: want grpc or http/protobuf", name, p)
}
