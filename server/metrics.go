package server

import (
	"context"
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the request metrics, observed at the edge so that requests the
// RPC layer never sees (malformed bodies, unknown routes, oversize bodies)
// are counted too.
type metrics struct {
	requests     *prometheus.CounterVec
	duration     *prometheus.HistogramVec
	authFailures *prometheus.CounterVec
	// authThrottled counts credentialed requests refused unchecked because
	// their address used up its failed-authentication budget.
	authThrottled prometheus.Counter
	ready         *prometheus.GaugeVec
}

// Label values stay bounded: procedure is a known RPC procedure, a route
// pattern, or one of the fixed words below; code is a Connect code name.
const (
	procedureUnmatched = "unmatched"
	procedurePreflight = "cors_preflight"
)

func newMetrics(reg prometheus.Registerer) (*metrics, error) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "slipway",
		Subsystem: "http",
		Name:      "requests_total",
		Help:      "Requests answered, by RPC procedure (or route), protocol and Connect code.",
	}, []string{"procedure", "protocol", "code"})
	duration := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "slipway",
		Subsystem: "http",
		Name:      "request_duration_seconds",
		Help:      "Time from the request's arrival to the end of its answer, by RPC procedure (or route) and Connect code.",
		// Default buckets plus the slow tail of compile and audit calls.
		Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60},
	}, []string{"procedure", "code"})

	authFailures := prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "slipway",
		Subsystem: "auth",
		Name:      "failures_total",
		Help:      "Requests refused for their credentials, and failed logins and refreshes, by reason (one of a fixed set; see server.AuthFailureReasons).",
	}, []string{"reason"})
	authThrottled := prometheus.NewCounter(prometheus.CounterOpts{
		Namespace: "slipway",
		Subsystem: "auth",
		Name:      "throttled_total",
		Help:      "Requests with credentials refused before authentication because their client address had too many failed authentications (--auth-fail-per-min).",
	})
	ready := prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "slipway",
		Name:      "ready",
		Help:      "1 when the readiness check passed at its last evaluation (by /readyz, gRPC health or the periodic refresh), else 0.",
	}, []string{"check"})

	var err error
	if requests, err = register(reg, requests); err != nil {
		return nil, err
	}
	if duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	if authFailures, err = register(reg, authFailures); err != nil {
		return nil, err
	}
	if authThrottled, err = register(reg, authThrottled); err != nil {
		return nil, err
	}
	if ready, err = register(reg, ready); err != nil {
		return nil, err
	}
	// Every reason has a series from the start, so that rate() over a
	// reason that has not happened yet reads 0 rather than nothing.
	for _, r := range AuthFailureReasons {
		authFailures.WithLabelValues(r)
	}
	return &metrics{requests: requests, duration: duration, authFailures: authFailures, authThrottled: authThrottled, ready: ready}, nil
}

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
	// authFailureOther stands for any reason not in the list, so that a
	// caller's mistake cannot mint label values.
	authFailureOther = "other"
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

// RecordAuthFailure notes that the request ctx belongs to failed to
// authenticate, for reason (one of AuthFailureReasons). The edge counts it
// in slipway_auth_failures_total and logs it with the request as
// auth_failure when the request ends, once per request. A failure of
// credentials the client presented is also charged to the client address's
// failed-authentication budget (see failureLimiter). Outside a request
// served by New it does nothing.
func RecordAuthFailure(ctx context.Context, reason string) {
	info := requestInfoFrom(ctx)
	if info == nil {
		return
	}
	if !knownAuthFailure[reason] {
		reason = authFailureOther
	}
	if info.failures != nil {
		info.failures.record(ctx, info, reason)
	}
	info.authFailure = reason
}

// register adds c to reg, reusing an identical collector already there so
// that building several handlers on one registry (tests, reloads) works.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	if err := reg.Register(c); err != nil {
		if are := (prometheus.AlreadyRegisteredError{}); errors.As(err, &are) {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		var zero C
		return zero, fmt.Errorf("register request metrics: %w", err)
	}
	return c, nil
}
