package main

import (
	"bytes"
	"strings"
	"testing"
)

// The corpus benchmarks' output: an overall sub-benchmark with a target
// and one per detector, expanded from BenchmarkCorpus/detector=*.
const corpusOutput = "pkg: github.com/slipway-dev/slipway/activities/lint\n" +
	"BenchmarkCorpus/all-2 \t 1 \t 61000000 ns/op \t 55 files \t 79 labels \t 0.95 precision \t 0.9 recall \t 70 TP \t 4 FP \t 8 FN\n" +
	"BenchmarkCorpus/detector=reentrancy-eth-2 \t 1 \t 900000 ns/op \t 1 precision \t 1 recall \t 4 TP \t 0 FP \t 0 FN\n" +
	"BenchmarkCorpus/detector=tx-origin-2 \t 1 \t 300000 ns/op \t 1 precision \t 0.8 recall \t 4 TP \t 0 FP \t 1 FN\n" +
	"BenchmarkOther-2 \t 5 \t 10 ns/op\n"

func TestExpandWildcardFigures(t *testing.T) {
	res := mustParse(t, corpusOutput).Results
	figs := expand(figures, res)
	var got []string
	for _, f := range figs {
		if strings.HasPrefix(f.Bench, "BenchmarkCorpus") {
			got = append(got, strings.TrimPrefix(f.Bench, "BenchmarkCorpus/")+" "+f.Figure)
		}
		if strings.HasSuffix(f.Bench, "*") {
			t.Errorf("figure %s left unexpanded", f.Bench)
		}
	}
	want := "all precision,all recall,detector=reentrancy-eth precision,detector=reentrancy-eth recall,detector=tx-origin precision,detector=tx-origin recall"
	if strings.Join(got, ",") != want {
		t.Errorf("expanded %v, want %s", got, want)
	}
	rows := pair(figs, res)
	all := rowFor(t, rows, "BenchmarkCorpus/all", "precision")
	if all.value != 0.95 || all.Met == nil || !*all.Met {
		t.Errorf("overall precision row %+v", all)
	}
	if r := rowFor(t, rows, "BenchmarkCorpus/detector=tx-origin", "recall"); r.value != 0.8 || r.Met != nil {
		t.Errorf("tx-origin recall row %+v", r)
	}
	var out bytes.Buffer
	printTable(&out, rows)
	printOthers(&out, figs, res)
	for _, s := range []string{"Corpus/detector=tx-origin", "0.8 recall", "≥ 0.8", "Other"} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if i := strings.Index(out.String(), "other benchmarks"); i < 0 || strings.Contains(out.String()[i:], "Corpus") {
		t.Errorf("BenchmarkOther not listed, or corpus benchmarks listed, among the others:\n%s", out.String())
	}
	// Under the target: not met.
	low := mustParse(t, strings.Replace(corpusOutput, "0.95 precision", "0.7 precision", 1)).Results
	if r := rowFor(t, pair(expand(figures, low), low), "BenchmarkCorpus/all", "precision"); r.Met == nil || *r.Met {
		t.Errorf("0.7 met the target: %+v", r)
	}
}
