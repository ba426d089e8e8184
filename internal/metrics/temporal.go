package metrics

import (
	"io"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/uber-go/tally/v4"
	tallyprom "github.com/uber-go/tally/v4/prometheus"
	"go.temporal.io/sdk/client"
	sdktally "go.temporal.io/sdk/contrib/tally"
)

// temporalBuckets are the SDK timers' histogram buckets: from a local
// poll answer to a long-poll's minute.
var temporalBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 120}

// TemporalHandler answers a Temporal SDK metrics handler that exports the
// SDK's own metrics (temporal_request, temporal_workflow_task_*,
// temporal_activity_execution_latency, pollers, slots, …) through reg,
// with Temporal's Prometheus naming, so that one /metrics shows the worker
// and the SDK. Timers become histograms, which aggregate across replicas
// unlike summaries. Close flushes and stops the reporter.
//
// A metric the SDK emits with a label set other than the one it was first
// registered with cannot be exported by Prometheus; it is logged and
// dropped rather than crashing the worker, as the reporter would by
// default.
func TemporalHandler(reg prometheus.Registerer, logger *slog.Logger) (client.MetricsHandler, io.Closer) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	reporter := tallyprom.NewReporter(tallyprom.Options{
		Registerer:              reg,
		DefaultTimerType:        tallyprom.HistogramTimerType,
		DefaultHistogramBuckets: temporalBuckets,
		OnRegisterError: func(err error) {
			logger.Warn("temporal sdk metric not exported", "err", err)
		},
	})
	scope, closer := tally.NewRootScope(tally.ScopeOptions{
		CachedReporter:  reporter,
		Separator:       tallyprom.DefaultSeparator,
		SanitizeOptions: &sdktally.PrometheusSanitizeOptions,
	}, time.Second)
	return sdktally.NewMetricsHandler(sdktally.NewPrometheusNamingScope(scope)), closer
}
