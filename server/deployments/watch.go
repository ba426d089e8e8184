package deployments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// Timing of the hub's connection.
const (
	// hubPing is how long the hub waits for a notification before it pings
	// its connection: a dead TCP peer is otherwise only noticed by
	// keepalives, minutes later.
	hubPing = 30 * time.Second
	// hubBackoffMin and hubBackoffMax bound the wait between reconnects.
	hubBackoffMin = 100 * time.Millisecond
	hubBackoffMax = 10 * time.Second
)

// Hub wakes the watchers of a deployment on this replica when an
// event is appended on any replica. It holds one dedicated connection (not
// a pool's: a LISTEN lives as long as its session) that LISTENs on
// db.NotifyChannel, whose payload is the deployment id, and fans each
// notification out to that deployment's subscribers. A wake-up only says
// "look again": watchers read the events from deployment_events, so a
// notification lost while the hub reconnects costs latency (watchers also
// re-poll), never an event. After each (re)connect every watcher is woken,
// since notifications sent meanwhile are gone.
type Hub struct {
	cfg    *pgx.ConnConfig
	logger *slog.Logger

	mu   sync.Mutex
	subs map[uuid.UUID]map[chan struct{}]struct{}
	// listening is closed while LISTEN is active; replaced when it drops.
	listening chan struct{}
	// streams counts the open watches per user on this replica, capped at
	// maxStreams (see admitStream).
	streams    map[uuid.UUID]int
	maxStreams int
}

// NewHub builds a hub connecting like pool (its DSN and settings,
// under the application name "slipway-watch"). Run starts it. The hub also
// caps the watches one user may hold open on this replica
// (DefaultMaxStreamsPerUser unless WithMaxStreamsPerUser says otherwise).
func NewHub(pool *pgxpool.Pool, logger *slog.Logger, opts ...HubOption) *Hub {
	cfg := pool.Config().ConnConfig.Copy()
	cfg.RuntimeParams["application_name"] = "slipway-watch"
	if logger == nil {
		logger = slog.Default()
	}
	h := &Hub{cfg: cfg, logger: logger, subs: map[uuid.UUID]map[chan struct{}]struct{}{}, listening: make(chan struct{}),
		streams: map[uuid.UUID]int{}, maxStreams: DefaultMaxStreamsPerUser}
	for _, o := range opts {
		o(h)
	}
	return h
}

// Run listens until ctx ends, reconnecting with exponential backoff (and
// jitter) whenever the connection fails. It answers nil once ctx is done.
func (h *Hub) Run(ctx context.Context) error {
	backoff := hubBackoffMin
	for {
		err := h.listen(ctx)
		if ctx.Err() != nil {
			return nil
		}
		wait := backoff/2 + rand.N(backoff/2+1) // jitter, not a secret.
		h.logger.WarnContext(ctx, "deployment watch connection lost; reconnecting",
			slog.Any("err", err), slog.Duration("retry_in", wait))
		select {
		case <-ctx.Done():
			return nil
		case <-time.After(wait):
		}
		if errors.Is(err, errListened) {
			backoff = hubBackoffMin
		} else {
			backoff = min(2*backoff, hubBackoffMax)
		}
	}
}

// errListened marks a connection that did LISTEN before it failed, after
// which reconnecting starts over from the shortest wait.
var errListened = errors.New("connection was listening")

// listen connects, LISTENs and delivers notifications until the
// connection fails or ctx ends.
func (h *Hub) listen(ctx context.Context) error {
	conn, err := pgx.ConnectConfig(ctx, h.cfg)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer func() {
		closeCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		_ = conn.Close(closeCtx)
	}()
	if _, err := conn.Exec(ctx, "LISTEN "+pgx.Identifier{db.NotifyChannel}.Sanitize()); err != nil {
		return fmt.Errorf("listen on %s: %w", db.NotifyChannel, err)
	}
	h.setListening(true)
	defer h.setListening(false)
	h.wakeAll()
	for {
		waitCtx, cancel := context.WithTimeout(ctx, hubPing)
		n, err := conn.WaitForNotification(waitCtx)
		cancel()
		switch {
		case err == nil:
			if id, perr := uuid.Parse(n.Payload); perr == nil {
				h.wake(id)
			}
			continue
		case ctx.Err() != nil:
			return ctx.Err()
		case pgconn.Timeout(err) && !conn.IsClosed():
			pingCtx, cancel := context.WithTimeout(ctx, 5*time.Second)
			err = conn.Ping(pingCtx)
			cancel()
			if err == nil {
				continue
			}
		}
		return fmt.Errorf("%w: wait for notification: %w", errListened, err)
	}
}

func (h *Hub) setListening(on bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	select {
	case <-h.listening:
		if !on {
			h.listening = make(chan struct{})
		}
	default:
		if on {
			close(h.listening)
		}
	}
}

// Listening answers a channel closed while the hub's LISTEN is active; for
// readiness checks and tests.
func (h *Hub) Listening() <-chan struct{} {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.listening
}

// subscribe answers a channel that receives (coalesced) wake-ups for the
// deployment id, and the func that ends the subscription.
func (h *Hub) subscribe(id uuid.UUID) (<-chan struct{}, func()) {
	ch := make(chan struct{}, 1)
	h.mu.Lock()
	set := h.subs[id]
	if set == nil {
		set = map[chan struct{}]struct{}{}
		h.subs[id] = set
	}
	set[ch] = struct{}{}
	h.mu.Unlock()
	return ch, func() {
		h.mu.Lock()
		defer h.mu.Unlock()
		delete(set, ch)
		if len(h.subs[id]) == 0 {
			delete(h.subs, id)
		}
	}
}

func (h *Hub) wake(id uuid.UUID) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch := range h.subs[id] {
		signal(ch)
	}
}

func (h *Hub) wakeAll() {
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, set := range h.subs {
		for ch := range set {
			signal(ch)
		}
	}
}

// signal wakes a subscriber without blocking: a pending wake-up already
// says "look again".
func signal(ch chan struct{}) {
	select {
	case ch <- struct{}{}:
	default:
	}
}

// watchSink is where a watch writes: a WatchDeployment stream or a
// WebSocket.
type watchSink interface {
	// snapshot sends the deployment as it is, before any event.
	snapshot(d *slipwayv1.Deployment) error
	// event sends one event with the deployment as of it.
	event(ev *slipwayv1.DeploymentEvent, d *slipwayv1.Deployment) error
	// heartbeat shows an idle stream is alive; d is the latest snapshot.
	heartbeat(d *slipwayv1.Deployment) error
}

// errSend marks a watch that ended because the client could not be
// written to: it went away, which is no server fault.
var errSend = errors.New("send to watcher")

// watchBatch bounds the events read per query, so that a long history
// streams in pieces rather than one large read.
const watchBatch = 100

// follow streams deployment id, as v may read it (getFor), to sink: the
// deployment first, then every event with seq > after in order, then new
// ones as they are appended, until the deployment has ended and all its
// events are sent. An unknown id or one v may not read is
// errDeploymentNotFound, before anything is sent; every re-read checks
// again, so an admin demoted while watching another user's deployment is
// cut off with it at the next one.
func (s *service) follow(ctx context.Context, v viewer, id uuid.UUID, after uint32, sink watchSink) error {
	var wake <-chan struct{}
	if s.hub != nil {
		// Before the first read, so that no wake-up falls between the
		// read and the wait.
		ch, stop := s.hub.subscribe(id)
		defer stop()
		wake = ch
	}
	d, err := s.getFor(ctx, v, id)
	if err != nil {
		return err
	}
	cur := ToProto(d)
	if err := sink.snapshot(cur); err != nil {
		return fmt.Errorf("%w: snapshot: %w", errSend, err)
	}
	seen := int32(min(after, 1<<31-1)) // clamped.
	repoll := time.NewTimer(s.repoll)
	defer repoll.Stop()
	beat := time.NewTimer(s.heartbeat)
	defer beat.Stop()
	for {
		// Events up to the row's last_event_seq only: the row read first
		// is then exactly the deployment as of the last of them.
		for seen < d.LastEventSeq {
			evs, err := s.q.ListDeploymentEventsAfter(ctx, db.ListDeploymentEventsAfterParams{
				DeploymentID: id, AfterSeq: seen, MaxEvents: watchBatch,
			})
			if err != nil {
				return fmt.Errorf("list events of deployment %s: %w", id, err)
			}
			if len(evs) == 0 {
				break
			}
			for _, e := range evs {
				if e.Seq > d.LastEventSeq {
					break
				}
				ev := EventToProto(e)
				if err := sink.event(ev, asOfEvent(cur, ev)); err != nil {
					return fmt.Errorf("%w: event: %w", errSend, err)
				}
				seen = e.Seq
			}
			resetTimer(beat, s.heartbeat)
		}
		if status.IsTerminal(d.Status) && seen >= d.LastEventSeq {
			verifying, err := s.verifying(ctx, id)
			if err != nil {
				return err
			}
			if !verifying {
				// The verification's last event commits with its row,
				// after d was read: read again, and end only once that
				// event is sent too.
				if d, err = s.getFor(ctx, v, id); err != nil {
					return err
				}
				if seen >= d.LastEventSeq {
					return nil
				}
				cur = ToProto(d)
				continue
			}
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-wake:
		case <-repoll.C:
		case <-beat.C:
			if err := sink.heartbeat(cur); err != nil {
				return fmt.Errorf("%w: heartbeat: %w", errSend, err)
			}
			beat.Reset(s.heartbeat)
			continue
		}
		resetTimer(repoll, s.repoll)
		if d, err = s.getFor(ctx, v, id); err != nil {
			return err
		}
		cur = ToProto(d)
	}
}

// verifyingFor bounds how long a verification may stay PENDING and keep
// its deployment's watchers open: the verify stage's own retry window.
const verifyingFor = time.Hour

// verifying reports whether the ended deployment id is still being
// verified: its events are not all in yet, so watchers stay.
func (s *service) verifying(ctx context.Context, id uuid.UUID) (bool, error) {
	v, err := s.q.GetVerification(ctx, id)
	if db.IsNotFound(err) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("get verification of %s: %w", id, err)
	}
	return v.Status == progressapi.VerificationPending && time.Since(v.UpdatedAt) < verifyingFor, nil
}

// resetTimer restarts t for d whether or not it fired (Go 1.23 timers: Reset
// also drops a pending fire).
func resetTimer(t *time.Timer, d time.Duration) { t.Reset(d) }
