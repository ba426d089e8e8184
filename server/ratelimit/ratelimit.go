// Package ratelimit limits how often callers may use the API, as
// ../shared/API.md promises: per user across all of that user's sessions and
// API keys, by the user's tier, and per client address on the
// unauthenticated auth procedures. The limits hold across any number of API
// replicas because the state lives in Postgres.
//
// # Algorithm
//
// Each bucket ("user:<uuid>", "ip:<addr>:auth") is a GCRA (generic cell rate
// algorithm) cell: one timestamp, the theoretical arrival time (TAT) at which
// the bucket is full again, kept as integer microseconds so the arithmetic is
// exact. With a limit of L requests per window W, the emission interval is
// T = W/L and a burst of L is allowed: a request at time now is admitted when
// TAT ≤ now + (L-1)·T, and then sets TAT = max(TAT, now) + T. A full bucket
// thus takes L requests at once and then one every T, which is "L requests
// per minute" without the double burst a fixed window allows at its edge.
//
// Requests are decided in Postgres by one SQL statement
// (queries/rate_limit_batches.sql, TakeRateLimits): an INSERT … ON CONFLICT
// DO UPDATE … RETURNING that reads each user's current tier from users,
// decides and moves the TAT. Concurrent statements on one bucket, from any
// replica, queue on the row lock, so exactly L are admitted. The tier is read
// in the statement rather than taken from the caller's token, which may be
// minutes old, so `slipway users set-tier` applies to the next request; the
// bucket then keeps the number of requests already used (10 of 10 free
// becomes 10 of 100 paid; 50 of 100 paid becomes 10 of 10 free), rather than
// the share of the window.
//
// # Batching
//
// A statement costs a round trip and, on the database, far more CPU than the
// rows it touches. A replica runs up to a few statements at once (batch.go,
// maxInFlight); the limiter calls that arrive while all of them are in
// flight are coalesced into the next one, which decides all of them,
// several buckets at once and several requests on one bucket in arrival
// order. So a quiet replica sends each request at once (through the
// single-bucket TakeRateLimit, the cheaper statement), and a busy one sends
// a bounded number of statements per round trip whatever its request rate.
// The decisions are exactly those of a statement per request made one after
// the other at the statement's instant: each bucket's row is still locked
// and moved once per statement, atomically, on the database's clock, and
// only the coalescing within one replica is new. The statements run on
// connections the limiter keeps for itself, out of the pool, so a pool busy
// with slow handlers never delays a decision.
//
// # Leases
//
// Buckets with limits of 1000 or more per window (never API.md's tiers) let
// a busy replica take a few tokens ahead in the statement it sends anyway
// and spend them without one; the leased tokens are accounted so that no
// request the bucket would refuse is admitted. See lease.go.
//
// # Clock
//
// Time is the database's clock_timestamp(), read once per statement (so the
// requests of one batch share an instant), never the replica's. Replicas' clocks drift apart; with the application's clock a
// replica running ahead would spend the bucket's future and one running behind
// would see it fuller than it is, so the limit would depend on which replica
// served a request. The one database clock makes every replica agree. (The
// time is taken before the row lock is waited for, so a queued request is
// judged a few microseconds early: that can only refuse, never over-admit.)
//
// # Headers
//
// Every answer to a limited request, success or error, carries the fields of
// the IETF draft (draft-ietf-httpapi-ratelimit-headers, the three-field form
// API.md names):
//
//   - RateLimit-Limit: the bucket's limit, requests per window (the burst).
//   - RateLimit-Remaining: how many more requests would be admitted right now.
//   - RateLimit-Reset: seconds (rounded up) until the quota resets, that is
//     until the bucket is full again and Remaining would equal Limit. It is
//     not the wait for the next request: that is Retry-After.
//
// A refused request gets resource_exhausted (HTTP 429 over REST and Connect)
// and Retry-After: seconds, rounded up, until one request will be admitted.
// Over gRPC the fields travel as response headers on success and as
// error metadata (trailers) on errors.
//
// Requests the auth interceptor refused never reach the limiter and carry no
// fields; neither do unauthenticated procedures other than the auth ones,
// nor, when the limiter fails open, the requests it let through unchecked.
//
// # Failure
//
// When Postgres cannot answer within Config.Timeout the limiter fails open by
// default: the request goes through, a warning is logged (at most every few
// seconds) and slipway_rate_limit_errors_total counts it. Nearly everything
// the limits protect (logins, sessions, deployments) needs the same database,
// so failing closed would add an outage of every other procedure to a
// database outage without protecting anything. Operators who prefer abuse
// protection above all set Config.FailClosed, and requests are then refused
// with unavailable and Retry-After: 1.
//
// # Clean-up
//
// A bucket whose TAT is past is full, which is what a missing row means too,
// so deleting it changes no answer. Each Limiter sweeps such rows every
// Config.SweepInterval (one minute), in batches that skip rows a request holds
// locked; the table therefore holds about the buckets used in the last
// window. Rows stay small and the table has no index but its key, so updates
// are HOT and the table is UNLOGGED (db/migrations/00007_rate_limits.sql).
package ratelimit

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/internal/usertier"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/clientip"
)

// Defaults are API.md's limits and an operator's usual choices.
const (
	DefaultFreePerMinute      = 10
	DefaultPaidPerMinute      = 100
	DefaultAuthPerMinutePerIP = 10
	// DefaultTimeout bounds one limiter statement. It is well above the
	// statement's usual sub-millisecond cost, yet short enough that a sick
	// database does not stall every request for long before the failure
	// policy applies.
	DefaultTimeout = 500 * time.Millisecond
	// DefaultSweepInterval is how often expired buckets are deleted: once
	// per window keeps the table at about one window's worth of buckets.
	DefaultSweepInterval = time.Minute
	// sweepBatch bounds one DELETE, so a sweep after a flood of addresses
	// never holds many row locks at once.
	sweepBatch = 1000
	// ipv6PrefixBits groups IPv6 clients by their /64, the smallest block
	// an ISP hands a subscriber: limiting single IPv6 addresses would give
	// every client 2^64 fresh buckets.
	ipv6PrefixBits = 64
)

// DefaultAuthProcedures are the procedures limited per client address when
// called without credentials: the ones anybody may call, and so the ones a
// password-guessing or sign-up flood goes through.
var DefaultAuthProcedures = []string{
	slipwayv1connect.AuthServiceRegisterProcedure,
	slipwayv1connect.AuthServiceLoginProcedure,
	slipwayv1connect.AuthServiceRefreshProcedure,
	slipwayv1connect.AuthServiceLogoutProcedure,
}

// Config is what the operator chooses; New validates it and fills defaults.
type Config struct {
	// FreePerMinute is the limit of a user of tier free, per Window, across
	// all of that user's sessions and keys; 0 means DefaultFreePerMinute.
	// It is also the limit of a user whose tier is anything but paid.
	FreePerMinute int
	// PaidPerMinute is the limit of a user of tier paid; 0 means
	// DefaultPaidPerMinute.
	PaidPerMinute int
	// AuthPerMinutePerIP is the limit of one client address (an IPv6 /64)
	// on the AuthProcedures called without credentials; 0 means
	// DefaultAuthPerMinutePerIP (cmd reads SLIPWAY_AUTH_RATE_PER_MIN).
	AuthPerMinutePerIP int
	// Window is the time the limits are counted over; 0 means a minute,
	// which is what the *PerMinute names and API.md promise. Tests shorten
	// it to watch buckets refill within milliseconds.
	Window time.Duration
	// Resolver finds the client address behind trusted proxies; its zero
	// value trusts none, so X-Forwarded-For is ignored.
	Resolver clientip.Resolver
	// AuthProcedures are the unauthenticated procedures limited per client
	// address; nil means DefaultAuthProcedures. Other procedures called
	// without credentials are not limited (the auth interceptor has refused
	// all but health checks).
	AuthProcedures []string
	// FailClosed refuses requests with unavailable when the limiter cannot
	// reach Postgres. The default lets them through (see the package
	// documentation for why).
	FailClosed bool
	// Timeout bounds a request's wait for its decision, queueing behind
	// the statement in flight included, and each statement; 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// LeaseMinLimit is the smallest limit per Window whose buckets lease
	// tokens to a busy replica (lease.go); 0 means DefaultLeaseMinLimit and
	// a negative value turns leases off, so that every request is its own
	// statement.
	LeaseMinLimit int
	// SweepInterval is how often this Limiter deletes expired buckets; 0
	// means DefaultSweepInterval and a negative value turns sweeping off
	// (for a replica whose peers sweep).
	SweepInterval time.Duration
}

func (c Config) withDefaults() (Config, error) {
	c.FreePerMinute = cmp.Or(c.FreePerMinute, DefaultFreePerMinute)
	c.PaidPerMinute = cmp.Or(c.PaidPerMinute, DefaultPaidPerMinute)
	c.AuthPerMinutePerIP = cmp.Or(c.AuthPerMinutePerIP, DefaultAuthPerMinutePerIP)
	c.Window = cmp.Or(c.Window, time.Minute)
	if c.AuthProcedures == nil {
		c.AuthProcedures = DefaultAuthProcedures
	}
	c.Timeout = cmp.Or(c.Timeout, DefaultTimeout)
	c.SweepInterval = cmp.Or(c.SweepInterval, DefaultSweepInterval)
	if c.LeaseMinLimit == 0 {
		c.LeaseMinLimit = DefaultLeaseMinLimit
	}
	var errs []error
	if c.Window < time.Millisecond {
		errs = append(errs, fmt.Errorf("window %s: must be at least 1ms", c.Window))
	}
	// The emission interval, Window/limit, must be at least the database
	// clock's resolution of a microsecond.
	maxLimit := min(c.Window.Microseconds(), math.MaxInt32)
	for _, l := range []struct {
		name string
		n    int
	}{{"free limit", c.FreePerMinute}, {"paid limit", c.PaidPerMinute}, {"auth limit per IP", c.AuthPerMinutePerIP}} {
		if l.n < 1 || int64(l.n) > maxLimit {
			errs = append(errs, fmt.Errorf("%s %d: must be between 1 and %d per %s", l.name, l.n, maxLimit, c.Window))
		}
	}
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("timeout %s: must not be negative", c.Timeout))
	}
	if err := errors.Join(errs...); err != nil {
		return Config{}, fmt.Errorf("invalid rate limit config: %w", err)
	}
	return c, nil
}

// Tier labels of the rejection metric and of Decision.Tier: a user's tier
// (package usertier), or TierIP for buckets that are not a user's.
// TierIP is the per-address bucket of unauthenticated auth procedures.
const TierIP = "ip"

// Decision is the limiter's answer for one request, with what the response
// headers report.
type Decision struct {
	// Allowed says the request may proceed.
	Allowed bool
	// Limit is the bucket's limit per Window, which is also its burst.
	Limit int
	// Window is the time Limit is counted over.
	Window time.Duration
	// Remaining is how many more requests the bucket admits right now.
	Remaining int
	// Reset is the time until the bucket is full again.
	Reset time.Duration
	// RetryAfter is the time until one request will be admitted; zero
	// when Allowed.
	RetryAfter time.Duration
	// Tier is the tier whose limit applied: usertier.Free or usertier.Paid for a user
	// as the database has it now, TierIP for an address.
	Tier string
}

// Limiter decides requests against the shared buckets in Postgres. It is safe
// for concurrent use; Close stops its sweeper.
type Limiter struct {
	q      *db.Queries
	cfg    Config
	logger *slog.Logger
	auth   map[string]bool

	batch      *batcher
	rejections *prometheus.CounterVec
	failures   *prometheus.CounterVec
	warned     logThrottle

	stop     context.CancelFunc
	done     chan struct{}
	stopOnce sync.Once
}

// New answers a Limiter over pool, registering its metrics with reg, and
// starts its sweeper unless cfg turns it off. The pool stays the caller's.
func New(pool *pgxpool.Pool, cfg Config, reg prometheus.Registerer, logger *slog.Logger) (*Limiter, error) {
	if pool == nil {
		return nil, errors.New("rate limiter: nil pool")
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.Default()
	}
	if reg == nil {
		reg = prometheus.NewRegistry()
	}
	rejections, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_ratelimit_rejected_total",
		Help: "Requests refused for being over their rate limit, by the tier whose limit applied (free, paid, or ip for the per-address limit of auth procedures).",
	}, []string{"tier"}))
	if err != nil {
		return nil, err
	}
	failures, err := register(reg, prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "slipway_rate_limit_errors_total",
		Help: "Requests the rate limiter could not decide because Postgres failed or timed out, by what they got: allowed (fail open) or refused (fail closed).",
	}, []string{"outcome"}))
	if err != nil {
		return nil, err
	}
	batchSizes, err := register(reg, prometheus.NewHistogram(prometheus.HistogramOpts{
		Name:    "slipway_rate_limit_batch_requests",
		Help:    "Requests decided per rate limit statement: how many limiter calls arriving while a statement was in flight were coalesced into the next.",
		Buckets: prometheus.ExponentialBuckets(1, 2, 10),
	}))
	if err != nil {
		return nil, err
	}
	for _, t := range []string{usertier.Free, usertier.Paid, TierIP} {
		rejections.WithLabelValues(t)
	}
	failures.WithLabelValues(failureOutcome(cfg.FailClosed))

	auth := make(map[string]bool, len(cfg.AuthProcedures))
	for _, p := range cfg.AuthProcedures {
		auth[p] = true
	}
	ctx, stop := context.WithCancel(context.Background())
	q := db.New(pool)
	l := &Limiter{
		q:          q,
		batch:      newBatcher(pool, cfg, batchSizes),
		cfg:        cfg,
		logger:     logger,
		auth:       auth,
		rejections: rejections,
		failures:   failures,
		stop:       stop,
		done:       make(chan struct{}),
	}
	if cfg.SweepInterval > 0 {
		go l.sweepLoop(ctx)
	} else {
		close(l.done)
	}
	return l, nil
}

// Close stops the sweeper and the batcher and waits for them; requests
// still waiting for a decision get an error (and the failure policy). It
// leaves the pool open.
func (l *Limiter) Close() {
	l.stopOnce.Do(func() {
		l.stop()
		<-l.done
		l.batch.close()
	})
}

// TakeUser takes one request from the user's bucket, shared by all of the
// user's sessions and API keys. The limit follows the user's tier as stored
// now, so a tier change applies to the next request.
func (l *Limiter) TakeUser(ctx context.Context, userID uuid.UUID) (Decision, error) {
	return l.take(ctx, "user:"+userID.String(), userID, l.cfg.FreePerMinute)
}

// TakeAuthIP takes one request from the bucket of a client address on the
// unauthenticated auth procedures. IPv6 addresses share their /64.
func (l *Limiter) TakeAuthIP(ctx context.Context, addr netip.Addr) (Decision, error) {
	return l.take(ctx, "ip:"+addressKey(addr)+":auth", uuid.Nil, l.cfg.AuthPerMinutePerIP)
}

// addressKey names the bucket of addr: IPv4 addresses as they are, IPv6 by
// their /64, and an unparsable peer (which a TCP listener never hands us)
// as "unknown".
func addressKey(addr netip.Addr) string {
	addr = addr.Unmap()
	switch {
	case !addr.IsValid():
		return "unknown"
	case addr.Is6():
		return netip.PrefixFrom(addr.WithZone(""), ipv6PrefixBits).Masked().String()
	default:
		return addr.String()
	}
}

// take decides one request on bucket through the batcher. userID is
// uuid.Nil for an address's bucket: no user has that id, so the statement
// finds no tier and applies defaultLimit. Config.Timeout bounds the whole
// wait, queueing behind a statement in flight included.
func (l *Limiter) take(ctx context.Context, bucket string, userID uuid.UUID, defaultLimit int) (Decision, error) {
	ctx, cancel := context.WithTimeout(ctx, l.cfg.Timeout)
	defer cancel()
	a, err := l.batch.take(ctx, bucket, userID, int32(defaultLimit)) // bounded by withDefaults.
	if err != nil {
		return Decision{}, fmt.Errorf("take from rate limit bucket %s: %w", bucket, err)
	}
	d := decide(a)
	d.Window = l.cfg.Window
	switch {
	case userID == uuid.Nil:
		d.Tier = TierIP
	case a.tier != usertier.Paid:
		d.Tier = usertier.Free
	}
	if !d.Allowed {
		l.rejections.WithLabelValues(d.Tier).Inc()
	}
	return d, nil
}

// decide turns the statement's answer into the header values. With emission
// interval T, limit L and ahead = TAT - now after the request: the bucket is
// full again after ahead, admits floor((L·T - ahead) / T) more requests now,
// and after a refusal admits the next one after ahead + T - L·T.
func decide(a answer) Decision {
	t := max(a.emissionUs, 1)
	tolerance := t * int64(a.lim)
	ahead := max(a.aheadUs, 0)
	d := Decision{
		Allowed: a.allowed,
		Limit:   int(a.lim),
		Reset:   time.Duration(ahead) * time.Microsecond,
		Tier:    a.tier,
	}
	if rem := (tolerance - ahead) / t; rem > 0 {
		d.Remaining = int(rem)
	}
	if !d.Allowed {
		d.Remaining = 0
		d.RetryAfter = time.Duration(max(ahead+t-tolerance, 1)) * time.Microsecond
	}
	return d
}

// Sweep deletes the buckets that are full again, which answer the same as
// missing ones, and answers how many it deleted. The sweeper calls it every
// SweepInterval; it is exported for operators' tools and tests.
func (l *Limiter) Sweep(ctx context.Context) (int64, error) {
	var total int64
	for {
		n, err := l.q.SweepRateLimits(ctx, sweepBatch)
		total += n
		if err != nil {
			return total, fmt.Errorf("sweep rate limit buckets: %w", err)
		}
		if n < sweepBatch {
			return total, nil
		}
	}
}

func (l *Limiter) sweepLoop(ctx context.Context) {
	defer close(l.done)
	tick := time.NewTicker(l.cfg.SweepInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
		sctx, cancel := context.WithTimeout(ctx, l.cfg.SweepInterval)
		n, err := l.Sweep(sctx)
		cancel()
		switch {
		case err != nil && ctx.Err() == nil:
			l.logger.WarnContext(ctx, "rate limit sweep failed", slog.Any("err", err), slog.Int64("deleted", n))
		case n > 0:
			l.logger.DebugContext(ctx, "rate limit sweep", slog.Int64("deleted", n))
		}
	}
}

func failureOutcome(failClosed bool) string {
	if failClosed {
		return "refused"
	}
	return "allowed"
}

// register is metrics.Register for the limiter's metrics: two limiters on
// one registry (as in tests of two replicas) share them.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	return metrics.Register(reg, c, "rate limit metrics")
}

// logThrottle lets through one log record per interval, so a database
// outage under load logs a warning every few seconds, not one per request.
type logThrottle struct {
	next       atomic.Int64 // unix nanoseconds before which records are dropped
	suppressed atomic.Int64
}

const warnEvery = 10 * time.Second

// allow answers whether to log now, and how many records were dropped since
// the last one logged.
func (t *logThrottle) allow(now time.Time) (bool, int64) {
	next := t.next.Load()
	if now.UnixNano() < next || !t.next.CompareAndSwap(next, now.Add(warnEvery).UnixNano()) {
		t.suppressed.Add(1)
		return false, 0
	}
	return true, t.suppressed.Swap(0)
}
