package lint

import (
	"strings"
	"testing"
)

// TestTimestampStoredOnly: a timestamp only recorded (in storage, an
// event, a struct pushed) decides nothing, so nothing above INFO is
// reported on testdata/timestampstored.sol.
func TestTimestampStoredOnly(t *testing.T) {
	res := testCorpus(t)
	fs, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range fs {
		if f.File == "timestampstored.sol" && f.Severity.Rank() > Info.Rank() {
			t.Errorf("%s:%d %s %s", f.File, f.Line, f.Severity, f.Detector)
		}
	}
}

// TestSendReentrancyIsLow: a state write after send or transfer is
// reported once, LOW, by reentrancy-unlimited-gas, and never HIGH by
// reentrancy-eth (testdata/reentrancysend.sol).
func TestSendReentrancyIsLow(t *testing.T) {
	res := testCorpus(t)
	fs, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion})
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(res.Sources["reentrancysend.sol"], "\n")
	low := 0
	for _, f := range fs {
		if f.File != "reentrancysend.sol" {
			continue
		}
		line := lines[f.Line-1]
		stipend := strings.Contains(line, ".transfer(") || strings.Contains(line, ".send(")
		switch {
		case f.Detector == "reentrancy-unlimited-gas":
			low++
			if f.Severity != Low || !stipend {
				t.Errorf("%s:%d: %s %s on %q", f.File, f.Line, f.Severity, f.Detector, line)
			}
		case stipend && f.Severity.Rank() >= Medium.Rank():
			t.Errorf("%s:%d: %s %s on a send/transfer: %q", f.File, f.Line, f.Severity, f.Detector, line)
		}
	}
	if low != 2 {
		t.Errorf("%d reentrancy-unlimited-gas findings, want 2", low)
	}
}

func TestEveryDetectorHasAReference(t *testing.T) {
	ids := map[string]bool{}
	for _, d := range Detectors() {
		ids[d.ID] = true
		r, ok := references[d.ID]
		if !ok {
			t.Errorf("detector %s has no entry in references", d.ID)
			continue
		}
		if r.SWC == "" && len(r.CWE) == 0 {
			t.Errorf("detector %s has neither an SWC nor a CWE class", d.ID)
		}
		if r.SWC != "" && !strings.HasPrefix(d.HelpURI(), "https://swcregistry.io/docs/SWC-") {
			t.Errorf("detector %s: help URI %q", d.ID, d.HelpURI())
		}
		text, md := d.Help()
		if !strings.Contains(text, d.Description) || !strings.Contains(md, d.Title) || !strings.Contains(md, "`"+d.ID+"`") {
			t.Errorf("detector %s: help %q / %q", d.ID, text, md)
		}
	}
	for id := range references {
		if !ids[id] {
			t.Errorf("references names %s, which is no detector", id)
		}
	}
}
