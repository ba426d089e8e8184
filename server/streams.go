package server

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
)

// An open stream outlives the request that authenticated it: a deployment
// watch can run for minutes to hours, far past a logout or an API key
// revocation that new requests notice at once. So the authentication
// interceptor hands every streaming handler a StreamCredential, and the
// watch (WatchDeployment and the WebSocket feed alike) re-checks it for as
// long as it runs, ending with unauthenticated once the credential has
// ended. Open watches are also counted per user, so that one user cannot
// hold an unbounded number of goroutines, subscriptions and re-polls.

// StreamCredential is how an open stream re-checks the credential that
// opened it. The authentication interceptor puts it in the context of
// streaming handlers (WithStreamCredential); streams run without one (no
// re-check) when the interceptor gives none, as in tests with a fake one.
type StreamCredential struct {
	// Every is how often Check runs while the stream is open.
	Every time.Duration
	// Check answers nil while the credential stands, a *CredentialEnded
	// (possibly wrapped) once it has ended for good, and any other error
	// for a fault that says nothing about the credential (the database
	// unreachable): the stream stays open then, since a blip must not cut
	// every stream of the replica, and the next tick checks again.
	Check func(ctx context.Context) error
}

// CredentialEnded is the error of a StreamCredential check whose credential
// has ended: the session was logged out, revoked or expired, or the API key
// was revoked. Reason is what the client is told, after "unauthenticated: ".
type CredentialEnded struct {
	Reason string
}

func (e *CredentialEnded) Error() string { return e.Reason }

type streamCredentialKey struct{}

// WithStreamCredential answers ctx carrying c, for the authentication
// interceptor to hand a streaming handler.
func WithStreamCredential(ctx context.Context, c StreamCredential) context.Context {
	return context.WithValue(ctx, streamCredentialKey{}, c)
}

// streamCredentialFrom answers the stream credential in ctx, if any.
func streamCredentialFrom(ctx context.Context) (StreamCredential, bool) {
	c, ok := ctx.Value(streamCredentialKey{}).(StreamCredential)
	return c, ok && c.Check != nil && c.Every > 0
}

// followAuthenticated is follow for a client's stream: it runs only while
// the credential that opened the stream stands (re-checked every
// StreamCredential.Every), and answers a *connect.Error of code
// unauthenticated, wrapping the *CredentialEnded, once it has ended.
func (s *deploymentService) followAuthenticated(ctx context.Context, user, id uuid.UUID, after uint32, sink watchSink) error {
	ctx, stop := s.watchCredential(ctx)
	defer stop()
	err := s.follow(ctx, user, id, after, sink)
	if ended := new(CredentialEnded); err != nil && errors.As(context.Cause(ctx), &ended) {
		return connect.NewError(connect.CodeUnauthenticated, ended)
	}
	return err
}

// watchCredential answers a context that is cancelled, with the
// *CredentialEnded as its cause, once the stream credential in ctx has
// ended, and the func that stops watching (call it before reading the
// cause's absence as final).
func (s *deploymentService) watchCredential(ctx context.Context) (context.Context, func()) {
	cred, ok := streamCredentialFrom(ctx)
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
			case errors.As(err, new(*CredentialEnded)):
				s.logger.InfoContext(ctx, "ending stream: its credential has ended", slog.Any("reason", err))
				cancel(err)
				return
			default:
				// Once per run of faults: a database outage would
				// otherwise log every stream every tick.
				if !faulty {
					s.logger.WarnContext(ctx, "cannot re-check a stream's credential; the stream stays open", slog.Any("error", err))
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

// HubOption tunes NewDeploymentHub.
type HubOption func(*DeploymentHub)

// WithMaxStreamsPerUser caps the deployment watches one user may hold open
// on this replica (the hub is the replica's registry of watchers); n < 1
// keeps DefaultMaxStreamsPerUser.
func WithMaxStreamsPerUser(n int) HubOption {
	return func(h *DeploymentHub) {
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
func (h *DeploymentHub) admitStream(user uuid.UUID) (func(), error) {
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
func (h *DeploymentHub) OpenStreams(user uuid.UUID) int {
	if h == nil {
		return 0
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.streams[user]
}
