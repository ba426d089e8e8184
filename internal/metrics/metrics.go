// Package metrics is the worker's Prometheus instrumentation: what the
// deployment pipeline's activities observe (stages, outcomes, gas, fee
// bumps, reorgs, nonce gaps, signer balances), what the solc pool and the
// compile cache do, and what Postgres says about the deployments still
// running.
//
// Metrics are recorded in activities and in the worker, never in workflow
// code: a workflow replays, so a counter bumped there would count each
// replay again. Every recording method accepts a nil *Worker and does
// nothing, so activity structs built without metrics (tests, tools) need no
// checks at their call sites.
package metrics

import (
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Label values of slipway_deployment_stage_seconds.
const (
	StageGenerate = "generate"
	StageLint     = "lint"
	StageCompile  = "compile"
	StageDeploy   = "deploy"
	StageConfirm  = "confirm"
)

// Label values of slipway_compile_cache_requests_total.
const (
	CacheHit  = "hit"
	CacheMiss = "miss"
)

// Worker holds the worker-side collectors. Build it with New; the zero
// value is not usable, a nil one records nothing.
type Worker struct {
	finished       *prometheus.CounterVec
	verifications  *prometheus.CounterVec
	stage          *prometheus.HistogramVec
	gasUsed        *prometheus.CounterVec
	feePaid        *prometheus.CounterVec
	bumps          *prometheus.CounterVec
	bumpsExhausted *prometheus.CounterVec
	reorgs         *prometheus.CounterVec
	gapsRepaired   *prometheus.CounterVec
	signerBalance  *prometheus.GaugeVec
	signerMin      *prometheus.GaugeVec
	active         *prometheus.GaugeVec
	oldestActive   *prometheus.GaugeVec
	cacheRequests  *prometheus.CounterVec
	solcQueue      prometheus.Gauge
	solcRestarts   prometheus.Counter
}

// New registers the worker's collectors on reg. A nil reg answers a nil
// *Worker, which records nothing. Registering twice on one registry (two
// pools or activity sets in one process) reuses the collectors already
// there, so their counts add up instead of failing.
func New(reg prometheus.Registerer) (*Worker, error) {
	if reg == nil {
		return nil, nil
	}
	w := &Worker{
		finished: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_deployments_finished_total",
			Help: "Deployments that reached an end, by network and status (CONFIRMED or FAILED); counted once per deployment, when its row moves to that status.",
		}, []string{"network", "status"}),
		verifications: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_verifications_total",
			Help: "Source verifications of confirmed deployments that ended, by network, service (local: re-derived bytecode against the chain) and status (VERIFIED or FAILED).",
		}, []string{"network", "service", "status"}),
		stage: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "slipway_deployment_stage_seconds",
			Help: "Time spent in one activity call of a deployment stage (generate, lint, compile, deploy, confirm); a long wait is several calls.",
			// From a cached compile to a five-minute inclusion wait.
			Buckets: []float64{.01, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600},
		}, []string{"stage"}),
		gasUsed: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_deployment_gas_used_total",
			Help: "Gas used by confirmed deployments, by network.",
		}, []string{"network"}),
		feePaid: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_deployment_fee_paid_wei_total",
			Help: "Fees paid (gas used times effective gas price, in wei) by confirmed deployments, by network.",
		}, []string{"network"}),
		bumps: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_fee_bumps_total",
			Help: "Deployment transactions replaced with higher fees because they were not included, by network.",
		}, []string{"network"}),
		bumpsExhausted: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_fee_bumps_exhausted_total",
			Help: "Fee bumps refused because the fee cap or the maximum number of bumps was reached, by network; the transaction keeps waiting as it is.",
		}, []string{"network"}),
		reorgs: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_reorgs_total",
			Help: "Reorgs seen while confirming: a deployment's receipt moved to another block or left the canonical chain, by network.",
		}, []string{"network"}),
		gapsRepaired: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_nonce_gaps_repaired_total",
			Help: "Signer nonces below a waiting deployment that were repaired (a lost transaction re-sent, or an unused nonce filled), by network.",
		}, []string{"network"}),
		signerBalance: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slipway_signer_balance_wei",
			Help: "Balance of each network's deployer address, in wei, as last read from the chain.",
		}, []string{"network", "signer"}),
		signerMin: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slipway_signer_min_balance_wei",
			Help: "The networks file's minSignerBalanceWei of each network that sets one: below it the worker refuses to sign there.",
		}, []string{"network"}),
		active: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slipway_deployments_active",
			Help: "Deployments not yet ended, by status, from a periodic query of Postgres (the same figure on every worker).",
		}, []string{"status"}),
		oldestActive: prometheus.NewGaugeVec(prometheus.GaugeOpts{
			Name: "slipway_deployment_oldest_active_age_seconds",
			Help: "How long the deployment longest in each non-final status has been in it; 0 when none is.",
		}, []string{"status"}),
		cacheRequests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "slipway_compile_cache_requests_total",
			Help: "Compile artifact cache lookups, by result (hit or miss; a failed lookup is a miss).",
		}, []string{"result"}),
		solcQueue: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "slipway_solc_pool_queue_depth",
			Help: "Compile requests waiting for a free solc worker.",
		}),
		solcRestarts: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "slipway_solc_worker_restarts_total",
			Help: "solc worker processes restarted after dying, hanging past the request timeout or breaking the protocol.",
		}),
	}
	var err error
	if w.finished, err = register(reg, w.finished); err != nil {
		return nil, err
	}
	if w.verifications, err = register(reg, w.verifications); err != nil {
		return nil, err
	}
	if w.stage, err = register(reg, w.stage); err != nil {
		return nil, err
	}
	for _, c := range []**prometheus.CounterVec{&w.gasUsed, &w.feePaid, &w.bumps, &w.bumpsExhausted, &w.reorgs, &w.gapsRepaired, &w.cacheRequests} {
		if *c, err = register(reg, *c); err != nil {
			return nil, err
		}
	}
	for _, g := range []**prometheus.GaugeVec{&w.signerBalance, &w.signerMin, &w.active, &w.oldestActive} {
		if *g, err = register(reg, *g); err != nil {
			return nil, err
		}
	}
	if w.solcQueue, err = register(reg, w.solcQueue); err != nil {
		return nil, err
	}
	if w.solcRestarts, err = register(reg, w.solcRestarts); err != nil {
		return nil, err
	}
	// Both cache results exist from the start, so that a hit ratio is
	// defined before the first hit.
	w.cacheRequests.WithLabelValues(CacheHit)
	w.cacheRequests.WithLabelValues(CacheMiss)
	return w, nil
}

// Register adds c to reg, reusing an identical collector already there so
// that building several workers, handlers or limiters on one registry
// (tests, reloads, replicas) works. what names the metrics in its error.
func Register[C prometheus.Collector](reg prometheus.Registerer, c C, what string) (C, error) {
	if err := reg.Register(c); err != nil {
		if are, ok := errors.AsType[prometheus.AlreadyRegisteredError](err); ok {
			if existing, ok := are.ExistingCollector.(C); ok {
				return existing, nil
			}
		}
		var zero C
		return zero, fmt.Errorf("register %s: %w", what, err)
	}
	return c, nil
}

// register is Register for the worker's metrics.
func register[C prometheus.Collector](reg prometheus.Registerer, c C) (C, error) {
	return Register(reg, c, "worker metrics")
}

// InitNetworks creates every per-network series at zero, so that the first
// fee bump, reorg or nonce gap of a network shows as an increase (alert
// rules use increase(), which needs a sample before the first event) and
// dashboards show the networks before anything happened on them.
func (w *Worker) InitNetworks(networks ...string) {
	if w == nil {
		return
	}
	for _, n := range networks {
		for _, s := range []string{"CONFIRMED", "FAILED"} {
			w.finished.WithLabelValues(n, s)
		}
		w.gasUsed.WithLabelValues(n)
		w.feePaid.WithLabelValues(n)
		w.bumps.WithLabelValues(n)
		w.bumpsExhausted.WithLabelValues(n)
		w.reorgs.WithLabelValues(n)
		w.gapsRepaired.WithLabelValues(n)
	}
}

// DeploymentFinished counts a deployment that reached status (CONFIRMED or
// FAILED) on network.
func (w *Worker) DeploymentFinished(network, status string) {
	if w == nil {
		return
	}
	w.finished.WithLabelValues(network, status).Inc()
}

// Verified counts a verification by service that ended in status on
// network.
func (w *Worker) Verified(network, service, status string) {
	if w == nil {
		return
	}
	w.verifications.WithLabelValues(network, service, status).Inc()
}

// ObserveStage records one activity call of a deployment stage.
func (w *Worker) ObserveStage(stage string, d time.Duration) {
	if w == nil {
		return
	}
	w.stage.WithLabelValues(stage).Observe(d.Seconds())
}

// Confirmed adds a confirmed deployment's gas and fee to network's totals.
// A nil fee adds nothing to the fee total.
func (w *Worker) Confirmed(network string, gasUsed uint64, feeWei *big.Int) {
	if w == nil {
		return
	}
	w.gasUsed.WithLabelValues(network).Add(float64(gasUsed))
	if feeWei != nil && feeWei.Sign() > 0 {
		w.feePaid.WithLabelValues(network).Add(weiFloat(feeWei))
	}
}

// FeeBumped counts a transaction replaced with higher fees.
func (w *Worker) FeeBumped(network string) {
	if w == nil {
		return
	}
	w.bumps.WithLabelValues(network).Inc()
}

// FeeBumpsExhausted counts a bump refused at the fee cap or the bump limit.
func (w *Worker) FeeBumpsExhausted(network string) {
	if w == nil {
		return
	}
	w.bumpsExhausted.WithLabelValues(network).Inc()
}

// Reorg counts a receipt that moved or disappeared.
func (w *Worker) Reorg(network string) {
	if w == nil {
		return
	}
	w.reorgs.WithLabelValues(network).Inc()
}

// NonceGapRepaired counts one nonce re-sent or filled.
func (w *Worker) NonceGapRepaired(network string) {
	if w == nil {
		return
	}
	w.gapsRepaired.WithLabelValues(network).Inc()
}

// SetSignerBalance records network's signer balance. When the signer
// changes (a rotated key), the old address's series is dropped, so an
// alert on the balance does not keep firing for a key no longer used.
func (w *Worker) SetSignerBalance(network, signer string, wei *big.Int) {
	if w == nil || wei == nil {
		return
	}
	w.signerBalance.DeletePartialMatch(prometheus.Labels{"network": network})
	w.signerBalance.WithLabelValues(network, signer).Set(weiFloat(wei))
}

// SetSignerMinBalance records the balance below which network's worker
// refuses to sign, so that an alert can compare the two.
func (w *Worker) SetSignerMinBalance(network string, wei *big.Int) {
	if w == nil || wei == nil {
		return
	}
	w.signerMin.WithLabelValues(network).Set(weiFloat(wei))
}

// CacheLookup counts a compile cache lookup.
func (w *Worker) CacheLookup(hit bool) {
	if w == nil {
		return
	}
	if hit {
		w.cacheRequests.WithLabelValues(CacheHit).Inc()
	} else {
		w.cacheRequests.WithLabelValues(CacheMiss).Inc()
	}
}

// SolcQueued moves the solc queue depth by delta (+1 when a request starts
// waiting for a worker, -1 when it stops).
func (w *Worker) SolcQueued(delta int) {
	if w == nil {
		return
	}
	w.solcQueue.Add(float64(delta))
}

// SolcWorkerRestarted counts a solc worker process restarted.
func (w *Worker) SolcWorkerRestarted() {
	if w == nil {
		return
	}
	w.solcRestarts.Inc()
}

// weiFloat converts wei to a float64: exact up to 2^53 wei, and within
// one part in 2^53 beyond, which is all a balance alert or a fee rate needs.
func weiFloat(v *big.Int) float64 {
	f, _ := new(big.Float).SetInt(v).Float64()
	return f
}
