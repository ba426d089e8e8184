package ratelimit_test

import (
	"net/netip"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

// Requests that arrive together on one replica are coalesced into few
// statements, and the decisions are exactly those of one request after
// another: per bucket, exactly the limit is admitted, each admitted request
// sees a different Remaining (limit-1 down to 0), and the rest are refused
// with a Retry-After.
func TestConcurrentRequestsAreBatched(t *testing.T) {
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	l := newLimiter(t, pool, ratelimit.Config{AuthPerMinutePerIP: 3, Timeout: 10 * time.Second}, reg)
	free, _ := newUser(t, pool, "free")
	paid, _ := newUser(t, pool, "paid")
	addr := netip.MustParseAddr("192.0.2.7")

	type outcome struct {
		allowed   bool
		remaining int
		retry     bool
	}
	var (
		mu      sync.Mutex
		results = map[string][]outcome{}
		wg      sync.WaitGroup
		start   = make(chan struct{})
		total   = 0
	)
	launch := func(name string, n int, take func() (ratelimit.Decision, error)) {
		total += n
		for range n {
			wg.Go(func() {
				<-start
				d, err := take()
				if !assert.NoError(t, err) {
					return
				}
				mu.Lock()
				results[name] = append(results[name], outcome{d.Allowed, d.Remaining, d.RetryAfter > 0})
				mu.Unlock()
			})
		}
	}
	launch("free", 40, func() (ratelimit.Decision, error) { return l.TakeUser(t.Context(), free) })
	launch("paid", 130, func() (ratelimit.Decision, error) { return l.TakeUser(t.Context(), paid) })
	launch("ip", 10, func() (ratelimit.Decision, error) { return l.TakeAuthIP(t.Context(), addr) })
	// Users on their first request, each alone on its bucket.
	for i := range 20 {
		u := uuid.New()
		launch("lone"+string(rune('a'+i)), 1, func() (ratelimit.Decision, error) { return l.TakeUser(t.Context(), u) })
	}
	close(start)
	wg.Wait()

	for name, limit := range map[string]int{"free": 10, "paid": 100, "ip": 3} {
		var remaining []int
		refused := 0
		for _, o := range results[name] {
			if o.allowed {
				remaining = append(remaining, o.remaining)
				assert.False(t, o.retry, name)
			} else {
				refused++
				assert.Zero(t, o.remaining, name)
				assert.True(t, o.retry, "%s: a refusal says when to retry", name)
			}
		}
		sort.Ints(remaining)
		want := make([]int, limit)
		for i := range want {
			want[i] = i
		}
		assert.Equal(t, want, remaining, "%s: one admitted request per remaining count", name)
		assert.Equal(t, len(results[name])-limit, refused, name)
	}
	for i := range 20 {
		r := results["lone"+string(rune('a'+i))]
		require.Len(t, r, 1)
		assert.Equal(t, outcome{true, 9, false}, r[0])
	}

	// Fewer statements than requests, and every request in one of them.
	sum, count := histogram(t, reg, "slipway_rate_limit_batch_requests")
	assert.InDelta(t, float64(total), sum, 0)
	assert.Less(t, count, uint64(total), "requests arriving together share statements")
}

// A closed limiter refuses to decide, so its requests get the failure
// policy rather than hanging.
func TestClosedLimiter(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{}, nil)
	l.Close()
	_, err := l.TakeUser(t.Context(), uuid.New())
	require.Error(t, err)
	assert.Contains(t, err.Error(), "closed")
}

// histogram reads the sum and count of an unlabelled histogram from reg.
func histogram(t *testing.T, reg *prometheus.Registry, name string) (sum float64, count uint64) {
	t.Helper()
	families, err := reg.Gather()
	require.NoError(t, err)
	for _, f := range families {
		if f.GetName() == name && len(f.GetMetric()) == 1 {
			h := f.GetMetric()[0].GetHistogram()
			return h.GetSampleSum(), h.GetSampleCount()
		}
	}
	t.Fatalf("no histogram %s", name)
	return 0, 0
}

// The limiter's own connection is replaced when it breaks: the statement
// that hit the broken connection fails (and gets the failure policy), the
// next one runs on a new connection.
func TestLimiterReconnects(t *testing.T) {
	pool := dbtest.New(t)
	l := newLimiter(t, pool, ratelimit.Config{}, nil)
	user, _ := newUser(t, pool, "free")
	ctx := t.Context()
	d, err := l.TakeUser(ctx, user)
	require.NoError(t, err)
	require.Equal(t, 9, d.Remaining)

	var killed int
	require.NoError(t, pool.QueryRow(ctx, `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND pid <> pg_backend_pid() AND query LIKE '%INSERT INTO rate_limits%'`).Scan(&killed))
	require.Equal(t, 1, killed, "one limiter connection")
	if _, err := l.TakeUser(ctx, user); err == nil {
		// The kill may not have reached the connection yet; then this
		// statement was answered normally.
		t.Log("statement answered before the connection closed")
	}
	require.Eventually(t, func() bool {
		_, err := l.TakeUser(ctx, user)
		return err == nil
	}, 5*time.Second, 10*time.Millisecond)
}
