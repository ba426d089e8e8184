package ratelimit

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/db"
)

// maxBatch bounds the requests one statement decides, so that a flood is
// cut into statements of bounded cost and lock count; it is far above what
// one replica has waiting in the time one statement takes.
const maxBatch = 512

// maxInFlight is how many statements one replica runs at once, each on a
// lane (a connection) of its own. Calls go out at once while a lane is
// free and are coalesced only when all are busy, so batching costs no
// latency until the load calls for it. Measured on the 2-core development
// machine with Postgres beside the API (BenchmarkGuardedCall, 4 concurrent
// callers on one user), one lane coalesced 1.8 calls per statement but was
// the slowest, because a call that finds a statement in flight waits for it
// and then for its own; two lanes were faster and four faster still (no
// coalescing at that concurrency). Four concurrent statements also keep a
// small Postgres busy without queueing on its cores.
const maxInFlight = 4

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
// statements (queries/rate_limit_batches.sql) when the replica has
// maxInFlight statements in flight already: a call that arrives then waits
// for a lane to finish and goes out, with every other call that arrived
// meanwhile, in its next statement. Each request is still decided by
// Postgres, on its clock, atomically per bucket under the bucket's row
// lock, so limits are as exact across replicas as with a statement per
// request; what changes under load is that the replica pays one round trip
// and one statement for many requests instead of one each (a statement
// costs Postgres far more CPU than the few rows it updates), and so never
// sends more than maxInFlight statements per round trip, whatever its
// request rate.
//
// There is no batching goroutine: a call that finds a lane free runs the
// statement itself (it leads), so a request on a quiet replica costs no
// hand-off between goroutines; when its statement is done it hands the lane
// to a new goroutine if calls are waiting, and returns.
//
// Each lane runs its statements on a connection of its own, taken out of
// the pool (Hijack) when first needed and set to plan_cache_mode =
// force_generic_plan: the limiter never queues behind handlers for a pooled
// connection, and the statement is planned once. Without the setting Postgres may keep making a custom plan
// for every execution (its estimates for array parameters favour them), and
// planning this statement costs several times more than running it. The
// connection is replaced after any error and after the pool's
// MaxConnLifetime, as pooled ones are.
type batcher struct {
	// leaseTTL and leaseMin configure leases (lease.go); leaseMin 0 turns
	// them off.
	leaseTTL time.Duration
	leaseMin int32

	pool      *pgxpool.Pool
	maxAge    time.Duration
	windowUs  int64
	paidLimit int32
	timeout   time.Duration
	sizes     prometheus.Observer

	// ctx ends with close, cancelling the statement in flight.
	ctx  context.Context
	stop context.CancelFunc

	mu      sync.Mutex
	leases  map[string]*lease // by bucket, only buckets whose limit allows leases
	pending []*takeCall
	free    []*lane // lanes with no statement in flight
	lanes   []*lane
	closed  bool
	leaders sync.WaitGroup
}

// lane is one statement in flight at a time, on a connection of its own.
// Its leader, the only goroutine using it, passes it on under batcher.mu.
type lane struct {
	conn  *pgx.Conn // nil until needed, and after an error
	since time.Time
}

func newBatcher(pool *pgxpool.Pool, cfg Config, sizes prometheus.Observer) *batcher {
	ctx, stop := context.WithCancel(context.Background())
	lanes := make([]*lane, maxInFlight)
	for i := range lanes {
		lanes[i] = &lane{}
	}
	return &batcher{
		leaseTTL:  leaseTTL(cfg),
		leaseMin:  int32(max(cfg.LeaseMinLimit, 0)), // bounded by withDefaults.
		leases:    map[string]*lease{},
		lanes:     lanes,
		free:      append([]*lane(nil), lanes...),
		pool:      pool,
		maxAge:    pool.Config().MaxConnLifetime,
		windowUs:  cfg.Window.Microseconds(),
		paidLimit: int32(cfg.PaidPerMinute), // bounded by withDefaults.
		timeout:   cfg.Timeout,
		sizes:     sizes,
		ctx:       ctx,
		stop:      stop,
	}
}

// take queues one request on bucket and waits for its decision, or for
// ctx. When a lane is free it runs the statement itself, and then waits for
// it whatever ctx does (at most the batcher's timeout). A call whose ctx
// ends while it is queued is left out of the next statement rather than
// charged to its bucket.
func (b *batcher) take(ctx context.Context, bucket string, userID uuid.UUID, defaultLimit int32) (answer, error) {
	c := &takeCall{ctx: ctx, bucket: bucket, userID: userID, defaultLimit: defaultLimit, done: make(chan takeResult, 1)}
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return answer{}, errClosed
	}
	if a, ok := b.spendLease(bucket, time.Now()); ok {
		b.mu.Unlock()
		return a, nil
	}
	b.pending = append(b.pending, c)
	var ln *lane
	if n := len(b.free); n > 0 {
		ln, b.free = b.free[n-1], b.free[:n-1]
		b.leaders.Add(1)
	}
	b.mu.Unlock()
	if ln != nil {
		b.lead(ln)
	}
	select {
	case r := <-c.done:
		return r.ans, r.err
	case <-ctx.Done():
		return answer{}, ctx.Err()
	}
}

// lead runs one statement on ln for what is queued, then passes ln to a new
// goroutine if more calls have arrived meanwhile, or frees it.
func (b *batcher) lead(ln *lane) {
	defer b.leaders.Done()
	if batch := b.next(); len(batch) > 0 {
		b.exec(ln, batch)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(b.pending) == 0 || b.closed {
		b.free = append(b.free, ln)
		return
	}
	b.leaders.Add(1)
	go b.lead(ln)
}

// close cancels the statements in flight, waits for their leaders, fails
// what is still queued and closes the connections.
func (b *batcher) close() {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	b.stop()
	b.leaders.Wait()
	b.mu.Lock()
	rest := b.pending
	b.pending = nil
	for _, ln := range b.lanes {
		ln.drop()
	}
	b.mu.Unlock()
	for _, c := range rest {
		c.done <- takeResult{err: errClosed}
	}
}

// generic makes Postgres plan the statement once (see batcher).
const generic = "SET plan_cache_mode = force_generic_plan"

// query decides arg on the batcher's connection, taking a new one from the
// pool first when it has none or the one it has is too old. A lone request
// (the usual case on a quiet replica) goes through TakeRateLimit, the
// single-bucket form of the statement, which Postgres runs in about half
// the time of the general one; the decisions are the same.
func (b *batcher) query(ctx context.Context, ln *lane, arg db.TakeRateLimitsParams) ([]db.TakeRateLimitsRow, error) {
	if ln.conn != nil && b.maxAge > 0 && time.Since(ln.since) > b.maxAge {
		ln.drop()
	}
	if ln.conn == nil {
		c, err := b.pool.Acquire(ctx)
		if err != nil {
			return nil, fmt.Errorf("acquire a connection: %w", err)
		}
		conn := c.Hijack()
		if _, err := conn.Exec(ctx, generic); err != nil {
			_ = conn.Close(context.Background())
			return nil, fmt.Errorf("set up the limiter's connection: %w", err)
		}
		ln.conn, ln.since = conn, time.Now()
	}
	q := db.New(ln.conn)
	var (
		rows []db.TakeRateLimitsRow
		err  error
	)
	if len(arg.Buckets) == 1 && arg.Counts[0] == 1 && arg.LeaseUs[0] == 0 {
		var row db.TakeRateLimitRow
		row, err = q.TakeRateLimit(ctx, single(arg))
		r := db.TakeRateLimitsRow{Bucket: arg.Buckets[0], Lim: row.Lim, Tier: row.Tier, EmissionUs: row.EmissionUs, AheadUs: row.AheadUs}
		if row.Allowed {
			r.Taken = 1
		}
		rows = []db.TakeRateLimitsRow{r}
	} else {
		rows, err = q.TakeRateLimits(ctx, arg)
	}
	if err != nil {
		// Whatever it was (a timeout leaves the connection mid-statement),
		// the next statement starts on a fresh connection.
		ln.drop()
		return nil, err
	}
	return rows, nil
}

// single is the TakeRateLimit form of a one-request arg.
func single(arg db.TakeRateLimitsParams) db.TakeRateLimitParams {
	p := db.TakeRateLimitParams{
		Bucket:       arg.Buckets[0],
		DefaultLimit: arg.DefaultLimits[0],
		PaidLimit:    arg.PaidLimit,
		WindowUs:     arg.WindowUs,
	}
	if id := arg.UserIds[0]; id != uuid.Nil {
		p.UserID = &id
	}
	return p
}

func (ln *lane) drop() {
	if ln.conn != nil {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = ln.conn.Close(ctx)
		ln.conn = nil
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
	return batch
}

// exec decides batch in one statement and hands every call its answer. The
// statement runs under the batcher's own timeout, not any one request's, so
// that a client going away cancels nobody else's decision.
func (b *batcher) exec(ln *lane, batch []*takeCall) {
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
	sent := time.Now()
	arg.LeaseUs = make([]int64, len(groups))
	b.mu.Lock()
	for i, bucket := range arg.Buckets {
		if extra := b.leaseWanted(bucket, sent); extra > 0 {
			arg.Counts[i] += extra
			arg.LeaseUs[i] = b.leaseTTL.Microseconds()
		}
	}
	b.mu.Unlock()
	b.sizes.Observe(float64(len(batch)))
	ctx, cancel := context.WithTimeout(b.ctx, b.timeout)
	defer cancel()
	rows, err := b.query(ctx, ln, arg)
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
		b.mu.Lock()
		b.grantLease(row, len(groups[i]), sent)
		b.mu.Unlock()
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
// rest were refused with the TAT where the last admitted one left it. A
// lease's tokens come after the waiting requests, so request j's figures
// leave them out, as if they were still in the bucket (they are, for this
// replica).
func answerOf(row db.TakeRateLimitsRow, j int) answer {
	a := answer{lim: row.Lim, tier: row.Tier, emissionUs: row.EmissionUs, aheadUs: row.AheadUs}
	if taken := int(row.Taken); j < taken {
		a.allowed = true
		a.aheadUs -= int64(taken-1-j) * row.EmissionUs
	}
	return a
}
