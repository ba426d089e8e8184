package auth

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/db"
)

// lastUsedBatcher collects the API keys used since the last flush and
// writes their last_used_at in one statement every interval, so that a key
// used a thousand times a second costs one write per interval rather than
// one per request. A key used again before the flush is recorded once.
type lastUsedBatcher struct {
	q        *db.Queries
	logger   *slog.Logger
	now      func() time.Time
	mu       sync.Mutex
	pending  map[uuid.UUID]struct{}
	done     chan struct{}
	finished chan struct{}
	stopOnce sync.Once
}

// flushTimeout bounds one flush, so a stuck database cannot pile flushes up
// or hold shutdown.
const flushTimeout = 5 * time.Second

func startLastUsedBatcher(q *db.Queries, interval time.Duration, logger *slog.Logger, now func() time.Time) *lastUsedBatcher {
	b := &lastUsedBatcher{
		q:        q,
		logger:   logger,
		now:      now,
		pending:  make(map[uuid.UUID]struct{}),
		done:     make(chan struct{}),
		finished: make(chan struct{}),
	}
	go b.run(interval)
	return b
}

// touch records a use of key id; it never blocks on the database.
func (b *lastUsedBatcher) touch(id uuid.UUID) {
	b.mu.Lock()
	b.pending[id] = struct{}{}
	b.mu.Unlock()
}

func (b *lastUsedBatcher) run(interval time.Duration) {
	defer close(b.finished)
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			b.flush()
		case <-b.done:
			b.flush()
			return
		}
	}
}

// flush writes the pending uses with the flush time as last_used_at. On
// failure the ids are put back for the next flush: a lost update is only a
// stale timestamp, but there is no reason to lose it.
func (b *lastUsedBatcher) flush() {
	b.mu.Lock()
	if len(b.pending) == 0 {
		b.mu.Unlock()
		return
	}
	ids := make([]uuid.UUID, 0, len(b.pending))
	for id := range b.pending {
		ids = append(ids, id)
	}
	clear(b.pending)
	b.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), flushTimeout)
	defer cancel()
	err := b.q.TouchAPIKeysLastUsed(ctx, db.TouchAPIKeysLastUsedParams{UsedAt: b.now(), Ids: ids})
	if err != nil {
		b.logger.WarnContext(ctx, "flush api key last use failed; retrying at the next flush",
			slog.Int("keys", len(ids)), slog.Any("err", err))
		b.mu.Lock()
		for _, id := range ids {
			b.pending[id] = struct{}{}
		}
		b.mu.Unlock()
	}
}

// stop flushes what is pending and ends the flusher; later calls do nothing.
func (b *lastUsedBatcher) stop() {
	b.stopOnce.Do(func() { close(b.done) })
	<-b.finished
}
