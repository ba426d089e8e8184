package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"sync"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/prometheus/client_golang/prometheus"
)

// readiness evaluates the readiness checks. Concurrent callers (probes from
// several kubelets, gRPC health clients) share one evaluation in flight, so a
// slow dependency is not hammered by the probes that find it slow.
type readiness struct {
	checks  []ReadinessCheck
	timeout time.Duration
	logger  *slog.Logger
	// gauge is slipway_ready, set from every evaluation.
	gauge *prometheus.GaugeVec
	every time.Duration

	mu      sync.Mutex
	running *readinessRun
}

type readinessRun struct {
	done    chan struct{}
	results []checkResult
}

type checkResult struct {
	name     string
	err      error
	duration time.Duration
}

// evaluate runs every check concurrently, each bounded by the timeout, and
// answers their results in configuration order.
func (r *readiness) evaluate(ctx context.Context) []checkResult {
	r.mu.Lock()
	run := r.running
	if run == nil {
		run = &readinessRun{done: make(chan struct{})}
		r.running = run
		// The evaluation outlives the first caller's cancellation because
		// others may be waiting for it; it keeps ctx's values for logs.
		go r.run(context.WithoutCancel(ctx), run)
	}
	r.mu.Unlock()

	select {
	case <-run.done:
		return run.results
	case <-ctx.Done():
		results := make([]checkResult, len(r.checks))
		for i, c := range r.checks {
			results[i] = checkResult{name: c.Name, err: fmt.Errorf("readiness not evaluated: %w", ctx.Err())}
		}
		return results
	}
}

func (r *readiness) run(ctx context.Context, run *readinessRun) {
	defer func() {
		r.mu.Lock()
		r.running = nil
		r.mu.Unlock()
		close(run.done)
	}()
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()

	type done struct {
		i   int
		err error
	}
	start := time.Now()
	results := make([]checkResult, len(r.checks))
	ch := make(chan done, len(r.checks)) // buffered: late checks never block
	for i, c := range r.checks {
		results[i].name = c.Name
		go func() {
			defer func() {
				if p := recover(); p != nil {
					ch <- done{i, fmt.Errorf("check panicked: %v", p)}
				}
			}()
			ch <- done{i, c.Check(ctx)}
		}()
	}
	answered := make([]bool, len(r.checks))
wait:
	for range r.checks {
		select {
		case d := <-ch:
			results[d.i].err, results[d.i].duration, answered[d.i] = d.err, time.Since(start), true
		case <-ctx.Done():
			for i := range results {
				if !answered[i] {
					results[i].err = fmt.Errorf("no answer within %s", r.timeout)
					results[i].duration = time.Since(start)
				}
			}
			break wait
		}
	}
	for _, res := range results {
		if res.err != nil {
			r.logger.WarnContext(ctx, "readiness check failing", slog.String("check", res.name), slog.Any("error", res.err))
		}
	}
	if r.gauge != nil {
		for _, res := range results {
			v := 1.0
			if res.err != nil {
				v = 0
			}
			r.gauge.WithLabelValues(res.name).Set(v)
		}
	}
	run.results = results
}

// refresh evaluates the checks now and every r.every until ctx ends, so
// that slipway_ready stays current without probes.
func (r *readiness) refresh(ctx context.Context) {
	if r.every <= 0 || len(r.checks) == 0 {
		return
	}
	t := time.NewTicker(r.every)
	defer t.Stop()
	for {
		r.evaluate(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// readyz answers 200 when every check passes and 503 naming each failing
// part and its error otherwise.
func (r *readiness) readyz(w http.ResponseWriter, req *http.Request) {
	type check struct {
		Status     string  `json:"status"`
		Error      string  `json:"error,omitempty"`
		DurationMs float64 `json:"durationMs"`
	}
	type answer struct {
		Status  string           `json:"status"`
		Failing []string         `json:"failing,omitempty"`
		Checks  map[string]check `json:"checks"`
	}
	results := r.evaluate(req.Context())
	a := answer{Status: "ok", Checks: make(map[string]check, len(results))}
	for _, res := range results {
		c := check{Status: "ok", DurationMs: float64(res.duration.Microseconds()) / 1000}
		if res.err != nil {
			c.Status, c.Error = "failing", res.err.Error()
			a.Failing = append(a.Failing, res.name)
		}
		a.Checks[res.name] = c
	}
	status := http.StatusOK
	if len(a.Failing) > 0 {
		sort.Strings(a.Failing)
		a.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	writeJSON(w, status, a)
}

// healthz answers that the process is alive and serving; it checks nothing
// else so that a dependency outage never gets the process restarted.
func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		writeConnectUnaryError(w, http.StatusInternalServerError, connect.CodeInternal, "encoding the answer failed")
		return
	}
	w.Header()["Content-Type"] = []string{"application/json"}
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// healthChecker answers the gRPC health protocol from the readiness checks,
// for the overall server ("") and for each API service.
type healthChecker struct {
	readiness *readiness
	services  map[string]bool
}

func (h *healthChecker) Check(ctx context.Context, req *grpchealth.CheckRequest) (*grpchealth.CheckResponse, error) {
	if req.Service != "" && !h.services[req.Service] {
		return nil, connect.NewError(connect.CodeNotFound, errors.New("unknown service "+req.Service))
	}
	for _, res := range h.readiness.evaluate(ctx) {
		if res.err != nil {
			return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
		}
	}
	return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
}
