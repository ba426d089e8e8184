package auth

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
)

// TestSessionCacheDropOlder: a stream's re-check forgets active entries
// older than its interval, so the next check reads the database, and never
// an ended session, which stays refused.
func TestSessionCacheDropOlder(t *testing.T) {
	c := newSessionCache(2*time.Second, 10)
	now := time.Now()
	active, ended := uuid.New(), uuid.New()
	c.put(active, sessionState{userID: uuid.New(), active: true, expiresAt: now.Add(time.Hour)}, now)
	c.revoke(ended, now)

	c.dropOlder(active, now.Add(999*time.Millisecond), time.Second)
	_, ok := c.get(active, now.Add(999*time.Millisecond))
	assert.True(t, ok, "younger than maxAge: kept")

	c.dropOlder(active, now.Add(time.Second), time.Second)
	_, ok = c.get(active, now.Add(time.Second))
	assert.False(t, ok, "maxAge old: dropped though the ttl allows it")

	c.dropOlder(ended, now.Add(time.Hour), time.Second)
	st, ok := c.get(ended, now.Add(time.Hour))
	assert.True(t, ok, "an ended session is never forgotten this way")
	assert.False(t, st.active)
}
