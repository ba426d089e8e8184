package auth

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"runtime"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipway-dev/slipway/db"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/clientip"
)

// Defaults of Config. Each is what API.md promises or what the field's
// comment explains.
const (
	DefaultIssuer             = "slipway"
	DefaultAudience           = "slipway-api"
	DefaultAccessTTL          = 15 * time.Minute
	DefaultRefreshIdleTTL     = 7 * 24 * time.Hour
	DefaultRefreshAbsoluteTTL = 30 * 24 * time.Hour
	DefaultLeeway             = 5 * time.Second
	DefaultSessionCacheTTL    = 2 * time.Second
	DefaultLastUsedFlush      = 5 * time.Second
	DefaultAPIKeyCacheTTL     = MaxAPIKeyCacheTTL
	// MaxSessionCacheTTL bounds how long a logout on another replica may
	// take to reach this one.
	MaxSessionCacheTTL = 10 * time.Second
)

// Config is what an operator may tune. Zero values take the defaults above.
type Config struct {
	// Issuer and Audience are written into (iss, aud) and required of
	// every access token; change them to keep tokens of one deployment
	// from being accepted by another that shares its keys.
	Issuer   string
	Audience string
	// AccessTTL is the lifetime of an access token (at most 24 h). Short,
	// because an access token of a revoked session still verifies; the
	// session check is what refuses it, within SessionCacheTTL.
	AccessTTL time.Duration
	// RefreshIdleTTL ends a session that has not refreshed for this long;
	// RefreshAbsoluteTTL ends every session this long after login,
	// however active, forcing a fresh password check.
	RefreshIdleTTL     time.Duration
	RefreshAbsoluteTTL time.Duration
	// Leeway tolerates clock skew between replicas in exp, nbf and iat.
	// A few seconds: enough for NTP-synchronised hosts, too little to
	// matter to an attacker holding an expired token.
	Leeway time.Duration
	// SessionCacheTTL is how long a session check is reused by this
	// process: the bound on how late a logout (or reuse revocation) on
	// another replica, or a tier or role change, reaches bearer requests
	// here. A logout on this replica takes effect at once. At most
	// MaxSessionCacheTTL.
	SessionCacheTTL time.Duration
	// APIKeyCacheTTL is how long this process reuses a successful API key
	// lookup; negative turns the cache off (a query per request). A
	// revocation reaches every replica's cache through Postgres
	// LISTEN/NOTIFY at once; the TTL only bounds a stale entry should a
	// notification be lost, and the age of the tier and role it carries. At most
	// MaxAPIKeyCacheTTL. See apiKeyCache.
	APIKeyCacheTTL time.Duration
	// LastUsedFlush is how often API keys' last_used_at is written, in one
	// statement for all keys used since the last flush; last_used_at is
	// accurate to this interval.
	LastUsedFlush time.Duration
	// Password is the argon2id cost for new hashes; zero means
	// DefaultPasswordParams. Hashes made with other parameters are
	// upgraded on login.
	Password PasswordParams
	// HashConcurrency bounds concurrent argon2id computations (each holds
	// Password.Memory); zero means GOMAXPROCS.
	HashConcurrency int
	// MaxAPIKeysPerUser caps a user's active (not revoked) API keys; zero
	// means DefaultMaxAPIKeysPerUser. See apikeys.go.
	MaxAPIKeysPerUser int
}

func (c Config) withDefaults() (Config, error) {
	def := func(d *time.Duration, v time.Duration) {
		if *d == 0 {
			*d = v
		}
	}
	if c.Issuer == "" {
		c.Issuer = DefaultIssuer
	}
	if c.Audience == "" {
		c.Audience = DefaultAudience
	}
	def(&c.AccessTTL, DefaultAccessTTL)
	def(&c.RefreshIdleTTL, DefaultRefreshIdleTTL)
	def(&c.RefreshAbsoluteTTL, DefaultRefreshAbsoluteTTL)
	def(&c.Leeway, DefaultLeeway)
	def(&c.SessionCacheTTL, DefaultSessionCacheTTL)
	def(&c.LastUsedFlush, DefaultLastUsedFlush)
	def(&c.APIKeyCacheTTL, DefaultAPIKeyCacheTTL)
	if c.Password == (PasswordParams{}) {
		c.Password = DefaultPasswordParams
	}
	if c.HashConcurrency == 0 {
		c.HashConcurrency = runtime.GOMAXPROCS(0)
	}
	if c.MaxAPIKeysPerUser == 0 {
		c.MaxAPIKeysPerUser = DefaultMaxAPIKeysPerUser
	}
	var errs []error
	if c.AccessTTL < time.Minute || c.AccessTTL > 24*time.Hour {
		errs = append(errs, fmt.Errorf("access token ttl %s: want 1m to 24h", c.AccessTTL))
	}
	if c.AccessTTL%time.Second != 0 {
		errs = append(errs, fmt.Errorf("access token ttl %s: want whole seconds", c.AccessTTL))
	}
	if c.RefreshIdleTTL < c.AccessTTL {
		errs = append(errs, fmt.Errorf("refresh idle ttl %s: want at least the access token ttl", c.RefreshIdleTTL))
	}
	if c.RefreshAbsoluteTTL < c.RefreshIdleTTL {
		errs = append(errs, fmt.Errorf("refresh absolute ttl %s: want at least the idle ttl %s", c.RefreshAbsoluteTTL, c.RefreshIdleTTL))
	}
	if c.Leeway < 0 || c.Leeway > time.Minute {
		errs = append(errs, fmt.Errorf("leeway %s: want 0 to 1m", c.Leeway))
	}
	if c.SessionCacheTTL < 0 || c.SessionCacheTTL > MaxSessionCacheTTL {
		errs = append(errs, fmt.Errorf("session cache ttl %s: want 0 to %s", c.SessionCacheTTL, MaxSessionCacheTTL))
	}
	if c.APIKeyCacheTTL > MaxAPIKeyCacheTTL {
		errs = append(errs, fmt.Errorf("api key cache ttl %s: want at most %s", c.APIKeyCacheTTL, MaxAPIKeyCacheTTL))
	}
	if c.LastUsedFlush < 100*time.Millisecond || c.LastUsedFlush > 10*time.Minute {
		errs = append(errs, fmt.Errorf("last-used flush interval %s: want 100ms to 10m", c.LastUsedFlush))
	}
	if err := c.Password.validate(); err != nil {
		errs = append(errs, err)
	}
	if c.HashConcurrency < 1 {
		errs = append(errs, fmt.Errorf("hash concurrency %d: want at least 1", c.HashConcurrency))
	}
	if err := validateMaxAPIKeys(c.MaxAPIKeysPerUser); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid auth config: %w", err)
	}
	return c, nil
}

// Deps are what the identity capability runs on.
type Deps struct {
	// Pool is the Postgres pool holding users, sessions, keys and the
	// audit log.
	Pool *pgxpool.Pool
	// Keys sign and verify access tokens.
	Keys *KeySet
	// Config tunes lifetimes and costs; zero values take defaults.
	Config Config
	// Resolver finds the client address behind trusted proxies for the
	// audit log and sessions. The zero Resolver trusts no proxy.
	Resolver clientip.Resolver
	// Logger receives warnings (failed last-used flushes); nil discards.
	Logger *slog.Logger
	// Clock is the time source for tokens and expiries; nil means
	// time.Now. Tests move it to expire sessions.
	Clock func() time.Time
	// Budgets, when set, answers the caller's spend budgets for GetMe
	// (server.Tenancy.Budgets).
	Budgets func(ctx context.Context, user uuid.UUID) ([]*slipwayv1.Budget, error)
}

// Service is the identity capability: accounts, sessions with rotating
// refresh tokens, API keys, and the interceptor that authenticates every
// other request. One Service serves all three roles so that logout can
// invalidate the interceptor's session cache at once.
type Service struct {
	pool     *pgxpool.Pool
	q        *db.Queries
	cfg      Config
	resolver clientip.Resolver
	logger   *slog.Logger
	now      func() time.Time
	tokens   *tokenIssuer
	hasher   *hasher
	sessions *sessionCache
	apiKeys  *apiKeyCache
	lastUsed *lastUsedBatcher
	budgets  func(ctx context.Context, user uuid.UUID) ([]*slipwayv1.Budget, error)

	stopListen context.CancelFunc
	listenDone chan struct{}
}

// NewService validates deps and starts the background flush of API keys'
// last use and the listener for their revocations; Close stops them.
func NewService(deps Deps) (*Service, error) {
	if deps.Pool == nil {
		return nil, errors.New("auth service: no database pool")
	}
	if deps.Keys == nil {
		return nil, errors.New("auth service: no signing keys")
	}
	cfg, err := deps.Config.withDefaults()
	if err != nil {
		return nil, err
	}
	logger := deps.Logger
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	now := deps.Clock
	if now == nil {
		now = time.Now
	}
	h, err := newHasher(cfg.Password, cfg.HashConcurrency)
	if err != nil {
		return nil, err
	}
	q := db.New(deps.Pool)
	s := &Service{
		budgets:  deps.Budgets,
		pool:     deps.Pool,
		q:        q,
		cfg:      cfg,
		resolver: deps.Resolver,
		logger:   logger,
		now:      now,
		tokens:   newTokenIssuer(deps.Keys, cfg, now),
		hasher:   h,
		sessions: newSessionCache(cfg.SessionCacheTTL, sessionCacheMaxEntries),
		apiKeys:  newAPIKeyCache(max(cfg.APIKeyCacheTTL, 0), apiKeyCacheMaxEntries),
	}
	s.lastUsed = startLastUsedBatcher(q, cfg.LastUsedFlush, logger, now)
	ctx, stop := context.WithCancel(context.Background())
	s.stopListen, s.listenDone = stop, make(chan struct{})
	if cfg.APIKeyCacheTTL > 0 {
		// Its own connection, outside the pool: it is held for as long as
		// the process runs.
		connCfg := deps.Pool.Config().ConnConfig
		go func() {
			defer close(s.listenDone)
			s.apiKeys.listen(ctx, func(ctx context.Context) (*pgx.Conn, error) {
				return pgx.ConnectConfig(ctx, connCfg)
			}, logger)
		}()
	} else {
		close(s.listenDone)
	}
	return s, nil
}

// Close writes the API key uses not yet flushed and stops the flusher and
// the revocation listener. Call it after the HTTP server has drained,
// before closing the pool.
func (s *Service) Close() {
	s.stopListen()
	<-s.listenDone
	s.lastUsed.stop()
}

// AuthHandler answers AuthService: register, login, refresh, logout, me.
func (s *Service) AuthHandler() slipwayv1connect.AuthServiceHandler { return &authHandler{s: s} }

// UserHandler answers UserService: an admin changes users' roles.
func (s *Service) UserHandler() slipwayv1connect.UserServiceHandler { return &userHandler{s: s} }

// APIKeyHandler answers ApiKeyService: create, list and revoke the
// caller's keys.
func (s *Service) APIKeyHandler() slipwayv1connect.ApiKeyServiceHandler {
	return &apiKeyHandler{s: s}
}

// Interceptor authenticates every RPC except the public ones (see
// IsPublicProcedure) and puts the caller's identity.Principal in the
// context. Install it first in server.Deps.Interceptors, before rate
// limiting, which reads the principal.
func (s *Service) Interceptor() connect.Interceptor { return &interceptor{s: s} }

// IsPublicProcedure reports whether procedure is callable without
// credentials: creating an account, logging in, and refreshing or ending a
// session, which the refresh token itself authorises (an expired access
// token must not stop a client from logging out), plus the gRPC health
// protocol. Credentials sent to them are ignored. Everything else needs a
// bearer token or an API key. Rate limiting uses it to pick per-IP limits.
func IsPublicProcedure(procedure string) bool { return publicProcedures[procedure] }

var publicProcedures = map[string]bool{
	slipwayv1connect.AuthServiceRegisterProcedure: true,
	slipwayv1connect.AuthServiceLoginProcedure:    true,
	slipwayv1connect.AuthServiceRefreshProcedure:  true,
	slipwayv1connect.AuthServiceLogoutProcedure:   true,
	"/grpc.health.v1.Health/Check":                true,
	"/grpc.health.v1.Health/Watch":                true,
}
