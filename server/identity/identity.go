// Package identity carries who is calling through a request's context. The
// auth interceptor puts a Principal there; rate limiting, handlers and the
// audit log read it. It is a leaf package so that all of them can share it
// without import cycles.
package identity

import (
	"context"

	"github.com/google/uuid"
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
// UserID, which is how users only ever see their own resources.
type Principal struct {
	UserID uuid.UUID
	// Tier sets the caller's rate limit: "free" or "paid".
	Tier   string
	Method Method
	// SessionID is the refresh-token family of a bearer token; zero for
	// API keys.
	SessionID uuid.UUID
	// APIKeyID is the key used; zero for bearer tokens.
	APIKeyID uuid.UUID
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
