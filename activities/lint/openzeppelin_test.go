package lint

import (
	"context"
	"fmt"
	"io/fs"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// ozBatches is how many compiles TestOpenZeppelinContracts splits the
// library into, each a file importing its share. The library's files
// import one another, so each batch compiles most of it again: on a
// 2-core machine one batch takes ~15 s, two side by side ~22 s, three
// ~27 s. One it is, well within the pool's per-compile limit (a minute).
const ozBatches = 1

// TestOpenZeppelinContracts scans every contract of the installed
// OpenZeppelin Contracts (node_modules/@openzeppelin/contracts, mocks
// aside) with its findings reported: the detectors' precision holds on
// the library users build on, with no HIGH or MEDIUM finding.
func TestOpenZeppelinContracts(t *testing.T) {
	nm, err := compile.FindNodeModules("")
	if err != nil {
		t.Fatalf("node_modules: %v", err)
	}
	root := filepath.Join(nm, "@openzeppelin", "contracts")
	var files []string
	err = filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if d.IsDir() && (d.Name() == "mocks" || d.Name() == "node_modules") {
			return filepath.SkipDir
		}
		if !d.IsDir() && strings.HasSuffix(rel, ".sol") {
			files = append(files, "@openzeppelin/contracts/"+rel)
		}
		return nil
	})
	if err != nil || len(files) < 200 {
		t.Fatalf("OpenZeppelin Contracts under %s: %d files, %v", root, len(files), err)
	}
	sort.Strings(files)

	// Each batch is one file of imports, `as` a namespace each so that no
	// two files' names collide. The library has assembly too deep for the
	// legacy code generator without the optimizer (P256), so it is on.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	p := testPool(t)
	results := make([]compileapi.Result, ozBatches)
	start := time.Now()
	for b := range ozBatches {
		var src strings.Builder
		src.WriteString("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n")
		for i := b; i < len(files); i += ozBatches {
			fmt.Fprintf(&src, "import %q as OZ%d;\n", files[i], i)
		}
		res, err := p.Compile(ctx, compileapi.Request{
			Sources:   map[string]string{fmt.Sprintf("OpenZeppelin%d.sol", b): src.String()},
			Optimizer: compileapi.Optimizer{Enabled: true},
		})
		if err != nil {
			t.Fatalf("compile batch %d: %v", b, err)
		}
		results[b] = res
	}
	compiled := time.Since(start)

	seen := map[string]bool{}
	var findings []Finding
	for b, res := range results {
		// Each batch's own analysis: the units of one compile share ids.
		fs, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion, IncludeDependencies: true})
		if err != nil {
			t.Fatalf("Analyze batch %d: %v", b, err)
		}
		for path := range res.ASTs {
			seen[path] = true
		}
		for _, f := range fs {
			if strings.HasPrefix(f.File, "@openzeppelin/") {
				findings = append(findings, f)
			}
		}
	}
	for _, f := range files {
		if !seen[f] {
			t.Errorf("%s was not analysed", f)
		}
	}
	// A file two batches import is analysed twice: one finding each.
	findings = (&analysis{findings: findings}).result()
	counts := map[string]int{}
	for _, f := range findings {
		if f.Severity == High || f.Severity == Medium {
			t.Errorf("%s finding in OpenZeppelin Contracts: %s:%d %s (%s confidence): %s", f.Severity, f.File, f.Line, f.Detector, f.Confidence, f.Description)
		}
		counts[string(f.Severity)+" "+f.Detector]++
	}
	t.Logf("%d files compiled in %d batches in %v; LOW and INFO findings: %v", len(files), ozBatches, compiled.Round(time.Millisecond), counts)
}
