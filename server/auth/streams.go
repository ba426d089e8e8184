package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// Reasons an open stream is ended with, after "unauthenticated: ". Plain
// words: a browser shows the WebSocket close reason as it is.
const (
	reasonSessionEnded  = "session ended; log in again"
	reasonAPIKeyRevoked = "api key revoked"
)

// minStreamRecheck bounds how often a stream re-checks its credential, for
// very short session cache TTLs.
const minStreamRecheck = 50 * time.Millisecond

// streamContext is the context a streaming handler runs in: the caller p,
// and the re-check of the credential in h that authenticated p
// (callctx.StreamCredential), which the server runs while the stream is
// open.
//
// A stream is bound to its session (or API key), not to its access token's
// expiry: the token's short life exists because a token cannot be revoked,
// and the session it belongs to can, so a stream ends exactly when the
// session does (logout, refresh-token reuse, idle or absolute expiry) and a
// console watching a long deployment is not cut every AccessTTL.
//
// The re-check runs every half SessionCacheTTL and reuses the caches, with
// entries older than that interval re-read: a session that ends on any
// replica ends the stream within SessionCacheTTL, as it ends new requests.
// An API key's revocation reaches every replica's cache at once through
// NOTIFY, so its streams end within one interval.
func (s *Service) streamContext(ctx context.Context, p identity.Principal, h http.Header) context.Context {
	ctx = identity.NewContext(ctx, p)
	every := max(s.cfg.SessionCacheTTL/2, minStreamRecheck)
	var check func(context.Context) error
	if p.Method == identity.MethodAPIKey {
		key := strings.TrimSpace(h.Get("X-Api-Key"))
		check = func(ctx context.Context) error { return s.recheckAPIKey(ctx, p, key, every) }
	} else {
		check = func(ctx context.Context) error { return s.recheckSession(ctx, p, every) }
	}
	return callctx.WithStreamCredential(ctx, callctx.StreamCredential{Every: every, Check: check})
}

// recheckSession answers whether p's session still stands, through the
// session cache with entries at most maxAge old.
func (s *Service) recheckSession(ctx context.Context, p identity.Principal, maxAge time.Duration) error {
	s.sessions.dropOlder(p.SessionID, s.now(), maxAge)
	st, err := s.sessionState(ctx, p.SessionID)
	if err != nil {
		return fmt.Errorf("re-check session: %w", err)
	}
	if !st.active || !s.now().Before(st.expiresAt) || st.userID != p.UserID {
		return &callctx.CredentialEnded{Reason: reasonSessionEnded}
	}
	return nil
}

// recheckAPIKey answers whether key, which authenticated p, is still valid,
// by authenticating it again (cache entries at most maxAge old). Each
// re-check counts as a use of the key (last_used_at): an open stream is.
func (s *Service) recheckAPIKey(ctx context.Context, p identity.Principal, key string, maxAge time.Duration) error {
	s.apiKeys.dropOlder(keyHash(hashSecret(key)), s.now(), maxAge)
	got, err := s.authenticateAPIKey(ctx, key)
	switch {
	case errors.Is(err, ErrInvalidAPIKey):
		return &callctx.CredentialEnded{Reason: reasonAPIKeyRevoked}
	case err != nil:
		return fmt.Errorf("re-check api key: %w", err)
	case got.APIKeyID != p.APIKeyID || got.UserID != p.UserID:
		return &callctx.CredentialEnded{Reason: reasonAPIKeyRevoked}
	}
	return nil
}
