package auth

import (
	"errors"
	"fmt"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/server/callctx"
)

// Sentinel errors of the identity capability. Handlers return them (wrapped
// or not); toConnectError gives each its code in one place. Their messages
// are what clients read, so they name no secrets and do not tell an unknown
// email from a wrong password.
var (
	// ErrInvalidCredentials answers both an unknown email and a wrong
	// password, so that login does not reveal which emails have accounts.
	ErrInvalidCredentials = errors.New("invalid email or password")
	// ErrEmailTaken is a registration for an email that has an account,
	// in any letter case.
	ErrEmailTaken = errors.New("an account with this email already exists")
	// ErrInvalidRefreshToken is a refresh token that is unknown, used,
	// expired or of a revoked session; the client must log in again.
	ErrInvalidRefreshToken = errors.New("invalid, expired or revoked refresh token; log in again")
	// ErrAPIKeyNotFound is a key id the caller does not own.
	ErrAPIKeyNotFound = errors.New("api key not found")
	// ErrUserGone is a valid credential whose account no longer exists.
	ErrUserGone = errors.New("the account of this credential no longer exists")
	// ErrNotAdmin is a call to an admin-only procedure by anyone else. It
	// is checked before the target is looked up, so non-admins cannot
	// probe which users exist.
	ErrNotAdmin = errors.New("only admins may change users' roles")
	// ErrUserNotFound is an admin naming a user id or email that has no
	// account.
	ErrUserNotFound = errors.New("no user with that id or email")
	// ErrLastAdmin is a role change that would leave no admin.
	ErrLastAdmin = errors.New("this is the last admin: make another user admin first (or use slipway users set-role)")
	// ErrInvalidRole is a role that is not deployer, approver or admin.
	ErrInvalidRole = errors.New("role must be deployer, approver or admin")
	// errRefreshReused is a refresh token spent before. Clients are told
	// ErrInvalidRefreshToken; the metrics tell the two apart.
	errRefreshReused = fmt.Errorf("%w (reused)", ErrInvalidRefreshToken)
)

// toConnectError is the identity capability's error boundary: its
// sentinels become Connect codes here, and anything else passes through
// unchanged to the server's boundary, which logs it and answers internal
// without its text.
func toConnectError(err error) error {
	if err == nil {
		return nil
	}
	if ce := new(connect.Error); errors.As(err, &ce) {
		return err
	}
	var weak *WeakPasswordError
	switch {
	case errors.As(err, &weak):
		return connect.NewError(connect.CodeInvalidArgument, weak)
	case errors.Is(err, ErrInvalidCredentials):
		return connect.NewError(connect.CodeUnauthenticated, ErrInvalidCredentials)
	case errors.Is(err, ErrEmailTaken):
		return connect.NewError(connect.CodeAlreadyExists, ErrEmailTaken)
	case errors.Is(err, ErrInvalidRefreshToken):
		return connect.NewError(connect.CodeUnauthenticated, ErrInvalidRefreshToken)
	case errors.Is(err, ErrAPIKeyNotFound):
		return connect.NewError(connect.CodeNotFound, ErrAPIKeyNotFound)
	case errors.Is(err, ErrUserGone):
		return connect.NewError(connect.CodeUnauthenticated, ErrUserGone)
	case errors.Is(err, ErrNotAdmin):
		return connect.NewError(connect.CodePermissionDenied, ErrNotAdmin)
	case errors.Is(err, ErrUserNotFound):
		return connect.NewError(connect.CodeNotFound, ErrUserNotFound)
	case errors.Is(err, ErrLastAdmin):
		return connect.NewError(connect.CodeFailedPrecondition, ErrLastAdmin)
	case errors.Is(err, ErrInvalidRole):
		return connect.NewError(connect.CodeInvalidArgument, err)
	case errors.Is(err, ErrTokenExpired):
		return connect.NewError(connect.CodeUnauthenticated, ErrTokenExpired)
	case errors.Is(err, ErrTokenInvalid):
		return connect.NewError(connect.CodeUnauthenticated, ErrTokenInvalid)
	case errors.Is(err, ErrSessionRevoked):
		return connect.NewError(connect.CodeUnauthenticated, ErrSessionRevoked)
	case errors.Is(err, ErrMalformedAPIKey), errors.Is(err, ErrInvalidAPIKey):
		return connect.NewError(connect.CodeUnauthenticated, ErrInvalidAPIKey)
	case errors.Is(err, ErrBadAuthorization):
		return connect.NewError(connect.CodeUnauthenticated, ErrBadAuthorization)
	case errors.Is(err, ErrNoCredentials):
		return connect.NewError(connect.CodeUnauthenticated, ErrNoCredentials)
	case errors.Is(err, ErrTwoCredentials):
		return connect.NewError(connect.CodeInvalidArgument, ErrTwoCredentials)
	}
	return err
}

// failureReason answers the slipway_auth_failures_total reason of an
// authentication error, or "" for errors that are not the credentials'
// fault (the database down, a cancelled request).
func failureReason(err error) string {
	switch {
	case errors.Is(err, ErrNoCredentials):
		return callctx.AuthFailureMissingCredentials
	case errors.Is(err, ErrTwoCredentials), errors.Is(err, ErrBadAuthorization):
		return callctx.AuthFailureMalformedCredentials
	case errors.Is(err, ErrTokenExpired):
		return callctx.AuthFailureExpiredToken
	case errors.Is(err, ErrTokenInvalid):
		return callctx.AuthFailureInvalidToken
	case errors.Is(err, ErrSessionRevoked):
		return callctx.AuthFailureRevokedSession
	case errors.Is(err, errAPIKeyRevoked):
		return callctx.AuthFailureRevokedAPIKey
	case errors.Is(err, ErrMalformedAPIKey), errors.Is(err, ErrInvalidAPIKey):
		return callctx.AuthFailureInvalidAPIKey
	case errors.Is(err, ErrUserGone):
		return callctx.AuthFailureUserGone
	case errors.Is(err, errRefreshReused):
		return callctx.AuthFailureReusedRefreshToken
	case errors.Is(err, ErrInvalidRefreshToken):
		return callctx.AuthFailureInvalidRefreshToken
	}
	return ""
}

// bearerChallenge is the RFC 6750 WWW-Authenticate value for a refused
// request: it names the scheme wanted, and with errCode (invalid_token,
// invalid_request) says that what was sent was refused.
func bearerChallenge(errCode string) string {
	v := `Bearer realm="slipway"`
	if errCode != "" {
		v += `, error="` + errCode + `"`
	}
	return v
}

// challengeCode answers the RFC 6750 error code for an authentication
// failure: invalid_token for a bearer token refused, invalid_request for a
// malformed Authorization header, none when no bearer token was sent.
func challengeCode(err error) string {
	switch {
	case errors.Is(err, ErrTokenExpired), errors.Is(err, ErrTokenInvalid),
		errors.Is(err, ErrSessionRevoked), errors.Is(err, ErrUserGone):
		return "invalid_token"
	case errors.Is(err, ErrBadAuthorization):
		return "invalid_request"
	}
	return ""
}
