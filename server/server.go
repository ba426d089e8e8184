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
	logger := requestLogger(deps.Logger)
	reg := deps.Registry
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	m, err := newMetrics(reg)
	if err != nil {
		return nil, err
	}
	svcs := deps.Services.withDefaults(cfg.Networks)
	opts, err := handlerOptions(cfg, deps, logger)
	if err != nil {
		return nil, err
	}
	rpc, err := newRPCServices(svcs, opts)
	if err != nil {
		return nil, err
	}

	mux := http.NewServeMux()
	if err := rpc.mount(mux, cfg.MaxRequestBytes); err != nil {
		return nil, err
	}
	mux.Handle("/api/v1/deployments/{id}/updates", svcs.DeploymentUpdates)
	ready := &readiness{checks: deps.Readiness, timeout: cfg.ReadinessTimeout, logger: logger, gauge: m.ready, every: cfg.ReadinessInterval}
	mountProbes(mux, rpc, ready, reg, opts)
	if deps.Console != nil {
		// "/" is less specific than every route above, so it only gets
		// what they leave; "GET /" would conflict with "/api/".
		mux.Handle("/", deps.Console)
	}
	return withEdge(cfg, mux, rpc.streaming, ready, m, opts, logger)
}

// requestLogger wraps the configured logger (JSON to stderr when nil) so
// that every record logged with a request's context carries its request id.
func requestLogger(logger *slog.Logger) *slog.Logger {
	if logger == nil {
		logger = slog.New(slog.NewJSONHandler(os.Stderr, nil))
	}
	return slog.New(NewLogHandler(logger.Handler()))
}

// withDefaults fills each nil service: the NetworkService from the
// configured networks, the ContractService generating templates (it
// compiles and audits only with a compiler), and for the others connect-go's
// generated handlers that answer unimplemented, which is what a server
// wired without them (tests of other capabilities) should say.
func (s Services) withDefaults(networks []Network) Services {
	if s.Auth == nil {
		s.Auth = slipwayv1connect.UnimplementedAuthServiceHandler{}
	}
	if s.APIKeys == nil {
		s.APIKeys = slipwayv1connect.UnimplementedApiKeyServiceHandler{}
	}
	if s.Contracts == nil {
		s.Contracts = NewContractService()
	}
	if s.Deployments == nil {
		s.Deployments = slipwayv1connect.UnimplementedDeploymentServiceHandler{}
	}
	if s.DeploymentUpdates == nil {
		s.DeploymentUpdates = http.HandlerFunc(deploymentUpdatesStub)
	}
	if s.Networks == nil {
		s.Networks = NewNetworkService(networks, nil)
	}
	if s.Users == nil {
		s.Users = slipwayv1connect.UnimplementedUserServiceHandler{}
	}
	return s
}

// handlerOptions are the Connect handlers' options: the interceptor chain,
// the JSON codecs and the request size limit.
//
// Interceptors run in the order given: tracing when on, observer
// outermost of ours (it reports what the client finally gets), then panic
// recovery, the guards of Deps.Interceptors, validation before any
// handler runs, and the error boundary next to the handler.
func handlerOptions(cfg Config, deps Deps, logger *slog.Logger) ([]connect.HandlerOption, error) {
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
	return []connect.HandlerOption{
		connect.WithInterceptors(tracing...),
		connect.WithInterceptors(observer{}),
		connect.WithRecover(recoverRPC(logger)),
		connect.WithInterceptors(deps.Interceptors...),
		connect.WithInterceptors(validate.NewInterceptor(), boundary{logger: logger}, textGate{}),
		connect.WithCodec(jsonCodec{name: "json"}),
		connect.WithCodec(jsonCodec{name: "json; charset=utf-8"}),
		connect.WithReadMaxBytes(int(cfg.MaxRequestBytes)),
	}, nil
}

// rpcServices are the API's Connect handlers, one per service on its path
// (/slipway.v1.<Service>/), and what their descriptors tell about their
// procedures.
type rpcServices struct {
	mounts []rpcMount
	// procedures maps every known procedure path (the gRPC health
	// service's included) to itself: only these name a metric series,
	// so clients cannot mint label values.
	procedures map[string]string
	// streaming holds the server-streaming procedures.
	streaming map[string]bool
	// names holds the fully qualified service names, for the gRPC
	// health service.
	names map[string]bool
}

type rpcMount struct {
	path    string
	handler http.Handler
}

// newRPCServices builds the Connect handlers of svcs and indexes their
// procedures from the registered service descriptors.
func newRPCServices(svcs Services, opts []connect.HandlerOption) (*rpcServices, error) {
	rpc := &rpcServices{procedures: map[string]string{}, streaming: map[string]bool{}, names: map[string]bool{}}
	add := func(path string, h http.Handler) { rpc.mounts = append(rpc.mounts, rpcMount{path, h}) }
	add(slipwayv1connect.NewAuthServiceHandler(svcs.Auth, opts...))
	add(slipwayv1connect.NewApiKeyServiceHandler(svcs.APIKeys, opts...))
	add(slipwayv1connect.NewContractServiceHandler(svcs.Contracts, opts...))
	add(slipwayv1connect.NewDeploymentServiceHandler(svcs.Deployments, opts...))
	add(slipwayv1connect.NewNetworkServiceHandler(svcs.Networks, opts...))
	add(slipwayv1connect.NewUserServiceHandler(svcs.Users, opts...))

	for _, mt := range rpc.mounts {
		name := strings.Trim(mt.path, "/")
		desc, err := protoregistry.GlobalFiles.FindDescriptorByName(protoreflect.FullName(name))
		if err != nil {
			return nil, fmt.Errorf("resolve service %s: %w", name, err)
		}
		sd, ok := desc.(protoreflect.ServiceDescriptor)
		if !ok {
			return nil, fmt.Errorf("resolve service %s: not a service", name)
		}
		rpc.names[name] = true
		for i := range sd.Methods().Len() {
			md := sd.Methods().Get(i)
			p := "/" + name + "/" + string(md.Name())
			rpc.procedures[p] = p
			if md.IsStreamingServer() {
				rpc.streaming[p] = true
			}
		}
	}
	for _, p := range []string{"/grpc.health.v1.Health/Check", "/grpc.health.v1.Health/Watch"} {
		rpc.procedures[p] = p
	}
	return rpc, nil
}

// record names the request's procedure, when it is a known one, for the
// request metrics.
func (rpc *rpcServices) record(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Only known procedures name a metric series, so clients cannot
		// mint label values.
		if p, ok := rpc.procedures[r.URL.Path]; ok {
			if info := requestInfoFrom(r.Context()); info != nil {
				info.procedure = p
			}
		}
		h.ServeHTTP(w, r)
	})
}

// mount routes each service's procedure paths to its handler, and /api/
// to the REST transcoder in front of the same handlers.
func (rpc *rpcServices) mount(mux *http.ServeMux, maxRequestBytes int64) error {
	vsvcs := make([]*vanguard.Service, 0, len(rpc.mounts))
	for _, mt := range rpc.mounts {
		h := rpc.record(mt.handler)
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
			vanguard.WithMaxMessageBufferBytes(uint32(maxRequestBytes)), // bounded by withDefaults.
		),
	)
	if err != nil {
		return fmt.Errorf("build REST transcoder: %w", err)
	}
	mux.Handle("/api/", transcoder)
	return nil
}

// mountProbes routes the gRPC health service, /healthz, /readyz and
// /metrics.
func mountProbes(mux *http.ServeMux, rpc *rpcServices, ready *readiness, reg *prometheus.Registry, opts []connect.HandlerOption) {
	healthPath, healthHandler := grpchealth.NewHandler(&healthChecker{readiness: ready, services: rpc.names}, opts...)
	mux.Handle(healthPath, rpc.record(healthHandler))
	mux.HandleFunc("GET /healthz", healthz)
	mux.HandleFunc("GET /readyz", ready.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{}))
}

// withEdge puts the middleware chain in front of the routes, outermost
// first: the edge (recovery, request id, security headers, access log and
// metrics), CORS, the body limit and the auth-failure throttle.
func withEdge(cfg Config, routes http.Handler, streaming map[string]bool, ready *readiness, m *metrics, opts []connect.HandlerOption, logger *slog.Logger) (http.Handler, error) {
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
	e.next = withCORS(cfg.AllowedOrigins, e.limitBody(e.throttleFailures(routes)))
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
