package server

import (
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"strings"

	"connectrpc.com/connect"
	connectcors "connectrpc.com/cors"
	"connectrpc.com/grpchealth"
	"connectrpc.com/otelconnect"
	"connectrpc.com/validate"
	"connectrpc.com/vanguard"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/rs/cors"
	"go.opentelemetry.io/otel/propagation"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/clientip"
)

// New builds the one handler that serves the whole API on one port: Connect,
// gRPC and gRPC-Web on the procedure paths, REST on /api/, health, readiness
// and metrics. See the package documentation for the routes and layers.
func New(cfg Config, deps Deps) (http.Handler, error) {
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if err := deps.validate(); err != nil {
		return nil, fmt.Errorf("invalid server deps: %w", err)
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	logger = slog.New(NewLogHandler(logger.Handler()))
	reg := deps.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	svcs := deps.Services
	if svcs.Auth == nil {
		svcs.Auth = NewAuthService()
	}
	if svcs.APIKeys == nil {
		svcs.APIKeys = NewAPIKeyService()
	}
	if svcs.Contracts == nil {
		svcs.Contracts = NewContractService()
	}
	if svcs.Deployments == nil {
		svcs.Deployments = NewDeploymentService()
	}
	if svcs.Networks == nil {
		svcs.Networks = NewNetworkService(cfg.Networks, nil)
	}

	// Interceptors run in the order given: tracing when on, observer
	// outermost of ours (it reports
	// what the client finally gets), then panic recovery, validation before
	// any handler runs, and the error boundary next to the handler.
	var tracing []connect.Interceptor
	if deps.TracerProvider != nil {
		otelInterceptor, err := otelconnect.NewInterceptor(
			otelconnect.WithTracerProvider(deps.TracerProvider),
			otelconnect.WithPropagator(propagation.TraceContext{}),
			// A client's traceparent continues its trace here rather
			// than being only linked: API clients are services of the
			// same operator more often than strangers, and a stranger's
			// trace id only names spans.
			otelconnect.WithTrustRemote(),
			// Request metrics are Prometheus's (slipway_http_*).
			otelconnect.WithoutMetrics(),
		)
		if err != nil {
			return nil, fmt.Errorf("build tracing interceptor: %w", err)
		}
		tracing = append(tracing, otelInterceptor)
	}
	opts := []connect.HandlerOption{
		connect.WithInterceptors(tracing...),
		connect.WithInterceptors(observer{}),
		connect.WithRecover(recoverRPC(logger)),
		connect.WithInterceptors(deps.Interceptors...),
		connect.WithInterceptors(validate.NewInterceptor(), boundary{logger: logger}, textGate{}),
		connect.WithCodec(jsonCodec{name: "json"}),
		connect.WithCodec(jsonCodec{name: "json; charset=utf-8"}),
		connect.WithReadMaxBytes(int(cfg.MaxRequestBytes)),
	}
	type mount struct {
		path    string
		handler http.Handler
	}
	var mounts []mount
	add := func(path string, h http.Handler) { mounts = append(mounts, mount{path, h}) }
	add(slipwayv1connect.NewAuthServiceHandler(svcs.Auth, opts...))
	add(slipwayv1connect.NewApiKeyServiceHandler(svcs.APIKeys, opts...))
	add(slipwayv1connect.NewContractServiceHandler(svcs.Contracts, opts...))
	add(slipwayv1connect.NewDeploymentServiceHandler(svcs.Deployments, opts...))
	add(slipwayv1connect.NewNetworkServiceHandler(svcs.Networks, opts...))

	procedures := map[string]string{}
	streaming := map[string]bool{}
	serviceNames := map[string]bool{}
	for _, mt := range mounts {
		name := strings.Trim(mt.path, "/")
		desc, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("resolve service %s: %w", name, err)
		}
		sd, ok := desc.(protoreflect.ServiceDescriptor)
		if !ok {
			return nil, fmt.Errorf("resolve service %s: not a service", name)
		}
		serviceNames[name] = true
		for i := range sd.Methods().Len() {
			md := sd.Methods().Get(i)
			p := "/" + name + "/" + string(md.Name())
			procedures[p] = p
			if md.IsStreamingServer() {
				streaming[p] = true
			}
		}
	}
	for _, p := range []string{"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"} {
		procedures[p] = p
	}
	record := func(h http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			// Only known procedures name a metric series, so clients cannot
			// mint label values.
			if p, ok := procedures[r.URL.Path]; ok {
				if info := requestInfoFrom(r.Context()); info != nil {
					info.procedure = p
				}
			}
			h.ServeHTTP(w, r)
		})
	}

	mux := http.NewServeMux()
	vsvcs := make([]*vanguard.Service, 0, len(mounts))
	for _, mt := range mounts {
		h := record(mt.handler)
		mux.Handle(mt.path, h)
		vsvcs = append(vsvcs, vanguard.NewService(mt.path, h))
	}
	transcoder, err := vanguard.NewTranscoder(vsvcs,
		vanguard.WithCodec(newRESTCodec),
		vanguard.WithDefaultServiceOptions(
			// REST JSON is decoded by the transcoder (restCodec: strict,
			// errors as invalid_argument) and handed to the handlers as
			// binary; answers are written with every field present, as
			// REST clients expect ("networks": [] rather than nothing).
			vanguard.WithTargetCodecs(vanguard.CodecProto),
			vanguard.WithMaxMessageBufferBytes(uint32(cfg.MaxRequestBytes)), //nolint:gosec // bounded by withDefaults.
		),
	)
	if err != nil {
		return nil, fmt.Errorf("build REST transcoder: %w", err)
	}
	mux.Handle("/api/", transcoder)
	// The WebSocket feed bypasses the Connect interceptors, so it is
	// handed the guard ones (authentication, rate limiting) to run itself.
	updates := http.Handler(http.HandlerFunc(deploymentUpdatesStub))
	if ds, ok := svcs.Deployments.(*deploymentService); ok {
		updates = ds.updatesHandler(deps.Interceptors, cfg.AllowedOrigins, logger)
	}
	mux.Handle("/api/v1/deployments/{id}/updates", updates)

	ready := &readiness{checks: deps.Readiness, timeout: cfg.ReadinessTimeout, logger: logger, gauge: m.ready, every: cfg.ReadinessInterval}
	healthPath, healthHandler := grpchealth.NewHandler(&healthChecker{readiness: ready, services: serviceNames}, opts...)
	mux.Handle(healthPath, record(healthHandler))
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", ready.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
	if deps.Console != nil {
		// "/" is less specific than every route above, so it only gets
		// what they leave; "GET /" would conflict with "/api/".
		mux.Handle("/", deps.Console)
	}

	resolver, err := clientip.NewResolver(cfg.TrustedProxies)
	if err != nil {
		return nil, fmt.Errorf("trusted proxies: %w", err)
	}
	e := &edge{
		resolver:  resolver,
		failures:  newFailureLimiter(cfg.AuthFailuresPerMinute, logger),
		logger:    logger,
		metrics:   m,
		errors:    connect.NewErrorWriter(opts...),
		maxBytes:  cfg.MaxRequestBytes,
		hsts:      cfg.TLS,
		streaming: streaming,
		ready:     ready,
	}
	e.next = withCORS(cfg.AllowedOrigins, e.limitBody(e.throttleFailures(mux)))
	return e, nil
}

// withCORS lets browsers on the allowed origins call every protocol: the
// Connect and gRPC-Web headers, plus Slipway's credentials and the headers
// clients read (request id, rate limits). With no origins configured it adds
// nothing, and browsers keep refusing cross-origin answers.
func withCORS(origins []string, h http.Handler) http.Handler {
	if len(origins) == 0 {
		return h
	}
	return cors.New(cors.Options{
		AllowedOrigins: origins,
		// REST adds DELETE to Connect's GET and POST.
		AllowedMethods: append(connectcors.AllowedMethods(), http.MethodDelete),
		AllowedHeaders: append(connectcors.AllowedHeaders(), "Authorization", "X-Api-Key", RequestIDHeader),
		ExposedHeaders: append(connectcors.ExposedHeaders(),
			RequestIDHeader, "RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset", "Retry-After", "WWW-Authenticate"),
		// Two hours, the most Chromium honours, saves a preflight per call.
		MaxAge: 7200,
	}).Handler(h)
}
