// Package callctx carries what the server's edge knows of a call through its
// context, for the layers below it that must not import the server: the
// request id, the client's address, what the request's log line should name,
// the reporting of failed authentications, and the credential an open stream
// re-checks. It is a leaf package (like identity, which carries who is
// calling), so that server/auth, server/ratelimit, server/deployments and the
// handlers share it without import cycles.
package callctx

import (
	"context"
	"net/netip"
	"time"

	"github.com/google/uuid"
)

// RequestIDHeader carries the request id in both directions, so a client can
// quote it in a bug report and a proxy can pass its own id through.
const RequestIDHeader = "X-Request-Id"

// Reasons of slipway_auth_failures_total. They are what the server can
// tell apart without extra work on the refusal path; the client is told
// less (an unknown email and a wrong password get the same answer).
const (
	// AuthFailureMissingCredentials: a protected procedure called with
	// neither Authorization nor X-API-Key.
	AuthFailureMissingCredentials = "missing_credentials"
	// AuthFailureMalformedCredentials: an Authorization header of another
	// scheme than Bearer, or both a bearer token and an API key.
	AuthFailureMalformedCredentials = "malformed_credentials"
	// AuthFailureInvalidToken: an access token that does not verify
	// (signature, issuer, audience, algorithm, shape).
	AuthFailureInvalidToken = "invalid_token"
	// AuthFailureExpiredToken: a well-signed access token past its exp.
	AuthFailureExpiredToken = "expired_token"
	// AuthFailureRevokedSession: a valid access token of a session that
	// was logged out, revoked for refresh-token reuse, or expired.
	AuthFailureRevokedSession = "revoked_session"
	// AuthFailureInvalidAPIKey: an API key that is malformed or unknown.
	AuthFailureInvalidAPIKey = "invalid_api_key"
	// AuthFailureRevokedAPIKey: a key that was valid until its owner
	// revoked it.
	AuthFailureRevokedAPIKey = "revoked_api_key"
	// AuthFailureUserGone: a valid credential whose account was deleted.
	AuthFailureUserGone = "user_gone"
	// AuthFailureWrongPassword: a login for an existing account with the
	// wrong password.
	AuthFailureWrongPassword = "wrong_password"
	// AuthFailureUnknownEmail: a login for an email with no account.
	AuthFailureUnknownEmail = "unknown_email"
	// AuthFailureInvalidRefreshToken: a refresh token that is malformed,
	// unknown, expired or of an ended session.
	AuthFailureInvalidRefreshToken = "invalid_refresh_token"
	// AuthFailureReusedRefreshToken: a refresh token spent before; its
	// session is revoked.
	AuthFailureReusedRefreshToken = "reused_refresh_token"
	// AuthFailureOther stands for any reason not in the list, so that a
	// caller's mistake cannot mint label values.
	AuthFailureOther = "other"
)

// AuthFailureReasons are the label values of slipway_auth_failures_total.
var AuthFailureReasons = []string{
	AuthFailureMissingCredentials, AuthFailureMalformedCredentials,
	AuthFailureInvalidToken, AuthFailureExpiredToken, AuthFailureRevokedSession,
	AuthFailureInvalidAPIKey, AuthFailureRevokedAPIKey, AuthFailureUserGone,
	AuthFailureWrongPassword, AuthFailureUnknownEmail,
	AuthFailureInvalidRefreshToken, AuthFailureReusedRefreshToken,
}

var knownAuthFailure = func() map[string]bool {
	m := make(map[string]bool, len(AuthFailureReasons))
	for _, r := range AuthFailureReasons {
		m[r] = true
	}
	return m
}()

// Call is the edge's view of one request, which it puts in the request's
// context (With).
type Call interface {
	// ID is the request id.
	ID() string
	// AuthFailed notes a failed authentication of the request for reason,
	// one of AuthFailureReasons (or AuthFailureOther).
	AuthFailed(ctx context.Context, reason string)
	// Client is the client's address, resolved through the trusted
	// proxies; the zero Addr when the peer is not an IP address.
	Client() netip.Addr
	// NoteUser records the authenticated caller for the request's log
	// line.
	NoteUser(id uuid.UUID)
	// NoteDeployment records the deployment the request is about, and its
	// workflow, for the request's log line.
	NoteDeployment(id uuid.UUID, workflowID string)
}

type callKey struct{}

// With answers ctx carrying c.
func With(ctx context.Context, c Call) context.Context {
	return context.WithValue(ctx, callKey{}, c)
}

func from(ctx context.Context) Call {
	c, _ := ctx.Value(callKey{}).(Call)
	return c
}

// RequestID answers the id of the request ctx belongs to, or "" outside a
// request. Code that reports an error to a person should include it.
func RequestID(ctx context.Context) string {
	if c := from(ctx); c != nil {
		return c.ID()
	}
	return ""
}

// ClientAddr answers the address of the client of the request ctx belongs
// to: the TCP peer, or the address trusted proxies (the server's
// Config.TrustedProxies) report in X-Forwarded-For. Audit rows and
// per-address limits use it so that they all name the same client. It is the
// zero Addr outside a request.
func ClientAddr(ctx context.Context) netip.Addr {
	if c := from(ctx); c != nil {
		return c.Client()
	}
	return netip.Addr{}
}

// AnnotateUser records the authenticated caller id for the log line of the
// request ctx belongs to (user_id). Outside a request, and for uuid.Nil, it
// does nothing.
func AnnotateUser(ctx context.Context, id uuid.UUID) {
	if c := from(ctx); c != nil && id != uuid.Nil {
		c.NoteUser(id)
	}
}

// AnnotateDeployment records the deployment id the request ctx belongs to is
// about, and its workflow, for the request's log line (deployment_id,
// workflow_id). Outside a request it does nothing.
func AnnotateDeployment(ctx context.Context, id uuid.UUID, workflowID string) {
	if c := from(ctx); c != nil {
		c.NoteDeployment(id, workflowID)
	}
}

// RecordAuthFailure notes that the request ctx belongs to failed to
// authenticate, for reason (one of AuthFailureReasons; any other counts as
// AuthFailureOther). The edge counts it in slipway_auth_failures_total,
// logs it with the request once, and charges a failure of credentials the
// client presented to its address's failed-authentication budget. Outside
// a request served by the server it does nothing.
func RecordAuthFailure(ctx context.Context, reason string) {
	c := from(ctx)
	if c == nil {
		return
	}
	if !knownAuthFailure[reason] {
		reason = AuthFailureOther
	}
	c.AuthFailed(ctx, reason)
}

// StreamCredential is how an open stream re-checks the credential that
// opened it: a deployment watch can run for hours, far past a logout or an
// API key revocation that new requests notice at once. The authentication
// interceptor puts it in the context of streaming handlers
// (WithStreamCredential); streams run without one (no re-check) when the
// interceptor gives none, as in tests with a fake one.
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

// StreamCredentialFrom answers the stream credential in ctx, if any.
func StreamCredentialFrom(ctx context.Context) (StreamCredential, bool) {
	c, ok := ctx.Value(streamCredentialKey{}).(StreamCredential)
	return c, ok && c.Check != nil && c.Every > 0
}
