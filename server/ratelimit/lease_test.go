package ratelimit_test

import (
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

// takeSerially makes n requests on user's bucket one after another and
// answers how many were admitted and how many statements the limiter sent.
func takeSerially(t *testing.T, l *ratelimit.Limiter, reg *prometheus.Registry, user uuid.UUID, n int) (admitted int, statements uint64) {
	t.Helper()
	_, before := histogram(t, reg, "slipway_rate_limit_batch_requests")
	for range n {
		d, err := l.TakeUser(t.Context(), user)
		require.NoError(t, err)
		if d.Allowed {
			admitted++
			assert.Positive(t, d.Limit)
		}
	}
	_, after := histogram(t, reg, "slipway_rate_limit_batch_requests")
	return admitted, after - before
}

// A busy bucket with a high limit is served from leases: far fewer
// statements than requests, every request admitted while the bucket has
// room, and the headers still say a sensible remaining count.
func TestLeasesCutStatementsOnBusyBuckets(t *testing.T) {
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	l := newLimiter(t, pool, ratelimit.Config{PaidPerMinute: 100_000, Timeout: 10 * time.Second}, reg)
	paid, _ := newUser(t, pool, "paid")
	admitted, statements := takeSerially(t, l, reg, paid, 600)
	assert.Equal(t, 600, admitted)
	assert.Less(t, statements, uint64(600/3), "a busy bucket leases tokens instead of a statement per request")
	d, err := l.TakeUser(t.Context(), paid)
	require.NoError(t, err)
	assert.InDelta(t, 100_000-601, d.Remaining, 1100, "remaining counts what the bucket still holds, leased tokens included")
}

// API.md's tiers are far under the leasing threshold: every request is its
// own statement, and exactly the limit is admitted. So is every request of
// a limiter with leases turned off, whatever the limit.
func TestNoLeasesUnderTheThresholdOrWhenOff(t *testing.T) {
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	l := newLimiter(t, pool, ratelimit.Config{Timeout: 10 * time.Second}, reg)
	paid, _ := newUser(t, pool, "paid")
	admitted, statements := takeSerially(t, l, reg, paid, 130)
	assert.Equal(t, 100, admitted)
	assert.Equal(t, uint64(130), statements)

	offReg := prometheus.NewRegistry()
	off := newLimiter(t, pool, ratelimit.Config{PaidPerMinute: 100_000, LeaseMinLimit: -1, Timeout: 10 * time.Second}, offReg)
	other, _ := newUser(t, pool, "paid")
	admitted, statements = takeSerially(t, off, offReg, other, 200)
	assert.Equal(t, 200, admitted)
	assert.Equal(t, uint64(200), statements)
}

// Two replicas flooding one leasing bucket never admit more than the
// bucket allows: its burst plus one request per emission interval of the
// time the flood took. Leases cost a little capacity, never safety.
func TestLeasesNeverOverAdmitAcrossReplicas(t *testing.T) {
	pool := dbtest.New(t)
	const limit, window = 1000, 10 * time.Second
	cfg := ratelimit.Config{PaidPerMinute: limit, Window: window, Timeout: 10 * time.Second, SweepInterval: -1}
	regA, regB := prometheus.NewRegistry(), prometheus.NewRegistry()
	replicas := []*ratelimit.Limiter{newLimiter(t, pool, cfg, regA), newLimiter(t, pool, cfg, regB)}
	user, _ := newUser(t, pool, "paid")

	var admitted, refused atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for g := range 8 {
		l := replicas[g%2]
		wg.Go(func() {
			for range 300 {
				d, err := l.TakeUser(t.Context(), user)
				if !assert.NoError(t, err) {
					return
				}
				if d.Allowed {
					admitted.Add(1)
				} else {
					refused.Add(1)
				}
			}
		})
	}
	wg.Wait()
	elapsed := time.Since(start)
	emission := window / limit
	most := int64(limit) + int64(elapsed/emission) + 1
	t.Logf("admitted %d, refused %d in %s (at most %d allowed)", admitted.Load(), refused.Load(), elapsed, most)
	assert.LessOrEqual(t, admitted.Load(), most, "leases must never admit more than the bucket allows")
	assert.GreaterOrEqual(t, admitted.Load(), int64(limit*8/10), "leases strand only a little capacity")
	_, a := histogram(t, regA, "slipway_rate_limit_batch_requests")
	_, b := histogram(t, regB, "slipway_rate_limit_batch_requests")
	assert.Less(t, a+b, uint64(2400), "the replicas leased")
}
