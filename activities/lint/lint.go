// Package lint is Slipway's contract auditor: a native Go analysis over the
// compact JSON AST that solc emits with every compile, so that the lint
// stage of a deployment costs milliseconds on top of the compile it already
// pays for, and needs no Python toolchain (Slither) on the worker.
//
// Detectors follow the classes of the SWC registry and Slither's detector
// ids where one exists, so that users can map findings to what they know.
// Each detector is tuned for precision: a finding on a clean OpenZeppelin
// token would teach users to ignore the lint stage.
package lint

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// Severity ranks a finding; the deployment policy gates on it.
type Severity string

// Severities, from most to least severe.
const (
	High   Severity = "HIGH"
	Medium Severity = "MEDIUM"
	Low    Severity = "LOW"
	Info   Severity = "INFO"
)

// Rank orders severities for Gate and sorting (higher is more severe; 0 for
// an unknown severity).
func (s Severity) Rank() int {
	switch s {
	case High:
		return 4
	case Medium:
		return 3
	case Low:
		return 2
	case Info:
		return 1
	}
	return 0
}

// ParseSeverity accepts a severity in any case, for config and flags.
func ParseSeverity(s string) (Severity, error) {
	v := Severity(strings.ToUpper(strings.TrimSpace(s)))
	if v.Rank() == 0 {
		return "", fmt.Errorf("parse severity %q: want HIGH, MEDIUM, LOW or INFO", s)
	}
	return v, nil
}

// Confidence says how likely a finding is a true positive, so that users
// can triage heuristics (weak randomness) apart from certainties (tx.origin).
type Confidence string

// Confidences.
const (
	ConfidenceHigh   Confidence = "HIGH"
	ConfidenceMedium Confidence = "MEDIUM"
	ConfidenceLow    Confidence = "LOW"
)

// Rank orders confidences (higher is surer; 0 for an unknown one).
func (c Confidence) Rank() int {
	switch c {
	case ConfidenceHigh:
		return 3
	case ConfidenceMedium:
		return 2
	case ConfidenceLow:
		return 1
	}
	return 0
}

// Unit is one compiled source file: its path as solc saw it, its text (for
// mapping byte offsets to lines) and its AST from solc's standard-JSON
// output.
type Unit struct {
	Path   string
	Source string
	AST    json.RawMessage
}

// Options tune an analysis.
type Options struct {
	// IncludeDependencies reports findings in @openzeppelin/ (and other
	// node_modules-style) files too; by default they are analysed, for
	// inheritance, but not reported, since users cannot fix them.
	IncludeDependencies bool
	// CompilerVersion is the solc version that produced the ASTs (from the
	// compile result); when empty it is inferred from each file's pragma.
	// It decides whether arithmetic is checked (>= 0.8.0).
	CompilerVersion string
}

// Finding is one problem at one place, in the API's shape.
type Finding struct {
	Detector    string     `json:"detector"`
	Severity    Severity   `json:"severity"`
	Confidence  Confidence `json:"confidence"`
	Title       string     `json:"title"`
	Description string     `json:"description"`
	File        string     `json:"file"`
	Line        int        `json:"line"`
	Column      int        `json:"column"`
}

// Summary counts findings per severity: the audit API's summary, and the
// counts a deployment records for its lint stage (progressapi.Step.Lint).
type Summary struct {
	High   int `json:"high"`
	Medium int `json:"medium"`
	Low    int `json:"low"`
	Info   int `json:"info"`
}

// Summarize counts findings per severity.
func Summarize(findings []Finding) Summary {
	var s Summary
	for _, f := range findings {
		switch f.Severity {
		case High:
			s.High++
		case Medium:
			s.Medium++
		case Low:
			s.Low++
		case Info:
			s.Info++
		}
	}
	return s
}

// Gate reports whether findings fail the deployment policy at the given
// threshold: true when GateFailures answers any. It is the one gate: the
// deployment's lint stage fails on true unless the request allows
// findings (naming the findings GateFailures answers), and `slipway
// audit` exits non-zero.
//
// Without a threshold (the empty default of a request and of `slipway
// audit`; anything that is not a severity) the gate counts only HIGH
// findings of HIGH confidence: the patterns a detector proved (an
// unprotected selfdestruct, a payout to a caller-chosen address, a
// block-derived roll that picks the winner), not the heuristics it
// reports for triage at MEDIUM or LOW confidence. An explicit threshold
// counts every finding at or above its severity, whatever its
// confidence.
func Gate(findings []Finding, threshold Severity) bool {
	return len(GateFailures(findings, threshold)) > 0
}

// GateFailures answers the findings that fail Gate, in their order. A
// finding that states no confidence counts as HIGH: the gate fails safe.
func GateFailures(findings []Finding, threshold Severity) []Finding {
	sev, conf := gatePolicy(threshold)
	var out []Finding
	for _, f := range findings {
		c := f.Confidence.Rank()
		if c == 0 {
			c = ConfidenceHigh.Rank()
		}
		if f.Severity.Rank() >= sev.Rank() && c >= conf.Rank() {
			out = append(out, f)
		}
	}
	return out
}

// GateThreshold answers the severity Gate counts from: the given
// severity, or HIGH for one that is not a severity (the default gate,
// which also asks for HIGH confidence: see Gate).
func GateThreshold(threshold Severity) Severity {
	sev, _ := gatePolicy(threshold)
	return sev
}

// GateDescription says what the gate at threshold counts, for messages
// ("the audit found 2 issue(s) …"): "of HIGH severity and HIGH
// confidence" by default, else "at or above <severity>".
func GateDescription(threshold Severity) string {
	sev, conf := gatePolicy(threshold)
	if conf == ConfidenceLow {
		return "at or above " + string(sev)
	}
	return "of " + string(sev) + " severity and " + string(conf) + " confidence"
}

// gatePolicy is the least severity and confidence the gate counts.
func gatePolicy(threshold Severity) (Severity, Confidence) {
	if threshold.Rank() == 0 {
		return High, ConfidenceHigh
	}
	return threshold, ConfidenceLow
}

// IsDependency tells library files (OpenZeppelin and other packages
// resolved from node_modules) from the user's own.
func IsDependency(path string) bool {
	p := strings.TrimPrefix(path, "/")
	return strings.HasPrefix(p, "@") || strings.HasPrefix(p, "node_modules/") || strings.Contains(p, "/node_modules/")
}

// Analyze runs every detector over the units and returns the findings in a
// stable order (file, line, column, detector), one per detector and line.
func Analyze(units []Unit, opts Options) ([]Finding, error) {
	a, err := newAnalysis(units, opts)
	if err != nil {
		return nil, err
	}
	for _, d := range detectors {
		d.run(a, d)
	}
	return a.result(), nil
}

func (a *analysis) result() []Finding {
	sort.SliceStable(a.findings, func(i, j int) bool {
		x, y := a.findings[i], a.findings[j]
		if x.File != y.File {
			return x.File < y.File
		}
		if x.Line != y.Line {
			return x.Line < y.Line
		}
		if x.Column != y.Column {
			return x.Column < y.Column
		}
		return x.Detector < y.Detector
	})
	type key struct {
		det, file string
		line      int
	}
	seen := map[key]bool{}
	out := make([]Finding, 0, len(a.findings))
	for _, f := range a.findings {
		k := key{f.Detector, f.File, f.Line}
		if seen[k] {
			continue
		}
		seen[k] = true
		out = append(out, f)
	}
	return out
}

// UnitsFromResult turns a compile result into analysis units, in path
// order so that analyses are reproducible.
func UnitsFromResult(res compileapi.Result) []Unit {
	units := make([]Unit, 0, len(res.ASTs))
	for path, ast := range res.ASTs {
		units = append(units, Unit{Path: path, Source: res.Sources[path], AST: ast})
	}
	sort.Slice(units, func(i, j int) bool { return units[i].Path < units[j].Path })
	return units
}
