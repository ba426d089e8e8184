package lint

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// One pool and one compile of all testdata for the whole test binary: a
// compile costs ~1 s of solc, the analysis microseconds.
var (
	poolOnce sync.Once
	pool     *compile.Pool
	poolErr  error

	corpusOnce sync.Once
	corpus     compileapi.Result
	corpusErr  error
)

func testPool(t testing.TB) *compile.Pool {
	t.Helper()
	poolOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		pool, poolErr = compile.NewPool(ctx, compile.Config{Size: 1})
	})
	if poolErr != nil {
		t.Fatalf("NewPool: %v", poolErr)
	}
	return pool
}

func TestMain(m *testing.M) {
	code := m.Run()
	if pool != nil {
		pool.Close()
	}
	closeOldPool()
	os.Exit(code)
}

func compileSources(t testing.TB, sources map[string]string) compileapi.Result {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	res, err := testPool(t).Compile(ctx, compileapi.Request{Sources: sources})
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	return res
}

// testCorpus compiles every testdata/*.sol in one request.
func testCorpus(t *testing.T) compileapi.Result {
	t.Helper()
	corpusOnce.Do(func() {
		files, err := filepath.Glob("testdata/*.sol")
		if err != nil || len(files) == 0 {
			corpusErr = fmt.Errorf("no testdata: %v", err)
			return
		}
		src := map[string]string{}
		for _, f := range files {
			b, err := os.ReadFile(f)
			if err != nil {
				corpusErr = err
				return
			}
			src[filepath.Base(f)] = string(b)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		p := testPool(t)
		corpus, corpusErr = p.Compile(ctx, compileapi.Request{Sources: src})
	})
	if corpusErr != nil {
		t.Fatalf("compile testdata: %v", corpusErr)
	}
	return corpus
}

// expectations reads `// <tag>: id id…` comments: the findings each line
// must produce, and no others. An id may carry the finding's confidence
// (`weak-prng:low`), which expectedConfidences reads.
func expectations(files map[string]string, tag string) map[string]bool {
	want := map[string]bool{}
	for k := range expectedConfidences(files, tag) {
		want[k] = true
	}
	return want
}

// expectedConfidences reads the expectations of expectations with the
// confidence each names ("" when it names none).
func expectedConfidences(files map[string]string, tag string) map[string]Confidence {
	re := regexp.MustCompile(`//\s*` + regexp.QuoteMeta(tag) + `:\s*([a-z0-9\- ,:]+)`)
	want := map[string]Confidence{}
	for name, src := range files {
		for i, line := range strings.Split(src, "\n") {
			m := re.FindStringSubmatch(line)
			if m == nil {
				continue
			}
			for _, id := range strings.FieldsFunc(m[1], func(r rune) bool { return r == ' ' || r == ',' }) {
				id, conf, _ := strings.Cut(id, ":")
				want[fmt.Sprintf("%s:%d %s", name, i+1, id)] = Confidence(strings.ToUpper(conf))
			}
		}
	}
	return want
}

// checkConfidences fails for every finding whose expectation names a
// confidence it does not have.
func checkConfidences(t *testing.T, fs []Finding, want map[string]Confidence) {
	t.Helper()
	for _, f := range fs {
		k := fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Detector)
		if c := want[k]; c != "" && c != f.Confidence {
			t.Errorf("finding %s has confidence %s, want %s", k, f.Confidence, c)
		}
	}
}

func keys(fs []Finding, filter func(Finding) bool) map[string]bool {
	got := map[string]bool{}
	for _, f := range fs {
		if filter == nil || filter(f) {
			got[fmt.Sprintf("%s:%d %s", f.File, f.Line, f.Detector)] = true
		}
	}
	return got
}

func diff(t *testing.T, got, want map[string]bool) {
	t.Helper()
	var missing, extra []string
	for k := range want {
		if !got[k] {
			missing = append(missing, k)
		}
	}
	for k := range got {
		if !want[k] {
			extra = append(extra, k)
		}
	}
	sort.Strings(missing)
	sort.Strings(extra)
	for _, k := range missing {
		t.Errorf("missing finding %s", k)
	}
	for _, k := range extra {
		t.Errorf("unexpected finding %s", k)
	}
}

// TestDetectors checks every vulnerable/fixed pair of testdata: exactly
// the expected findings, so a fixed contract that trips a detector fails.
func TestDetectors(t *testing.T) {
	res := testCorpus(t)
	fs, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	diff(t, keys(fs, nil), expectations(res.Sources, "expect"))
	checkConfidences(t, fs, expectedConfidences(res.Sources, "expect"))
	// Every finding is fully populated.
	for _, f := range fs {
		if f.Title == "" || f.Description == "" || f.Severity.Rank() == 0 || f.Confidence == "" || f.Column < 1 {
			t.Errorf("incomplete finding %+v", f)
		}
	}
	// Every detector that can fire on 0.8 code is exercised.
	fired := map[string]bool{}
	for _, f := range fs {
		fired[f.Detector] = true
	}
	for _, d := range Detectors() {
		switch d.ID {
		case "integer-overflow", "shadowing-state", "uninitialized-storage", "deprecated":
			// need a pre-0.8 compiler: TestIntegerOverflowPre08, TestPre08Constructs
			continue
		case "incorrect-constructor-name", "default-visibility", "short-address":
			// need a pre-0.5 compiler: TestOldCompilerOutput (legacy/solc04)
			continue
		}
		if !fired[d.ID] {
			t.Errorf("detector %s has no true positive in testdata", d.ID)
		}
	}
	// The default deploy gate still stops the classic bugs whose pattern
	// the detector proves: the DAO reentrancy and an unprotected ether
	// withdrawal.
	gated := map[string]bool{}
	for _, f := range GateFailures(fs, "") {
		gated[f.Detector] = true
	}
	for _, id := range []string{"reentrancy-eth", "unprotected-ether-withdrawal"} {
		if !gated[id] {
			t.Errorf("the default gate lets every %s finding through", id)
		}
	}
}

func TestIntegerOverflowPre08(t *testing.T) {
	res := testCorpus(t)
	fs, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: "0.7.6"})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	diff(t, keys(fs, func(f Finding) bool { return f.Detector == "integer-overflow" && f.File == "overflow.sol" }), expectations(res.Sources, "expect-0.7"))
	checkConfidences(t, fs, expectedConfidences(res.Sources, "expect-0.7"))
}

func TestColumnsPointAtCode(t *testing.T) {
	res := testCorpus(t)
	fs, err := Analyze(UnitsFromResult(res), Options{})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	for _, f := range fs {
		if f.Detector != "tx-origin" {
			continue
		}
		line := strings.Split(res.Sources[f.File], "\n")[f.Line-1]
		if !strings.HasPrefix(line[f.Column-1:], "tx.origin") {
			t.Errorf("tx-origin column %d does not point at tx.origin in %q", f.Column, line)
		}
	}
}

const ozToken = `// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Burnable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Burnable.sol";
import {ERC20Pausable} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Pausable.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";
import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

contract MyToken is ERC20, ERC20Burnable, ERC20Pausable, Ownable, ERC20Permit {
    constructor(address initialOwner)
        ERC20("MyToken", "MTK")
        Ownable(initialOwner)
        ERC20Permit("MyToken")
    {
        _mint(msg.sender, 1000 * 10 ** decimals());
    }

    function pause() public onlyOwner {
        _pause();
    }

    function unpause() public onlyOwner {
        _unpause();
    }

    function mint(address to, uint256 amount) public onlyOwner {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value)
        internal
        override(ERC20, ERC20Pausable)
    {
        super._update(from, to, value);
    }
}
`

// TestOpenZeppelinToken: a Wizard-style token is clean, and even the
// OpenZeppelin sources themselves give no HIGH or MEDIUM finding.
func TestOpenZeppelinToken(t *testing.T) {
	res := compileSources(t, map[string]string{"MyToken.sol": ozToken})
	units := UnitsFromResult(res)
	fs, err := Analyze(units, Options{CompilerVersion: res.CompilerVersion})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	if len(fs) != 0 {
		t.Errorf("findings on a clean token: %+v", fs)
	}
	all, err := Analyze(units, Options{CompilerVersion: res.CompilerVersion, IncludeDependencies: true})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	for _, f := range all {
		if f.Severity == High || f.Severity == Medium {
			t.Errorf("%s finding in dependency: %+v", f.Severity, f)
		}
		if f.Detector == "erc20-approve-race" {
			t.Errorf("OpenZeppelin's approve reported: %+v", f)
		}
	}
	t.Logf("%d units, %d low/info findings in OpenZeppelin", len(units), len(all))
	for _, f := range all {
		t.Logf("%s:%d %s %s", f.File, f.Line, f.Detector, f.Severity)
	}
}

func TestStableOutput(t *testing.T) {
	res := testCorpus(t)
	units := UnitsFromResult(res)
	first, err := Analyze(units, Options{})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	rev := make([]Unit, len(units))
	for i, u := range units {
		rev[len(units)-1-i] = u
	}
	for i := 0; i < 3; i++ {
		again, err := Analyze(rev, Options{})
		if err != nil {
			t.Fatalf("Analyze: %v", err)
		}
		if !reflect.DeepEqual(first, again) {
			t.Fatalf("run %d differs:\n%v\n%v", i, first, again)
		}
	}
	for i := 1; i < len(first); i++ {
		a, b := first[i-1], first[i]
		if a.File > b.File || (a.File == b.File && (a.Line > b.Line || (a.Line == b.Line && a.Column > b.Column))) {
			t.Errorf("not sorted: %+v before %+v", a, b)
		}
	}
}

func TestSummarizeAndGate(t *testing.T) {
	fs := []Finding{{Severity: High}, {Severity: Low}, {Severity: Low}, {Severity: Info}}
	if s := Summarize(fs); s != (Summary{High: 1, Low: 2, Info: 1}) {
		t.Errorf("Summarize = %+v", s)
	}
	if !Gate(fs, High) || !Gate(fs, Low) || Gate(fs[1:], Medium) || !Gate(fs[1:], Info) || Gate(nil, Info) {
		t.Error("Gate thresholds wrong")
	}
	if _, err := ParseSeverity("medium"); err != nil {
		t.Error(err)
	}
	if _, err := ParseSeverity("critical"); err == nil {
		t.Error("ParseSeverity accepted critical")
	}
}

func TestBadAST(t *testing.T) {
	for _, raw := range []string{``, `[]`, `{"nodeType":"Block"}`, `{"nodeType":"SourceUnit","src":"x"}`, `{"name":"SourceUnit","children":[]}`} {
		if _, err := Analyze([]Unit{{Path: "a.sol", AST: []byte(raw)}}, Options{}); err == nil {
			t.Errorf("Analyze(%q) succeeded", raw)
		}
	}
	deep := strings.Repeat(`{"nodeType":"X","src":"0:0:0","e":`, maxDepth+10) + "{}" + strings.Repeat("}", maxDepth+10)
	if _, err := ParseAST([]byte(deep)); err == nil {
		t.Error("ParseAST accepted a too deep AST")
	}
}

// BenchmarkParseToken isolates AST decoding, the bulk of an analysis.
func BenchmarkParseToken(b *testing.B) {
	res := compileSources(b, map[string]string{"MyToken.sol": ozToken})
	units := UnitsFromResult(res)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, u := range units {
			if _, err := ParseAST(u.AST); err != nil {
				b.Fatal(err)
			}
		}
	}
}

// TestPre08Constructs checks the detectors for constructs only old
// compilers accept, on a 0.8 AST edited into the old shape.
func TestPre08Constructs(t *testing.T) {
	res := testCorpus(t)
	ast := string(res.ASTs["legacy.sol"])
	for _, r := range [][2]string{
		{`"name":"legacyTotal"`, `"name":"legacyCount"`},
		{`"initialValue"`, `"initialValueRemoved"`},
		{`"name":"keccak256"`, `"name":"sha3"`},
	} {
		if !strings.Contains(ast, r[0]) {
			t.Fatalf("AST of legacy.sol has no %s", r[0])
		}
		ast = strings.ReplaceAll(ast, r[0], r[1])
	}
	fs, err := Analyze([]Unit{{Path: "legacy.sol", Source: res.Sources["legacy.sol"], AST: []byte(ast)}}, Options{})
	if err != nil {
		t.Fatalf("Analyze: %v", err)
	}
	want := expectations(map[string]string{"legacy.sol": res.Sources["legacy.sol"]}, "expect-legacy")
	diff(t, keys(fs, func(f Finding) bool {
		return f.Detector == "shadowing-state" || f.Detector == "uninitialized-storage" || f.Detector == "deprecated"
	}), want)
}
