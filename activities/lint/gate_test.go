package lint

import "testing"

func TestGateFailuresAndThreshold(t *testing.T) {
	fs := []Finding{{Severity: Info, Line: 1}, {Severity: High, Line: 2}, {Severity: Medium, Line: 3}, {Severity: Low, Line: 4}}
	for _, c := range []struct {
		threshold Severity
		want      []int // lines, in order
		effective Severity
	}{
		{High, []int{2}, High},
		{Medium, []int{2, 3}, Medium},
		{Info, []int{1, 2, 3, 4}, Info},
		{"", []int{2}, High},         // no threshold: HIGH
		{"medium", []int{2}, High},   // not a severity (ParseSeverity reads it): HIGH
		{"CRITICAL", []int{2}, High}, // nor this
	} {
		got := GateFailures(fs, c.threshold)
		var lines []int
		for _, f := range got {
			lines = append(lines, f.Line)
		}
		if len(lines) != len(c.want) || Gate(fs, c.threshold) != (len(c.want) > 0) || GateThreshold(c.threshold) != c.effective {
			t.Errorf("threshold %q: failures at %v, threshold %s; want %v, %s", c.threshold, lines, GateThreshold(c.threshold), c.want, c.effective)
			continue
		}
		for i := range lines {
			if lines[i] != c.want[i] {
				t.Errorf("threshold %q: failures at %v, want %v", c.threshold, lines, c.want)
			}
		}
	}
	if GateFailures(nil, Info) != nil || Gate(nil, Info) {
		t.Error("no findings fail no gate")
	}
}
