package compile

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// ctxLong leaves room for installs from npm (~8 MB a compiler).
func ctxLong(t *testing.T) (context.Context, context.CancelFunc) {
	return context.WithTimeout(t.Context(), 10*time.Minute)
}

func mustSets(t *testing.T, exprs ...string) []versionSet {
	t.Helper()
	var sets []versionSet
	for _, e := range exprs {
		s, err := parsePragma(e)
		if err != nil {
			t.Fatalf("%q: %v", e, err)
		}
		sets = append(sets, s)
	}
	return sets
}

func mustVersion(t *testing.T, s string) semver {
	t.Helper()
	v, err := parseVersion(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAdmitsOlderSeries(t *testing.T) {
	for _, tc := range []struct {
		newest  string
		pragmas []string
		want    bool
	}{
		{"0.8.37", []string{">=0.5.11"}, true},
		{"0.8.37", []string{"^0.8.0"}, false},
		{"0.8.37", []string{">=0.8.0"}, false},
		{"0.8.37", []string{">=0.4.22 <0.9.0"}, true},
		{"0.8.37", []string{"*"}, true},
		{"0.8.37", []string{"^0.4.24 || ^0.8.0"}, true},
		{"0.8.37", []string{"^0.8.0", ">=0.5.0"}, false}, // files must agree
		{"0.8.37", []string{">=0.6.0", "<0.8.0 || >=0.8.20"}, true},
		{"0.8.37", []string{">=0.3.0 <0.4.0 || ^0.8.0"}, false}, // unsupported series only
		{"0.7.6", []string{">=0.7.0"}, false},
		{"0.7.6", []string{">=0.6.2 <0.8.0"}, true},
		{"0.5.17", []string{"^0.5.0"}, false},
		{"0.4.26", []string{">=0.4.0"}, false}, // 0.4 is the oldest series
	} {
		got := admitsOlderSeries(mustVersion(t, tc.newest), mustSets(t, tc.pragmas...))
		if got != tc.want {
			t.Errorf("%s %q: got %v, want %v", tc.newest, tc.pragmas, got, tc.want)
		}
	}
}

func TestOlderSeriesCandidates(t *testing.T) {
	var releases []semver
	for _, s := range []string{"0.8.37", "0.8.24", "0.7.6", "0.7.0", "0.6.12", "0.6.2", "0.5.17", "0.5.11", "0.5.10", "0.4.26", "0.4.9", "0.3.6"} {
		releases = append(releases, mustVersion(t, s))
	}
	for _, tc := range []struct {
		newest  string
		pragmas []string
		want    string
	}{
		{"0.8.37", []string{">=0.5.11"}, "0.7.6 0.6.12 0.5.17"},
		{"0.8.37", []string{">=0.4.0"}, "0.7.6 0.6.12 0.5.17 0.4.26"},
		{"0.8.37", []string{">=0.4.0 <0.4.10 || >=0.7.0"}, "0.7.6 0.4.9"},
		{"0.8.37", []string{"*"}, "0.7.6 0.6.12 0.5.17 0.4.26"}, // never 0.3
		{"0.8.37", []string{">=0.5.0 <0.5.11 || ^0.8.0"}, "0.5.10"},
		{"0.7.6", []string{">=0.6.0 <0.8.0"}, "0.6.12"},
		{"0.8.37", []string{"^0.8.0"}, ""},
		{"0.8.37", []string{">=0.6.0", "<0.7.0 || ^0.8.0"}, "0.6.12"},
	} {
		var got []string
		for _, v := range olderSeries(mustVersion(t, tc.newest), mustSets(t, tc.pragmas...), releases) {
			got = append(got, v.String())
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%s %q: got %q, want %q", tc.newest, tc.pragmas, got, tc.want)
		}
	}
}

func TestFallbackWorthy(t *testing.T) {
	diag := func(typ, msg string) compileapi.Diagnostic {
		return compileapi.Diagnostic{Severity: compileapi.SeverityError, Type: typ, Message: msg}
	}
	warn := compileapi.Diagnostic{Severity: compileapi.SeverityWarning, Type: "Warning", Message: "w"}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"type error", &CompileError{Diagnostics: []compileapi.Diagnostic{diag("TypeError", "x"), warn}}, true},
		{"parser and declaration", &CompileError{Diagnostics: []compileapi.Diagnostic{diag("ParserError", "x"), diag("DeclarationError", "y"), diag("SyntaxError", "z")}}, true},
		{"stack too deep", &CompileError{Diagnostics: []compileapi.Diagnostic{diag("CompilerError", "Stack too deep.")}}, false},
		{"mixed", &CompileError{Diagnostics: []compileapi.Diagnostic{diag("TypeError", "x"), diag("CompilerError", "y")}}, false},
		{"missing import", &CompileError{Diagnostics: []compileapi.Diagnostic{diag("ParserError", `Source "x.sol" not found: File not found.`)}}, false},
		{"slipway's own", &CompileError{Diagnostics: []compileapi.Diagnostic{{Severity: compileapi.SeverityError, Code: compileapi.CodeContract, Message: "no"}}}, false},
		{"warnings only", &CompileError{Diagnostics: []compileapi.Diagnostic{warn}}, false},
		{"limit", fmt.Errorf("x: %w", ErrLimitExceeded), false},
	} {
		if _, got := fallbackWorthy(tc.err); got != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}

// Sources for an older series than the newest compiler: each compiles only
// with the series named (and older ones the pragma still admits).
const (
	// 0.8 made msg.sender a plain address: transfer needs a payable one.
	transferSrc = "pragma solidity >=0.5.11;\ncontract Pay {\n    function pay(uint x) public { msg.sender.transfer(x); }\n}\n"
	// `now` went in 0.7.
	nowSrc = "pragma solidity >=0.5.11;\ncontract Clock {\n    function t() public view returns (uint) { return now; }\n}\n"
	// `throw` and a constructor named after its contract went in 0.5.
	throwSrc = "pragma solidity >=0.4.22;\ncontract Old {\n    address owner;\n    function Old() public { owner = msg.sender; }\n    function f() public { if (msg.sender != owner) throw; }\n}\n"
	// Wrong under every compiler.
	undeclaredSrc = "pragma solidity >=0.4.22;\ncontract Bad {\n    function f() public { missing = 1; }\n}\n"
)

func fallbackNoteOf(ds []compileapi.Diagnostic) (compileapi.Diagnostic, bool) {
	for _, d := range ds {
		if d.Code == compileapi.CodeCompilerFallback {
			return d, true
		}
	}
	return compileapi.Diagnostic{}, false
}

// Without automatic installation and with only 0.8 installed there is
// nothing older to try: the error says so.
func TestFallbackNeedsOlderCompilers(t *testing.T) {
	p := shared(t)
	_, err := p.Compile(ctxT(t), compileapi.Request{Source: nowSrc})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("want a compile error, got %v", err)
	}
	note, ok := fallbackNoteOf(ce.Diagnostics)
	if !ok || !strings.Contains(note.Message, "automatic installation is off") || !strings.Contains(err.Error(), "automatic installation is off") {
		t.Fatalf("want the note that older series are not installed, got %v", err)
	}
	if ce.Diagnostics[0].Severity != compileapi.SeverityError || ce.Diagnostics[0].Line != 3 {
		t.Fatalf("the newest compiler's error comes first: %+v", ce.Diagnostics)
	}
	_, err = p.Compile(ctxT(t), compileapi.Request{Source: nowSrc, CompilerVersion: p.def.Version})
	if !errors.As(err, &ce) {
		t.Fatalf("want a compile error, got %v", err)
	}
	if _, ok := fallbackNoteOf(ce.Diagnostics); ok {
		t.Fatalf("a named compiler version gets no fallback: %v", err)
	}
}

// Versions older than 0.4.0 are refused before anything is installed.
func TestUnsupportedCompilerVersion(t *testing.T) {
	p := shared(t)
	_, err := p.Compile(ctxT(t), compileapi.Request{Source: "contract A {}\n", CompilerVersion: "0.3.6"})
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Diagnostics[0].Code != compileapi.CodeUnsupportedCompiler || !strings.Contains(err.Error(), "0.3.6 is not supported") {
		t.Fatalf("want the unsupported-compiler error, got %v", err)
	}
	if Retryable(err) {
		t.Error("an unsupported compiler must not be retryable")
	}
}

// A published solc-js package that does not load (solc 0.4.0 on npm ships
// a web page as its soljson.js) is an unsupported compiler, and the worker
// that tried it serves the next request.
func TestUnloadableCompilerIsUnsupported(t *testing.T) {
	nm, _ := nodeModulesWithout(t)
	dir := filepath.Join(nm, "solc-0.4.0")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for name, content := range map[string]string{
		"package.json": `{"name": "solc", "version": "0.4.0"}`,
		"soljson.js":   "<!DOCTYPE html>\n<html><title>Page not found</title></html>\n",
		"index.js":     "module.exports = require('./soljson.js');\n",
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	p := newTestPool(t, Config{NodeModules: nm, InstallDir: t.TempDir()})
	pid := p.workers[0].pid()
	_, err := p.Compile(ctxT(t), compileapi.Request{Source: "pragma solidity 0.4.0;\ncontract A {}\n"})
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Diagnostics[0].Code != compileapi.CodeUnsupportedCompiler || !strings.Contains(err.Error(), "does not load") {
		t.Fatalf("want the unsupported-compiler error, got %v", err)
	}
	if _, err := p.Compile(ctxT(t), compileapi.Request{Source: counterSrc}); err != nil {
		t.Fatal(err)
	}
	if got := p.workers[0].pid(); got != pid {
		t.Errorf("the worker was replaced (pid %d, then %d)", pid, got)
	}
}

// fallbackPool has only the default compiler in node_modules and installs
// the others from npm into the shared test folder.
func fallbackPool(t *testing.T, cache Cache) *Pool {
	t.Helper()
	needNPM(t)
	nm, def := nodeModulesWithout(t)
	if !strings.HasPrefix(def, "0.8.") {
		t.Skipf("the default compiler is %s, not 0.8", def)
	}
	return newTestPool(t, Config{NodeModules: nm, InstallDir: legacyInstallDir(t), AutoInstall: true, Cache: cache})
}

// Open pragmas on code for older series compile with the newest release of
// the newest series that compiles them, and say so; a named version gets
// no fallback; sources wrong under every series report the newest's errors
// and every version tried.
func TestFallbackToOlderSeries(t *testing.T) {
	p := fallbackPool(t, nil)
	for _, tc := range []struct {
		name, src, want string
		tried           []string
	}{
		{"transfer", transferSrc, "0.7.6", nil},
		{"now", nowSrc, "0.6.12", []string{"0.7.6"}},
		{"throw", throwSrc, "0.4.26", []string{"0.7.6", "0.6.12", "0.5.17"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := ctxLong(t)
			defer cancel()
			began := time.Now()
			r, err := p.Compile(ctx, compileapi.Request{Source: tc.src})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			t.Logf("compiled with %s in %s", r.CompilerVersion, time.Since(began).Round(time.Millisecond))
			if r.CompilerVersion != tc.want {
				t.Fatalf("compiled with %s, want %s", r.CompilerVersion, tc.want)
			}
			if len(r.Contracts) != 1 || len(r.Contracts[0].Bytecode) < 10 {
				t.Fatalf("contracts: %+v", r.Contracts)
			}
			note, ok := fallbackNoteOf(r.Warnings)
			if !ok || !strings.Contains(note.Message, "compiled with solc "+tc.want) || !strings.Contains(note.Message, p.def.Version+", the newest") {
				t.Fatalf("want the fallback note, got %+v", r.Warnings)
			}
			t.Logf("note: %s", note.Message)
			for _, v := range tc.tried {
				if !strings.Contains(note.Message, v) {
					t.Errorf("the note does not name %s, tried before: %s", v, note.Message)
				}
			}
			// A named version is that compiler, and only it.
			runs := p.Stats().SolcRuns
			_, err = p.Compile(ctx, compileapi.Request{Source: tc.src, CompilerVersion: p.def.Version})
			var ce *CompileError
			if !errors.As(err, &ce) {
				t.Fatalf("named %s: want its compile error, got %v", p.def.Version, err)
			}
			if _, ok := fallbackNoteOf(ce.Diagnostics); ok || p.Stats().SolcRuns != runs+1 {
				t.Fatalf("named %s: fell back (solc runs %d → %d): %v", p.def.Version, runs, p.Stats().SolcRuns, err)
			}
			r, err = p.Compile(ctx, compileapi.Request{Source: tc.src, CompilerVersion: tc.want})
			if err != nil || r.CompilerVersion != tc.want {
				t.Fatalf("named %s: %v", tc.want, err)
			}
			if _, ok := fallbackNoteOf(r.Warnings); ok {
				t.Errorf("named %s: a note of a fallback that did not happen", tc.want)
			}
		})
	}
	t.Run("every series fails", func(t *testing.T) {
		ctx, cancel := ctxLong(t)
		defer cancel()
		_, err := p.Compile(ctx, compileapi.Request{Source: undeclaredSrc})
		var ce *CompileError
		if !errors.As(err, &ce) {
			t.Fatalf("want a compile error, got %v", err)
		}
		first := ce.Diagnostics[0]
		// Only 0.8 of these gives an error code: the errors are the newest's.
		if first.Severity != compileapi.SeverityError || first.Type != "DeclarationError" || first.Code == "" || first.Line != 3 {
			t.Fatalf("want the newest compiler's error first, got %+v", ce.Diagnostics)
		}
		t.Logf("error: %v", err)
		tried := "tried solc " + p.def.Version + ", 0.7.6, 0.6.12, 0.5.17, 0.4.26"
		note, ok := fallbackNoteOf(ce.Diagnostics)
		if !ok || !strings.Contains(note.Message, tried) || !strings.Contains(err.Error(), tried) {
			t.Fatalf("want %q in the note and the message, got %v", tried, err)
		}
	})
}

// The choice is remembered: the same sources get the same compiler from
// the cache, without solc, in this pool and in another sharing the cache;
// StandardInput answers it; the compile request riding along an audit is
// cached under it.
func TestFallbackChoiceIsCached(t *testing.T) {
	mc := &memCache{}
	p := fallbackPool(t, mc)
	ctx, cancel := ctxLong(t)
	defer cancel()
	audit := compileapi.Request{Source: nowSrc}
	deploy := compileapi.Request{Source: nowSrc, ContractName: "Clock", OmitAST: true}
	first, err := p.CompileWith(ctx, audit, deploy)
	if err != nil || first.CompilerVersion != "0.6.12" {
		t.Fatalf("first compile: %v, %q", err, first.CompilerVersion)
	}
	runs := p.Stats().SolcRuns
	for _, req := range []compileapi.Request{audit, deploy} {
		r, err := p.Compile(ctx, req)
		if err != nil || r.CompilerVersion != "0.6.12" {
			t.Fatalf("again: %v, %q", err, r.CompilerVersion)
		}
		if _, ok := fallbackNoteOf(r.Warnings); !ok {
			t.Errorf("the cached answer lost the fallback note: %+v", r.Warnings)
		}
	}
	if got := p.Stats().SolcRuns; got != runs {
		t.Fatalf("cached choice ran solc %d more times", got-runs)
	}
	std, err := p.StandardInput(ctx, deploy)
	if err != nil || std.CompilerVersion != "0.6.12" {
		t.Fatalf("StandardInput: %v, %q", err, std.CompilerVersion)
	}

	// Another process with the same cache.
	other := fallbackPool(t, mc)
	r, err := other.Compile(ctx, deploy)
	if err != nil || r.CompilerVersion != "0.6.12" || other.Stats().SolcRuns != 0 {
		t.Fatalf("other pool: %v, %q, stats %+v", err, r.CompilerVersion, other.Stats())
	}
	if std, err := other.StandardInput(ctx, audit); err != nil || std.CompilerVersion != "0.6.12" {
		t.Fatalf("other pool's StandardInput: %v, %q", err, std.CompilerVersion)
	}
	// The key holds the version: pinning the newest is its own (failing)
	// compile, pinning the chosen one is the cached result.
	if _, err := other.Compile(ctx, compileapi.Request{Source: nowSrc, CompilerVersion: other.def.Version}); err == nil {
		t.Fatal("pinned to the newest: compiled")
	}
	runs = other.Stats().SolcRuns
	if r, err := other.Compile(ctx, compileapi.Request{Source: nowSrc, CompilerVersion: "0.6.12"}); err != nil || r.CompilerVersion != "0.6.12" || other.Stats().SolcRuns != runs {
		t.Fatalf("pinned to 0.6.12: %v, %q, solc runs %d → %d", err, r.CompilerVersion, runs, other.Stats().SolcRuns)
	}
}

// solc 0.4.9 and older have no standard JSON: a file pinned to one
// compiles through solc-js's legacy interface, with contracts by file,
// the legacy AST, and errors at their place.
func TestLegacyInterfaceCompiler(t *testing.T) {
	p := fallbackPool(t, nil)
	ctx, cancel := ctxLong(t)
	defer cancel()
	sources := map[string]string{
		"Wallet.sol":    "pragma solidity 0.4.9;\nimport \"lib/Owned.sol\";\n// é\ncontract Wallet is Owned {\n    function Wallet() { }\n    function pay(address to, uint x) onlyOwner { if (!to.send(x)) throw; }\n}\n",
		"lib/Owned.sol": "pragma solidity ^0.4.0;\ncontract Owned {\n    address owner;\n    function Owned() { owner = msg.sender; }\n    modifier onlyOwner { if (msg.sender != owner) throw; _; }\n}\n",
	}
	r, err := p.Compile(ctx, compileapi.Request{Sources: sources, ContractName: "Wallet", Optimizer: compileapi.Optimizer{Enabled: true, Runs: 1000}})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	if r.CompilerVersion != "0.4.9" {
		t.Fatalf("compiled with %s", r.CompilerVersion)
	}
	var names []string
	for _, c := range r.Contracts {
		names = append(names, c.File+":"+c.Name)
		if !strings.HasPrefix(c.Bytecode, "0x60") || !strings.HasPrefix(c.DeployedBytecode, "0x60") || !strings.HasPrefix(c.ABI, "[") {
			t.Errorf("%s: %+v", c.Name, c)
		}
	}
	if want := []string{"Wallet.sol:Wallet", "lib/Owned.sol:Owned"}; !slices.Equal(names, want) {
		t.Fatalf("contracts %v, want %v", names, want)
	}
	if len(r.ASTs) != 2 || !strings.Contains(string(r.ASTs["Wallet.sol"]), `"name":"SourceUnit"`) {
		t.Fatalf("ASTs: %d, %.200s", len(r.ASTs), r.ASTs["Wallet.sol"])
	}
	if !strings.Contains(strings.Join(warningTexts(r), "\n"), "optimizer runs are fixed at 200") {
		t.Errorf("want the optimizer-runs warning, got %v", r.Warnings)
	}
	bad := "pragma solidity 0.4.9;\n// é\ncontract C {\n    function f() { y = 1; }\n}\n"
	_, err = p.Compile(ctx, compileapi.Request{Source: bad})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("want a compile error, got %v", err)
	}
	if d := ce.Diagnostics[0]; d.Line != 4 || d.Column != 20 || d.Message != "Undeclared identifier." || d.File != DefaultFile {
		t.Fatalf("diagnostic %+v", d)
	}
	// A pragma admitting only pre-0.4 releases is refused before an install.
	installs := p.Stats().Installs
	_, err = p.Compile(ctx, compileapi.Request{Source: "pragma solidity ^0.3.0;\ncontract A {}\n"})
	if !errors.As(err, &ce) || ce.Diagnostics[0].Code != compileapi.CodeUnsupportedCompiler {
		t.Fatalf("^0.3.0: want the unsupported-compiler error, got %v", err)
	}
	if p.Stats().Installs != installs {
		t.Error("^0.3.0: installed a compiler it then refused")
	}
}
