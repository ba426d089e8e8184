package main

import (
	"fmt"
	"slices"
)

// suite is one `go test -bench` run of the harness: a package and the
// benchmarks of it that carry a figure, with a benchtime that gives them
// enough iterations to be stable without taking minutes on a 2-core machine.
type suite struct {
	Pkg       string
	Bench     string
	Benchtime string
}

// suites are the project's API and pipeline benchmarks, in the order they
// run: the cheap, in-process ones first.
var suites = []suite{
	{"./activities/generate/", "Generate", "1s"},
	{"./activities/lint/", "Analyze", "1s"},
	// Precision and recall on the labelled corpus: the same every run.
	{"./activities/lint/", "Corpus", "1x"},
	{"./internal/secrets/", "RedactingHandler", "1s"},
	{"./server/", "InterceptorChain", "2s"},
	{"./server/auth/", "AuthenticatedCall|LoginFailure|Authenticate$", "2s"},
	{"./server/ratelimit/", ".", "2s"},
	{"./cmd/slipway/", "GuardedCall", "2s"},
	{"./activities/compile/", "Compile", "1s"},
	{"./activities/compile/cachetest/", ".", "1s"},
	{"./activities/deploy/", "PrepareBudget", "200x"},
	// Every iteration deploys real contracts through Temporal and anvil.
	{"./cmd/slipway/", "Pipeline", "3x"},
}

// Comparisons say which way a ratio is taken.
const (
	// FigureOverBaseline suits times: 1.2 is 20 % slower than the baseline.
	FigureOverBaseline = "figure/baseline"
	// BaselineOverFigure suits times read as rates: 0.8 is 80 % of the
	// baseline's throughput at the same concurrency.
	BaselineOverFigure = "baseline/figure"
)

// target is what a figure must reach. On says what is compared: the
// ratio, or the figure itself (in the figure's unit).
type target struct {
	On    string // "ratio" or "figure"
	Op    string // ">=", "<=", "<", ">" or "within"
	Value float64
	// Lo and Hi bound "within".
	Lo, Hi float64
	Text   string
}

// rateAtLeast is a target on a rate: the figure's at least v of the
// baseline's.
func rateAtLeast(v float64, baseline string) *target {
	return &target{On: "ratio", Op: ">=", Value: v, Text: fmt.Sprintf("≥ %g of %s", v, baseline)}
}

// timesAtMost is a target on a time: the figure at most v times the
// baseline.
func timesAtMost(v float64, baseline string) *target {
	return &target{On: "ratio", Op: "<=", Value: v, Text: fmt.Sprintf("≤ %g× %s", v, baseline)}
}

// atLeast is a target on the figure itself: v or more.
func atLeast(v float64) *target {
	return &target{On: "figure", Op: ">=", Value: v, Text: fmt.Sprintf("≥ %g", v)}
}

// under is a target on the figure itself: below v in the figure's unit,
// which text says for people ("10 ms").
func under(v float64, text string) *target {
	return &target{On: "figure", Op: "<", Value: v, Text: "< " + text}
}

// figure pairs a benchmark's figure with its baseline from the same run.
type figure struct {
	// Bench is the benchmark name without the -GOMAXPROCS suffix; one
	// ending in "*" is a prefix standing for every benchmark that ran
	// with it (see expand).
	Bench string
	// Figure is the unit of the measured value: "ns/op" or a custom
	// metric of b.ReportMetric.
	Figure string
	// Baseline is the unit of the baseline in the same benchmark, or
	// "BenchmarkOther:unit" for another benchmark of the same run; empty
	// when the benchmark reports only a ratio (the baseline is then
	// derived from it) or has no baseline.
	Baseline string
	// Ratio is a ratio metric the benchmark reports itself; empty: the
	// harness divides as Comparison says.
	Ratio      string
	Comparison string
	Target     *target
	// Source is where the target is stated.
	Source string
}

// perWay is a benchmark's figure for each way a caller authenticates, in
// the order jwt, apikey: "<way>-us" against "bare-us" in the same run, as a
// rate (its ratio "ratio-<way>"), with the same target and source.
func perWay(bench string, t *target, source string) []figure {
	var fs []figure
	for _, way := range []string{"jwt", "apikey"} {
		fs = append(fs, figure{Bench: bench, Figure: way + "-us", Baseline: "bare-us", Ratio: "ratio-" + way, Comparison: BaselineOverFigure,
			Target: t, Source: source})
	}
	return fs
}

// figures are the benchmarks' figures, their baselines and the targets the
// issues set. A benchmark not run (-pkg, -bench) leaves its rows out.
//
//	benchmark                           figure               baseline               target
//	InterceptorChain                    chain-ns/call        bare-ns/call           rate ≥ 0.8 of bare (README)
//	AuthenticatedCall (jwt, apikey)     <way>-us             bare-us                rate ≥ 0.7 of bare (identity issue)
//	GuardedCall/leased (jwt, apikey)    <way>-us             bare-us                rate ≥ 0.7 of bare: auth + rate limit, as served
//	GuardedCall/statement               <way>-us             bare-us                none: the same with leases off
//	ratelimit Interceptor               limited-µs/call      bare-µs/call           none of its own (part of GuardedCall's)
//	LoginFailure                        unknown-ms           wrong-ms               ≈ 1 (0.9–1.1): timing tells no account apart
//	PrepareBudget                       budget-us            bare-us                none: what the spend reservation costs signing (issue 11)
//	Pipeline/Latency/cold               pipeline-ms/op       direct-ms/op           ≤ 1.5× (issue 5), and ≤ 1.5× direct+lint
//	Pipeline/Latency/warm               pipeline-ms/op       direct-ms/op           < 300 ms (issue 5)
//	Pipeline/Throughput                 deploys/s            bare-wf/s              ≥ 0.6 of bare workflows (issue 5)
//	AnalyzeERC20                        ns/op                JSON decode of the AST < 10 ms (issue 4); x-json shown
//	Analyze2000Lines                    ns/op                JSON decode of the AST < 100 ms (issue 4)
//	Compile/ERC20, Compile/Counter      pool-ms/op           innode-ms/op           ≤ 1.25× solc-js in one warm node (README)
//	CompileCacheHit                     ns/op                CompileCacheMiss       < 5 ms (README)
//	Generate/<kind>                     ns/op                none                   < 2 ms (README)
//	RedactingHandler/redacting          ns/op                RedactingHandler/bare  none
//	Corpus/all                          precision, recall    none                   precision ≥ 0.8 (issue 16)
//	Corpus/detector=<id>                precision, recall    none                   none: per HIGH/MEDIUM detector
var figures = slices.Concat(
	[]figure{
		{Bench: "BenchmarkInterceptorChain", Figure: "chain-ns/call", Baseline: "bare-ns/call", Ratio: "ratio", Comparison: BaselineOverFigure,
			Target: rateAtLeast(0.8, "bare rate"), Source: "README (server interceptors)"},

		{Bench: "BenchmarkAuthenticatedCall", Figure: "chain-us", Baseline: "bare-us", Ratio: "ratio-chain", Comparison: BaselineOverFigure,
			Target: rateAtLeast(0.8, "bare rate"), Source: "README (server interceptors)"},
	},
	perWay("BenchmarkAuthenticatedCall", rateAtLeast(0.7, "bare rate"), "identity issue; server/auth/bench_test.go"),
	[]figure{
		{Bench: "BenchmarkLoginFailure", Figure: "unknown-ms", Baseline: "wrong-ms", Ratio: "unknown/wrong", Comparison: FigureOverBaseline,
			Target: &target{On: "ratio", Op: "within", Lo: 0.9, Hi: 1.1, Text: "≈ 1 (0.9–1.1)"}, Source: "server/auth/bench_test.go: close to 1"},
	},
	perWay("BenchmarkGuardedCall/leased", rateAtLeast(0.7, "bare rate"), "identity issue: auth + rate limit unary"),
	// Every request its own statement, as at API.md's tiers: shown beside
	// the target, which the leased figure is measured against.
	perWay("BenchmarkGuardedCall/statement", nil, "identity issue: the same call with a statement per request"),
	[]figure{
		{Bench: "BenchmarkInterceptor", Figure: "limited-µs/call", Baseline: "bare-µs/call", Ratio: "ratio", Comparison: BaselineOverFigure,
			Source: "server/ratelimit/bench_test.go (no target of its own)"},

		{Bench: "BenchmarkPrepareBudget", Figure: "budget-us", Baseline: "bare-us", Ratio: "x-bare", Comparison: FigureOverBaseline,
			Source: "issue 11: the signing step with the spend reservation (one statement more) over the same without"},

		{Bench: "BenchmarkPipeline/Latency/cold", Figure: "pipeline-ms/op", Baseline: "direct-ms/op", Ratio: "x-direct", Comparison: FigureOverBaseline,
			Target: timesAtMost(1.5, "direct"), Source: "issue 5; cmd/slipway/pipeline_bench_test.go"},
		{Bench: "BenchmarkPipeline/Latency/cold", Figure: "pipeline-ms/op", Baseline: "direct+lint-ms/op", Ratio: "x-direct+lint", Comparison: FigureOverBaseline,
			Target: timesAtMost(1.5, "direct+lint"), Source: "issue 5, with the audit in the baseline too"},
		{Bench: "BenchmarkPipeline/Latency/warm", Figure: "pipeline-ms/op", Baseline: "direct-ms/op", Ratio: "x-direct", Comparison: FigureOverBaseline,
			Target: under(300, "300 ms"), Source: "issue 5"},
		{Bench: "BenchmarkPipeline/Throughput", Figure: "deploys/s", Baseline: "bare-wf/s", Ratio: "x-bare", Comparison: FigureOverBaseline,
			Target: rateAtLeast(0.6, "bare workflows"), Source: "issue 5"},

		{Bench: "BenchmarkAnalyzeERC20", Figure: "ns/op", Ratio: "x-json", Comparison: FigureOverBaseline,
			Target: under(10e6, "10 ms"), Source: "issue 4; baseline: JSON decode of the same AST"},
		{Bench: "BenchmarkAnalyze2000Lines", Figure: "ns/op", Ratio: "x-json", Comparison: FigureOverBaseline,
			Target: under(100e6, "100 ms"), Source: "issue 4; baseline: JSON decode of the same AST"},

		{Bench: "BenchmarkCompile/ERC20", Figure: "pool-ms/op", Baseline: "innode-ms/op", Ratio: "pool/innode", Comparison: FigureOverBaseline,
			Target: timesAtMost(1.25, "solc-js in one node"), Source: "README (compile pool)"},
		{Bench: "BenchmarkCompile/Counter", Figure: "pool-ms/op", Baseline: "innode-ms/op", Ratio: "pool/innode", Comparison: FigureOverBaseline,
			Target: timesAtMost(1.25, "solc-js in one node"), Source: "README (compile pool)"},
		{Bench: "BenchmarkCompileCacheHit", Figure: "ns/op", Baseline: "BenchmarkCompileCacheMiss:ns/op", Comparison: FigureOverBaseline,
			Target: under(5e6, "5 ms"), Source: "README (compile cache)"},

		{Bench: "BenchmarkGenerate/ERC20", Figure: "ns/op", Target: under(2e6, "2 ms"), Source: "README (generate)"},
		{Bench: "BenchmarkGenerate/ERC721", Figure: "ns/op", Target: under(2e6, "2 ms"), Source: "README (generate)"},
		{Bench: "BenchmarkGenerate/ERC1155", Figure: "ns/op", Target: under(2e6, "2 ms"), Source: "README (generate)"},

		{Bench: "BenchmarkRedactingHandler/redacting", Figure: "ns/op", Baseline: "BenchmarkRedactingHandler/bare:ns/op", Comparison: FigureOverBaseline,
			Source: "internal/secrets (no target)"},

		// The linter on its labelled corpus (activities/lint/testdata/corpus):
		// HIGH and MEDIUM findings against the labels.
		{Bench: "BenchmarkCorpus/all", Figure: "precision", Target: atLeast(0.8), Source: "issue 16: HIGH and MEDIUM findings on the labelled corpus"},
		{Bench: "BenchmarkCorpus/all", Figure: "recall", Source: "issue 16 (no target)"},
		{Bench: "BenchmarkCorpus/detector=*", Figure: "precision", Source: "issue 16, per detector"},
		{Bench: "BenchmarkCorpus/detector=*", Figure: "recall", Source: "issue 16, per detector"},
	},
)
