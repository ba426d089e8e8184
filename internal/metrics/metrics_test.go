package metrics_test

import (
	"context"
	"math/big"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/interceptor"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/generate"
	"github.com/slipway-dev/slipway/activities/lint/auditor"
	"github.com/slipway-dev/slipway/internal/metrics"
)

// sample answers the value of the series name{labels}, and whether it exists.
// Histograms answer their sample count.
func sample(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) (float64, bool) {
	t.Helper()
	fams, err := g.Gather()
	if err != nil {
		t.Fatalf("gather: %v", err)
	}
	for _, f := range fams {
		if f.GetName() != name {
			continue
		}
	next:
		for _, m := range f.GetMetric() {
			got := map[string]string{}
			for _, l := range m.GetLabel() {
				got[l.GetName()] = l.GetValue()
			}
			for k, v := range labels {
				if got[k] != v {
					continue next
				}
			}
			if len(got) != len(labels) {
				continue
			}
			return value(m), true
		}
	}
	return 0, false
}

func value(m *dto.Metric) float64 {
	switch {
	case m.Counter != nil:
		return m.Counter.GetValue()
	case m.Gauge != nil:
		return m.Gauge.GetValue()
	case m.Histogram != nil:
		return float64(m.Histogram.GetSampleCount())
	case m.Untyped != nil:
		return m.Untyped.GetValue()
	}
	return 0
}

func mustSample(t *testing.T, g prometheus.Gatherer, name string, labels map[string]string) float64 {
	t.Helper()
	v, ok := sample(t, g, name, labels)
	if !ok {
		t.Fatalf("no series %s%v", name, labels)
	}
	return v
}

func TestNilWorkerRecordsNothing(t *testing.T) {
	m, err := metrics.New(nil)
	if err != nil || m != nil {
		t.Fatalf("New(nil) = %v, %v; want nil, nil", m, err)
	}
	// None of these may panic.
	m.DeploymentFinished("dev", "CONFIRMED")
	m.ObserveStage(metrics.StageCompile, time.Second)
	m.Confirmed("dev", 1, big.NewInt(1))
	m.FeeBumped("dev")
	m.FeeBumpsExhausted("dev")
	m.Reorg("dev")
	m.NonceGapRepaired("dev")
	m.InitNetworks("dev")
	m.SetSignerBalance("dev", "0x1", big.NewInt(1))
	m.CacheLookup(true)
	m.SolcQueued(1)
	m.SolcWorkerRestarted()
	if m.StageInterceptor("DeploymentWorkflow", metrics.DeploymentStages) != nil {
		t.Fatal("a nil Worker's interceptor should be nil")
	}
	if err := m.UpdateActiveDeployments(context.Background(), nil); err != nil {
		t.Fatal(err)
	}
}

// A configured network's counters exist at zero before anything happens
// on it, so that alert rules' increase() sees its first event.
func TestInitNetworksExportsZeroSeries(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	m.InitNetworks("sepolia")
	for _, name := range []string{"slipway_fee_bumps_total", "slipway_fee_bumps_exhausted_total", "slipway_reorgs_total", "slipway_nonce_gaps_repaired_total"} {
		if v := mustSample(t, reg, name, map[string]string{"network": "sepolia"}); v != 0 {
			t.Fatalf("%s = %v before any event", name, v)
		}
	}
	if v := mustSample(t, reg, "slipway_deployments_finished_total", map[string]string{"network": "sepolia", "status": "FAILED"}); v != 0 {
		t.Fatalf("finished = %v before any deployment", v)
	}
}

func TestRecordsUnderTheShippedNames(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, err := metrics.New(reg)
	if err != nil {
		t.Fatal(err)
	}
	// A second set on the same registry shares the collectors.
	m2, err := metrics.New(reg)
	if err != nil {
		t.Fatalf("second New on one registry: %v", err)
	}
	m.DeploymentFinished("dev", "CONFIRMED")
	m2.DeploymentFinished("dev", "CONFIRMED")
	m.DeploymentFinished("sepolia", "FAILED")
	m.Confirmed("dev", 21000, big.NewInt(2_000_000_000_000))
	m2.Confirmed("dev", 9000, nil)
	m.FeeBumped("dev")
	m.FeeBumpsExhausted("dev")
	m.Reorg("dev")
	m.NonceGapRepaired("dev")
	m.NonceGapRepaired("dev")
	m.CacheLookup(true)
	m.CacheLookup(false)
	m.CacheLookup(false)
	m.SolcQueued(1)
	m.SolcQueued(1)
	m.SolcQueued(-1)
	m.SolcWorkerRestarted()
	m.ObserveStage(metrics.StageConfirm, 3*time.Second)

	for _, c := range []struct {
		name   string
		labels map[string]string
		want   float64
	}{
		{"slipway_deployments_finished_total", map[string]string{"network": "dev", "status": "CONFIRMED"}, 2},
		{"slipway_deployments_finished_total", map[string]string{"network": "sepolia", "status": "FAILED"}, 1},
		{"slipway_deployment_gas_used_total", map[string]string{"network": "dev"}, 30000},
		{"slipway_deployment_fee_paid_wei_total", map[string]string{"network": "dev"}, 2e12},
		{"slipway_fee_bumps_total", map[string]string{"network": "dev"}, 1},
		{"slipway_fee_bumps_exhausted_total", map[string]string{"network": "dev"}, 1},
		{"slipway_reorgs_total", map[string]string{"network": "dev"}, 1},
		{"slipway_nonce_gaps_repaired_total", map[string]string{"network": "dev"}, 2},
		{"slipway_compile_cache_requests_total", map[string]string{"result": "hit"}, 1},
		{"slipway_compile_cache_requests_total", map[string]string{"result": "miss"}, 2},
		{"slipway_solc_pool_queue_depth", nil, 1},
		{"slipway_solc_worker_restarts_total", nil, 1},
		{"slipway_deployment_stage_seconds", map[string]string{"stage": "confirm"}, 1},
	} {
		if got := mustSample(t, reg, c.name, c.labels); got != c.want {
			t.Errorf("%s%v = %g, want %g", c.name, c.labels, got, c.want)
		}
	}
}

func TestSignerBalanceFollowsTheKey(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, _ := metrics.New(reg)
	tenEth, _ := new(big.Int).SetString("10000000000000000000", 10)
	m.SetSignerBalance("dev", "0xAAA", tenEth)
	m.SetSignerBalance("sepolia", "0xCCC", big.NewInt(5))
	if got := mustSample(t, reg, "slipway_signer_balance_wei", map[string]string{"network": "dev", "signer": "0xAAA"}); got != 1e19 {
		t.Fatalf("balance = %g, want 1e19", got)
	}
	m.SetSignerBalance("dev", "0xBBB", big.NewInt(7))
	if _, ok := sample(t, reg, "slipway_signer_balance_wei", map[string]string{"network": "dev", "signer": "0xAAA"}); ok {
		t.Fatal("the rotated-out signer's series is still exported")
	}
	if got := mustSample(t, reg, "slipway_signer_balance_wei", map[string]string{"network": "dev", "signer": "0xBBB"}); got != 7 {
		t.Fatalf("new signer's balance = %g, want 7", got)
	}
	if got := mustSample(t, reg, "slipway_signer_balance_wei", map[string]string{"network": "sepolia", "signer": "0xCCC"}); got != 5 {
		t.Fatalf("another network's balance = %g, want 5", got)
	}
}

// TestStageNamesAreActivities keeps DeploymentStages in step with the
// activity structs: a renamed method would silently stop being timed.
func TestStageNamesAreActivities(t *testing.T) {
	types := []reflect.Type{
		reflect.TypeFor[*generate.Activities](), reflect.TypeFor[*auditor.Activities](),
		reflect.TypeFor[*compile.Activities](), reflect.TypeFor[*deploy.Activities](),
	}
	for name := range metrics.DeploymentStages {
		found := false
		for _, typ := range types {
			if _, ok := typ.MethodByName(name); ok {
				found = true
			}
		}
		if !found {
			t.Errorf("stage activity %q is no method of the stage structs", name)
		}
	}
}

func TestStageInterceptorTimesDeploymentActivitiesOnly(t *testing.T) {
	reg := prometheus.NewRegistry()
	m, _ := metrics.New(reg)
	var s testsuite.WorkflowTestSuite
	run := func(workflowName string) {
		env := s.NewTestWorkflowEnvironment()
		env.SetWorkerOptions(worker.Options{Interceptors: []interceptor.WorkerInterceptor{
			m.StageInterceptor("DeploymentWorkflow", metrics.DeploymentStages)}})
		env.RegisterActivityWithOptions(func(context.Context) error { time.Sleep(20 * time.Millisecond); return nil },
			activity.RegisterOptions{Name: "Compile"})
		env.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "Record"})
		env.RegisterWorkflowWithOptions(func(ctx workflow.Context) error {
			ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: time.Minute})
			if err := workflow.ExecuteActivity(ctx, "Record").Get(ctx, nil); err != nil {
				return err
			}
			return workflow.ExecuteActivity(ctx, "Compile").Get(ctx, nil)
		}, workflow.RegisterOptions{Name: workflowName})
		env.ExecuteWorkflow(workflowName)
		if err := env.GetWorkflowError(); err != nil {
			t.Fatal(err)
		}
	}
	run("DeploymentWorkflow")
	run("CompileWorkflow") // the compile RPC's own workflow: not a deployment stage
	if got := mustSample(t, reg, "slipway_deployment_stage_seconds", map[string]string{"stage": "compile"}); got != 1 {
		t.Fatalf("compile stage observations = %g, want 1 (the deployment's only)", got)
	}
	fams, _ := reg.Gather()
	for _, f := range fams {
		if f.GetName() != "slipway_deployment_stage_seconds" {
			continue
		}
		for _, mm := range f.GetMetric() {
			if h := mm.GetHistogram(); h.GetSampleSum() < 0.02 {
				t.Errorf("stage time %gs, want at least the activity's 20 ms", h.GetSampleSum())
			}
			for _, l := range mm.GetLabel() {
				if l.GetValue() != "compile" {
					t.Errorf("unexpected stage %q", l.GetValue())
				}
			}
		}
	}
}

func TestTemporalHandlerExportsThroughTheRegistry(t *testing.T) {
	reg := prometheus.NewRegistry()
	h, closer := metrics.TemporalHandler(reg, nil)
	h.WithTags(map[string]string{"namespace": "default", "operation": "StartWorkflowExecution"}).Counter("temporal_request").Inc(3)
	h.Timer("temporal_activity_execution_latency").Record(50 * time.Millisecond)
	if err := closer.Close(); err != nil { // flushes
		t.Fatal(err)
	}
	fams, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	var requests float64
	for _, f := range fams {
		names = append(names, f.GetName())
		if strings.HasPrefix(f.GetName(), "temporal_request") {
			for _, m := range f.GetMetric() {
				requests += value(m)
			}
		}
		if strings.HasPrefix(f.GetName(), "temporal_activity_execution_latency") && f.GetType() != dto.MetricType_HISTOGRAM {
			t.Errorf("%s is a %s, want a histogram", f.GetName(), f.GetType())
		}
	}
	if requests != 3 {
		t.Fatalf("temporal_request = %g, want 3 (exported: %v)", requests, names)
	}
}
