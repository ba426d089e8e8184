package server

import (
	"errors"
	"fmt"

	"github.com/prometheus/client_golang/prometheus"
)

// metrics are the request metrics, observed at the edge so that requests the
// RPC layer never sees (malformed bodies, unknown routes, oversize bodies)
// are counted too.
type metrics struct {
	requests *prometheus.CounterVec
	duration *prometheus.HistogramVec
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

	var err error
	if requests, err = register(reg, requests); err != nil {
		return nil, err
	}
	if duration, err = register(reg, duration); err != nil {
		return nil, err
	}
	return &metrics{requests: requests, duration: duration}, nil
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
