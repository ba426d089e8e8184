package auth

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"strings"
	"unicode/utf8"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// Audit actions written by the identity capability.
const (
	ActionRegister     = "auth.register"
	ActionLogin        = "auth.login"
	ActionLoginFailed  = "auth.login_failed"
	ActionRefresh      = "auth.refresh"
	ActionRefreshReuse = "auth.refresh_reuse_detected"
	ActionLogout       = "auth.logout"
	ActionAPIKeyCreate = "api_key.create"
	ActionAPIKeyRevoke = "api_key.revoke"
	// ActionRoleChanged is a user's role changed, by an admin through
	// UserService or by an operator with `slipway users set-role`.
	ActionRoleChanged  = "user.role_changed"
	resourceUser       = "user"
	resourceSession    = "session"
	resourceAPIKey     = "api_key"
	maxUserAgentBytes  = 512
	revokeReasonLogout = "logout"
	revokeReasonReuse  = "refresh_token_reuse"
)

// requestMeta is where a request came from, for sessions and audit rows.
type requestMeta struct {
	ip        *netip.Addr
	userAgent string
	requestID string
}

// meta reads a request's client address (through the trusted-proxy
// resolver), user agent and request id.
func (s *Service) meta(ctx context.Context, peer connect.Peer, h http.Header) requestMeta {
	m := requestMeta{userAgent: truncateUTF8(h.Get("User-Agent"), maxUserAgentBytes), requestID: callctx.RequestID(ctx)}
	if a := s.resolver.ClientIP(peer.Addr, h.Values("X-Forwarded-For")); a.IsValid() {
		m.ip = &a
	}
	return m
}

func truncateUTF8(s string, n int) string {
	if len(s) <= n {
		return strings.ToValidUTF8(s, "\uFFFD")
	}
	s = s[:n]
	for len(s) > 0 && !utf8.ValidString(s) {
		s = s[:len(s)-1]
	}
	return s
}

// auditEntry is one audit_logs row, less what requestMeta supplies.
type auditEntry struct {
	actorUserID  *uuid.UUID
	actorKind    string
	action       string
	resourceType string
	resourceID   string
	details      map[string]any
}

// actorOf names the authenticated caller of ctx as an audit actor.
func actorOf(ctx context.Context) (*uuid.UUID, string, map[string]any) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return nil, db.ActorAnonymous, nil
	}
	uid := p.UserID
	if p.Method == identity.MethodAPIKey {
		return &uid, db.ActorAPIKey, map[string]any{"api_key_id": p.APIKeyID.String()}
	}
	return &uid, db.ActorUser, map[string]any{"session_id": p.SessionID.String()}
}

// audit writes one audit row with q, which should be the transaction of the
// change it records so that both land or neither does.
func audit(ctx context.Context, q *db.Queries, m requestMeta, e auditEntry) error {
	var details []byte
	if len(e.details) > 0 {
		var err error
		if details, err = json.Marshal(e.details); err != nil {
			return fmt.Errorf("encode audit details: %w", err)
		}
	}
	_, err := q.InsertAuditLog(ctx, db.InsertAuditLogParams{
		ActorUserID:  e.actorUserID,
		ActorKind:    e.actorKind,
		Action:       e.action,
		ResourceType: e.resourceType,
		ResourceID:   e.resourceID,
		Details:      details,
		ClientIP:     m.ip,
		UserAgent:    m.userAgent,
		RequestID:    m.requestID,
	})
	if err != nil {
		return fmt.Errorf("write audit log %s: %w", e.action, err)
	}
	return nil
}
