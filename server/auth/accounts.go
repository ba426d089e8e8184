package auth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipway-dev/slipway/db"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// tokenType is the OAuth 2.0 token type of access tokens.
const tokenType = "Bearer"

// authHandler is the AuthService boundary: it decodes requests, calls the
// Service, and maps errors once with toConnectError.
type authHandler struct{ s *Service }

func (h *authHandler) Register(ctx context.Context, req *connect.Request[slipwayv1.RegisterRequest]) (*connect.Response[slipwayv1.RegisterResponse], error) {
	u, err := h.s.register(ctx, h.s.meta(ctx, req.Peer(), req.Header()), req.Msg.GetEmail(), req.Msg.GetPassword())
	if err != nil {
		return nil, toConnectError(err)
	}
	return connect.NewResponse(&slipwayv1.RegisterResponse{User: userProto(u)}), nil
}

func (h *authHandler) Login(ctx context.Context, req *connect.Request[slipwayv1.LoginRequest]) (*connect.Response[slipwayv1.LoginResponse], error) {
	p, err := h.s.login(ctx, h.s.meta(ctx, req.Peer(), req.Header()), req.Msg.GetEmail(), req.Msg.GetPassword())
	if err != nil {
		return nil, toConnectError(err)
	}
	return connect.NewResponse(&slipwayv1.LoginResponse{
		AccessToken: p.access, RefreshToken: p.refresh, TokenType: tokenType, ExpiresIn: p.expiresIn,
	}), nil
}

func (h *authHandler) Refresh(ctx context.Context, req *connect.Request[slipwayv1.RefreshRequest]) (*connect.Response[slipwayv1.RefreshResponse], error) {
	p, err := h.s.refresh(ctx, h.s.meta(ctx, req.Peer(), req.Header()), req.Msg.GetRefreshToken())
	if err != nil {
		if errors.Is(err, ErrInvalidRefreshToken) {
			callctx.RecordAuthFailure(ctx, failureReason(err))
		}
		return nil, toConnectError(err)
	}
	return connect.NewResponse(&slipwayv1.RefreshResponse{
		AccessToken: p.access, RefreshToken: p.refresh, TokenType: tokenType, ExpiresIn: p.expiresIn,
	}), nil
}

func (h *authHandler) Logout(ctx context.Context, req *connect.Request[slipwayv1.LogoutRequest]) (*connect.Response[slipwayv1.LogoutResponse], error) {
	if err := h.s.logout(ctx, h.s.meta(ctx, req.Peer(), req.Header()), req.Msg.GetRefreshToken()); err != nil {
		return nil, toConnectError(err)
	}
	return connect.NewResponse(&slipwayv1.LogoutResponse{}), nil
}

func (h *authHandler) GetMe(ctx context.Context, _ *connect.Request[slipwayv1.GetMeRequest]) (*connect.Response[slipwayv1.GetMeResponse], error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, toConnectError(ErrNoCredentials)
	}
	u, err := h.s.q.GetUserByID(ctx, p.UserID)
	if db.IsNotFound(err) {
		callctx.RecordAuthFailure(ctx, callctx.AuthFailureUserGone)
		return nil, toConnectError(ErrUserGone)
	}
	if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	res := &slipwayv1.GetMeResponse{User: userProto(u)}
	if h.s.budgets != nil {
		if res.Budgets, err = h.s.budgets(ctx, u.ID); err != nil {
			return nil, fmt.Errorf("load budgets: %w", err)
		}
	}
	return connect.NewResponse(res), nil
}

func userProto(u db.User) *slipwayv1.User {
	return &slipwayv1.User{Id: u.ID.String(), Email: u.Email, Tier: u.Tier, Role: u.Role, CreatedAt: timestamppb.New(u.CreatedAt)}
}

// register creates a free-tier account for email, after the password
// policy, and audits it in the same transaction.
func (s *Service) register(ctx context.Context, m requestMeta, email, password string) (db.User, error) {
	email = NormalizeEmail(email)
	if err := CheckPassword(password, email); err != nil {
		return db.User{}, err
	}
	hash, err := s.hasher.hash(ctx, password)
	if err != nil {
		return db.User{}, fmt.Errorf("hash password: %w", err)
	}
	var u db.User
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		var err error
		u, err = q.CreateUser(ctx, db.CreateUserParams{Email: email, PasswordHash: hash})
		if db.IsUniqueViolation(err, db.ConstraintUserEmail) {
			return ErrEmailTaken
		}
		if err != nil {
			return fmt.Errorf("create user: %w", err)
		}
		return audit(ctx, q, m, auditEntry{
			actorUserID: &u.ID, actorKind: db.ActorUser, action: ActionRegister,
			resourceType: resourceUser, resourceID: u.ID.String(),
		})
	})
	if err != nil {
		return db.User{}, err
	}
	return u, nil
}

// tokenPair is what login and refresh answer.
type tokenPair struct {
	access    string
	refresh   string
	expiresIn int32
}

// login checks credentials and opens a session. An unknown email costs
// a password hash like a known one (against a dummy hash) and both failures
// answer ErrInvalidCredentials and write the same audit row, so neither the
// answer nor its timing tells whether an account exists.
func (s *Service) login(ctx context.Context, m requestMeta, email, password string) (tokenPair, error) {
	email = NormalizeEmail(email)
	u, err := s.q.GetUserByEmail(ctx, email)
	found := err == nil
	if err != nil && !db.IsNotFound(err) {
		return tokenPair{}, fmt.Errorf("load user: %w", err)
	}
	ok, err := s.hasher.verify(ctx, password, u.PasswordHash)
	if err != nil {
		return tokenPair{}, fmt.Errorf("verify password of user %s: %w", u.ID, err)
	}
	if !ok {
		entry := auditEntry{actorKind: db.ActorAnonymous, action: ActionLoginFailed, details: map[string]any{"email": email}}
		if found {
			// Filed under the account, so its owner's compliance export
			// shows the attempts against it.
			entry.resourceType, entry.resourceID = resourceUser, u.ID.String()
		}
		if err := audit(ctx, s.q, m, entry); err != nil {
			return tokenPair{}, err
		}
		// The operator may tell the two apart; the client may not.
		reason := callctx.AuthFailureUnknownEmail
		if found {
			reason = callctx.AuthFailureWrongPassword
		}
		callctx.RecordAuthFailure(ctx, reason)
		return tokenPair{}, ErrInvalidCredentials
	}
	var rehashed string
	if NeedsRehash(u.PasswordHash, s.cfg.Password) {
		if rehashed, err = s.hasher.hash(ctx, password); err != nil {
			return tokenPair{}, fmt.Errorf("rehash password: %w", err)
		}
	}
	var pair tokenPair
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		if rehashed != "" {
			if _, err := q.UpdateUserPasswordHash(ctx, db.UpdateUserPasswordHashParams{
				ID: u.ID, OldHash: u.PasswordHash, NewHash: rehashed,
			}); err != nil {
				return fmt.Errorf("store rehashed password: %w", err)
			}
		}
		now := s.now()
		sess, err := q.CreateSession(ctx, db.CreateSessionParams{
			UserID:            u.ID,
			IdleExpiresAt:     now.Add(s.cfg.RefreshIdleTTL),
			AbsoluteExpiresAt: now.Add(s.cfg.RefreshAbsoluteTTL),
			UserAgent:         m.userAgent,
			IP:                m.ip,
		})
		if err != nil {
			return fmt.Errorf("create session: %w", err)
		}
		pair, err = s.issuePair(ctx, q, u.ID, u.Tier, sess.ID, nil, sess.IdleExpiresAt, sess.AbsoluteExpiresAt)
		if err != nil {
			return err
		}
		return audit(ctx, q, m, auditEntry{
			actorUserID: &u.ID, actorKind: db.ActorUser, action: ActionLogin,
			resourceType: resourceSession, resourceID: sess.ID.String(),
			details: map[string]any{"password_rehashed": rehashed != ""},
		})
	})
	if err != nil {
		return tokenPair{}, err
	}
	return pair, nil
}

// issuePair stores a new refresh token for the session (child of parent)
// and signs an access token for it.
func (s *Service) issuePair(ctx context.Context, q *db.Queries, userID uuid.UUID, tier string, sessionID uuid.UUID, parent *uuid.UUID, idleExpiry, absoluteExpiry time.Time) (tokenPair, error) {
	refresh, hash, err := newRefreshToken()
	if err != nil {
		return tokenPair{}, err
	}
	if _, err := q.CreateRefreshToken(ctx, db.CreateRefreshTokenParams{
		SessionID: sessionID,
		ParentID:  parent,
		TokenHash: hash,
		ExpiresAt: earliest(idleExpiry, absoluteExpiry),
	}); err != nil {
		return tokenPair{}, fmt.Errorf("store refresh token: %w", err)
	}
	access, ttl, err := s.tokens.issue(userID, sessionID, tier)
	if err != nil {
		return tokenPair{}, err
	}
	return tokenPair{access: access, refresh: refresh, expiresIn: int32(ttl / time.Second)}, nil
}

func earliest(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// refresh spends a refresh token and answers a new pair in the same
// session. A token that was already spent means two parties hold the
// session's tokens, one of them a thief: the whole session is revoked, the
// event audited, and the caller refused.
func (s *Service) refresh(ctx context.Context, m requestMeta, token string) (tokenPair, error) {
	if !validRefreshToken(token) {
		return tokenPair{}, ErrInvalidRefreshToken
	}
	var (
		pair    tokenPair
		reused  bool
		session uuid.UUID
	)
	err := db.InTx(ctx, s.pool, func(q *db.Queries) error {
		row, err := q.GetRefreshTokenByHash(ctx, hashSecret(token))
		if db.IsNotFound(err) {
			return ErrInvalidRefreshToken
		}
		if err != nil {
			return fmt.Errorf("load refresh token: %w", err)
		}
		rt, sess := row.RefreshToken, row.Session
		session = sess.ID
		now := s.now()
		claimed := int64(0)
		if rt.UsedAt == nil {
			if claimed, err = q.MarkRefreshTokenUsed(ctx, db.MarkRefreshTokenUsedParams{ID: rt.ID, UsedAt: now}); err != nil {
				return fmt.Errorf("spend refresh token: %w", err)
			}
		}
		if claimed == 0 {
			// Spent before, or by a concurrent refresh a moment ago.
			reused = true
			if _, err := q.RevokeSession(ctx, db.RevokeSessionParams{ID: sess.ID, Reason: revokeReasonReuse}); err != nil {
				return fmt.Errorf("revoke session: %w", err)
			}
			return audit(ctx, q, m, auditEntry{
				actorKind: db.ActorAnonymous, action: ActionRefreshReuse,
				resourceType: resourceUser, resourceID: sess.UserID.String(),
				details: map[string]any{"session_id": sess.ID.String(), "refresh_token_id": rt.ID.String()},
			})
		}
		if sess.RevokedAt != nil || !now.Before(rt.ExpiresAt) || !now.Before(sess.IdleExpiresAt) || !now.Before(sess.AbsoluteExpiresAt) {
			return ErrInvalidRefreshToken
		}
		idle := earliest(now.Add(s.cfg.RefreshIdleTTL), sess.AbsoluteExpiresAt)
		n, err := q.TouchSession(ctx, db.TouchSessionParams{ID: sess.ID, LastUsedAt: now, IdleExpiresAt: idle})
		if err != nil {
			return fmt.Errorf("touch session: %w", err)
		}
		if n == 0 {
			return ErrInvalidRefreshToken // revoked meanwhile
		}
		u, err := q.GetUserByID(ctx, sess.UserID)
		if db.IsNotFound(err) {
			return ErrInvalidRefreshToken
		}
		if err != nil {
			return fmt.Errorf("load user: %w", err)
		}
		if pair, err = s.issuePair(ctx, q, u.ID, u.Tier, sess.ID, &rt.ID, idle, sess.AbsoluteExpiresAt); err != nil {
			return err
		}
		return audit(ctx, q, m, auditEntry{
			actorUserID: &u.ID, actorKind: db.ActorUser, action: ActionRefresh,
			resourceType: resourceSession, resourceID: sess.ID.String(),
		})
	})
	if err != nil {
		return tokenPair{}, err
	}
	if reused {
		s.sessions.revoke(session, s.now())
		return tokenPair{}, errRefreshReused
	}
	return pair, nil
}

// logout revokes the session of a refresh token, so that the token and
// the session's access tokens are refused (on this instance at once, on
// others within SessionCacheTTL). Logging out with an unknown token or
// from a session already ended answers success: the client's goal, no
// live session for that token, holds.
func (s *Service) logout(ctx context.Context, m requestMeta, token string) error {
	if !validRefreshToken(token) {
		return nil
	}
	var revoked uuid.UUID
	err := db.InTx(ctx, s.pool, func(q *db.Queries) error {
		row, err := q.GetRefreshTokenByHash(ctx, hashSecret(token))
		if db.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("load refresh token: %w", err)
		}
		sess := row.Session
		n, err := q.RevokeActiveSession(ctx, db.RevokeActiveSessionParams{ID: sess.ID, Reason: revokeReasonLogout})
		if err != nil {
			return fmt.Errorf("revoke session: %w", err)
		}
		if n == 0 {
			return nil // ended already
		}
		revoked = sess.ID
		uid := sess.UserID
		return audit(ctx, q, m, auditEntry{
			actorUserID: &uid, actorKind: db.ActorUser, action: ActionLogout,
			resourceType: resourceSession, resourceID: sess.ID.String(),
		})
	})
	if err != nil {
		return err
	}
	if revoked != uuid.Nil {
		s.sessions.revoke(revoked, s.now())
	}
	return nil
}
