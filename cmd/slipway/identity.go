package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/auth"
	"github.com/slipway-dev/slipway/server/clientip"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

// identityConfig is how requests are authenticated and limited.
type identityConfig struct {
	JWTKey          string
	JWTPreviousKeys string
	Issuer          string
	Audience        string
	AccessTTL       time.Duration
	RefreshIdleTTL  time.Duration
	RefreshAbsTTL   time.Duration
	SessionCacheTTL time.Duration
	TrustedProxies  string
	FreePerMin      int64
	PaidPerMin      int64
	AuthPerMin      int64
	RateFailClosed  bool
	RateLeaseMin    int64
	// MaxAPIKeys caps each user's active API keys.
	MaxAPIKeys int64
}

func (c *identityConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.JWTKey, "jwt-key", envString("SLIPWAY_JWT_KEY", ""), "secret reference of the Ed25519 key that signs access tokens (PKCS#8 PEM or seed), such as file:/run/secrets/jwt_key, env:NAME or vault:secret/data/slipway#jwt_key (env SLIPWAY_JWT_KEY)")
	fs.StringVar(&c.JWTPreviousKeys, "jwt-previous-keys", envString("SLIPWAY_JWT_PREVIOUS_KEYS", ""), "comma-separated secret references of retired signing keys whose tokens are still accepted during a rotation (env SLIPWAY_JWT_PREVIOUS_KEYS)")
	fs.StringVar(&c.Issuer, "jwt-issuer", envString("SLIPWAY_JWT_ISSUER", auth.DefaultIssuer), "iss of access tokens (env SLIPWAY_JWT_ISSUER)")
	fs.StringVar(&c.Audience, "jwt-audience", envString("SLIPWAY_JWT_AUDIENCE", auth.DefaultAudience), "aud of access tokens (env SLIPWAY_JWT_AUDIENCE)")
	fs.DurationVar(&c.AccessTTL, "access-token-ttl", envDuration("SLIPWAY_ACCESS_TOKEN_TTL", auth.DefaultAccessTTL), "access token lifetime (env SLIPWAY_ACCESS_TOKEN_TTL)")
	fs.DurationVar(&c.RefreshIdleTTL, "refresh-idle-ttl", envDuration("SLIPWAY_REFRESH_IDLE_TTL", auth.DefaultRefreshIdleTTL), "a session ends after this long without a refresh (env SLIPWAY_REFRESH_IDLE_TTL)")
	fs.DurationVar(&c.RefreshAbsTTL, "refresh-absolute-ttl", envDuration("SLIPWAY_REFRESH_ABSOLUTE_TTL", auth.DefaultRefreshAbsoluteTTL), "a session ends this long after login (env SLIPWAY_REFRESH_ABSOLUTE_TTL)")
	fs.DurationVar(&c.SessionCacheTTL, "session-cache-ttl", envDuration("SLIPWAY_SESSION_CACHE_TTL", auth.DefaultSessionCacheTTL), "how late a logout on another replica may reach this one (env SLIPWAY_SESSION_CACHE_TTL)")
	fs.StringVar(&c.TrustedProxies, "trusted-proxies", envString("SLIPWAY_TRUSTED_PROXIES", ""), "comma-separated proxy addresses or CIDRs whose X-Forwarded-For is believed (env SLIPWAY_TRUSTED_PROXIES)")
	fs.Int64Var(&c.FreePerMin, "rate-free-per-min", envInt("SLIPWAY_RATE_FREE_PER_MIN", ratelimit.DefaultFreePerMinute), "requests per minute of a free-tier user (env SLIPWAY_RATE_FREE_PER_MIN)")
	fs.Int64Var(&c.PaidPerMin, "rate-paid-per-min", envInt("SLIPWAY_RATE_PAID_PER_MIN", ratelimit.DefaultPaidPerMinute), "requests per minute of a paid-tier user (env SLIPWAY_RATE_PAID_PER_MIN)")
	fs.Int64Var(&c.AuthPerMin, "auth-rate-per-min", envInt("SLIPWAY_AUTH_RATE_PER_MIN", ratelimit.DefaultAuthPerMinutePerIP), "unauthenticated auth requests per minute per client address (env SLIPWAY_AUTH_RATE_PER_MIN)")
	fs.Int64Var(&c.RateLeaseMin, "rate-lease-min", envInt("SLIPWAY_RATE_LEASE_MIN", ratelimit.DefaultLeaseMinLimit), "smallest per-minute limit whose buckets a busy replica leases tokens from, spending them without a statement each; -1 turns leases off (env SLIPWAY_RATE_LEASE_MIN)")
	fs.Int64Var(&c.MaxAPIKeys, "max-api-keys", envInt("SLIPWAY_MAX_API_KEYS", auth.DefaultMaxAPIKeysPerUser), "active (not revoked) API keys one user may hold; creating more is refused with failed_precondition (env SLIPWAY_MAX_API_KEYS)")
	fs.BoolVar(&c.RateFailClosed, "rate-fail-closed", envBool("SLIPWAY_RATE_FAIL_CLOSED", false), "refuse requests when the rate limiter cannot reach Postgres, instead of letting them through (env SLIPWAY_RATE_FAIL_CLOSED)")
}

func (c *identityConfig) validate() error {
	var errs []error
	if c.JWTKey == "" {
		errs = append(errs, errors.New("--jwt-key (SLIPWAY_JWT_KEY) is required: a secret reference to the Ed25519 signing key; `slipway dev` writes one to <data-dir>/slipway.env"))
	}
	for _, r := range []struct {
		name string
		n    int64
	}{{"--rate-free-per-min", c.FreePerMin}, {"--rate-paid-per-min", c.PaidPerMin}, {"--auth-rate-per-min", c.AuthPerMin}} {
		if r.n < 1 || r.n > 1_000_000 {
			errs = append(errs, fmt.Errorf("%s %d: must be 1 to 1000000", r.name, r.n))
		}
	}
	if c.MaxAPIKeys < 1 || c.MaxAPIKeys > auth.MaxAPIKeysPerUserLimit {
		errs = append(errs, fmt.Errorf("--max-api-keys %d: must be 1 to %d", c.MaxAPIKeys, auth.MaxAPIKeysPerUserLimit))
	}
	if c.RateLeaseMin == 0 || c.RateLeaseMin < -1 || c.RateLeaseMin > 1_000_000 {
		errs = append(errs, fmt.Errorf("--rate-lease-min %d: must be -1 (off) or 1 to 1000000", c.RateLeaseMin))
	}
	if _, err := clientip.NewResolver(splitList(c.TrustedProxies)); err != nil {
		errs = append(errs, fmt.Errorf("--trusted-proxies: %w", err))
	}
	return errors.Join(errs...)
}

func splitList(s string) []string {
	var out []string
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// newSecrets builds the secrets provider: env and file references always,
// Vault when VAULT_ADDR is set (with the Vault CLI's variables).
func newSecrets(logger *slog.Logger) (secrets.Provider, error) {
	p, err := secrets.NewProvider(secrets.Config{Vault: secrets.VaultConfigFromEnv(os.Getenv), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("configure secrets: %w", err)
	}
	return p, nil
}

// guard is the identity capability as wired into the API: the services and
// interceptors, and what must be closed after the server drains.
type guard struct {
	services     server.Services
	interceptors []connect.Interceptor
	close        func()
}

// newGuard loads the signing keys through the secrets provider and builds
// authentication and rate limiting.
func newGuard(ctx context.Context, cfg identityConfig, pool *pgxpool.Pool, sp secrets.Provider, reg prometheus.Registerer, logger *slog.Logger, tenancy *server.Tenancy) (*guard, error) {
	current, err := sp.Get(ctx, cfg.JWTKey)
	if err != nil {
		return nil, fmt.Errorf("load --jwt-key: %w", err)
	}
	var previous [][]byte
	for _, ref := range splitList(cfg.JWTPreviousKeys) {
		s, err := sp.Get(ctx, ref)
		if err != nil {
			return nil, fmt.Errorf("load --jwt-previous-keys: %w", err)
		}
		previous = append(previous, s.Reveal())
	}
	keys, err := auth.ParseKeySet(current.Reveal(), previous...)
	if err != nil {
		return nil, fmt.Errorf("parse jwt keys: %w", err)
	}
	resolver, err := clientip.NewResolver(splitList(cfg.TrustedProxies))
	if err != nil {
		return nil, err
	}
	svc, err := auth.NewService(auth.Deps{Pool: pool, Keys: keys, Resolver: resolver, Logger: logger, Budgets: tenancy.Budgets, Config: auth.Config{
		Issuer: cfg.Issuer, Audience: cfg.Audience, AccessTTL: cfg.AccessTTL,
		RefreshIdleTTL: cfg.RefreshIdleTTL, RefreshAbsoluteTTL: cfg.RefreshAbsTTL, SessionCacheTTL: cfg.SessionCacheTTL,
		MaxAPIKeysPerUser: int(cfg.MaxAPIKeys),
	}})
	if err != nil {
		return nil, err
	}
	lim, err := ratelimit.New(pool, ratelimit.Config{
		FreePerMinute: int(cfg.FreePerMin), PaidPerMinute: int(cfg.PaidPerMin), AuthPerMinutePerIP: int(cfg.AuthPerMin),
		Resolver: resolver, FailClosed: cfg.RateFailClosed, LeaseMinLimit: int(cfg.RateLeaseMin),
	}, reg, logger)
	if err != nil {
		svc.Close()
		return nil, err
	}
	return &guard{
		services:     server.Services{Auth: svc.AuthHandler(), APIKeys: svc.APIKeyHandler(), Users: svc.UserHandler()},
		interceptors: []connect.Interceptor{svc.Interceptor(), lim.Interceptor()},
		close:        func() { lim.Close(); svc.Close() },
	}, nil
}
