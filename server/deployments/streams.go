package deployments

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/server/callctx"
)

// An open stream outlives the request that authenticated it: a deployment
// watch can run for minutes to hours, far past a logout or an API key
// revocation that new requests notice at once. So the authentication
// interceptor hands every streaming handler a StreamCredential, and the
// watch (WatchDeployment and the WebSocket feed alike) re-checks it for as
// long as it runs, ending with unauthenticated once the credential has
// ended (callctx.StreamCredential). Open watches are also counted per user,
// so that one user cannot hold an unbounded number of goroutines,
// subscriptions and re-polls.

// followAuthenticated is follow for a client's stream: it runs only while
// the credential that opened the stream stands (re-checked every
// callctx.StreamCredential.Every), and answers a *connect.Error of code
// unauthenticated, wrapping the *callctx.CredentialEnded, once it has ended.
func (s *service) followAuthenticated(ctx context.Context, v viewer, id uuid.UUID, after uint32, sink watchSink) error {
	ctx, stop := s.watchCredential(ctx)
	defer stop()
	err := s.follow(ctx, v, id, after, sink)
	if ended := new(callctx.CredentialEnded); err != nil && errors.As(context.Cause(ctx), &ended) {
		return connect.NewError(connect.CodeUnauthenticated, ended)
	}
	return err
}

// watchCredential answers a context that is cancelled, with the
// *callctx.CredentialEnded as its cause, once the stream credential in ctx has
// ended, and the func that stops watching (call it before reading the
// cause's absence as final).
func (s *service) watchCredential(ctx context.Context) (context.Context, func()) {
	cred, ok := callctx.StreamCredentialFrom(ctx)
	if !ok {
		return ctx, func() {}
	}
	ctx, cancel := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(cred.Every)
		defer tick.Stop()
		faulty := false
		for {
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
			err := cred.Check(ctx)
			switch {
			case err == nil:
				faulty = false
			case ctx.Err() != nil:
				return
			case errors.As(err, new(*callctx.CredentialEnded)):
				s.logger.InfoContext(ctx, "ending stream: its credential has ended", slog.Any("reason", err))
				cancel(err)
				return
			default:
				// Once per run of faults: a database outage would
				// otherwise log every stream every tick.
				if !faulty {
					s.logger.WarnContext(ctx, "cannot re-check a stream's credential; the stream stays open", slog.Any("err", err))
				}
				faulty = true
			}
		}
	}()
	return ctx, func() { cancel(nil); <-done }
}

// Bounds of the per-user cap on open deployment watches.
const (
	// DefaultMaxStreamsPerUser is how many deployment watches (Connect
	// streams and WebSockets together) one user may hold open on one
	// replica: a console with a few tabs and a CI job following a batch of
	// deployments fit (the scale-out test follows 25 per user on one
	// replica), a runaway client does not.
	DefaultMaxStreamsPerUser = 32
	// MaxMaxStreamsPerUser bounds the setting: each stream holds a
	// goroutine, a subscription and periodic queries.
	MaxMaxStreamsPerUser = 10_000
)

// HubOption tunes NewHub.
type HubOption func(*Hub)

// WithMaxStreamsPerUser caps the deployment watches one user may hold open
// on this replica (the hub is the replica's registry of watchers); n < 1
// keeps DefaultMaxStreamsPerUser.
func WithMaxStreamsPerUser(n int) HubOption {
	return func(h *Hub) {
		if n >= 1 {
			h.maxStreams = n
		}
	}
}

// admitStream counts an open watch of user, answering the func that
// uncounts it (idempotent), or a resource_exhausted error when the user
// already holds the maximum on this replica. A nil hub admits everything.
// No Retry-After goes with the refusal: no time is known at which a slot
// frees; the client should close a watch it no longer needs.
func (h *Hub) admitStream(user uuid.UUID) (func(), error) {
	if h == nil {
		return func() {}, nil
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.streams[user] >= h.maxStreams {
		return nil, connect.NewError(connect.CodeResourceExhausted, fmt.Errorf(
			"too many open deployment watches: at most %d per user (WatchDeployment and WebSocket together); close one and retry", h.maxStreams))
	}
	h.streams[user]++
	var once sync.Once
	return func() {
		once.Do(func() {
			h.mu.Lock()
			defer h.mu.Unlock()
			if h.streams[user]--; h.streams[user] <= 0 {
				delete(h.streams, user)
			}
		})
	}, nil
}

// OpenStreams answers how many deployment watches user holds open on this
// replica; for tests and diagnostics.
func (h *Hub) OpenStreams(user uuid.UUID) int {
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams[user]
}
