package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/web"
)

// apiConfig is what the API server needs, from flags and env.
type apiConfig struct {
	HTTPAddr     string
	DatabaseURL  string
	NetworksFile string
	MaxBodyBytes int64
	CORSOrigins  string
	TLS          bool
	// TemporalUIURL is where the web console links deployments' runs.
	TemporalUIURL string
	// AuthFailPerMin is the failed authentications one client address may
	// cause per minute on a replica before its credentialed requests are
	// refused without a look.
	AuthFailPerMin int64
	// MaxStreamsPerUser caps the deployment watches (WatchDeployment and
	// WebSocket together) one user may hold open on this replica.
	MaxStreamsPerUser int64
}

func (c *apiConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.HTTPAddr, "http-addr", envString("SLIPWAY_HTTP_ADDR", "127.0.0.1:8080"), "listen address of the API: Connect, gRPC, gRPC-Web, REST, WebSocket, health and metrics (env SLIPWAY_HTTP_ADDR)")
	fs.StringVar(&c.NetworksFile, "networks", envString("SLIPWAY_NETWORKS_FILE", ""), "JSON file of the EVM networks to deploy to (env SLIPWAY_NETWORKS_FILE)")
	fs.Int64Var(&c.MaxBodyBytes, "max-body-bytes", envInt("SLIPWAY_MAX_BODY_BYTES", server.DefaultMaxRequestBytes), "largest request body accepted (env SLIPWAY_MAX_BODY_BYTES)")
	fs.StringVar(&c.CORSOrigins, "cors-origins", envString("SLIPWAY_CORS_ORIGINS", ""), "comma-separated browser origins allowed to call the API, or * (env SLIPWAY_CORS_ORIGINS)")
	fs.BoolVar(&c.TLS, "behind-tls", envBool("SLIPWAY_BEHIND_TLS", false), "clients reach the API over HTTPS (turns on HSTS) (env SLIPWAY_BEHIND_TLS)")
	fs.Int64Var(&c.MaxStreamsPerUser, "max-streams-per-user", envInt("SLIPWAY_MAX_STREAMS_PER_USER", deployments.DefaultMaxStreamsPerUser), "deployment watches (WatchDeployment streams and WebSockets together) one user may hold open on this replica; more are refused with resource_exhausted / 429 (env SLIPWAY_MAX_STREAMS_PER_USER)")
	fs.Int64Var(&c.AuthFailPerMin, "auth-fail-per-min", envInt("SLIPWAY_AUTH_FAIL_PER_MIN", server.DefaultAuthFailuresPerMinute), "failed authentications per minute one client address may cause on this replica before its requests with credentials are refused with 429, unchecked (env SLIPWAY_AUTH_FAIL_PER_MIN)")
	fs.StringVar(&c.TemporalUIURL, "temporal-ui-url", envString("SLIPWAY_TEMPORAL_UI_URL", ""), "base URL of the Temporal Web UI the web console links deployment runs to; empty for no links (slipway dev: its own UI) (env SLIPWAY_TEMPORAL_UI_URL)")
}

func (c *apiConfig) validate() error {
	var errs []error
	if err := validateHostPort("--http-addr", c.HTTPAddr, true); err != nil {
		errs = append(errs, err)
	}
	if c.MaxBodyBytes < 1024 || c.MaxBodyBytes > 1<<30 {
		errs = append(errs, fmt.Errorf("--max-body-bytes %d: must be 1 KiB to 1 GiB", c.MaxBodyBytes))
	}
	if c.AuthFailPerMin < 1 || c.AuthFailPerMin > 1_000_000 {
		errs = append(errs, fmt.Errorf("--auth-fail-per-min %d: must be 1 to 1000000", c.AuthFailPerMin))
	}
	if c.MaxStreamsPerUser < 1 || c.MaxStreamsPerUser > deployments.MaxMaxStreamsPerUser {
		errs = append(errs, fmt.Errorf("--max-streams-per-user %d: must be 1 to %d", c.MaxStreamsPerUser, deployments.MaxMaxStreamsPerUser))
	}
	return errors.Join(errs...)
}

func (c *apiConfig) origins() []string {
	var out []string
	for _, o := range strings.Split(c.CORSOrigins, ",") {
		if o = strings.TrimSpace(o); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// loadNetworks reads the networks file; no file means no networks, which
// serve allows (the API still answers) but says in the log.
func loadNetworks(path string) (chain.Config, error) {
	if path == "" {
		return chain.Config{}, nil
	}
	return chain.LoadConfig(path)
}

type serveConfig struct {
	Log         logConfig
	API         apiConfig
	Identity    identityConfig
	Temporal    temporalConfig
	DatabaseURL string
}

func runServe(ctx context.Context, args []string, stderr io.Writer) error {
	var cfg serveConfig
	fs := newFlagSet("serve", stderr)
	cfg.Log.register(fs)
	cfg.API.register(fs)
	cfg.Identity.register(fs)
	cfg.Temporal.register(fs)
	fs.StringVar(&cfg.DatabaseURL, "database-url", envString("DATABASE_URL", ""), "Postgres URL (env DATABASE_URL)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if err := errors.Join(cfg.API.validate(), cfg.Identity.validate(), cfg.Temporal.validate(false), validateDatabaseURL(cfg.DatabaseURL)); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	tr, logger, err := startLogging(ctx, &cfg.Log, "slipway-api", stderr)
	if err != nil {
		return err
	}
	defer tr.close(ctx, logger)
	networks, err := loadNetworks(cfg.API.NetworksFile)
	if err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	pool, err := db.Connect(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	tc, err := dialTemporal(cfg.Temporal, logger, tr.temporalOptions()...)
	if err != nil {
		return err
	}
	defer tc.Close()
	sp, err := newSecrets(logger)
	if err != nil {
		return err
	}
	h, closeAPI, err := newAPIHandler(ctx, cfg.API, cfg.Identity, apiDeps{Pool: pool, Temporal: tc, Namespace: cfg.Temporal.Namespace, TaskQueue: cfg.Temporal.TaskQueue, Networks: networks, Secrets: sp, Logger: logger, Tracer: tr.tracerProvider()})
	if err != nil {
		return err
	}
	defer closeAPI()
	ln, err := net.Listen("tcp", cfg.API.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.API.HTTPAddr, err)
	}
	logger.InfoContext(ctx, "api listening", "addr", ln.Addr().String(), "networks", len(networks.Networks))
	return server.Serve(ctx, ln, h, logger)
}

// apiDeps are the live connections the API handler is built on.
type apiDeps struct {
	Pool      *pgxpool.Pool
	Temporal  client.Client
	Namespace string
	// TaskQueue is where the API starts its short workflows (compile).
	TaskQueue string
	Networks  chain.Config
	Secrets   secrets.Provider
	Logger    *slog.Logger
	// Tracer traces RPCs when set; the Temporal client must carry the
	// matching interceptor (tracing.temporalOptions) for workflow starts
	// to join the RPC's trace.
	Tracer trace.TracerProvider
}

// newAPIHandler assembles the API with its readiness checks (Postgres,
// Temporal and every configured chain, as API.md's /readyz requires) and its
// guard (authentication, rate limits). The func it answers closes the guard,
// after the server has drained.
func newAPIHandler(ctx context.Context, cfg apiConfig, ident identityConfig, d apiDeps) (http.Handler, func(), error) {
	reg := prometheus.NewRegistry()
	// The pool's statistics under the worker's names (slipway_db_pool_*):
	// one collector, one set of dashboards, whichever process it is.
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		metrics.NewPoolCollector(d.Pool))
	checks := []server.ReadinessCheck{
		{Name: "postgres", Check: d.Pool.Ping},
		{Name: "temporal", Check: temporalReady(d.Temporal, d.Namespace)},
	}
	var nets []server.Network
	for _, n := range d.Networks.Networks {
		checks = append(checks, server.ReadinessCheck{Name: "chain:" + n.Name, Check: func(ctx context.Context) error { return n.CheckReachable(ctx, d.Secrets) }})
		nets = append(nets, server.Network{Name: n.Name, ChainID: n.ChainID, Confirmations: n.Confirmations})
		if n.MinSignerBalance() != nil {
			checks = append(checks, server.ReadinessCheck{Name: "signer:" + n.Name, Check: server.SignerBalanceCheck(d.Pool, n.Name)})
		}
	}
	tenancy := server.NewTenancy(d.Pool, d.Networks)
	g, err := newGuard(ctx, ident, d.Pool, d.Secrets, reg, d.Logger, tenancy)
	if err != nil {
		return nil, nil, err
	}
	svcs := g.services
	toolchain := workflowToolchain{tc: d.Temporal, taskQueue: d.TaskQueue}
	svcs.Contracts = server.NewContractServiceWithToolchain(tenancy.Builds(toolchain, toolchain))
	svcs.Networks = server.NewNetworkService(nets, tenancy)
	// One LISTEN connection per replica wakes every watcher of a
	// deployment, whichever replica's worker appended the event.
	hub := deployments.NewHub(d.Pool, d.Logger, deployments.WithMaxStreamsPerUser(int(cfg.MaxStreamsPerUser)))
	hubCtx, stopHub := context.WithCancel(context.WithoutCancel(ctx))
	hubDone := make(chan struct{})
	go func() {
		defer close(hubDone)
		if err := hub.Run(hubCtx); err != nil && hubCtx.Err() == nil {
			d.Logger.ErrorContext(hubCtx, "deployment event listener stopped", "err", err)
		}
	}()
	closeHub := func() { stopHub(); <-hubDone }
	svcs.Deployments = deployments.NewService(d.Pool, newWorkflowDeployments(d.Temporal, d.Namespace, d.TaskQueue, d.Networks), nets, hub, d.Logger,
		deployments.WithPrecompile(toolchain, 0), deployments.WithTenancy(tenancy))
	// The WebSocket feed is not an RPC: it runs the same guard and admits
	// the same browser origins as the API it is mounted in.
	svcs.DeploymentUpdates = deployments.NewUpdatesHandler(d.Pool, hub, g.interceptors, cfg.origins(), d.Logger)
	h, err := server.New(server.Config{
		Networks:        nets,
		AllowedOrigins:  cfg.origins(),
		MaxRequestBytes: cfg.MaxBodyBytes,
		TLS:             cfg.TLS,
		// The API's own view of the client (audit rows, the failed
		// authentication limit) trusts the same proxies as the guard's.
		TrustedProxies:        splitList(ident.TrustedProxies),
		AuthFailuresPerMinute: int(cfg.AuthFailPerMin),
	}, server.Deps{Logger: d.Logger, Registry: reg, Readiness: checks, Interceptors: g.interceptors, Services: svcs, TracerProvider: d.Tracer,
		Console: web.Handler(web.Config{TemporalUIURL: cfg.TemporalUIURL, TemporalNamespace: d.Namespace})})
	if err != nil {
		closeHub()
		g.close()
		return nil, nil, fmt.Errorf("build api: %w", err)
	}
	return h, func() { closeHub(); g.close() }, nil
}
