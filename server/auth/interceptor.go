package auth

import (
	"context"
	"crypto/subtle"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// Errors of the interceptor, each answered unauthenticated (or
// invalid_argument for ErrTwoCredentials) with a WWW-Authenticate hint.
var (
	// ErrNoCredentials is a request to a protected procedure without
	// Authorization or X-API-Key.
	ErrNoCredentials = errors.New("missing credentials: send Authorization: Bearer <access token> or X-API-Key: <key>")
	// ErrTwoCredentials is a request with both a bearer token and an API
	// key (or either header twice). Refusing is safer than picking one:
	// the two may name different users, and a client that sends both has
	// a bug worth surfacing.
	ErrTwoCredentials = errors.New("send either Authorization: Bearer or X-API-Key, not both")
	// ErrBadAuthorization is an Authorization header of a scheme other
	// than Bearer.
	ErrBadAuthorization = errors.New(`the Authorization header must be "Bearer <access token>"`)
	// ErrSessionRevoked is a valid access token of a session that has
	// been logged out, revoked for refresh-token reuse, or has expired.
	ErrSessionRevoked = errors.New("the session of this access token has ended; log in again")
	// ErrInvalidAPIKey is an API key that is malformed, unknown or
	// revoked; one answer for all three.
	ErrInvalidAPIKey = errors.New("invalid or revoked API key")
	// errAPIKeyRevoked is ErrInvalidAPIKey for a key that was revoked:
	// the caller gets the same answer, the auth failure metric a reason of
	// its own.
	errAPIKeyRevoked = fmt.Errorf("revoked: %w", ErrInvalidAPIKey)
)

// interceptor authenticates every RPC but the public ones, on every
// protocol: Connect, gRPC, gRPC-Web and REST (whose transcoder calls the
// same handlers).
type interceptor struct{ s *Service }

func (i *interceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	next = scopeInterceptor{}.WrapUnary(next) // authorization, right after authentication (scopes.go)
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if req.Spec().IsClient || publicProcedures[req.Spec().Procedure] {
			return next(ctx, req)
		}
		p, err := i.s.authenticate(ctx, req.Header())
		if err != nil {
			return nil, i.s.authError(ctx, req.Spec().Procedure, req.Peer().Protocol, err)
		}
		return next(identity.NewContext(ctx, p), req)
	}
}

func (i *interceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (i *interceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	next = scopeInterceptor{}.WrapStreamingHandler(next) // authorization, right after authentication (scopes.go)
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if publicProcedures[conn.Spec().Procedure] {
			return next(ctx, conn)
		}
		p, err := i.s.authenticate(ctx, conn.RequestHeader())
		if err != nil {
			return i.s.authError(ctx, conn.Spec().Procedure, conn.Peer().Protocol, err)
		}
		return next(i.s.streamContext(ctx, p, conn.RequestHeader()), conn)
	}
}

// authError maps an authentication failure. The interceptor runs outside
// the server's error boundary, so a server fault (the database down) is
// logged and answered as internal here, never with its text. Refusals carry
// a WWW-Authenticate challenge (Connect and REST send error metadata as
// response headers), except on gRPC, whose errors travel in trailers where
// HTTP forbids that header.
func (s *Service) authError(ctx context.Context, procedure, protocol string, err error) error {
	switch {
	case errors.Is(err, context.Canceled):
		return connect.NewError(connect.CodeCanceled, errors.New("request canceled"))
	case errors.Is(err, context.DeadlineExceeded):
		return connect.NewError(connect.CodeDeadlineExceeded, errors.New("deadline exceeded while authenticating"))
	}
	if reason := failureReason(err); reason != "" {
		callctx.RecordAuthFailure(ctx, reason)
	}
	if ce := new(connect.Error); errors.As(toConnectError(err), &ce) {
		if ce.Code() == connect.CodeUnauthenticated && protocol != connect.ProtocolGRPC {
			ce.Meta().Set("WWW-Authenticate", bearerChallenge(challengeCode(err)))
		}
		return ce
	}
	s.logger.ErrorContext(ctx, "authentication failed", slog.String("procedure", procedure), slog.Any("err", err))
	msg := "internal error"
	if id := callctx.RequestID(ctx); id != "" {
		msg += " (request id " + id + ")"
	}
	return connect.NewError(connect.CodeInternal, errors.New(msg))
}

// Authenticate finds the caller of a request that does not pass through
// the Connect interceptors, such as the deployment updates WebSocket, from
// its headers, with the same rules as the interceptor. The error is a
// *connect.Error (unauthenticated with a WWW-Authenticate challenge in its
// metadata, invalid_argument for two credentials, or internal). It checks
// no scope, having no procedure: the caller asks Principal.HasScope for what
// its route does.
func (s *Service) Authenticate(ctx context.Context, h http.Header) (identity.Principal, error) {
	p, err := s.authenticate(ctx, h)
	if err != nil {
		return identity.Principal{}, s.authError(ctx, "", "", err)
	}
	return p, nil
}

// authenticate finds the caller from the request headers.
func (s *Service) authenticate(ctx context.Context, h http.Header) (identity.Principal, error) {
	authz, keys := h.Values("Authorization"), h.Values("X-Api-Key")
	switch {
	case len(authz)+len(keys) == 0:
		return identity.Principal{}, ErrNoCredentials
	case len(authz)+len(keys) > 1:
		return identity.Principal{}, ErrTwoCredentials
	case len(keys) == 1:
		return s.authenticateAPIKey(ctx, strings.TrimSpace(keys[0]))
	}
	scheme, token, _ := strings.Cut(strings.TrimSpace(authz[0]), " ")
	if !strings.EqualFold(scheme, "Bearer") {
		return identity.Principal{}, ErrBadAuthorization
	}
	return s.authenticateBearer(ctx, strings.TrimSpace(token))
}

// authenticateBearer verifies an access token and checks that its session
// still stands, through the session cache: a bearer request costs a
// signature check and usually a map lookup. The tier and role are the
// user's current ones as of the session check, at most SessionCacheTTL old.
func (s *Service) authenticateBearer(ctx context.Context, token string) (identity.Principal, error) {
	v, err := s.tokens.parse(token)
	if err != nil {
		return identity.Principal{}, err
	}
	st, err := s.sessionState(ctx, v.sessionID)
	if err != nil {
		return identity.Principal{}, err
	}
	if !st.active || !s.now().Before(st.expiresAt) || st.userID != v.userID {
		return identity.Principal{}, ErrSessionRevoked
	}
	return identity.Principal{UserID: v.userID, Tier: st.tier, Role: st.role, Method: identity.MethodBearer, SessionID: v.sessionID}, nil
}

// sessionState answers a session's state from the cache or, when the entry
// is missing or stale, from the database.
func (s *Service) sessionState(ctx context.Context, id uuid.UUID) (sessionState, error) {
	now := s.now()
	if st, ok := s.sessions.get(id, now); ok {
		return st, nil
	}
	row, err := s.q.GetSessionAuthState(ctx, id)
	var st sessionState
	switch {
	case db.IsNotFound(err):
		// Inactive: the zero state.
	case err != nil:
		return sessionState{}, fmt.Errorf("check session: %w", err)
	default:
		st = sessionState{
			userID:    row.UserID,
			tier:      row.UserTier,
			role:      row.UserRole,
			active:    row.RevokedAt == nil,
			expiresAt: earliest(row.IdleExpiresAt, row.AbsoluteExpiresAt),
		}
	}
	s.sessions.put(id, st, now)
	return st, nil
}

// authenticateAPIKey answers the key's owner from the API key cache or,
// on a miss, finds the key by its prefix (one indexed query that also
// answers the owner's current tier and role and skips revoked keys) and
// compares the hash of the whole key in constant time. The cache drops a key as soon as
// any replica revokes it (see apiKeyCache), so a revocation is effective on
// the next request on every instance.
func (s *Service) authenticateAPIKey(ctx context.Context, key string) (identity.Principal, error) {
	prefix, err := ParseAPIKey(key)
	if err != nil {
		return identity.Principal{}, err
	}
	hash := keyHash(hashSecret(key))
	if id, ok := s.apiKeys.get(hash, s.now()); ok {
		s.lastUsed.touch(id.keyID)
		return identity.Principal{UserID: id.userID, Tier: id.tier, Role: id.role, Method: identity.MethodAPIKey, APIKeyID: id.keyID, Scopes: id.scopes}, nil
	}
	gen, cacheable := s.apiKeys.generation()
	row, err := s.q.GetAPIKeyByPrefix(ctx, prefix)
	if db.IsNotFound(err) {
		if revoked, rerr := s.q.GetRevokedAPIKeyHashByPrefix(ctx, prefix); rerr == nil && subtle.ConstantTimeCompare(hash[:], revoked) == 1 {
			return identity.Principal{}, errAPIKeyRevoked
		}
		return identity.Principal{}, ErrInvalidAPIKey
	}
	if err != nil {
		return identity.Principal{}, fmt.Errorf("look up api key: %w", err)
	}
	if subtle.ConstantTimeCompare(hash[:], row.APIKey.SecretHash) != 1 {
		return identity.Principal{}, ErrInvalidAPIKey
	}
	scopes := identity.StoredScopes(row.APIKey.Scopes)
	if cacheable {
		s.apiKeys.put(hash, apiKeyIdentity{keyID: row.APIKey.ID, userID: row.APIKey.UserID, tier: row.UserTier, role: row.UserRole, scopes: scopes}, gen, s.now())
	}
	s.lastUsed.touch(row.APIKey.ID)
	return identity.Principal{UserID: row.APIKey.UserID, Tier: row.UserTier, Role: row.UserRole, Method: identity.MethodAPIKey, APIKeyID: row.APIKey.ID, Scopes: scopes}, nil
}
