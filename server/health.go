package server

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/netip"
	"sort"
	"sync"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/server/apierr"
	"github.com/slipway-dev/slipway/server/callctx"
)

// readinessCacheTTL is how long one evaluation answers /readyz and gRPC
// health: probes need no credentials, and each check dials its dependency
// (a chain check opens a new RPC connection), so without it anyone could
// make the server hammer Postgres, Temporal and the chains as fast as they
// can send probes. A second is far below any probe period.
const readinessCacheTTL = time.Second

// readiness evaluates the readiness checks. Concurrent callers (probes from
// several kubelets, gRPC health clients) share one evaluation in flight, so a
// slow dependency is not hammered by the probes that find it slow, and an
// evaluation answers the probes of the next readinessCacheTTL too.
type readiness struct {
	checks  []ReadinessCheck
	timeout time.Duration
	logger  *slog.Logger
	// gauge is slipway_ready, set from every evaluation.
	gauge *prometheus.GaugeVec
	every time.Duration

	mu      sync.Mutex
	running *readinessRun
	// last is the latest finished evaluation, nil before the first.
	last *readinessRun
}

type readinessRun struct {
	done    chan struct{}
	results []checkResult
	// at is when the evaluation finished.
	at time.Time
}

type checkResult struct {
	name     string
	err      error
	duration time.Duration
}

// evaluate answers the checks' results in configuration order: those of
// an evaluation finished within the cache TTL, else of the one in flight,
// else of a new one, which runs every check concurrently, each bounded by
// the timeout. fresh skips the cache (the periodic refresh behind
// slipway_ready) but still joins an evaluation in flight.
func (r *readiness) evaluate(ctx context.Context, fresh bool) []checkResult {
	r.mu.Lock()
	if last := r.last; !fresh && last != nil && time.Since(last.at) < readinessCacheTTL {
		r.mu.Unlock()
		return last.results
	}
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
		run.at = time.Now()
		r.last = run
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
			r.logger.WarnContext(ctx, "readiness check failing", slog.String("check", res.name), slog.Any("err", res.err))
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
		r.evaluate(ctx, true)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// readyz answers 200 when every check passes and 503 otherwise, with the
// body {"status":"ok"} or {"status":"unavailable"}. Only a caller on this
// host (a loopback address, not relayed by a proxy) also gets each check's
// state and error: the errors name internal hosts, users and databases,
// which are nobody else's business. Operators elsewhere read the same per
// check in slipway_ready and the warnings logged for failing checks.
func (r *readiness) readyz(w http.ResponseWriter, req *http.Request) {
	type check struct {
		Status     string  `json:"status"`
		Error      string  `json:"error,omitempty"`
		DurationMs float64 `json:"durationMs"`
	}
	type answer struct {
		Status  string           `json:"status"`
		Failing []string         `json:"failing,omitempty"`
		Checks  map[string]check `json:"checks,omitempty"`
	}
	results := r.evaluate(req.Context(), false)
	a := answer{Status: "ok"}
	for _, res := range results {
		if res.err != nil {
			a.Failing = append(a.Failing, res.name)
		}
	}
	status := http.StatusOK
	if len(a.Failing) > 0 {
		a.Status, status = "unavailable", http.StatusServiceUnavailable
	}
	if !localCaller(req) {
		writeJSON(w, status, answer{Status: a.Status})
		return
	}
	sort.Strings(a.Failing)
	a.Checks = make(map[string]check, len(results))
	for _, res := range results {
		c := check{Status: "ok", DurationMs: float64(res.duration.Microseconds()) / 1000}
		if res.err != nil {
			c.Status, c.Error = "failing", res.err.Error()
		}
		a.Checks[res.name] = c
	}
	writeJSON(w, status, a)
}

// localCaller reports whether req comes from this host itself: its client
// address is a loopback one and no proxy relayed it (a proxy on this host
// would make every client look local).
func localCaller(req *http.Request) bool {
	h := req.Header
	if len(h["X-Forwarded-For"]) > 0 || len(h["Forwarded"]) > 0 || len(h["X-Real-Ip"]) > 0 {
		return false
	}
	a := callctx.ClientAddr(req.Context())
	if !a.IsValid() {
		if ap, err := netip.ParseAddrPort(req.RemoteAddr); err == nil {
			a = ap.Addr()
		}
	}
	return a.Unmap().IsLoopback()
}

// healthz answers that the process is alive and serving; it checks nothing
// else so that a dependency outage never gets the process restarted.
func healthz(w http.ResponseWriter, _ *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		apierr.WriteConnectUnary(w, http.StatusInternalServerError, connect.CodeInternal, "encoding the answer failed")
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
	for _, res := range h.readiness.evaluate(ctx, false) {
		if res.err != nil {
			return &grpchealth.CheckResponse{Status: grpchealth.StatusNotServing}, nil
		}
	}
	return &grpchealth.CheckResponse{Status: grpchealth.StatusServing}, nil
}
