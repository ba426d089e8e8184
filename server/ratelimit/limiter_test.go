package ratelimit_test

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/usertier"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

func TestDecisionsFollowGCRA(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{}, nil)
	user, _ := newUser(t, pool, "free")
	ctx := t.Context()
	for k := 1; k <= 10; k++ {
		d, err := l.TakeUser(ctx, user)
		require.NoError(t, err)
		require.True(t, d.Allowed)
		assert.Equal(t, 10, d.Limit)
		assert.Equal(t, time.Minute, d.Window)
		assert.Equal(t, usertier.Free, d.Tier)
		assert.Equal(t, 10-k, d.Remaining)
		assert.InDelta(t, float64(6*k)*1e6, float64(d.Reset.Microseconds()), 0.5e6)
		assert.Zero(t, d.RetryAfter)
	}
	d, err := l.TakeUser(ctx, user)
	require.NoError(t, err)
	assert.False(t, d.Allowed)
	assert.Zero(t, d.Remaining)
	assert.InDelta(t, 6e6, float64(d.RetryAfter.Microseconds()), 0.5e6)
	assert.LessOrEqual(t, d.RetryAfter, 6*time.Second)
	assert.InDelta(t, 60e6, float64(d.Reset.Microseconds()), 0.5e6)

	// A user id with no account (deleted since the token was minted) is
	// held to the free limit.
	d, err = l.TakeUser(ctx, uuid.New())
	require.NoError(t, err)
	assert.Equal(t, usertier.Free, d.Tier)
	assert.Equal(t, 10, d.Limit)
}

// A bucket refills one request per emission interval: after the
// Retry-After it was told, a client gets exactly one more request.
func TestBucketRefills(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{FreePerMinute: 4, Window: 800 * time.Millisecond}, nil)
	user, _ := newUser(t, pool, "free")
	ctx := t.Context()
	for range 4 {
		d, err := l.TakeUser(ctx, user)
		require.NoError(t, err)
		require.True(t, d.Allowed)
	}
	d, err := l.TakeUser(ctx, user)
	require.NoError(t, err)
	require.False(t, d.Allowed)
	// One emission interval (200 ms) after the first request.
	require.LessOrEqual(t, d.RetryAfter, 200*time.Millisecond)
	require.Positive(t, d.RetryAfter)

	time.Sleep(d.RetryAfter)
	d, err = l.TakeUser(ctx, user)
	require.NoError(t, err)
	require.True(t, d.Allowed, "after Retry-After")
	d, err = l.TakeUser(ctx, user)
	require.NoError(t, err)
	require.False(t, d.Allowed, "only one request refilled")

	time.Sleep(d.Reset)
	d, err = l.TakeUser(ctx, user)
	require.NoError(t, err)
	require.True(t, d.Allowed, "after Reset")
	assert.Equal(t, 3, d.Remaining, "after Reset the bucket is full again")
}

// IPv6 clients are grouped by /64, IPv4 ones by address; IPv4-mapped IPv6
// is the IPv4 address.
func TestAddressBuckets(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{AuthPerMinutePerIP: 1}, nil)
	ctx := t.Context()
	take := func(addr string) bool {
		t.Helper()
		d, err := l.TakeAuthIP(ctx, netip.MustParseAddr(addr))
		require.NoError(t, err)
		assert.Equal(t, ratelimit.TierIP, d.Tier)
		return d.Allowed
	}
	assert.True(t, take("2001:db8:1:2::1"))
	assert.False(t, take("2001:db8:1:2:ffff::9"), "same /64")
	assert.True(t, take("2001:db8:1:3::1"), "another /64")
	assert.True(t, take("192.0.2.1"))
	assert.False(t, take("::ffff:192.0.2.1"), "IPv4-mapped")
	assert.True(t, take("192.0.2.2"))

	// A user and an address never share a bucket.
	user, _ := newUser(t, pool, "free")
	d, err := l.TakeUser(ctx, user)
	require.NoError(t, err)
	assert.True(t, d.Allowed)
}

// Buckets that are full again are swept, by Sweep and by the sweeper; a
// bucket still draining is kept.
func TestSweepDeletesOnlyFullBuckets(t *testing.T) {
	pool := dbtest.New(t)
	ctx := t.Context()
	short := newLimiter(t, pool, ratelimit.Config{Window: 20 * time.Millisecond, SweepInterval: -1}, nil)
	long := newLimiter(t, pool, ratelimit.Config{SweepInterval: -1}, nil)
	for range 3 {
		_, err := short.TakeUser(ctx, uuid.New())
		require.NoError(t, err)
	}
	kept := uuid.New()
	_, err := long.TakeUser(ctx, kept)
	require.NoError(t, err)
	time.Sleep(25 * time.Millisecond)

	n, err := long.Sweep(ctx)
	require.NoError(t, err)
	assert.Equal(t, int64(3), n)
	assert.Equal(t, []string{"user:" + kept.String()}, buckets(t, pool))
	d, err := long.TakeUser(ctx, kept)
	require.NoError(t, err)
	assert.Equal(t, 8, d.Remaining, "the kept bucket kept its state")

	// The background sweeper does the same on its own.
	l := newLimiter(t, pool, ratelimit.Config{Window: 20 * time.Millisecond, SweepInterval: 10 * time.Millisecond}, nil)
	_, err = l.TakeUser(ctx, uuid.New())
	require.NoError(t, err)
	require.Eventually(t, func() bool { return len(buckets(t, pool)) == 1 }, 5*time.Second, 10*time.Millisecond)
	l.Close()
	l.Close() // idempotent
}

func buckets(t *testing.T, pool *pgxpool.Pool) []string {
	t.Helper()
	rows, err := pool.Query(context.Background(), "SELECT bucket FROM rate_limits ORDER BY bucket")
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, pgx.RowTo[string])
	require.NoError(t, err)
	return out
}

func TestConfigValidation(t *testing.T) {
	pool := dbtest.New(t)
	for name, cfg := range map[string]ratelimit.Config{
		"negative free":          {FreePerMinute: -1},
		"negative paid":          {PaidPerMinute: -5},
		"negative auth":          {AuthPerMinutePerIP: -1},
		"tiny window":            {Window: time.Microsecond},
		"interval under 1µs":     {Window: time.Millisecond, PaidPerMinute: 1001},
		"negative timeout":       {Timeout: -time.Second},
		"limit over int32 range": {PaidPerMinute: 1 << 40, Window: 1000 * time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := ratelimit.New(pool, cfg, nil, nil)
			require.Error(t, err)
			assert.Contains(t, err.Error(), "invalid rate limit config")
		})
	}
	_, err := ratelimit.New(nil, ratelimit.Config{}, nil, nil)
	require.Error(t, err)

	// Two limiters on one registry (two replicas in one test process)
	// share the counters rather than failing.
	reg := prometheus.NewRegistry()
	newLimiter(t, pool, ratelimit.Config{}, reg)
	newLimiter(t, pool, ratelimit.Config{}, reg)
}
