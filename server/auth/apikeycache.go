package auth

import (
	"context"
	"crypto/sha256"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slipway-dev/slipway/server/identity"
)

// APIKeyRevokedChannel is the Postgres NOTIFY channel on which a trigger on
// api_keys (db/migrations/00013_api_key_revocation_notify.sql) announces,
// with the key's id as payload, every key revoked or deleted, in the
// transaction that does it.
const APIKeyRevokedChannel = "slipway_api_key_revoked"

const (
	// MaxAPIKeyCacheTTL bounds how long a key lookup is reused: the safety
	// net should a revocation's notification never arrive while the
	// listening connection still looks healthy (a silently dead TCP
	// connection), the same bound as DefaultSessionCacheTTL.
	MaxAPIKeyCacheTTL = 2 * time.Second
	// apiKeyCacheMaxEntries bounds the cache's memory (about 150 bytes an
	// entry). Past it, expired entries are swept, and if none are, the
	// cache is cleared: correctness never depends on an entry being there.
	apiKeyCacheMaxEntries = 100_000
	// listenRetryMin and listenRetryMax bound the wait between attempts to
	// re-establish the listening connection; the cache is off meanwhile.
	listenRetryMin = 100 * time.Millisecond
	listenRetryMax = 5 * time.Second
)

type keyHash = [sha256.Size]byte

// apiKeyIdentity is what a successful key lookup found.
type apiKeyIdentity struct {
	keyID  uuid.UUID
	userID uuid.UUID
	tier   string
	role   string
	// scopes never change after creation, so caching them is exact.
	scopes identity.Scopes
}

type apiKeyEntry struct {
	id      apiKeyIdentity
	fetched time.Time
}

// apiKeyCache remembers successful API key lookups, by the SHA-256 of the
// whole key, so that a request with a key costs a hash and a map lookup
// instead of a query, while a revocation still takes effect at once on
// every replica:
//
//   - Every replica LISTENs on APIKeyRevokedChannel on a connection of its
//     own, and drops a key's entry as soon as the notification arrives.
//     Postgres sends it when the revoking transaction commits, before the
//     revoking call has even answered its client. The replica that revoked
//     drops the entry itself too, without waiting for its own notification.
//   - The cache is used only while that connection is listening: when it
//     breaks, the cache is emptied and bypassed (every request queries, as
//     without a cache) until a new connection listens again, so no
//     notification can be missed unnoticed.
//   - A lookup that raced a revocation (read the key before the revocation
//     committed, finished after its notification) is not cached: every
//     invalidation moves a generation, and put stores only if the
//     generation is the one seen before the query.
//   - Entries live at most ttl (MaxAPIKeyCacheTTL) whatever happens: the
//     bound on a stale entry if a notification were lost on a connection
//     that still seems alive. It is also how old the cached tier and role
//     may be (Principal.Tier and Role, as for bearer tokens; rate limits
//     read the tier fresh from the database on every request).
//
// Only keys found valid are cached, so unknown and revoked keys are always
// looked up. Looking a digest up in a map is not constant-time, but timing
// it reveals nothing about a key's secret: an attacker would need a
// preimage of SHA-256.
type apiKeyCache struct {
	ttl time.Duration
	max int

	mu     sync.RWMutex
	live   bool   // the listener is listening; entries may be used
	gen    uint64 // moves on every invalidation
	byHash map[keyHash]apiKeyEntry
	byID   map[uuid.UUID]keyHash
}

func newAPIKeyCache(ttl time.Duration, maxEntries int) *apiKeyCache {
	return &apiKeyCache{ttl: ttl, max: maxEntries, byHash: make(map[keyHash]apiKeyEntry), byID: make(map[uuid.UUID]keyHash)}
}

// get answers the identity cached for hash if the cache is live and the
// entry was fetched less than ttl before now.
func (c *apiKeyCache) get(hash keyHash, now time.Time) (apiKeyIdentity, bool) {
	c.mu.RLock()
	e, ok := c.byHash[hash]
	live := c.live
	c.mu.RUnlock()
	if !ok || !live {
		return apiKeyIdentity{}, false
	}
	if age := now.Sub(e.fetched); age < 0 || age >= c.ttl {
		return apiKeyIdentity{}, false
	}
	return e.id, true
}

// generation answers the token to hand put after a database lookup, and
// whether the result may be cached at all.
func (c *apiKeyCache) generation() (uint64, bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.gen, c.live && c.ttl > 0
}

// put caches a lookup made after generation answered gen, unless an
// invalidation has happened since (or the listener went away).
func (c *apiKeyCache) put(hash keyHash, id apiKeyIdentity, gen uint64, now time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.live || c.gen != gen {
		return
	}
	if len(c.byHash) >= c.max {
		for h, e := range c.byHash {
			if now.Sub(e.fetched) >= c.ttl {
				delete(c.byHash, h)
				delete(c.byID, e.id.keyID)
			}
		}
		if len(c.byHash) >= c.max {
			clear(c.byHash)
			clear(c.byID)
		}
	}
	c.byHash[hash] = apiKeyEntry{id: id, fetched: now}
	c.byID[id.keyID] = hash
}

// invalidate drops key id, revoked or deleted.
func (c *apiKeyCache) invalidate(id uuid.UUID) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	if h, ok := c.byID[id]; ok {
		delete(c.byHash, h)
		delete(c.byID, id)
	}
}

// setLive empties the cache and turns it on (the listener has just started
// listening: whatever was cached before may have missed notifications) or
// off (the listener lost its connection).
func (c *apiKeyCache) setLive(live bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	c.live = live
	clear(c.byHash)
	clear(c.byID)
}

func (c *apiKeyCache) isLive() bool {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.live
}

// listen keeps a connection LISTENing on APIKeyRevokedChannel until ctx
// ends, invalidating the cache's entries as notifications arrive, and
// reconnects with backoff when the connection fails; the cache is off
// whenever no connection listens.
func (c *apiKeyCache) listen(ctx context.Context, connect func(context.Context) (*pgx.Conn, error), logger *slog.Logger) {
	wait := listenRetryMin
	for {
		listened, err := c.listenOnce(ctx, connect)
		c.setLive(false)
		if ctx.Err() != nil {
			return
		}
		if listened {
			wait = listenRetryMin
		}
		logger.WarnContext(ctx, "api key revocation listener failed; api key lookups go to the database until it reconnects",
			slog.Any("err", err), slog.Duration("retry_in", wait))
		select {
		case <-ctx.Done():
			return
		case <-time.After(wait):
		}
		wait = min(2*wait, listenRetryMax)
	}
}

// listenOnce listens on one connection until it fails; listened says
// whether it got as far as listening.
func (c *apiKeyCache) listenOnce(ctx context.Context, connect func(context.Context) (*pgx.Conn, error)) (listened bool, err error) {
	conn, err := connect(ctx)
	if err != nil {
		return false, fmt.Errorf("connect api key revocation listener: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{APIKeyRevokedChannel}.Sanitize()); err != nil {
		return false, fmt.Errorf("listen for api key revocations: %w", err)
	}
	c.setLive(true)
	for {
		n, err := conn.WaitForNotification(ctx)
		if err != nil {
			return true, fmt.Errorf("wait for api key revocations: %w", err)
		}
		id, err := uuid.Parse(n.Payload)
		if err != nil {
			// Not from our trigger; stay safe and forget everything.
			c.setLive(true)
			continue
		}
		c.invalidate(id)
	}
}

// dropOlder forgets the entry of the key with digest hash if it was
// fetched maxAge or more before now, so that the next lookup reads the
// database. Open streams re-check their key through this: the revocation
// notification normally drops the entry at once, and this bounds how late
// a stream notices should that notification be lost.
func (c *apiKeyCache) dropOlder(hash keyHash, now time.Time, maxAge time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.byHash[hash]
	if !ok {
		return
	}
	if age := now.Sub(e.fetched); age < 0 || age >= maxAge {
		delete(c.byHash, hash)
		delete(c.byID, e.id.keyID)
	}
}
