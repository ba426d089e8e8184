package server

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/server/callctx"
)

// DefaultAuthFailuresPerMinute is how many failed authentications a client
// address may cause per minute before its credentialed requests are refused
// unchecked: three times the auth routes' budget, enough for a console that
// retries a few expired tokens, far too few to guess API keys.
const DefaultAuthFailuresPerMinute = 30

// maxFailureBuckets bounds the failure limiter's memory: an entry is about
// 60 bytes, so some 4 MiB at most, whatever a client with many addresses does.
const maxFailureBuckets = 1 << 16

// failureLimiter limits failed authentications per client address, in this
// process's memory. Authentication can cost Postgres lookups (an unknown API
// key's prefix, a session missing from the cache), and the per-user limiter
// runs after it, so without this a client could make every replica query
// the database as fast as it can send bad credentials. It is consulted before
// anything reads a credential and charged when one is refused, so an
// address over its budget costs a map lookup per request. Being per replica
// is deliberate: a shared limiter would need the very database statement it
// saves; with N replicas an address gets at most N times the budget.
//
// Each address is a GCRA cell (as in package ratelimit): tat is when its
// bucket is empty of failures again, and a failure moves it by one
// emission interval. IPv6 addresses are keyed by their /64, the block one
// subscriber usually holds, so that stepping through it gains nothing.
type failureLimiter struct {
	interval time.Duration // window / limit
	window   time.Duration
	limit    int
	now      func() time.Time
	logger   *slog.Logger

	mu  sync.Mutex
	tat map[netip.Addr]time.Time
}

func newFailureLimiter(perMinute int, logger *slog.Logger) *failureLimiter {
	return &failureLimiter{
		logger:   logger,
		interval: time.Minute / time.Duration(perMinute),
		window:   time.Minute,
		limit:    perMinute,
		now:      time.Now,
		tat:      make(map[netip.Addr]time.Time),
	}
}

// failureKey is the bucket of a client address.
func failureKey(a netip.Addr) netip.Addr {
	if a.Is4() {
		return a
	}
	p, err := a.Prefix(64)
	if err != nil {
		return a
	}
	return p.Addr()
}

// wait answers how long address a must wait before its next credentialed
// request is looked at, 0 when it may go ahead now.
func (l *failureLimiter) wait(a netip.Addr) time.Duration {
	if !a.IsValid() {
		return 0
	}
	now := l.now()
	l.mu.Lock()
	tat, ok := l.tat[failureKey(a)]
	l.mu.Unlock()
	if !ok {
		return 0
	}
	// One more failure must fit in the window: max(tat, now)+T-now <= W.
	if over := tat.Add(l.interval).Sub(now) - l.window; over > 0 {
		return over
	}
	return 0
}

// charge counts one failed authentication of address a, and reports
// whether the address has now used up its budget.
func (l *failureLimiter) charge(a netip.Addr) (exhausted bool) {
	if !a.IsValid() {
		return false
	}
	now := l.now()
	k := failureKey(a)
	l.mu.Lock()
	defer l.mu.Unlock()
	tat, ok := l.tat[k]
	if !ok && len(l.tat) >= maxFailureBuckets {
		l.evict(now)
	}
	if tat.Before(now) {
		tat = now
	}
	tat = tat.Add(l.interval)
	// A refused request is never charged (it does not reach
	// authentication), so tat runs ahead of now by about a window at most:
	// one interval more per failure already in flight when the budget ran
	// out.
	l.tat[k] = tat
	return tat.Add(l.interval).Sub(now) > l.window
}

// evict makes room: first the buckets that are full again (their entry
// changes no answer), then, when that frees less than an eighth, arbitrary
// ones. Freeing an eighth at a time keeps the cost per new address
// constant however the table fills; evicting a live bucket only lets that
// address start over, as a fresh address would.
func (l *failureLimiter) evict(now time.Time) {
	for k, tat := range l.tat {
		if !tat.After(now) {
			delete(l.tat, k)
		}
	}
	for k := range l.tat {
		if len(l.tat) <= maxFailureBuckets-maxFailureBuckets/8 {
			break
		}
		delete(l.tat, k)
	}
}

// record charges the failure of the request info belongs to, once per
// request, when its reason counts, and says so in the log when that
// exhausts the address's budget: the line names the address to look into.
func (l *failureLimiter) record(ctx context.Context, info *requestInfo, reason string) {
	if info.authFailure != "" || !chargedFailures[reason] {
		return
	}
	if l.charge(info.client) {
		l.logger.WarnContext(ctx, "client address refused for failed authentications",
			slog.String("client_ip", info.client.String()),
			slog.String("reason", reason),
			slog.Int("per_minute", l.limit))
	}
}

// chargedFailures are the auth failure reasons that count against an
// address: credentials that were presented and refused. A request without
// credentials costs no lookup, and failed logins and refreshes are the auth
// routes' own per-address limit's business.
var chargedFailures = map[string]bool{
	callctx.AuthFailureMalformedCredentials: true,
	callctx.AuthFailureInvalidToken:         true,
	callctx.AuthFailureExpiredToken:         true,
	callctx.AuthFailureRevokedSession:       true,
	callctx.AuthFailureInvalidAPIKey:        true,
	callctx.AuthFailureRevokedAPIKey:        true,
	callctx.AuthFailureUserGone:             true,
}

// hasCredentials reports whether a request carries anything authentication
// would check: the headers, or the WebSocket subprotocols browsers send
// their token in.
func hasCredentials(h http.Header) bool {
	return len(h["Authorization"]) > 0 || len(h["X-Api-Key"]) > 0 || len(h["Sec-Websocket-Protocol"]) > 0
}

// throttleFailures refuses, before authentication reads them, the
// credentialed API requests of an address that has used up its failed
// authentication budget: 429 (resource_exhausted) with Retry-After, in the
// client's protocol. It runs inside CORS so that browsers can read the
// answer.
func (e *edge) throttleFailures(next http.Handler) http.Handler {
	if e.failures == nil {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		info := requestInfoFrom(r.Context())
		if info == nil || info.rec == nil || !hasCredentials(r.Header) || !(info.rec.rest || isRPCPath(info.rec.path)) {
			next.ServeHTTP(w, r)
			return
		}
		wait := e.failures.wait(info.client)
		if wait <= 0 {
			next.ServeHTTP(w, r)
			return
		}
		secs := int64((wait + time.Second - 1) / time.Second)
		e.metrics.authThrottled.Inc()
		info.rec.Header().Set("Retry-After", strconv.FormatInt(secs, 10))
		e.writeError(info.rec, r, info, http.StatusTooManyRequests, connect.CodeResourceExhausted,
			fmt.Sprintf("too many failed authentications from this address: at most %d per minute; retry in %ds", e.failures.limit, secs))
	})
}
