package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
)

// The batch statement decides as the single-request one does, request by
// request: two buckets of one user, one driven by TakeRateLimit one request
// at a time and the other by TakeRateLimits, n requests at once, through
// fills, refusals and tier changes (which rescale the backlog), agree on
// every answer but for the microseconds between the statements.
func TestBatchStatementMatchesSingle(t *testing.T) {
	pool := dbtest.New(t)
	q := db.New(pool)
	ctx := context.Background()
	tier := "free"
	u, err := q.CreateUser(ctx, db.CreateUserParams{Email: "stmt@example.com", PasswordHash: "x", Tier: &tier})
	require.NoError(t, err)
	const window, free, paid = int64(60e6), int32(10), int32(100)
	one, many := "user:one", "user:many"

	check := func(step string, n int32) {
		t.Helper()
		// A request's ahead time differs between the buckets by the time
		// between its single statement and the batch: at most this check's
		// own duration (which -race and a loaded machine stretch), and never
		// less than 50 ms of slack.
		began := time.Now()
		var want []answer
		for range n {
			row, err := q.TakeRateLimit(ctx, db.TakeRateLimitParams{Bucket: one, UserID: &u.ID, DefaultLimit: free, PaidLimit: paid, WindowUs: window})
			require.NoError(t, err)
			want = append(want, answer{allowed: row.Allowed, lim: row.Lim, tier: row.Tier, emissionUs: row.EmissionUs, aheadUs: row.AheadUs})
		}
		rows, err := q.TakeRateLimits(ctx, db.TakeRateLimitsParams{
			Buckets: []string{many}, UserIds: []uuid.UUID{u.ID}, DefaultLimits: []int32{free}, Counts: []int32{n},
			PaidLimit: paid, WindowUs: window,
		})
		require.NoError(t, err)
		require.Len(t, rows, 1)
		slack := max(50*time.Millisecond, time.Since(began))
		for j := range want {
			got := answerOf(rows[0], j)
			assert.Equal(t, want[j].allowed, got.allowed, "%s: request %d", step, j)
			assert.Equal(t, want[j].lim, got.lim, step)
			assert.Equal(t, want[j].tier, got.tier, step)
			assert.Equal(t, want[j].emissionUs, got.emissionUs, step)
			assert.InDelta(t, want[j].aheadUs, got.aheadUs, float64(slack.Microseconds()), "%s: request %d", step, j)
		}
	}
	setTier := func(tier string) {
		_, err := q.SetUserTierByEmail(ctx, db.SetUserTierByEmailParams{Email: u.Email, Tier: tier})
		require.NoError(t, err)
	}
	check("first three", 3)
	check("to the limit and over", 9)
	check("refused", 2)
	setTier("paid")
	check("paid: the used ten carry over", 30)
	setTier("free")
	check("free again: over", 4)
	setTier("paid")
	check("paid: past the limit", 95)
}

// Address buckets (no user) get the default limit, and several buckets go
// in one statement, each answered once.
func TestBatchStatementManyBuckets(t *testing.T) {
	pool := dbtest.New(t)
	q := db.New(pool)
	rows, err := q.TakeRateLimits(context.Background(), db.TakeRateLimitsParams{
		Buckets: []string{"ip:192.0.2.1:auth", "ip:192.0.2.2:auth", "user:" + uuid.NewString()},
		UserIds: []uuid.UUID{uuid.Nil, uuid.Nil, uuid.New()}, DefaultLimits: []int32{3, 3, 10}, Counts: []int32{5, 1, 2},
		PaidLimit: 100, WindowUs: 60e6,
	})
	require.NoError(t, err)
	taken := map[string]int32{}
	for _, r := range rows {
		taken[r.Bucket] = r.Taken
		assert.Empty(t, r.Tier)
	}
	assert.Len(t, taken, 3)
	assert.Equal(t, int32(3), taken["ip:192.0.2.1:auth"])
	assert.Equal(t, int32(1), taken["ip:192.0.2.2:auth"])
}
