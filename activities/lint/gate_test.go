package lint

import "testing"

func TestGateFailuresAndThreshold(t *testing.T) {
	fs := []Finding{
		{Severity: Info, Confidence: ConfidenceHigh, Line: 1},
		{Severity: High, Confidence: ConfidenceHigh, Line: 2},
		{Severity: Medium, Confidence: ConfidenceHigh, Line: 3},
		{Severity: Low, Confidence: ConfidenceLow, Line: 4},
		{Severity: High, Confidence: ConfidenceMedium, Line: 5}, // a heuristic
		{Severity: High, Confidence: ConfidenceLow, Line: 6},
		{Severity: High, Line: 7}, // no confidence: counted as HIGH
	}
	for _, c := range []struct {
		threshold Severity
		want      []int // lines, in order
		effective Severity
		describe  string
	}{
		// The default gate: HIGH findings of HIGH confidence.
		{"", []int{2, 7}, High, "of HIGH severity and HIGH confidence"},
		{"medium", []int{2, 7}, High, "of HIGH severity and HIGH confidence"},   // not a severity (ParseSeverity reads it): the default
		{"CRITICAL", []int{2, 7}, High, "of HIGH severity and HIGH confidence"}, // nor this
		// An explicit threshold: every finding at or above it.
		{High, []int{2, 5, 6, 7}, High, "at or above HIGH"},
		{Medium, []int{2, 3, 5, 6, 7}, Medium, "at or above MEDIUM"},
		{Info, []int{1, 2, 3, 4, 5, 6, 7}, Info, "at or above INFO"},
	} {
		got := GateFailures(fs, c.threshold)
		var lines []int
		for _, f := range got {
			lines = append(lines, f.Line)
		}
		if len(lines) != len(c.want) || Gate(fs, c.threshold) != (len(c.want) > 0) || GateThreshold(c.threshold) != c.effective || GateDescription(c.threshold) != c.describe {
			t.Errorf("threshold %q: failures at %v, threshold %s (%s); want %v, %s (%s)", c.threshold, lines, GateThreshold(c.threshold), GateDescription(c.threshold), c.want, c.effective, c.describe)
			continue
		}
		for i := range lines {
			if lines[i] != c.want[i] {
				t.Errorf("threshold %q: failures at %v, want %v", c.threshold, lines, c.want)
			}
		}
	}
	if GateFailures(nil, Info) != nil || Gate(nil, Info) || Gate(nil, "") {
		t.Error("no findings fail no gate")
	}
	// Heuristic HIGH findings alone pass the default gate.
	if Gate(fs[4:6], "") || !Gate(fs[4:6], High) {
		t.Error("the default gate counts HIGH findings of MEDIUM or LOW confidence, or HIGH does not")
	}
}
