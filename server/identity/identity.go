// Package identity carries who is calling through a request's context. The
// auth interceptor puts a Principal there; rate limiting, handlers and the
// audit log read it. It is a leaf package so that all of them can share it
// without import cycles.
package identity

import (
	"context"

	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/internal/userrole"
)

// Method says how a caller proved who they are.
type Method string

const (
	// MethodBearer is a JWT access token from login or refresh.
	MethodBearer Method = "bearer"
	// MethodAPIKey is a per-user API key (X-API-Key).
	MethodAPIKey Method = "api_key"
)

// Principal is an authenticated caller. Handlers scope every query by
// UserID, which is how users only ever see their own resources; admins'
// reads of other users' deployments are the one exception (IsAdmin).
type Principal struct {
	UserID uuid.UUID
	// Tier sets the caller's rate limit: "free" or "paid".
	Tier string
	// Role is the caller's userrole: "deployer", "approver" or "admin",
	// as of the same check as Tier (so at most a session or API key cache
	// TTL old). Ask IsAdmin; "" is the least privileged.
	Role   string
	Method Method
	// SessionID is the refresh-token family of a bearer token; zero for
	// API keys.
	SessionID uuid.UUID
	// APIKeyID is the key used; zero for bearer tokens.
	APIKeyID uuid.UUID
	// Scopes are what an API key may do, chosen when it was made. Bearer
	// callers hold every scope whatever this says; ask HasScope.
	Scopes Scopes
}

// IsAdmin reports whether the caller holds the admin role: they may change
// users' roles and read every user's deployments. A principal built
// without a role is no admin, so one made anywhere else fails closed.
func (p Principal) IsAdmin() bool { return p.Role == userrole.Admin }

// HasScope reports whether the caller may use procedures that need scope:
// a bearer caller (a person who logged in) always may, an API key only
// with the scope among its own. The zero Principal's key holds none, so a
// principal built without scopes fails closed.
func (p Principal) HasScope(scope Scope) bool {
	if p.Method == MethodBearer {
		return true
	}
	return p.Scopes.Has(scope)
}

// EffectiveScopes answers the scopes the caller holds: all of them for a
// bearer caller, the key's own for an API key.
func (p Principal) EffectiveScopes() Scopes {
	if p.Method == MethodBearer {
		return AllScopes
	}
	return p.Scopes
}

type principalKey struct{}

// NewContext answers ctx carrying p.
func NewContext(ctx context.Context, p Principal) context.Context {
	return context.WithValue(ctx, principalKey{}, p)
}

// FromContext answers the caller of the request ctx belongs to, and false
// for unauthenticated procedures.
func FromContext(ctx context.Context) (Principal, bool) {
	p, ok := ctx.Value(principalKey{}).(Principal)
	return p, ok
}
