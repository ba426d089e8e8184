package server

import (
	"context"

	"github.com/prometheus/client_golang/prometheus"

	imetrics "github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/server/callctx"
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
		Help:      "Requests refused for their credentials, and failed logins and refreshes, by reason (one of a fixed set; see callctx.AuthFailureReasons).",
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
	for _, r := range callctx.AuthFailureReasons {
		authFailures.WithLabelValues(r)
	}
	return &metrics{requests: requests, duration: duration, authFailures: authFailures, authThrottled: authThrottled, ready: ready}, nil
}

// AuthFailed is callctx.Call's: it charges a failure of credentials the
// client presented to its address's failed-authentication budget (see
// failureLimiter) and keeps the reason for the request's metric and log line,
// once per request.
func (info *requestInfo) AuthFailed(ctx context.Context, reason string) {
	if info.failures != nil {
		info.failures.record(ctx, info, reason)
	}
	info.authFailure = reason
}

// register is internal/metrics' Register for the request metrics: building
// several handlers on one registry (tests, reloads) works.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	return imetrics.Register(reg, c, "request metrics")
}
