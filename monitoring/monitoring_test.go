package monitoring

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// exported are the metrics the rules and the dashboard may query: for each,
// the Go file that defines it and string literals that must all appear in
// that file, so that a rename in the code fails this test instead of
// silently emptying an alert or a panel.
var exported = map[string]source{
	// API server (server/).
	"slipway_http_requests_total":           in("server/metrics.go", `"slipway"`, `"http"`, `"requests_total"`),
	"slipway_http_request_duration_seconds": in("server/metrics.go", `"slipway"`, `"http"`, `"request_duration_seconds"`),
	"slipway_auth_failures_total":           in("server/metrics.go", `"slipway"`, `"auth"`, `"failures_total"`),
	"slipway_ready":                         in("server/metrics.go", `"slipway"`, `"ready"`),
	"slipway_ratelimit_rejected_total":      in("server/ratelimit/ratelimit.go", `"slipway_ratelimit_rejected_total"`),
	"slipway_rate_limit_errors_total":       in("server/ratelimit/ratelimit.go", `"slipway_rate_limit_errors_total"`),

	// Worker (internal/metrics).
	"slipway_deployments_finished_total":           in("internal/metrics/metrics.go", `"slipway_deployments_finished_total"`),
	"slipway_verifications_total":                  in("internal/metrics/metrics.go", `"slipway_verifications_total"`),
	"slipway_deployment_stage_seconds":             in("internal/metrics/metrics.go", `"slipway_deployment_stage_seconds"`),
	"slipway_deployment_gas_used_total":            in("internal/metrics/metrics.go", `"slipway_deployment_gas_used_total"`),
	"slipway_deployment_fee_paid_wei_total":        in("internal/metrics/metrics.go", `"slipway_deployment_fee_paid_wei_total"`),
	"slipway_fee_bumps_total":                      in("internal/metrics/metrics.go", `"slipway_fee_bumps_total"`),
	"slipway_fee_bumps_exhausted_total":            in("internal/metrics/metrics.go", `"slipway_fee_bumps_exhausted_total"`),
	"slipway_reorgs_total":                         in("internal/metrics/metrics.go", `"slipway_reorgs_total"`),
	"slipway_nonce_gaps_repaired_total":            in("internal/metrics/metrics.go", `"slipway_nonce_gaps_repaired_total"`),
	"slipway_signer_balance_wei":                   in("internal/metrics/metrics.go", `"slipway_signer_balance_wei"`),
	"slipway_signer_min_balance_wei":               in("internal/metrics/metrics.go", `"slipway_signer_min_balance_wei"`),
	"slipway_deployments_active":                   in("internal/metrics/metrics.go", `"slipway_deployments_active"`),
	"slipway_deployment_oldest_active_age_seconds": in("internal/metrics/metrics.go", `"slipway_deployment_oldest_active_age_seconds"`),
	"slipway_compile_cache_requests_total":         in("internal/metrics/metrics.go", `"slipway_compile_cache_requests_total"`),
	"slipway_solc_pool_queue_depth":                in("internal/metrics/metrics.go", `"slipway_solc_pool_queue_depth"`),
	"slipway_solc_worker_restarts_total":           in("internal/metrics/metrics.go", `"slipway_solc_worker_restarts_total"`),

	// pgx pool statistics, on the API server and the worker.
	"slipway_db_pool_acquired_conns":             in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"acquired_conns"`),
	"slipway_db_pool_idle_conns":                 in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"idle_conns"`),
	"slipway_db_pool_total_conns":                in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"total_conns"`),
	"slipway_db_pool_constructing_conns":         in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"constructing_conns"`),
	"slipway_db_pool_max_conns":                  in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"max_conns"`),
	"slipway_db_pool_acquires_total":             in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"acquires_total"`),
	"slipway_db_pool_empty_acquires_total":       in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"empty_acquires_total"`),
	"slipway_db_pool_canceled_acquires_total":    in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"canceled_acquires_total"`),
	"slipway_db_pool_acquire_seconds_total":      in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"acquire_seconds_total"`),
	"slipway_db_pool_acquire_wait_seconds_total": in("internal/metrics/postgres.go", `"slipway_db_pool_"`, `"acquire_wait_seconds_total"`),
}

type source struct {
	file     string
	literals []string
}

func in(file string, literals ...string) source { return source{file, literals} }

// temporalSDK are the Temporal SDK's metrics that the rules and the
// dashboard query, as the worker exports them (internal/metrics/
// temporal.go: Temporal's Prometheus naming adds _total to counters and
// _seconds to timers, which are histograms), with the SDK's own name.
var temporalSDK = map[string]string{
	"temporal_activity_execution_failed_total":                 "activity_execution_failed",
	"temporal_activity_execution_latency_seconds":              "activity_execution_latency",
	"temporal_activity_schedule_to_start_latency_seconds":      "activity_schedule_to_start_latency",
	"temporal_workflow_task_execution_failed_total":            "workflow_task_execution_failed",
	"temporal_workflow_task_execution_latency_seconds":         "workflow_task_execution_latency",
	"temporal_workflow_task_replay_latency_seconds":            "workflow_task_replay_latency",
	"temporal_workflow_task_schedule_to_start_latency_seconds": "workflow_task_schedule_to_start_latency",
	"temporal_worker_task_slots_available":                     "worker_task_slots_available",
	"temporal_request_failure_total":                           "_failure",
}

// prometheusOwn are series Prometheus itself writes.
var prometheusOwn = map[string]bool{"up": true}

// known reports whether a metric name read from PromQL is one of the above;
// a histogram's series are known by their base name.
func known(name string) bool {
	if prometheusOwn[name] {
		return true
	}
	for _, n := range []string{name, strings.TrimSuffix(name, "_bucket"), strings.TrimSuffix(name, "_sum"), strings.TrimSuffix(name, "_count")} {
		if _, ok := exported[n]; ok {
			return true
		}
		if _, ok := temporalSDK[n]; ok {
			return true
		}
	}
	return false
}

// TestExportedMetricsExist checks that every metric listed as exported is
// still defined where the list says.
func TestExportedMetricsExist(t *testing.T) {
	for name, src := range exported {
		b, err := os.ReadFile(filepath.Join("..", filepath.FromSlash(src.file)))
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		for _, lit := range src.literals {
			if !strings.Contains(string(b), lit) {
				t.Errorf("%s: %s no longer contains %s: update the rules, the dashboard and this list", name, src.file, lit)
			}
		}
	}
}

// TestTemporalSDKMetricsExist checks the Temporal SDK's metric names in the
// SDK version go.mod requires.
func TestTemporalSDKMetricsExist(t *testing.T) {
	out, err := exec.Command("go", "mod", "download", "-json", "go.temporal.io/sdk").Output()
	if err != nil {
		t.Fatalf("go mod download go.temporal.io/sdk: %v", err)
	}
	var mod struct{ Dir string }
	if err := json.Unmarshal(out, &mod); err != nil || mod.Dir == "" {
		t.Fatalf("go mod download go.temporal.io/sdk answered %s (%v)", out, err)
	}
	b, err := os.ReadFile(filepath.Join(mod.Dir, "internal", "common", "metrics", "constants.go"))
	if err != nil {
		t.Fatal(err)
	}
	constants := string(b)
	for prom, sdk := range temporalSDK {
		if !strings.Contains(constants, `"`+sdk+`"`) {
			t.Errorf("%s: the Temporal SDK no longer names a metric %q", prom, sdk)
		}
	}
}

// metricNames answers the metric names a PromQL expression selects. It is
// a lexer, not a parser, which is all the expressions here need: label
// matchers, ranges, grouping labels, strings, numbers, durations, template
// variables and function or aggregation names are not metric names.
func metricNames(expr string) []string {
	s := expr
	for _, re := range []*regexp.Regexp{
		regexp.MustCompile(`"(?:[^"\\]|\\.)*"`),
		regexp.MustCompile(`\{[^}]*\}`),
		regexp.MustCompile(`\[[^\]]*\]`),
		regexp.MustCompile(`\b(?:by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)`),
		regexp.MustCompile(`\$\{?\w+\}?`),
	} {
		s = re.ReplaceAllString(s, " ")
	}
	keywords := map[string]bool{
		"and": true, "or": true, "unless": true, "offset": true, "bool": true,
		"by": true, "without": true, "on": true, "ignoring": true, "group_left": true, "group_right": true,
		"inf": true, "nan": true,
	}
	token := regexp.MustCompile(`(?:\d+(?:ms|[smhdwy]))+|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|[a-zA-Z_:][a-zA-Z0-9_:]*(\s*\()?`)
	var names []string
	for _, m := range token.FindAllStringSubmatch(s, -1) {
		tok := m[0]
		if m[1] != "" || tok[0] >= '0' && tok[0] <= '9' || keywords[strings.ToLower(tok)] {
			continue
		}
		names = append(names, tok)
	}
	return names
}

// exportedMetrics answers the metric names expr selects, and fails t when
// there are none or one is not known: what names the expression's owner in
// the messages ("alert X").
func exportedMetrics(t *testing.T, what, expr string) []string {
	t.Helper()
	names := metricNames(expr)
	if len(names) == 0 {
		t.Errorf("%s: no metric found in %q", what, expr)
	}
	for _, n := range names {
		if !known(n) {
			t.Errorf("%s queries %s, which no code exports (or the list in monitoring_test.go lacks it)", what, n)
		}
	}
	return names
}

func TestMetricNames(t *testing.T) {
	expr := `histogram_quantile(0.95, sum by (le, task_queue) (rate(temporal_activity_schedule_to_start_latency_seconds_bucket{job="x", a=~"b|c"}[5m]))) > 10
	  and on (job) min by (network, signer) (slipway_signer_balance_wei{network=~"$network"}) / 1e18 < 0.05
	  or up offset 1h30m unless sum(rate(slipway_reorgs_total[${__rate_interval}] offset 30m))`
	got := metricNames(expr)
	want := []string{"temporal_activity_schedule_to_start_latency_seconds_bucket", "slipway_signer_balance_wei", "up", "slipway_reorgs_total"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("metricNames = %q, want %q", got, want)
	}
}

type rulesFile struct {
	Groups []struct {
		Name  string `yaml:"name"`
		Rules []struct {
			Alert       string            `yaml:"alert"`
			Record      string            `yaml:"record"`
			Expr        string            `yaml:"expr"`
			For         string            `yaml:"for"`
			Labels      map[string]string `yaml:"labels"`
			Annotations map[string]string `yaml:"annotations"`
		} `yaml:"rules"`
	} `yaml:"groups"`
}

type rulesTestFile struct {
	RuleFiles []string `yaml:"rule_files"`
	Tests     []struct {
		Name          string `yaml:"name"`
		AlertRuleTest []struct {
			EvalTime  string `yaml:"eval_time"`
			Alertname string `yaml:"alertname"`
			ExpAlerts []struct {
				ExpLabels map[string]string `yaml:"exp_labels"`
			} `yaml:"exp_alerts"`
		} `yaml:"alert_rule_test"`
	} `yaml:"tests"`
}

func readYAML(t *testing.T, path string, v any) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dec := yaml.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(v); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
}

// TestAlerts checks each alert's shape, that it queries only exported
// metrics, and that alerts_test.yml has a case where it fires and one where
// it does not.
func TestAlerts(t *testing.T) {
	var rules rulesFile
	readYAML(t, "alerts.yml", &rules)
	var tests rulesTestFile
	readYAML(t, "alerts_test.yml", &tests)
	if len(tests.RuleFiles) != 1 || tests.RuleFiles[0] != "alerts.yml" {
		t.Errorf("alerts_test.yml rule_files = %q, want [alerts.yml]", tests.RuleFiles)
	}

	fires, quiet := map[string]int{}, map[string]int{}
	for _, tc := range tests.Tests {
		for _, a := range tc.AlertRuleTest {
			if len(a.ExpAlerts) > 0 {
				fires[a.Alertname]++
			} else {
				quiet[a.Alertname]++
			}
			for _, e := range a.ExpAlerts {
				if e.ExpLabels["severity"] == "" {
					t.Errorf("test %q: an expected %s has no severity label", tc.Name, a.Alertname)
				}
			}
		}
	}

	severities := map[string]bool{"critical": true, "warning": true, "info": true}
	alerts := map[string]bool{}
	for _, g := range rules.Groups {
		for _, r := range g.Rules {
			if r.Alert == "" {
				continue
			}
			if alerts[r.Alert] {
				t.Errorf("alert %s defined twice", r.Alert)
			}
			alerts[r.Alert] = true
			if r.For == "" {
				t.Errorf("alert %s has no for:", r.Alert)
			}
			if !severities[r.Labels["severity"]] {
				t.Errorf("alert %s: severity %q, want critical, warning or info", r.Alert, r.Labels["severity"])
			}
			for _, k := range []string{"summary", "description", "runbook"} {
				if strings.TrimSpace(r.Annotations[k]) == "" {
					t.Errorf("alert %s has no %s annotation", r.Alert, k)
				}
			}
			exportedMetrics(t, "alert "+r.Alert, r.Expr)
			if fires[r.Alert] == 0 {
				t.Errorf("alert %s: alerts_test.yml has no case where it fires", r.Alert)
			}
			if quiet[r.Alert] == 0 {
				t.Errorf("alert %s: alerts_test.yml has no case where it must not fire", r.Alert)
			}
		}
	}
	if len(alerts) < 15 {
		t.Errorf("only %d alerts read from alerts.yml", len(alerts))
	}
	for name := range fires {
		if !alerts[name] {
			t.Errorf("alerts_test.yml tests %s, which alerts.yml does not define", name)
		}
	}
	for name := range quiet {
		if !alerts[name] {
			t.Errorf("alerts_test.yml tests %s, which alerts.yml does not define", name)
		}
	}
}

type dashboard struct {
	UID           string  `json:"uid"`
	Title         string  `json:"title"`
	SchemaVersion int     `json:"schemaVersion"`
	Panels        []panel `json:"panels"`
	Templating    struct {
		List []struct {
			Name  string `json:"name"`
			Type  string `json:"type"`
			Query any    `json:"query"`
		} `json:"list"`
	} `json:"templating"`
}

type panel struct {
	ID         int                `json:"id"`
	Type       string             `json:"type"`
	Title      string             `json:"title"`
	Datasource *datasource        `json:"datasource"`
	GridPos    map[string]float64 `json:"gridPos"`
	Panels     []panel            `json:"panels"`
	Targets    []struct {
		Expr       string      `json:"expr"`
		RefID      string      `json:"refId"`
		Datasource *datasource `json:"datasource"`
	} `json:"targets"`
}

type datasource struct {
	Type string `json:"type"`
	UID  string `json:"uid"`
}

// TestDashboard checks the Grafana dashboard: it parses, every panel has a
// place and the Prometheus data source variable, every query selects only
// exported metrics, and the panels cover what an operator looks at.
func TestDashboard(t *testing.T) {
	b, err := os.ReadFile(filepath.Join("grafana", "slipway-dashboard.json"))
	if err != nil {
		t.Fatal(err)
	}
	var d dashboard
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("slipway-dashboard.json: %v", err)
	}
	if d.UID == "" || d.Title == "" {
		t.Errorf("dashboard uid %q, title %q: both are needed for provisioning", d.UID, d.Title)
	}
	if d.SchemaVersion < 36 {
		t.Errorf("schemaVersion %d, want a current one (36 or later)", d.SchemaVersion)
	}
	vars := map[string]string{}
	for _, v := range d.Templating.List {
		vars[v.Name] = v.Type
	}
	if vars["DS_PROMETHEUS"] != "datasource" {
		t.Errorf("no datasource variable DS_PROMETHEUS (variables: %v)", vars)
	}
	if vars["network"] != "query" {
		t.Errorf("no query variable network (variables: %v)", vars)
	}

	var all []panel
	var walk func([]panel)
	walk = func(ps []panel) {
		for _, p := range ps {
			all = append(all, p)
			walk(p.Panels)
		}
	}
	walk(d.Panels)

	ids := map[int]bool{}
	metrics := map[string]bool{}
	usesNetwork := false
	for _, p := range all {
		if ids[p.ID] {
			t.Errorf("panel id %d used twice", p.ID)
		}
		ids[p.ID] = true
		if p.GridPos["w"] <= 0 || p.GridPos["h"] <= 0 {
			t.Errorf("panel %q has no size", p.Title)
		}
		if p.Type == "row" {
			continue
		}
		if p.Datasource == nil || p.Datasource.UID != "${DS_PROMETHEUS}" {
			t.Errorf("panel %q: datasource %+v, want uid ${DS_PROMETHEUS}", p.Title, p.Datasource)
		}
		if len(p.Targets) == 0 {
			t.Errorf("panel %q has no query", p.Title)
		}
		for _, tg := range p.Targets {
			if strings.TrimSpace(tg.Expr) == "" {
				t.Errorf("panel %q, query %s: empty", p.Title, tg.RefID)
				continue
			}
			if strings.Contains(tg.Expr, "$network") {
				usesNetwork = true
			}
			for _, n := range exportedMetrics(t, fmt.Sprintf("panel %q", p.Title), tg.Expr) {
				metrics[strings.TrimSuffix(strings.TrimSuffix(n, "_bucket"), "_count")] = true
			}
		}
	}
	if !usesNetwork {
		t.Error("no panel filters by $network")
	}
	// What the dashboard must show.
	for _, want := range []string{
		"slipway_http_requests_total", "slipway_http_request_duration_seconds",
		"slipway_ratelimit_rejected_total", "slipway_auth_failures_total", "slipway_ready",
		"slipway_deployments_finished_total", "slipway_deployments_active", "slipway_deployment_oldest_active_age_seconds",
		"slipway_deployment_stage_seconds", "slipway_deployment_gas_used_total", "slipway_deployment_fee_paid_wei_total",
		"slipway_fee_bumps_total", "slipway_reorgs_total", "slipway_nonce_gaps_repaired_total", "slipway_signer_balance_wei",
		"slipway_compile_cache_requests_total", "slipway_solc_pool_queue_depth", "slipway_solc_worker_restarts_total",
		"slipway_db_pool_acquired_conns", "temporal_activity_schedule_to_start_latency_seconds",
		"temporal_workflow_task_schedule_to_start_latency_seconds",
	} {
		if !metrics[want] {
			t.Errorf("no panel shows %s", want)
		}
	}
	// Every exported Slipway metric is on the dashboard or deliberately not.
	var missing []string
	for name := range exported {
		if !metrics[name] && name != "slipway_db_pool_total_conns" {
			missing = append(missing, name)
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("exported metrics on no panel: %v", missing)
	}
}
