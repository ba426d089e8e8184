package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/db"
)

const (
	// maxBatch bounds the requests one statement decides, so that a flood
	// is cut into statements of bounded cost and lock count; it is far above
	// what one replica has waiting in the time one statement takes.
	maxBatch = 512
	// maxInFlight is how many batch statements one replica runs at once.
	// One keeps coalescing at its best: every request that arrives while a
	// statement runs joins the next, so under load the statements grow and
	// their number stays at one per round trip, whatever the request rate.
	// A second statement in flight would shorten the wait of a request that
	// arrives just after one started, but it halves the batches and doubles
	// the database work, which on a small machine shared with Postgres
	// costs more than it saves (BenchmarkInterceptor measures it).
	maxInFlight = 1
)

// errClosed answers the requests of a Limiter that has been closed.
var errClosed = errors.New("rate limiter closed")

// takeCall is one request waiting for its decision.
type takeCall struct {
	ctx          context.Context
	bucket       string
	userID       uuid.UUID // uuid.Nil for an address's bucket
	defaultLimit int32
	done         chan takeResult // buffered: the batcher never blocks on it
}

type takeResult struct {
	ans answer
	err error
}

// answer is the database's decision on one request, before it becomes a
// Decision: whether it was admitted, the limit and tier applied, the
// emission interval and the bucket's TAT - now just after the request.
type answer struct {
	allowed    bool
	lim        int32
	tier       string
	emissionUs int64
	aheadUs    int64
}

// batcher coalesces the limiter calls of one replica into multi-bucket
// statements (queries/rate_limit_batches.sql): a call that arrives while a
// statement is in flight waits for it to finish and then goes out, with
// every other call that arrived meanwhile, in the next one. Each request is
// still decided by Postgres, on its clock, atomically per bucket under the
// bucket's row lock, so limits are as exact across replicas as with a
// statement per request; what changes is that a busy replica pays one round
// trip and one statement for many requests instead of one each, which is most
// of the limiter's cost (a statement costs Postgres far more CPU than the few
// rows it updates). An idle replica sends a lone request at once, so the
// batcher adds no wait of its own.
type batcher struct {
	q         *db.Queries
	windowUs  int64
	paidLimit int32
	timeout   time.Duration
	sizes     prometheus.Observer

	mu      sync.Mutex
	pending []*takeCall
	closed  bool
	kick    chan struct{} // buffered 1: "pending may be non-empty"

	stop context.CancelFunc
	wg   sync.WaitGroup
}

func startBatcher(q *db.Queries, cfg Config, sizes prometheus.Observer) *batcher {
	ctx, stop := context.WithCancel(context.Background())
	b := &batcher{
		q:         q,
		windowUs:  cfg.Window.Microseconds(),
		paidLimit: int32(cfg.PaidPerMinute), //nolint:gosec // bounded by withDefaults.
		timeout:   cfg.Timeout,
		sizes:     sizes,
		kick:      make(chan struct{}, 1),
		stop:      stop,
	}
	for range maxInFlight {
		b.wg.Go(func() { b.run(ctx) })
	}
	return b
}

// take queues one request on bucket and waits for its decision, or for ctx.
// A call whose ctx ends while it waits is dropped from the next statement
// rather than charged to its bucket.
func (b *batcher) take(ctx context.Context, bucket string, userID uuid.UUID, defaultLimit int32) (answer, error) {
	c := &takeCall{ctx: ctx, bucket: bucket, userID: userID, defaultLimit: defaultLimit, done: make(chan takeResult, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return answer{}, errClosed
	}
	b.pending = append(b.pending, c)
	b.mu.Unlock()
	select {
	case b.kick <- struct{}{}:
	default: // a worker is already due to look
	}
	select {
	case r := <-c.done:
		return r.ans, r.err
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
}

// close stops the workers after their statements in flight and fails what
// is still queued.
func (b *batcher) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.stop()
	b.wg.Wait()
	b.mu.Lock()
	rest := b.pending
	b.pending = nil
	b.mu.Unlock()
	for _, c := range rest {
		c.done <- takeResult{err: errClosed}
	}
}

func (b *batcher) run(ctx context.Context) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-b.kick:
		}
		for ctx.Err() == nil {
			batch := b.next()
			if len(batch) == 0 {
				break
			}
			b.exec(ctx, batch)
		}
	}
}

// next takes up to maxBatch queued calls, skipping those whose requests
// have already given up.
func (b *batcher) next() []*takeCall {
	b.mu.Lock()
	defer b.mu.Unlock()
	n := min(len(b.pending), maxBatch)
	batch := make([]*takeCall, 0, n)
	for _, c := range b.pending[:n] {
		if c.ctx.Err() == nil {
			batch = append(batch, c)
		}
	}
	rest := copy(b.pending, b.pending[n:])
	clear(b.pending[rest:])
	b.pending = b.pending[:rest]
	if rest > 0 {
		// More than one statement's worth is queued: make sure a worker
		// comes back for it.
		select {
		case b.kick <- struct{}{}:
		default:
		}
	}
	return batch
}

// exec decides batch in one statement and hands every call its answer. The
// statement runs under the batcher's own timeout, not any one request's, so
// that a client going away cancels nobody else's decision.
func (b *batcher) exec(ctx context.Context, batch []*takeCall) {
	// Group the calls by bucket, in arrival order within each.
	index := make(map[string]int, len(batch))
	var (
		groups [][]*takeCall
		arg    = db.TakeRateLimitsParams{WindowUs: b.windowUs, PaidLimit: b.paidLimit}
	)
	for _, c := range batch {
		i, ok := index[c.bucket]
		if !ok {
			i = len(groups)
			index[c.bucket] = i
			groups = append(groups, nil)
			arg.Buckets = append(arg.Buckets, c.bucket)
			arg.UserIds = append(arg.UserIds, c.userID)
			arg.DefaultLimits = append(arg.DefaultLimits, c.defaultLimit)
			arg.Counts = append(arg.Counts, 0)
		}
		groups[i] = append(groups[i], c)
		arg.Counts[i]++
	}
	b.sizes.Observe(float64(len(batch)))
	ctx, cancel := context.WithTimeout(ctx, b.timeout)
	defer cancel()
	rows, err := b.q.TakeRateLimits(ctx, arg)
	if err != nil {
		err = fmt.Errorf("take %d requests from %d rate limit buckets: %w", len(batch), len(groups), err)
		for _, c := range batch {
			c.done <- takeResult{err: err}
		}
		return
	}
	answered := make([]bool, len(groups))
	for _, row := range rows {
		i, ok := index[row.Bucket]
		if !ok || answered[i] {
			continue
		}
		answered[i] = true
		for j, c := range groups[i] {
			c.done <- takeResult{ans: answerOf(row, j)}
		}
	}
	for i, g := range groups {
		if !answered[i] {
			err := fmt.Errorf("take from rate limit bucket %s: no answer from the database", arg.Buckets[i])
			for _, c := range g {
				c.done <- takeResult{err: err}
			}
		}
	}
}

// answerOf is the decision on request j (from 0, in arrival order) of the
// ones row's bucket took in one statement: the first row.Taken were admitted
// one after the other, each moving the TAT by one emission interval, and the
// rest were refused with the TAT where the last admitted one left it.
func answerOf(row db.TakeRateLimitsRow, j int) answer {
	a := answer{lim: row.Lim, tier: row.Tier, emissionUs: row.EmissionUs, aheadUs: row.AheadUs}
	if taken := int(row.Taken); j < taken {
		a.allowed = true
		a.aheadUs -= int64(taken-1-j) * row.EmissionUs
	}
	return a
}
