package auth

import (
	"sync"
	"time"

	"github.com/google/uuid"
)

// sessionCacheMaxEntries bounds the cache's memory (about 100 bytes an
// entry). Past it, expired entries are swept, and if none are, the cache is
// cleared: correctness never depends on an entry being present.
const sessionCacheMaxEntries = 100_000

// sessionState is what a session check found.
type sessionState struct {
	userID uuid.UUID
	tier   string
	role   string
	// active is false for a revoked, expired or missing session.
	active bool
	// expiresAt is when an active session stops being active by itself
	// (its idle or absolute expiry), whatever the cache entry's age.
	expiresAt time.Time
}

type sessionEntry struct {
	state   sessionState
	fetched time.Time
}

// sessionCache remembers session checks for at most ttl, so that a bearer
// request costs a map lookup instead of a query while a logout elsewhere is
// still noticed within ttl. An inactive session never becomes active again
// (revocation and expiry are final), so inactive entries are kept past ttl
// and are never replaced by an active state fetched concurrently: once this
// instance has seen a session end, it refuses the session's tokens for good.
// Time comes from the caller (the service's clock), with a monotonic reading
// when that clock is time.Now.
type sessionCache struct {
	ttl time.Duration
	max int
	mu  sync.RWMutex
	m   map[uuid.UUID]sessionEntry
}

func newSessionCache(ttl time.Duration, maxEntries int) *sessionCache {
	return &sessionCache{ttl: ttl, max: maxEntries, m: make(map[uuid.UUID]sessionEntry)}
}

// get answers the cached state of session id if it was fetched less than
// ttl before now.
func (c *sessionCache) get(id uuid.UUID, now time.Time) (sessionState, bool) {
	c.mu.RLock()
	e, ok := c.m[id]
	c.mu.RUnlock()
	if !ok {
		return sessionState{}, false
	}
	if !e.state.active {
		return e.state, true
	}
	age := now.Sub(e.fetched)
	if age < 0 || age >= c.ttl {
		return sessionState{}, false
	}
	return e.state, true
}

func (c *sessionCache) put(id uuid.UUID, st sessionState, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[id]; ok && !old.state.active && st.active {
		return
	}
	if len(c.m) >= c.max {
		for k, e := range c.m {
			if now.Sub(e.fetched) >= c.ttl {
				delete(c.m, k)
			}
		}
		if len(c.m) >= c.max {
			clear(c.m)
		}
	}
	c.m[id] = sessionEntry{state: st, fetched: now}
}

// revoke records that session id has just ended on this instance, so its
// access tokens are refused from the next request on, without waiting for
// the entry to age out.
func (c *sessionCache) revoke(id uuid.UUID, now time.Time) {
	c.put(id, sessionState{active: false}, now)
}

// dropOlder forgets session id's active entry if it was fetched maxAge or
// more before now, so that the next sessionState reads the database. An
// open stream re-checks its session every maxAge through this: with entries
// up to the cache's ttl old, a logout on another replica could otherwise
// take a stream ttl plus an interval to notice, instead of within ttl.
// Inactive entries stay: an ended session never comes back.
func (c *sessionCache) dropOlder(id uuid.UUID, now time.Time, maxAge time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[id]
	if !ok || !e.state.active {
		return
	}
	if age := now.Sub(e.fetched); age < 0 || age >= maxAge {
		delete(c.m, id)
	}
}
