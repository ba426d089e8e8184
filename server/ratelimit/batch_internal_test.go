package ratelimit

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/usertier"
)

// The requests one statement took on a bucket are told apart by arrival
// order: the admitted ones each moved the TAT by one interval, the refused
// ones saw it where the last admitted one left it.
func TestAnswerOf(t *testing.T) {
	// Three requests on a bucket of 10 a minute with two left: two are
	// admitted, the third refused.
	row := db.TakeRateLimitsRow{Taken: 2, Lim: 10, Tier: usertier.Free, EmissionUs: 6e6, AheadUs: 60e6}
	var got []answer
	for j := range 3 {
		got = append(got, answerOf(row, j))
	}
	want := []answer{
		{allowed: true, lim: 10, tier: usertier.Free, emissionUs: 6e6, aheadUs: 54e6},
		{allowed: true, lim: 10, tier: usertier.Free, emissionUs: 6e6, aheadUs: 60e6},
		{allowed: false, lim: 10, tier: usertier.Free, emissionUs: 6e6, aheadUs: 60e6},
	}
	assert.Equal(t, want, got)
	assert.Equal(t, 1, decide(got[0]).Remaining)
	assert.Equal(t, 0, decide(got[1]).Remaining)
	d := decide(got[2])
	assert.False(t, d.Allowed)
	assert.Equal(t, 6*time.Second, d.RetryAfter)
	assert.Equal(t, time.Minute, d.Reset)
}

// A call whose request has given up while queued is left out of the next
// statement, so it is not charged to its bucket.
func TestNextSkipsAbandonedCalls(t *testing.T) {
	b := &batcher{}
	gone, cancel := context.WithCancel(context.Background())
	cancel()
	live := &takeCall{ctx: context.Background(), bucket: "a"}
	b.pending = []*takeCall{{ctx: gone, bucket: "b"}, live}
	assert.Equal(t, []*takeCall{live}, b.next())
	assert.Empty(t, b.pending)
}
