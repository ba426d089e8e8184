package auth

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
)

func TestAPIKeyCache(t *testing.T) {
	c := newAPIKeyCache(time.Second, 3)
	now := time.Now()
	id := apiKeyIdentity{keyID: uuid.New(), userID: uuid.New(), tier: "free"}
	h := keyHash{1}

	gen, ok := c.generation()
	assert.False(t, ok, "not cacheable before the listener listens")
	c.put(h, id, gen, now)
	_, ok = c.get(h, now)
	assert.False(t, ok)

	c.setLive(true)
	gen, ok = c.generation()
	assert.True(t, ok)
	c.put(h, id, gen, now)
	got, ok := c.get(h, now.Add(999*time.Millisecond))
	assert.True(t, ok)
	assert.Equal(t, id, got)
	_, ok = c.get(h, now.Add(time.Second))
	assert.False(t, ok, "expired after ttl")
	_, ok = c.get(h, now.Add(-time.Millisecond))
	assert.False(t, ok, "a clock moving back expires too")

	// A lookup that raced an invalidation is not stored.
	gen, _ = c.generation()
	c.invalidate(uuid.New())
	c.put(keyHash{2}, apiKeyIdentity{keyID: uuid.New()}, gen, now)
	_, ok = c.get(keyHash{2}, now)
	assert.False(t, ok)

	// Invalidation drops the key's entry.
	c.invalidate(id.keyID)
	_, ok = c.get(h, now)
	assert.False(t, ok)

	// Losing the listener empties the cache and stops it storing.
	gen, _ = c.generation()
	c.put(h, id, gen, now)
	c.setLive(false)
	_, ok = c.get(h, now)
	assert.False(t, ok)
	c.put(h, id, gen, now)
	assert.Empty(t, c.byHash)

	// Full: expired entries go first, then everything.
	c.setLive(true)
	gen, _ = c.generation()
	for i := range 3 {
		c.put(keyHash{byte(10 + i)}, apiKeyIdentity{keyID: uuid.New()}, gen, now)
	}
	c.put(keyHash{20}, apiKeyIdentity{keyID: uuid.New()}, gen, now.Add(2*time.Second))
	assert.Len(t, c.byHash, 1)
	assert.Len(t, c.byID, 1)
}

// TestAPIKeyCacheDropOlder: a stream's re-check forgets entries older than
// its interval, and only those.
func TestAPIKeyCacheDropOlder(t *testing.T) {
	c := newAPIKeyCache(2*time.Second, 10)
	c.setLive(true)
	now := time.Now()
	id := apiKeyIdentity{keyID: uuid.New(), userID: uuid.New(), tier: "free"}
	gen, _ := c.generation()
	c.put(keyHash{1}, id, gen, now)

	c.dropOlder(keyHash{1}, now.Add(999*time.Millisecond), time.Second)
	_, ok := c.get(keyHash{1}, now.Add(999*time.Millisecond))
	assert.True(t, ok, "younger than maxAge: kept")
	c.dropOlder(keyHash{2}, now, 0) // unknown: nothing happens

	c.dropOlder(keyHash{1}, now.Add(time.Second), time.Second)
	_, ok = c.get(keyHash{1}, now.Add(time.Second))
	assert.False(t, ok, "maxAge old: dropped though the ttl allows it")
	assert.Empty(t, c.byID)
}
