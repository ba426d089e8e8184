package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"regexp"
	"time"

	"connectrpc.com/connect"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/clientip"
	"github.com/slipway-dev/slipway/server/deployments"
)

// DefaultMaxRequestBytes bounds a request body (and each RPC message) unless
// Config says otherwise: 2 MiB holds the largest valid request (a few source
// files of up to 1 MiB are refused by validation anyway) while keeping a
// hostile client from making the server buffer arbitrary amounts.
const DefaultMaxRequestBytes = 2 << 20

// DefaultReadinessTimeout bounds one /readyz evaluation: probes must answer
// quickly, and a dependency that needs longer than this is not ready.
const DefaultReadinessTimeout = 2 * time.Second

// DefaultReadinessInterval is how often Serve refreshes slipway_ready:
// within one scrape interval of Prometheus's common 15 s to 30 s.
const DefaultReadinessInterval = 15 * time.Second

// Config is what the operator chooses; New validates it and fills defaults.
type Config struct {
	// Networks are the EVM networks this Slipway deploys to, as
	// NetworkService answers them.
	Networks []Network
	// AllowedOrigins are the browser origins allowed to call the API
	// (scheme://host[:port], or "*" for any). Empty disables CORS: browsers
	// then refuse cross-origin answers, which is the safe default.
	AllowedOrigins []string
	// MaxRequestBytes bounds request bodies and RPC messages; 0 means
	// DefaultMaxRequestBytes.
	MaxRequestBytes int64
	// ReadinessTimeout bounds one readiness evaluation; 0 means
	// DefaultReadinessTimeout.
	ReadinessTimeout time.Duration
	// ReadinessInterval is how often Serve evaluates the readiness checks
	// on its own, so that slipway_ready is current for Prometheus whether
	// or not anything probes /readyz; 0 means DefaultReadinessInterval,
	// negative turns the refresh off.
	ReadinessInterval time.Duration
	// TrustedProxies are the proxies (addresses or CIDR prefixes) whose
	// X-Forwarded-For is believed when finding a request's client address
	// (callctx.ClientAddr): for audit rows, the failed-authentication limit
	// and /readyz's details. Empty trusts none: the TCP peer is the client.
	TrustedProxies []string
	// AuthFailuresPerMinute is how many failed authentications one client
	// address may cause per minute on this replica before its requests with
	// credentials are refused unchecked (429); 0 means
	// DefaultAuthFailuresPerMinute.
	AuthFailuresPerMinute int
	// TLS says clients reach this server over HTTPS (served here or by a
	// terminating proxy), which turns on Strict-Transport-Security. It must
	// stay off for plain-HTTP deployments: HSTS on an HTTP-only host locks
	// browsers out.
	TLS bool
}

// Network is one EVM network deployments may target: deployments.Network,
// since the networks NetworkService answers are the ones deployment requests
// may name.
type Network = deployments.Network

// Deps are the live collaborators New wires in; the zero value of each field
// has a documented fallback so tests can start small.
type Deps struct {
	// Logger receives structured logs; it is wrapped so that every record
	// logged with a request's context carries request_id. Nil means JSON
	// to stderr.
	Logger *slog.Logger
	// Registry receives the request metrics and is what /metrics serves.
	// Nil means a fresh registry (with no Go or process collectors).
	Registry *prometheus.Registry
	// Readiness lists what /readyz and the gRPC health service check.
	Readiness []ReadinessCheck
	// Interceptors guard every RPC after panic recovery and before
	// validation, in the order given: authentication, then rate limiting.
	// They run on every protocol, REST included.
	Interceptors []connect.Interceptor
	// Services are the RPC implementations, and the deployment updates
	// feed; each nil field falls back to the default: the real
	// NetworkService from Config.Networks, and for the others a handler
	// that answers unimplemented naming the capability that will provide
	// it. Later capabilities replace them one by one.
	Services Services
	// TracerProvider, when set, traces every RPC (otelconnect, outermost,
	// so the span covers what the client waits for) and continues a
	// caller's W3C traceparent; the request log line then carries the
	// span's trace_id and span_id (see telemetry.NewLogHandler). Nil turns
	// tracing off at no cost.
	TracerProvider trace.TracerProvider
	// Console, when set, serves every GET path that no API route claims
	// (the web console, package web), at the lowest priority: /api/, the
	// procedure paths and the probes always win. Nil answers 404 there.
	Console http.Handler
}

// Services holds one implementation per API service so each capability can
// replace its own without touching the others.
type Services struct {
	Auth        slipwayv1connect.AuthServiceHandler
	APIKeys     slipwayv1connect.ApiKeyServiceHandler
	Contracts   slipwayv1connect.ContractServiceHandler
	Deployments slipwayv1connect.DeploymentServiceHandler
	Networks    slipwayv1connect.NetworkServiceHandler
	// Users administers accounts (roles), for admins; the identity
	// capability's (auth.Service.UserHandler).
	Users slipwayv1connect.UserServiceHandler
	// DeploymentUpdates serves the WebSocket feed of a deployment's events
	// at /api/v1/deployments/{id}/updates (deployments.NewUpdatesHandler,
	// on the same pool and hub as Deployments). The path is not an RPC, so
	// the Connect interceptors do not run on it: the handler must run the
	// guards of Deps.Interceptors itself, and admit browsers from
	// Config.AllowedOrigins.
	DeploymentUpdates http.Handler
}

// ReadinessCheck is one dependency /readyz must reach, such as Postgres,
// Temporal or a chain's JSON-RPC endpoint.
type ReadinessCheck struct {
	// Name identifies the dependency in /readyz answers and logs.
	Name string
	// Check returns nil when the dependency answers; it must honour ctx,
	// which carries the readiness timeout.
	Check func(ctx context.Context) error
}

// networkNamePattern matches the names CreateDeploymentRequest.network
// accepts, so every configured network is one a client can ask for.
var networkNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]*$`)

// withDefaults validates c and fills the zero values.
func (c Config) withDefaults() (Config, error) {
	var errs []error
	seen := make(map[string]bool, len(c.Networks))
	for i, n := range c.Networks {
		switch {
		case len(n.Name) == 0 || len(n.Name) > 63 || !networkNamePattern.MatchString(n.Name):
			errs = append(errs, fmt.Errorf("network %d: name %q must match %s and be at most 63 characters", i, n.Name, networkNamePattern))
		case seen[n.Name]:
			errs = append(errs, fmt.Errorf("network %q: configured twice", n.Name))
		}
		seen[n.Name] = true
		if n.ChainID == 0 {
			errs = append(errs, fmt.Errorf("network %q: chain id must be positive", n.Name))
		}
	}
	for _, o := range c.AllowedOrigins {
		if o == "" {
			errs = append(errs, errors.New("allowed origins: empty origin"))
		}
	}
	if c.MaxRequestBytes < 0 {
		errs = append(errs, fmt.Errorf("max request bytes %d: must not be negative", c.MaxRequestBytes))
	}
	if c.MaxRequestBytes == 0 {
		c.MaxRequestBytes = DefaultMaxRequestBytes
	}
	if c.MaxRequestBytes > 1<<31-1 {
		errs = append(errs, fmt.Errorf("max request bytes %d: must be below 2 GiB", c.MaxRequestBytes))
	}
	if c.ReadinessTimeout < 0 {
		errs = append(errs, fmt.Errorf("readiness timeout %s: must not be negative", c.ReadinessTimeout))
	}
	if c.ReadinessTimeout == 0 {
		c.ReadinessTimeout = DefaultReadinessTimeout
	}
	if c.ReadinessInterval == 0 {
		c.ReadinessInterval = DefaultReadinessInterval
	}
	if _, err := clientip.NewResolver(c.TrustedProxies); err != nil {
		errs = append(errs, fmt.Errorf("trusted proxies: %w", err))
	}
	if c.AuthFailuresPerMinute < 0 || c.AuthFailuresPerMinute > 1_000_000 {
		errs = append(errs, fmt.Errorf("auth failures per minute %d: must be 1 to 1000000", c.AuthFailuresPerMinute))
	}
	if c.AuthFailuresPerMinute == 0 {
		c.AuthFailuresPerMinute = DefaultAuthFailuresPerMinute
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid server config: %w", err)
	}
	return c, nil
}

func (d Deps) validate() error {
	seen := make(map[string]bool, len(d.Readiness))
	for i, c := range d.Readiness {
		if c.Name == "" || c.Check == nil {
			return fmt.Errorf("readiness check %d: needs a name and a func", i)
		}
		if seen[c.Name] {
			return fmt.Errorf("readiness check %q: registered twice", c.Name)
		}
		seen[c.Name] = true
	}
	return nil
}
