package lint

// TEMPORARY (refactor check, to be deleted): dumps every finding for a
// fixed set of inputs when LINT_GOLDEN_OUT is set.

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile"
)

type goldenInput struct {
	Units   []Unit
	Version string
}

func goldenInputs(t *testing.T) map[string]goldenInput {
	cache := "/tmp/lintgolden/inputs.json"
	if b, err := os.ReadFile(cache); err == nil {
		var m map[string]goldenInput
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	m := map[string]goldenInput{}
	res := testCorpus(t)
	m["corpus"] = goldenInput{UnitsFromResult(res), res.CompilerVersion}
	p := oldCompilerPool(t)
	for _, dir := range []string{"solc0411", "solc04", "solc05", "solc06", "solc07"} {
		files, _ := filepath.Glob(filepath.Join("testdata", "legacy", dir, "*.sol"))
		src := map[string]string{}
		for _, f := range files {
			b, _ := os.ReadFile(f)
			src[filepath.Base(f)] = string(b)
		}
		ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
		r, err := p.Compile(ctx, compile.Request{Sources: src})
		cancel()
		if err != nil {
			t.Fatal(err)
		}
		m["legacy/"+dir] = goldenInput{UnitsFromResult(r), r.CompilerVersion}
	}
	r := compileSources(t, map[string]string{"Big.sol": bigContract(2000)})
	m["big"] = goldenInput{UnitsFromResult(r), r.CompilerVersion}
	b, _ := json.Marshal(m)
	if err := os.WriteFile(cache, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestZZGoldenDump(t *testing.T) {
	out := os.Getenv("LINT_GOLDEN_OUT")
	if out == "" {
		t.Skip()
	}
	m := goldenInputs(t)
	names := make([]string, 0, len(m))
	for k := range m {
		names = append(names, k)
	}
	sort.Strings(names)
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	dj, _ := json.MarshalIndent(Detectors(), "", " ")
	fmt.Fprintf(f, "DETECTORS %s\n", dj)
	for _, n := range names {
		in := m[n]
		for _, o := range []Options{{}, {IncludeDependencies: true}, {CompilerVersion: in.Version}, {CompilerVersion: in.Version, IncludeDependencies: true}, {CompilerVersion: "0.7.6"}, {CompilerVersion: "0.4.24", IncludeDependencies: true}} {
			fs, err := Analyze(in.Units, o)
			if err != nil {
				t.Fatal(err)
			}
			j, _ := json.Marshal(fs)
			fmt.Fprintf(f, "== %s %+v %d\n%s\n", n, o, len(fs), j)
		}
	}
}
