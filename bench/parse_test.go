package main

import (
	"math"
	"strings"
	"testing"
)

// capturedOutput is real `go test -bench` output from this machine (2 cores):
// `go run ./bench -pkg ./server/ratelimit`, then `go test -run '^$' -bench
// 'Generate|RedactingHandler|AnalyzeERC20' -benchtime 20x` on three packages.
// Tabs are as go test prints them.
const capturedOutput = "goos: linux\n" +
	"goarch: amd64\n" +
	"pkg: github.com/slipway-dev/slipway/server/ratelimit\n" +
	"cpu: Intel(R) Xeon(R) Processor\n" +
	"BenchmarkTake/serial-2   \t 2783068\t       842.6 ns/op\n" +
	"BenchmarkTake/parallel-2 \t 2195602\t      1019 ns/op\n" +
	"BenchmarkInterceptor-2   \t   20416\t    250712 ns/op\t       123.9 added-µs/call\t       932.6 bare-µs/call\t      1056 limited-µs/call\t         0.8827 ratio\n" +
	"PASS\n" +
	"ok  \tgithub.com/slipway-dev/slipway/server/ratelimit\t12.993s\n" +
	"goos: linux\n" +
	"goarch: amd64\n" +
	"pkg: github.com/slipway-dev/slipway/activities/generate\n" +
	"cpu: Intel(R) Xeon(R) Processor\n" +
	"BenchmarkGenerate/ERC20-2         \t      20\t     28737 ns/op\n" +
	"BenchmarkGenerate/ERC721-2        \t      20\t     31886 ns/op\n" +
	"BenchmarkGenerate/ERC1155-2       \t      20\t     18098 ns/op\n" +
	"PASS\n" +
	"ok  \tgithub.com/slipway-dev/slipway/activities/generate\t0.014s\n" +
	"goos: linux\n" +
	"goarch: amd64\n" +
	"pkg: github.com/slipway-dev/slipway/internal/secrets\n" +
	"cpu: Intel(R) Xeon(R) Processor\n" +
	"BenchmarkRedactingHandler/bare-2         \t      20\t      4651 ns/op\t     143 B/op\t       0 allocs/op\n" +
	"BenchmarkRedactingHandler/redacting-2    \t      20\t      2438 ns/op\t      46 B/op\t       0 allocs/op\n" +
	"PASS\n" +
	"ok  \tgithub.com/slipway-dev/slipway/internal/secrets\t0.017s\n" +
	"goos: linux\n" +
	"goarch: amd64\n" +
	"pkg: github.com/slipway-dev/slipway/activities/lint\n" +
	"cpu: Intel(R) Xeon(R) Processor\n" +
	"BenchmarkAnalyzeERC20-2   \t      20\t   9831561 ns/op\t         2.034 MB-ast\t         0.3292 x-json\t         0.009851 x-solc\t 6769627 B/op\t   34814 allocs/op\n" +
	"--- BENCH: BenchmarkAnalyzeERC20-2\n" +
	"    bench_test.go:160: 25 units, 2.0 MB of AST, 1 findings; analyze 11.249777ms, json decode 28.872722ms, solc 1.440415573s\n" +
	"    bench_test.go:160: 25 units, 2.0 MB of AST, 1 findings; analyze 9.83156ms, json decode 29.862568ms, solc 998.021218ms\n" +
	"PASS\n" +
	"ok  \tgithub.com/slipway-dev/slipway/activities/lint\t3.492s\n"

func mustParse(t *testing.T, s string) Output {
	t.Helper()
	out, err := Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func find(t *testing.T, rs []Result, name string) Result {
	t.Helper()
	for _, r := range rs {
		if r.Name == name {
			return r
		}
	}
	t.Fatalf("no result %s in %+v", name, rs)
	return Result{}
}

func TestParseCapturedOutput(t *testing.T) {
	out := mustParse(t, capturedOutput)
	if len(out.Results) != 9 {
		t.Fatalf("%d results, want 9: %+v", len(out.Results), out.Results)
	}
	if out.CPU != "Intel(R) Xeon(R) Processor" || len(out.Failed) != 0 {
		t.Errorf("cpu %q failed %v", out.CPU, out.Failed)
	}
	in := find(t, out.Results, "BenchmarkInterceptor")
	if in.Pkg != "github.com/slipway-dev/slipway/server/ratelimit" || in.Procs != 2 || in.Iterations != 20416 {
		t.Errorf("interceptor %+v", in)
	}
	for unit, want := range map[string]float64{"ns/op": 250712, "added-µs/call": 123.9, "bare-µs/call": 932.6, "limited-µs/call": 1056, "ratio": 0.8827} {
		if got, ok := in.Metrics[unit]; !ok || got != want {
			t.Errorf("interceptor %s = %v (%v), want %v", unit, got, ok, want)
		}
	}
	if got := find(t, out.Results, "BenchmarkTake/serial").Metrics["ns/op"]; got != 842.6 {
		t.Errorf("serial ns/op %v", got)
	}
	lint := find(t, out.Results, "BenchmarkAnalyzeERC20")
	if lint.Pkg != "github.com/slipway-dev/slipway/activities/lint" || lint.Metrics["x-json"] != 0.3292 || lint.Metrics["allocs/op"] != 34814 || lint.Metrics["B/op"] != 6769627 {
		t.Errorf("lint %+v", lint)
	}
	if r := find(t, out.Results, "BenchmarkRedactingHandler/bare"); r.Pkg != "github.com/slipway-dev/slipway/internal/secrets" || r.Metrics["allocs/op"] != 0 {
		t.Errorf("redacting bare %+v", r)
	}
}

// The testing package prints a benchmark's name before running it: output
// written meanwhile (a child process's stderr) separates the name from its
// figures. Constructed: that split, around a line in BenchmarkPipeline's
// format.
func TestParseNameBeforeFigures(t *testing.T) {
	out := mustParse(t, "pkg: github.com/slipway-dev/slipway/cmd/slipway\n"+
		"BenchmarkPipeline/Latency/warm-2 \t{\"level\":\"WARN\",\"msg\":\"solc worker restarted\"}\n"+
		"2026/12/03 12:00:00 something else\n"+
		"       3\t 412345678 ns/op\t       401.2 pipeline-ms/op\t       250.1 direct-ms/op\t         1.604 x-direct\n"+
		"--- FAIL: BenchmarkGuardedCall-2\n"+
		"    bench_test.go:90: jwt: ListNetworks: unavailable\n")
	if len(out.Results) != 1 {
		t.Fatalf("results %+v", out.Results)
	}
	r := out.Results[0]
	if r.Name != "BenchmarkPipeline/Latency/warm" || r.Iterations != 3 || r.Metrics["x-direct"] != 1.604 || r.Pkg != "github.com/slipway-dev/slipway/cmd/slipway" {
		t.Errorf("result %+v", r)
	}
	if len(out.Failed) != 1 || out.Failed[0] != "BenchmarkGuardedCall" {
		t.Errorf("failed %v", out.Failed)
	}
}

func TestParseSkipsWhatIsNotAResult(t *testing.T) {
	out := mustParse(t, "BenchmarkX\nBenchmarkY-2 \t  odd text\n"+
		"    bench_test.go:160: 25 units, 2.0 MB of AST\nok  \tpkg\t1s\n"+
		"BenchmarkZ-2 \t 10 \t 5 ns/op \t 3\n") // odd field count: not a result line
	if len(out.Results) != 0 {
		t.Fatalf("results %+v", out.Results)
	}
}

func TestSplitProcs(t *testing.T) {
	for in, want := range map[string]string{"BenchmarkA-2": "BenchmarkA", "BenchmarkA/b-c-16": "BenchmarkA/b-c", "BenchmarkA": "BenchmarkA"} {
		if got, _ := splitProcs(in); got != want {
			t.Errorf("splitProcs(%q) = %q, want %q", in, got, want)
		}
	}
}

func rowFor(t *testing.T, rows []row, bench, fig string) row {
	t.Helper()
	for _, r := range rows {
		if r.f.Bench == bench && r.f.Figure == fig {
			return r
		}
	}
	t.Fatalf("no row %s %s", bench, fig)
	return row{}
}

func near(a, b float64) bool { return math.Abs(a-b) <= 1e-9*math.Max(1, math.Abs(b)) }

func TestPairFiguresWithTheirBaselines(t *testing.T) {
	rows := pair(figures, mustParse(t, capturedOutput).Results)

	// A ratio the benchmark reports, rate-wise: taken as is.
	in := rowFor(t, rows, "BenchmarkInterceptor", "limited-µs/call")
	if in.value != 1056 || in.baseline != 932.6 || in.ratio != 0.8827 || in.Met != nil {
		t.Errorf("interceptor row %+v", in)
	}
	// Only the ratio is reported: the baseline (JSON decode) follows.
	lint := rowFor(t, rows, "BenchmarkAnalyzeERC20", "ns/op")
	if !lint.hasBase || !near(lint.baseline, 9831561/0.3292) || lint.ratio != 0.3292 {
		t.Errorf("lint row %+v", lint)
	}
	if lint.Met == nil || !*lint.Met { // 9.83 ms < 10 ms
		t.Errorf("lint target: %v", lint.Met)
	}
	// A baseline in another benchmark of the same run.
	red := rowFor(t, rows, "BenchmarkRedactingHandler/redacting", "ns/op")
	if red.baseline != 4651 || !near(red.ratio, 2438.0/4651) {
		t.Errorf("redacting row %+v", red)
	}
	// An absolute target, no baseline.
	gen := rowFor(t, rows, "BenchmarkGenerate/ERC20", "ns/op")
	if gen.hasBase || gen.hasRatio || gen.Met == nil || !*gen.Met {
		t.Errorf("generate row %+v", gen)
	}
	// Figures whose benchmarks did not run leave no row.
	for _, r := range rows {
		if strings.HasPrefix(r.f.Bench, "BenchmarkGuardedCall") {
			t.Errorf("row for a benchmark that did not run: %+v", r)
		}
	}
}

// With -count > 1, each run's figure is divided by that run's baseline and
// the median of those ratios is shown, never a ratio of medians.
func TestPairWithinEachRun(t *testing.T) {
	out := mustParse(t, "pkg: p\n"+
		"BenchmarkGuardedCall/leased-2 \t 100 \t 1 ns/op \t 100 bare-us \t 200 jwt-us\n"+
		"BenchmarkGuardedCall/leased-2 \t 100 \t 1 ns/op \t 300 bare-us \t 400 jwt-us\n"+
		"BenchmarkGuardedCall/leased-2 \t 100 \t 1 ns/op \t 100 bare-us \t 110 jwt-us\n"+
		"BenchmarkCompileCacheHit-2 \t 100 \t 1000000 ns/op\n"+
		"BenchmarkCompileCacheHit-2 \t 100 \t 2000000 ns/op\n"+
		"BenchmarkCompileCacheMiss-2 \t 10 \t 100000000 ns/op\n"+
		"BenchmarkCompileCacheMiss-2 \t 10 \t 40000000 ns/op\n")
	rows := pair(figures, out.Results)
	g := rowFor(t, rows, "BenchmarkGuardedCall/leased", "jwt-us")
	// Per-run rate ratios 0.5, 0.75, 0.909; no ratio-jwt reported, so the
	// harness divides baseline by figure.
	if g.runs != 3 || !near(g.ratio, 0.75) || g.value != 200 || g.baseline != 100 {
		t.Errorf("guarded row %+v", g)
	}
	if g.Met == nil || !*g.Met { // 0.75 ≥ 0.7
		t.Errorf("guarded target %v", g.Met)
	}
	c := rowFor(t, rows, "BenchmarkCompileCacheHit", "ns/op")
	// Runs paired in order: 1/100 and 2/40 → median 0.03.
	if !near(c.ratio, (0.01+0.05)/2) || c.Met == nil || !*c.Met {
		t.Errorf("cache row %+v", c)
	}
}

func TestTargets(t *testing.T) {
	for _, c := range []struct {
		t    target
		v    float64
		want bool
	}{
		{target{Op: ">=", Value: 0.7}, 0.7, true},
		{target{Op: ">=", Value: 0.7}, 0.69, false},
		{target{Op: "<", Value: 300}, 300, false},
		{target{Op: "<=", Value: 1.5}, 1.5, true},
		{target{Op: "within", Lo: 0.9, Hi: 1.1}, 1.05, true},
		{target{Op: "within", Lo: 0.9, Hi: 1.1}, 1.2, false},
	} {
		if got := c.t.met(c.v); got != c.want {
			t.Errorf("%+v met(%v) = %v", c.t, c.v, got)
		}
	}
}

func TestChoose(t *testing.T) {
	names := func(ss []suite) string {
		var out []string
		for _, s := range ss {
			out = append(out, s.Pkg+"@"+s.Bench)
		}
		return strings.Join(out, " ")
	}
	got, err := choose(suites, []string{"./server/ratelimit"})
	if err != nil || names(got) != "./server/ratelimit/@." {
		t.Errorf("ratelimit: %s %v", names(got), err)
	}
	got, _ = choose(suites, []string{"./server/..."})
	if names(got) != "./server/@InterceptorChain ./server/auth/@AuthenticatedCall|LoginFailure|Authenticate$ ./server/ratelimit/@." {
		t.Errorf("server tree: %s", names(got))
	}
	got, _ = choose(suites, []string{"cmd/slipway/"})
	if names(got) != "./cmd/slipway/@GuardedCall ./cmd/slipway/@Pipeline" {
		t.Errorf("cmd/slipway: %s", names(got))
	}
	// A package with benchmarks but no suite runs all of them.
	got, _ = choose(suites, []string{"./db/dbtest"})
	if names(got) != "./db/dbtest/@." {
		t.Errorf("dbtest: %s", names(got))
	}
	if all, _ := choose(suites, nil); len(all) != len(suites) {
		t.Errorf("no filter: %d suites", len(all))
	}
}
