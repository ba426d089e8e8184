// Command bench runs Slipway's API and pipeline benchmarks and reports each
// figure against its baseline measured in the same run, with the target
// the issues set for it.
//
//	go run ./bench                                  # every suite (several minutes)
//	go run ./bench -pkg ./server/ratelimit          # one package; ./server/... for a tree
//	go run ./bench -pkg ./cmd/slipway -bench Pipeline -benchtime 5x -count 3
//
// It runs `go test -run '^$' -bench <regexp> -benchtime <t> -count <n>` per
// package from the module root, parses the standard benchmark lines, prints
// a table (benchmark, figure, baseline, ratio, target, met?) and writes the
// table and every parsed result as JSON (-out, default
// bench/out/results.json). Ratios are always taken within one run: with
// -count > 1 each run's figure is divided by that run's baseline, and the
// table shows the median. The exit status is 1 when a benchmark fails, and
// with -strict also when a target is not met.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

type options struct {
	pkgs      []string
	bench     string
	benchtime string
	count     int
	out       string
	strict    bool
	timeout   string
}

func main() {
	var o options
	var pkg string
	flag.StringVar(&pkg, "pkg", "", "comma-separated packages to run, as ./server/auth (exact) or ./server/... (a tree); default every suite")
	flag.StringVar(&o.bench, "bench", "", "benchmark regexp for the chosen packages instead of each suite's own")
	flag.StringVar(&o.benchtime, "benchtime", "", "go test -benchtime for every suite instead of each suite's own (1s, 2s, 3x…)")
	flag.IntVar(&o.count, "count", 1, "go test -count: runs of each benchmark; the table shows medians")
	flag.StringVar(&o.out, "out", "bench/out/results.json", "JSON results file, relative to the module root unless absolute")
	flag.BoolVar(&o.strict, "strict", false, "exit 1 when a target is not met")
	flag.StringVar(&o.timeout, "timeout", "30m", "go test -timeout per package")
	flag.Parse()
	if flag.NArg() > 0 {
		fmt.Fprintf(os.Stderr, "bench: unexpected arguments %q\n", flag.Args())
		os.Exit(2)
	}
	if o.count < 1 {
		fmt.Fprintln(os.Stderr, "bench: -count must be at least 1")
		os.Exit(2)
	}
	for _, p := range strings.Split(pkg, ",") {
		if p = strings.TrimSpace(p); p != "" {
			o.pkgs = append(o.pkgs, p)
		}
	}
	code, err := run(o, os.Stdout, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
	}
	os.Exit(code)
}

// report is the JSON file.
type report struct {
	Started   time.Time  `json:"started"`
	Seconds   float64    `json:"seconds"`
	GoVersion string     `json:"goVersion"`
	GOOS      string     `json:"goos"`
	GOARCH    string     `json:"goarch"`
	CPU       string     `json:"cpu,omitempty"`
	NumCPU    int        `json:"numCPU"`
	Count     int        `json:"count"`
	Runs      []runInfo  `json:"runs"`
	Figures   []rowJSON  `json:"figures"`
	Results   []Result   `json:"results"`
	Targets   targetSums `json:"targets"`
}

type runInfo struct {
	Pkg       string   `json:"pkg"`
	Bench     string   `json:"bench"`
	Benchtime string   `json:"benchtime"`
	Seconds   float64  `json:"seconds"`
	OK        bool     `json:"ok"`
	Failed    []string `json:"failed,omitempty"`
	Error     string   `json:"error,omitempty"`
}

type targetSums struct {
	Met    int `json:"met"`
	NotMet int `json:"notMet"`
	// Missing counts rows whose benchmark ran but did not report a figure.
	Missing int `json:"missing"`
}

func run(o options, stdout, stderr io.Writer) (int, error) {
	root, err := moduleRoot()
	if err != nil {
		return 1, err
	}
	chosen, err := choose(suites, o.pkgs)
	if err != nil {
		return 2, err
	}
	rep := report{Started: time.Now().UTC(), GoVersion: runtime.Version(), GOOS: runtime.GOOS, GOARCH: runtime.GOARCH,
		NumCPU: runtime.NumCPU(), Count: o.count}
	code := 0
	ran := map[string]bool{}
	for _, s := range chosen {
		if o.bench != "" {
			// One run per package: its suites would all run the same
			// regexp. The package's first suite's benchtime applies
			// unless -benchtime says otherwise.
			if ran[s.Pkg] {
				continue
			}
			ran[s.Pkg] = true
			s.Bench = o.bench
		}
		if o.benchtime != "" {
			s.Benchtime = o.benchtime
		}
		args := []string{"test", "-run", "^$", "-bench", s.Bench, "-benchtime", s.Benchtime,
			"-count", fmt.Sprint(o.count), "-timeout", o.timeout, s.Pkg}
		fmt.Fprintf(stderr, "== go %s\n", strings.Join(args, " "))
		began := time.Now()
		cmd := exec.Command("go", args...)
		cmd.Dir = root
		var buf bytes.Buffer
		// The raw output goes to stderr as it comes, for whoever watches.
		cmd.Stdout = io.MultiWriter(&buf, stderr)
		cmd.Stderr = stderr
		runErr := cmd.Run()
		parsed, perr := Parse(&buf)
		info := runInfo{Pkg: s.Pkg, Bench: s.Bench, Benchtime: s.Benchtime, Seconds: time.Since(began).Seconds(),
			OK: runErr == nil && perr == nil && len(parsed.Failed) == 0, Failed: parsed.Failed}
		if err := errors.Join(runErr, perr); err != nil {
			info.Error = err.Error()
		}
		if !info.OK {
			code = 1
		}
		if rep.CPU == "" {
			rep.CPU = parsed.CPU
		}
		rep.Runs = append(rep.Runs, info)
		rep.Results = append(rep.Results, parsed.Results...)
	}
	figs := expand(figures, rep.Results)
	rows := pair(figs, rep.Results)
	for _, r := range rows {
		switch {
		case r.Missing:
			rep.Targets.Missing++
		case r.Met == nil:
		case *r.Met:
			rep.Targets.Met++
		default:
			rep.Targets.NotMet++
		}
		rep.Figures = append(rep.Figures, r.json())
	}
	rep.Seconds = time.Since(rep.Started).Seconds()
	printTable(stdout, rows)
	printOthers(stdout, figs, rep.Results)
	fmt.Fprintf(stdout, "\ntargets: %d met, %d not met, %d figures missing\n", rep.Targets.Met, rep.Targets.NotMet, rep.Targets.Missing)
	for _, r := range rep.Runs {
		if !r.OK {
			fmt.Fprintf(stdout, "FAILED: %s -bench %s: %s %v\n", r.Pkg, r.Bench, r.Error, r.Failed)
		}
	}
	out := o.out
	if !filepath.IsAbs(out) {
		out = filepath.Join(root, out)
	}
	if err := writeJSON(out, rep); err != nil {
		return 1, err
	}
	fmt.Fprintf(stdout, "results: %s\n", out)
	if o.strict && (rep.Targets.NotMet > 0 || rep.Targets.Missing > 0) && code == 0 {
		code = 1
	}
	return code, nil
}

func moduleRoot() (string, error) {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("find the module: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", errors.New("not inside a Go module: run from Slipway's folder")
	}
	return filepath.Dir(mod), nil
}

// choose keeps the suites whose package matches a filter: "./x/y" matches
// that package, "./x/..." the tree below x. No filter keeps them all.
func choose(all []suite, filters []string) ([]suite, error) {
	if len(filters) == 0 {
		return all, nil
	}
	var out []suite
	used := map[string]bool{}
	for _, s := range all {
		p := cleanPkg(s.Pkg)
		for _, f := range filters {
			cf := cleanPkg(f)
			if tree, ok := strings.CutSuffix(cf, "/..."); ok {
				if p == tree || strings.HasPrefix(p, tree+"/") || tree == "." {
					out, used[f] = append(out, s), true
					break
				}
			} else if p == cf {
				out, used[f] = append(out, s), true
				break
			}
		}
	}
	// A package with benchmarks but no suite runs with -bench . so that
	// -pkg can reach any benchmark of the project.
	for _, f := range filters {
		if !used[f] && !strings.HasSuffix(f, "...") {
			out = append(out, suite{Pkg: "./" + cleanPkg(f) + "/", Bench: ".", Benchtime: "1s"})
		}
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no suite matches -pkg %s", strings.Join(filters, ","))
	}
	return out, nil
}

func cleanPkg(p string) string {
	p = strings.TrimPrefix(filepath.ToSlash(p), "github.com/slipway-dev/slipway/")
	p = strings.TrimPrefix(p, "./")
	p = strings.TrimSuffix(p, "/")
	if p == "" {
		return "."
	}
	return p
}

func writeJSON(path string, v any) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return fmt.Errorf("create results folder: %w", err)
	}
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false) // targets read "< 2 ms", not "\u003c 2 ms"
	enc.SetIndent("", "  ")
	if err := enc.Encode(v); err != nil {
		return fmt.Errorf("encode results: %w", err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		return fmt.Errorf("write results: %w", err)
	}
	return nil
}

// expand replaces each figure whose Bench ends in "*" with one figure per
// benchmark of the results whose name starts with what precedes the "*",
// in the order they ran (BenchmarkCorpus/detector=* → one per detector).
// Consecutive figures of one pattern stay together per benchmark: a
// detector's precision, then its recall.
func expand(figs []figure, results []Result) []figure {
	var out []figure
	for i := 0; i < len(figs); {
		prefix, ok := strings.CutSuffix(figs[i].Bench, "*")
		if !ok {
			out = append(out, figs[i])
			i++
			continue
		}
		j := i
		for j < len(figs) && figs[j].Bench == figs[i].Bench {
			j++
		}
		seen := map[string]bool{}
		for _, r := range results {
			if !strings.HasPrefix(r.Name, prefix) || seen[r.Name] {
				continue
			}
			seen[r.Name] = true
			for _, f := range figs[i:j] {
				f.Bench = r.Name
				out = append(out, f)
			}
		}
		i = j
	}
	return out
}

// row is a figure as measured: medians over the runs of its benchmark.
type row struct {
	f        figure
	pkg      string
	runs     int
	value    float64
	baseline float64
	hasBase  bool
	ratio    float64
	hasRatio bool
	Met      *bool
	Missing  bool
}

// pair matches each figure with the results of its benchmark (one row per
// package that ran it) and with its baseline from the same run.
func pair(figs []figure, results []Result) []row {
	byKey := map[[2]string][]Result{}
	var keys [][2]string
	for _, r := range results {
		k := [2]string{r.Pkg, r.Name}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], r)
	}
	var rows []row
	for _, f := range figs {
		for _, k := range keys {
			if k[1] != f.Bench {
				continue
			}
			rs := byKey[k]
			var other []Result
			baseUnit := f.Baseline
			if name, unit, ok := strings.Cut(f.Baseline, ":"); ok {
				other, baseUnit = byKey[[2]string{k[0], name}], unit
			}
			var vals, bases, ratios []float64
			for i, r := range rs {
				v, ok := r.Metrics[f.Figure]
				if !ok {
					continue
				}
				vals = append(vals, v)
				var b float64
				var hasB bool
				switch {
				case other != nil:
					if i < len(other) {
						b, hasB = other[i].Metrics[baseUnit]
					}
				case baseUnit != "":
					b, hasB = r.Metrics[baseUnit]
				}
				ratio, hasR := r.Metrics[f.Ratio]
				if f.Ratio == "" || !hasR {
					ratio, hasR = divide(v, b, hasB, f.Comparison)
				}
				if !hasB && hasR && ratio != 0 {
					// Only the ratio is reported: the baseline follows from it.
					if f.Comparison == BaselineOverFigure {
						b, hasB = v*ratio, true
					} else {
						b, hasB = v/ratio, true
					}
				}
				if hasB {
					bases = append(bases, b)
				}
				if hasR {
					ratios = append(ratios, ratio)
				}
			}
			rw := row{f: f, pkg: k[0], runs: len(vals)}
			if len(vals) == 0 {
				rw.Missing = true
				rows = append(rows, rw)
				continue
			}
			rw.value = median(vals)
			if len(bases) > 0 {
				rw.baseline, rw.hasBase = median(bases), true
			}
			if len(ratios) > 0 {
				rw.ratio, rw.hasRatio = median(ratios), true
			}
			if f.Target != nil {
				got, ok := rw.value, true
				if f.Target.On == "ratio" {
					got, ok = rw.ratio, rw.hasRatio
				}
				met := ok && f.Target.met(got)
				rw.Met = &met
			}
			rows = append(rows, rw)
		}
	}
	return rows
}

func divide(v, b float64, hasB bool, comparison string) (float64, bool) {
	if !hasB || comparison == "" || v == 0 || b == 0 {
		return 0, false
	}
	if comparison == BaselineOverFigure {
		return b / v, true
	}
	return v / b, true
}

func (t *target) met(v float64) bool {
	switch t.Op {
	case ">=":
		return v >= t.Value
	case ">":
		return v > t.Value
	case "<=":
		return v <= t.Value
	case "<":
		return v < t.Value
	case "within":
		return v >= t.Lo && v <= t.Hi
	}
	return false
}

func median(vs []float64) float64 {
	s := append([]float64(nil), vs...)
	sort.Float64s(s)
	if n := len(s); n%2 == 1 {
		return s[n/2]
	} else {
		return (s[n/2-1] + s[n/2]) / 2
	}
}

// rowJSON is a row of the table in the results file.
type rowJSON struct {
	Pkg           string   `json:"pkg"`
	Benchmark     string   `json:"benchmark"`
	Figure        string   `json:"figure"`
	Value         *float64 `json:"value,omitempty"`
	Baseline      string   `json:"baseline,omitempty"`
	BaselineValue *float64 `json:"baselineValue,omitempty"`
	Ratio         *float64 `json:"ratio,omitempty"`
	RatioIs       string   `json:"ratioIs,omitempty"`
	Target        string   `json:"target,omitempty"`
	Met           *bool    `json:"met,omitempty"`
	Missing       bool     `json:"missing,omitempty"`
	Runs          int      `json:"runs"`
	Source        string   `json:"source,omitempty"`
}

func (r row) json() rowJSON {
	j := rowJSON{Pkg: r.pkg, Benchmark: r.f.Bench, Figure: r.f.Figure, Baseline: baselineName(r.f), RatioIs: r.f.Comparison,
		Met: r.Met, Missing: r.Missing, Runs: r.runs, Source: r.f.Source}
	if r.f.Ratio != "" {
		j.RatioIs = r.f.Ratio + " (" + r.f.Comparison + ")"
	}
	if !r.Missing {
		v := r.value
		j.Value = &v
	}
	if r.hasBase {
		b := r.baseline
		j.BaselineValue = &b
	}
	if r.hasRatio {
		x := r.ratio
		j.Ratio = &x
	}
	if r.f.Target != nil {
		j.Target = r.f.Target.Text
	}
	return j
}

func baselineName(f figure) string {
	switch {
	case f.Baseline != "":
		return f.Baseline
	case f.Ratio == "x-json":
		return "JSON decode of the AST (from x-json)"
	}
	return ""
}

func printTable(w io.Writer, rows []row) {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "benchmark\tfigure\tbaseline\tratio\ttarget\tmet?")
	for _, r := range rows {
		name := strings.TrimPrefix(r.f.Bench, "Benchmark")
		if r.Missing {
			fmt.Fprintf(tw, "%s\t%s: missing\t\t\t%s\t-\n", name, r.f.Figure, targetText(r.f))
			continue
		}
		base := "-"
		if r.hasBase {
			base = strings.TrimSpace(formatValue(r.baseline, baseUnit(r.f)) + " " + baseLabel(r.f))
		}
		ratio := "-"
		if r.hasRatio {
			ratio = fmt.Sprintf("%.3g", r.ratio)
			if r.f.Comparison == BaselineOverFigure {
				ratio += " (rate)"
			} else {
				ratio += "×"
			}
		}
		met := "-"
		if r.Met != nil {
			met = map[bool]string{true: "yes", false: "NO"}[*r.Met]
		}
		fmt.Fprintf(tw, "%s\t%s %s\t%s\t%s\t%s\t%s\n", name, formatValue(r.value, r.f.Figure), shortUnit(r.f.Figure), base, ratio, targetText(r.f), met)
	}
	tw.Flush()
}

// baseLabel names the baseline beside its value: its unit, or the other
// benchmark it comes from.
func baseLabel(f figure) string {
	if name, unit, ok := strings.Cut(f.Baseline, ":"); ok {
		return strings.TrimSpace(shortUnit(unit) + " (" + strings.TrimPrefix(name, "Benchmark") + ")")
	}
	if f.Baseline == "" && f.Ratio == "x-json" {
		return "(JSON decode)"
	}
	return shortUnit(f.Baseline)
}

// printOthers lists the benchmarks that ran but carry no figure of the
// table figs (their numbers are in the JSON too).
func printOthers(w io.Writer, figs []figure, results []Result) {
	known := map[string]bool{}
	for _, f := range figs {
		known[f.Bench] = true
		if name, _, ok := strings.Cut(f.Baseline, ":"); ok {
			known[name] = true
		}
	}
	var lines []string
	seen := map[string]bool{}
	for _, r := range results {
		if known[r.Name] || seen[r.Name] {
			continue
		}
		seen[r.Name] = true
		lines = append(lines, fmt.Sprintf("  %s\t%s", strings.TrimPrefix(r.Name, "Benchmark"), formatValue(r.Metrics["ns/op"], "ns/op")))
	}
	if len(lines) == 0 {
		return
	}
	fmt.Fprintln(w, "\nother benchmarks (no baseline or target; first run's ns/op):")
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, l := range lines {
		fmt.Fprintln(tw, l)
	}
	tw.Flush()
}

func targetText(f figure) string {
	if f.Target == nil {
		return "-"
	}
	return f.Target.Text
}

func baseUnit(f figure) string {
	if _, unit, ok := strings.Cut(f.Baseline, ":"); ok {
		return unit
	}
	if f.Baseline == "" {
		return f.Figure
	}
	return f.Baseline
}

// formatValue shows ns/op in a readable unit; custom metrics as they are.
func formatValue(v float64, unit string) string {
	if unit == "ns/op" {
		switch {
		case v >= 1e6:
			return fmt.Sprintf("%.3g ms", v/1e6)
		case v >= 1e3:
			return fmt.Sprintf("%.3g µs", v/1e3)
		}
		return fmt.Sprintf("%.3g ns", v)
	}
	return fmt.Sprintf("%.4g", v)
}

// shortUnit is the label beside a value: ns/op is in the value already.
func shortUnit(unit string) string {
	if unit == "ns/op" {
		return ""
	}
	return unit
}
