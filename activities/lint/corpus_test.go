package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"text/tabwriter"
	"time"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// The labelled corpus (testdata/corpus, described in its README.md):
// contracts with vulnerable and safe variants of every pattern a HIGH or
// MEDIUM detector claims, the vulnerable lines marked `// @expect id…`.
// TestCorpusPrecision measures the detectors on it and holds their
// overall precision to the target; BenchmarkCorpus reports the
// same figures to `make bench`.

// corpusTarget is the least overall precision of HIGH and MEDIUM findings
// on the corpus (issue 16).
const corpusTarget = 0.8

var corpusLabelRe = regexp.MustCompile(`//\s*@expect\s+([a-z0-9][a-z0-9\-, ]*)`)

var pragmaRe = regexp.MustCompile(`(?m)^\s*pragma\s+solidity\s+([^;]+);`)

// corpusRun is the corpus compiled, one compile per minor version of solc.
type corpusRun struct {
	results []compileapi.Result
	sources map[string]string // every file, by its name
	labels  map[corpusKey]bool
}

type corpusKey struct {
	file     string
	line     int
	detector string
}

func (k corpusKey) String() string { return fmt.Sprintf("%s:%d %s", k.file, k.line, k.detector) }

var (
	corpusRunOnce sync.Once
	corpusRunVal  corpusRun
	corpusRunErr  error
)

// loadCorpus compiles the corpus with the newest release of each minor
// version its pragmas name (auto-installed from npm, as the old-compiler
// tests do) and reads its labels.
func loadCorpus(t testing.TB) corpusRun {
	t.Helper()
	p := oldCompilerPool(t)
	corpusRunOnce.Do(func() {
		files, err := filepath.Glob(filepath.Join("testdata", "corpus", "*.sol"))
		if err != nil || len(files) == 0 {
			corpusRunErr = fmt.Errorf("no corpus: %v", err)
			return
		}
		run := corpusRun{sources: map[string]string{}}
		groups := map[string]map[string]string{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				corpusRunErr = err
				return
			}
			name, src := filepath.Base(f), string(b)
			m := pragmaRe.FindStringSubmatch(src)
			v, ok := [3]int{}, false
			if m != nil {
				v, ok = minVersion(m[1])
			}
			if !ok {
				corpusRunErr = fmt.Errorf("%s: no pragma solidity naming a version", name)
				return
			}
			minor := fmt.Sprintf("%d.%d", v[0], v[1])
			if groups[minor] == nil {
				groups[minor] = map[string]string{}
			}
			groups[minor][name] = src
			run.sources[name] = src
		}
		run.labels, corpusRunErr = corpusLabels(run.sources)
		if corpusRunErr != nil {
			return
		}
		minors := make([]string, 0, len(groups))
		for m := range groups {
			minors = append(minors, m)
		}
		sort.Strings(minors)
		for _, m := range minors {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
			res, err := p.Compile(ctx, compileapi.Request{Sources: groups[m]})
			cancel()
			if err != nil {
				corpusRunErr = fmt.Errorf("compile the %s corpus: %w", m, err)
				return
			}
			if !strings.HasPrefix(res.CompilerVersion, m+".") {
				corpusRunErr = fmt.Errorf("the %s corpus compiled with solc %s", m, res.CompilerVersion)
				return
			}
			run.results = append(run.results, res)
		}
		corpusRunVal = run
	})
	if corpusRunErr != nil {
		t.Fatal(corpusRunErr)
	}
	return corpusRunVal
}

// corpusLabels reads the `// @expect id…` comments; every id must be a
// detector's.
func corpusLabels(sources map[string]string) (map[corpusKey]bool, error) {
	known := map[string]bool{}
	for _, d := range Detectors() {
		known[d.ID] = true
	}
	labels := map[corpusKey]bool{}
	for name, src := range sources {
		for i, line := range strings.Split(src, "\n") {
			m := corpusLabelRe.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ' ' || r == ',' }) {
				if !known[id] {
					return nil, fmt.Errorf("%s:%d: @expect names %q, which is no detector", name, i+1, id)
				}
				labels[corpusKey{name, i + 1, id}] = true
			}
		}
	}
	return labels, nil
}

// analyzeCorpus runs every detector over each compile of the corpus.
func (r corpusRun) analyze(t testing.TB) []Finding {
	t.Helper()
	var all []Finding
	for _, res := range r.results {
		fs, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion})
		if err != nil {
			t.Fatalf("Analyze (solc %s): %v", res.CompilerVersion, err)
		}
		all = append(all, fs...)
	}
	return all
}

// counts are a detector's true positives, false positives and false
// negatives.
type counts struct{ tp, fp, fn int }

// precision is 1 for a detector that reported nothing: no false alarm.
func (c counts) precision() float64 {
	if c.tp+c.fp == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fp)
}

// recall is 1 for a detector with nothing labelled: nothing missed.
func (c counts) recall() float64 {
	if c.tp+c.fn == 0 {
		return 1
	}
	return float64(c.tp) / float64(c.tp+c.fn)
}

func (c *counts) add(o counts) { c.tp, c.fp, c.fn = c.tp+o.tp, c.fp+o.fp, c.fn+o.fn }

// corpusScore is the measure of the HIGH and MEDIUM detectors: a finding
// is a true positive when its file, line and detector are labelled.
type corpusScore struct {
	per     map[string]counts // by detector id, every measured detector
	overall counts
	fps     []corpusKey // findings not labelled
	fns     []corpusKey // labels not found
}

// measuredDetectors are the detectors the corpus measures: those whose
// findings are HIGH or MEDIUM, the ones a deployment's gate acts on.
func measuredDetectors() []Detector {
	var out []Detector
	for _, d := range Detectors() {
		if d.Severity == High || d.Severity == Medium {
			out = append(out, d)
		}
	}
	return out
}

func scoreCorpus(findings []Finding, labels map[corpusKey]bool) corpusScore {
	s := corpusScore{per: map[string]counts{}}
	measured := map[string]bool{}
	for _, d := range measuredDetectors() {
		measured[d.ID] = true
		s.per[d.ID] = counts{}
	}
	found := map[corpusKey]bool{}
	for _, f := range findings {
		if !measured[f.Detector] {
			continue
		}
		k := corpusKey{f.File, f.Line, f.Detector}
		if found[k] {
			continue
		}
		found[k] = true
		c := s.per[f.Detector]
		if labels[k] {
			c.tp++
		} else {
			c.fp++
			s.fps = append(s.fps, k)
		}
		s.per[f.Detector] = c
	}
	for k := range labels {
		if !measured[k.detector] || found[k] {
			continue
		}
		c := s.per[k.detector]
		c.fn++
		s.per[k.detector] = c
		s.fns = append(s.fns, k)
	}
	for _, c := range s.per {
		s.overall.add(c)
	}
	less := func(x, y corpusKey) int {
		if x.file != y.file {
			return strings.Compare(x.file, y.file)
		}
		if x.line != y.line {
			return x.line - y.line
		}
		return strings.Compare(x.detector, y.detector)
	}
	sortKeys := func(ks []corpusKey) { sort.Slice(ks, func(i, j int) bool { return less(ks[i], ks[j]) < 0 }) }
	sortKeys(s.fps)
	sortKeys(s.fns)
	return s
}

// table prints the per-detector figures, as TestCorpusPrecision logs them.
func (s corpusScore) table() string {
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "detector\tseverity\tTP\tFP\tFN\tprecision\trecall")
	for _, d := range measuredDetectors() {
		c := s.per[d.ID]
		fmt.Fprintf(tw, "%s\t%s\t%d\t%d\t%d\t%.2f\t%.2f\n", d.ID, d.Severity, c.tp, c.fp, c.fn, c.precision(), c.recall())
	}
	o := s.overall
	fmt.Fprintf(tw, "overall\tHIGH+MEDIUM\t%d\t%d\t%d\t%.3f\t%.3f\n", o.tp, o.fp, o.fn, o.precision(), o.recall())
	tw.Flush()
	return b.String()
}

// TestCorpusPrecision measures the HIGH and MEDIUM detectors on the
// labelled corpus and fails when their overall precision is under the
// issue's target, when a measured detector has no labelled instance, or
// when a label names no detector.
func TestCorpusPrecision(t *testing.T) {
	run := loadCorpus(t)
	s := scoreCorpus(run.analyze(t), run.labels)
	t.Logf("%d files, %d labels\n%s", len(run.sources), len(run.labels), s.table())
	for _, k := range s.fps {
		t.Logf("false positive: %s", k)
	}
	for _, k := range s.fns {
		t.Logf("false negative: %s", k)
	}
	labelled := map[string]bool{}
	for k := range run.labels {
		labelled[k.detector] = true
	}
	for _, d := range measuredDetectors() {
		if !labelled[d.ID] {
			t.Errorf("detector %s (%s) has no labelled instance in the corpus", d.ID, d.Severity)
		}
	}
	if p := s.overall.precision(); p < corpusTarget {
		t.Errorf("overall precision of HIGH and MEDIUM findings on the corpus is %.3f, under the target %.2f", p, corpusTarget)
	}
}

func TestScoreCorpus(t *testing.T) {
	labels := map[corpusKey]bool{
		{"a.sol", 3, "reentrancy-eth"}:          true,
		{"a.sol", 9, "tx-origin"}:               true,
		{"a.sol", 12, "timestamp"}:              true, // LOW: not measured
		{"b.sol", 4, "reentrancy-eth"}:          true,
		{"b.sol", 5, "front-running"}:           true,
		{"b.sol", 7, "controlled-delegatecall"}: true,
	}
	fs := []Finding{
		{Detector: "reentrancy-eth", File: "a.sol", Line: 3},
		{Detector: "reentrancy-eth", File: "a.sol", Line: 3}, // one finding per line
		{Detector: "tx-origin", File: "a.sol", Line: 10},     // wrong line
		{Detector: "reentrancy-eth", File: "b.sol", Line: 4},
		{Detector: "timestamp", File: "b.sol", Line: 1}, // LOW: not measured
		{Detector: "front-running", File: "b.sol", Line: 5},
	}
	s := scoreCorpus(fs, labels)
	if c := s.per["reentrancy-eth"]; c != (counts{tp: 2}) || c.precision() != 1 || c.recall() != 1 {
		t.Errorf("reentrancy-eth %+v", c)
	}
	if c := s.per["tx-origin"]; c != (counts{fp: 1, fn: 1}) || c.precision() != 0 || c.recall() != 0 {
		t.Errorf("tx-origin %+v", c)
	}
	if c := s.per["controlled-delegatecall"]; c != (counts{fn: 1}) || c.precision() != 1 || c.recall() != 0 {
		t.Errorf("controlled-delegatecall %+v", c)
	}
	if _, ok := s.per["timestamp"]; ok {
		t.Error("a LOW detector is measured")
	}
	if s.overall != (counts{tp: 3, fp: 1, fn: 2}) || s.overall.precision() != 0.75 || s.overall.recall() != 0.6 {
		t.Errorf("overall %+v", s.overall)
	}
	if len(s.fps) != 1 || s.fps[0].String() != "a.sol:10 tx-origin" || len(s.fns) != 2 || s.fns[0].String() != "a.sol:9 tx-origin" {
		t.Errorf("fps %v, fns %v", s.fps, s.fns)
	}
	if _, err := corpusLabels(map[string]string{"x.sol": "uint x; // @expect no-such-detector"}); err == nil {
		t.Error("a label naming no detector was accepted")
	}
	got, err := corpusLabels(map[string]string{"x.sol": "a\nf(); // @expect reentrancy-eth, tx-origin  unchecked-lowlevel\n"})
	if err != nil || len(got) != 3 || !got[corpusKey{"x.sol", 2, "unchecked-lowlevel"}] {
		t.Errorf("labels %v, %v", got, err)
	}
}

// BenchmarkCorpus reports, for `make bench`, the precision and recall of
// the HIGH and MEDIUM detectors on the labelled corpus: overall (the
// /all sub-benchmark, which times a whole Analyze of the corpus) and per
// detector (/detector=<id>, each timing that detector alone over the
// decoded corpus).
// The figures do not depend on the machine; -benchtime 1x suffices.
func BenchmarkCorpus(b *testing.B) {
	run := loadCorpus(b)
	var analyses []*analysis
	for _, res := range run.results {
		a, err := newAnalysis(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion})
		if err != nil {
			b.Fatal(err)
		}
		analyses = append(analyses, a)
	}
	// The figures, computed once: a sub-benchmark run alone (-bench
	// Corpus/tx-origin) reports them too.
	s := scoreCorpus(run.analyze(b), run.labels)
	report := func(b *testing.B, c counts) {
		b.ReportMetric(c.precision(), "precision")
		b.ReportMetric(c.recall(), "recall")
		b.ReportMetric(float64(c.tp), "TP")
		b.ReportMetric(float64(c.fp), "FP")
		b.ReportMetric(float64(c.fn), "FN")
	}
	b.Run("all", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			for _, res := range run.results {
				if _, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion}); err != nil {
					b.Fatal(err)
				}
			}
		}
		b.StopTimer()
		report(b, s.overall)
		b.ReportMetric(float64(len(run.sources)), "files")
		b.ReportMetric(float64(len(run.labels)), "labels")
	})
	for _, d := range detectors {
		if d.Severity != High && d.Severity != Medium {
			continue
		}
		b.Run("detector="+d.ID, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				for _, a := range analyses {
					a.findings = a.findings[:0]
					d.run(a, d)
				}
			}
			b.StopTimer()
			report(b, s.per[d.ID])
		})
	}
}
