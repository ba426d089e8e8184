package compile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"os"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

const counterSrc = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;

contract Counter {
    uint256 public count;
    event Incremented(uint256 by);

    function inc(uint256 by) external {
        count += by;
        emit Incremented(by);
    }
}
`

const erc20Src = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import "@openzeppelin/contracts/access/Ownable.sol";

contract MyToken is ERC20, Ownable {
    constructor(address owner) ERC20("My Token", "MTK") Ownable(owner) {
        _mint(owner, 1000 * 10 ** decimals());
    }
}
`

func newTestPool(t testing.TB, cfg Config) *Pool {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p, err := NewPool(ctx, cfg)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// shared is one pool of 2 for the tests that do not break workers.
var (
	sharedOnce sync.Once
	sharedPool *Pool
	sharedErr  error
)

func shared(t *testing.T) *Pool {
	t.Helper()
	sharedOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		// An empty compiler cache of its own: compilers a developer's
		// `slipway audit` installed in the user cache must not change what
		// these tests see as installed.
		dir, err := os.MkdirTemp("", "slipway-solc-empty-")
		if err != nil {
			sharedErr = err
			return
		}
		sharedPool, sharedErr = NewPool(ctx, Config{Size: 2, InstallDir: dir})
	})
	if sharedErr != nil {
		t.Fatalf("NewPool: %v", sharedErr)
	}
	return sharedPool
}

func TestMain(m *testing.M) {
	code := m.Run()
	if sharedPool != nil {
		sharedPool.Close()
	}
	if containP != nil {
		containP.Close()
	}
	if legacyCacheTemp != "" {
		_ = os.RemoveAll(legacyCacheTemp)
	}
	os.Exit(code)
}

func ctxT(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	t.Cleanup(cancel)
	return ctx
}

func TestCompileCounter(t *testing.T) {
	p := shared(t)
	res, err := p.Compile(ctxT(t), compileapi.Request{Source: counterSrc, ContractName: "Counter", Optimizer: compileapi.Optimizer{Enabled: true}})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if res.CompilerVersion != "0.8.37" {
		t.Errorf("version %q, want 0.8.37", res.CompilerVersion)
	}
	if len(res.Contracts) != 1 {
		t.Fatalf("contracts %+v", res.Contracts)
	}
	c := res.Contracts[0]
	if c.Name != "Counter" || c.File != DefaultFile {
		t.Errorf("contract %s in %s", c.Name, c.File)
	}
	if !strings.HasPrefix(c.Bytecode, "0x60") || len(c.Bytecode) < 100 || !strings.HasPrefix(c.DeployedBytecode, "0x60") {
		t.Errorf("bytecode %.40s… deployed %.40s…", c.Bytecode, c.DeployedBytecode)
	}
	var abi []struct{ Name, Type string }
	if err := json.Unmarshal([]byte(c.ABI), &abi); err != nil {
		t.Fatalf("abi: %v", err)
	}
	names := map[string]bool{}
	for _, e := range abi {
		names[e.Type+":"+e.Name] = true
	}
	for _, want := range []string{"function:inc", "function:count", "event:Incremented"} {
		if !names[want] {
			t.Errorf("abi lacks %s: %s", want, c.ABI)
		}
	}
	var ast struct{ NodeType string }
	if err := json.Unmarshal(res.ASTs[DefaultFile], &ast); err != nil || ast.NodeType != "SourceUnit" {
		t.Errorf("ast: %v %q", err, ast.NodeType)
	}
}

func TestCompileOpenZeppelinERC20(t *testing.T) {
	p := shared(t)
	res, err := p.Compile(ctxT(t), compileapi.Request{
		Sources:      map[string]string{"contracts/MyToken.sol": erc20Src},
		ContractName: "MyToken",
	})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if len(res.Contracts) != 1 || res.Contracts[0].Name != "MyToken" || len(res.Contracts[0].Bytecode) < 1000 {
		t.Fatalf("contracts: %+v", res.Contracts)
	}
	if !strings.Contains(res.Contracts[0].ABI, `"transferFrom"`) || !strings.Contains(res.Contracts[0].ABI, `"transferOwnership"`) {
		t.Errorf("ABI lacks ERC20/Ownable functions")
	}
	if _, ok := res.ASTs["@openzeppelin/contracts/token/ERC20/ERC20.sol"]; !ok {
		t.Errorf("no AST for the OpenZeppelin dependency; have %d ASTs", len(res.ASTs))
	}
	if len(res.Warnings) != 0 {
		t.Errorf("warnings: %v", res.Warnings)
	}
}

func TestCompileMultiFileRelativeImport(t *testing.T) {
	p := shared(t)
	res, err := p.Compile(ctxT(t), compileapi.Request{Sources: map[string]string{
		"contracts/A.sol":     "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\nimport \"./lib/B.sol\";\ncontract A is B {}\n",
		"contracts/lib/B.sol": "// SPDX-License-Identifier: MIT\npragma solidity >=0.8.0 <0.9.0;\nimport {A} from \"../A.sol\"; // cycle is fine\ncontract B { function b() public pure returns (uint) { return 1; } }\n",
	}})
	if err != nil {
		t.Fatalf("Compile: %v", err)
	}
	if len(res.Contracts) != 2 || res.Contracts[0].Name != "A" || res.Contracts[1].Name != "B" {
		t.Fatalf("contracts: %+v", res.Contracts)
	}
}

func TestSyntaxErrorPosition(t *testing.T) {
	p := shared(t)
	src := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n\ncontract Broken {\n    function f() public {\n        uint x = 1\n        x;\n    }\n}\n"
	_, err := p.Compile(ctxT(t), compileapi.Request{Source: src})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("err %v, want *CompileError", err)
	}
	if Retryable(err) {
		t.Error("a compile error must not be retryable")
	}
	d := ce.Diagnostics[0]
	// solc points at the token after the missing ';': `x` on line 7, column 9.
	if d.Severity != compileapi.SeverityError || d.File != DefaultFile || d.Line != 7 || d.Column != 9 || d.Type != "ParserError" || d.Code == "" {
		t.Fatalf("diagnostic %+v, want ParserError at Contract.sol:7:9", d)
	}
	if !strings.Contains(d.Message, "';'") {
		t.Errorf("message %q", d.Message)
	}
}

func TestColumnCountsCharacters(t *testing.T) {
	line, col := position("a\n// é\n  x", strings.Index("a\n// é\n  x", "x"))
	if line != 3 || col != 3 {
		t.Fatalf("got %d:%d", line, col)
	}
	line, col = position("// ééé\nxy", len("// ééé"))
	if line != 1 || col != 7 {
		t.Fatalf("got %d:%d, want 1:7", line, col)
	}
}

func TestTypeErrorAndWarnings(t *testing.T) {
	p := shared(t)
	_, err := p.Compile(ctxT(t), compileapi.Request{Source: "pragma solidity ^0.8.0;\ncontract T {\n  function f() public pure returns (uint) { return \"s\"; }\n}\n"})
	var ce *CompileError
	if !errors.As(err, &ce) {
		t.Fatalf("err %v", err)
	}
	var sawType, sawLicense bool
	for _, d := range ce.Diagnostics {
		sawType = sawType || (d.Type == "TypeError" && d.Line == 3)
		sawLicense = sawLicense || (d.Severity == compileapi.SeverityWarning && strings.Contains(d.Message, "SPDX"))
	}
	if !sawType || !sawLicense {
		t.Fatalf("diagnostics %v", ce.Diagnostics)
	}
	res, err := p.Compile(ctxT(t), compileapi.Request{Source: "pragma solidity ^0.8.0;\ncontract W { function f(uint a) public pure {} }\n"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Warnings) == 0 {
		t.Fatal("expected warnings (license, unused parameter)")
	}
}

func TestForbiddenImports(t *testing.T) {
	p := shared(t)
	cases := []struct{ imp, want string }{
		{"../x.sol", "escapes the source root"},
		{"/etc/passwd", "absolute paths are not allowed"},
		{"https://example.com/x.sol", "URL imports are not allowed"},
		{"ipfs:QmX/x.sol", "URL imports are not allowed"},
		{"hardhat/console.sol", `package "hardhat" is not available`},
		{"node_modules/solc/x.sol", "node_modules paths are not allowed"},
		{"@openzeppelin/contracts/../../solc/soljson.js", ". or .. segments"},
		{"@openzeppelin/community-contracts/token/ERC20/extensions/ERC20Bridgeable.sol", `package "@openzeppelin/community-contracts" is not available`},
		{"@openzeppelin/contracts-upgradeable/token/ERC20/Nope.sol", "does not exist in the installed @openzeppelin/contracts-upgradeable"},
		{"@openzeppelin/contracts/token/ERC20/Nope.sol", "does not exist in the installed @openzeppelin/contracts"},
		{"./Other.sol", "Other.sol is not one of the request's sources"},
	}
	for _, tc := range cases {
		t.Run(tc.imp, func(t *testing.T) {
			src := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n\nimport \"" + tc.imp + "\";\ncontract C {}\n"
			_, err := p.Compile(ctxT(t), compileapi.Request{Source: src})
			var ce *CompileError
			if !errors.As(err, &ce) || len(ce.Diagnostics) != 1 {
				t.Fatalf("err %v, want one refused import", err)
			}
			d := ce.Diagnostics[0]
			if d.Code != compileapi.CodeImport || d.File != DefaultFile || d.Line != 4 || d.Column != 8 {
				t.Errorf("diagnostic %+v", d)
			}
			if !strings.Contains(d.Message, tc.imp) || !strings.Contains(d.Message, tc.want) || !strings.Contains(d.Message, DefaultFile) {
				t.Errorf("message %q lacks %q / the import / the file", d.Message, tc.want)
			}
		})
	}
}

func TestImportInCommentOrStringIgnored(t *testing.T) {
	p := shared(t)
	src := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\n// import \"/etc/passwd\";\n/* import \"../x.sol\"; */\ncontract C { string s = 'import \"https://x\"'; }\n"
	if _, err := p.Compile(ctxT(t), compileapi.Request{Source: src}); err != nil {
		t.Fatal(err)
	}
}

func TestPragmaSelection(t *testing.T) {
	p := shared(t)
	res, err := p.Compile(ctxT(t), compileapi.Request{Source: "pragma solidity ^0.8.0;\ncontract A {}\n"})
	if err != nil || res.CompilerVersion != "0.8.37" {
		t.Fatalf("^0.8.0: %v %q", err, res.CompilerVersion)
	}
	_, err = p.Compile(ctxT(t), compileapi.Request{Source: "pragma solidity =0.7.6;\ncontract A {}\n"})
	if !errors.Is(err, ErrNoCompiler) || !strings.Contains(err.Error(), "installed: 0.8.37") || !strings.Contains(err.Error(), "=0.7.6") {
		t.Fatalf("=0.7.6: %v", err)
	}
	if Retryable(err) {
		t.Error("ErrNoCompiler must not be retryable")
	}
	_, err = p.Compile(ctxT(t), compileapi.Request{Source: "pragma solidity ^0.8.0;\ncontract A {}\n", CompilerVersion: "0.8.24"})
	if !errors.Is(err, ErrNoCompiler) || !strings.Contains(err.Error(), "0.8.24 is not installed") {
		t.Fatalf("request 0.8.24: %v", err)
	}
	res, err = p.Compile(ctxT(t), compileapi.Request{Source: "pragma solidity ^0.8.0;\ncontract A {}\n", CompilerVersion: "v0.8.37+commit.f401782d"})
	if err != nil || res.CompilerVersion != "0.8.37" {
		t.Fatalf("request 0.8.37: %v", err)
	}
}

func TestSelectCompilerNewestMatching(t *testing.T) {
	mk := func(vs ...string) []Compiler {
		var out []Compiler
		for _, v := range vs {
			sv, _ := parseVersion(v)
			out = append(out, Compiler{Version: v, v: sv})
		}
		return out
	}
	installed := mk("0.8.37", "0.8.24", "0.8.19", "0.7.6", "0.6.12", "0.4.26")
	cases := []struct {
		pragmas []string
		want    string
	}{
		{[]string{"^0.8.0"}, "0.8.37"},
		{[]string{"0.8.19"}, "0.8.19"},
		{[]string{"=0.8.24"}, "0.8.24"},
		{[]string{"~0.8.19"}, "0.8.37"},
		{[]string{"~0.7.0"}, "0.7.6"},
		{[]string{">=0.6.0 <0.8.0"}, "0.7.6"},
		{[]string{">= 0.6.0 < 0.7.0"}, "0.6.12"},
		{[]string{"^0.4.24 || ^0.6.0"}, "0.6.12"},
		{[]string{"0.4.11 - 0.6"}, "0.6.12"},
		{[]string{"0.8.10 - 0.8.20"}, "0.8.19"},
		{[]string{"^0.8.0", "<0.8.20"}, "0.8.19"},
		{[]string{"0.7.x"}, "0.7.6"},
		{[]string{"^0.4"}, "0.4.26"},
		{[]string{">0.8.19 <=0.8.24"}, "0.8.24"},
		{[]string{"<=0.7"}, "0.7.6"},
		{[]string{">0.7"}, "0.8.37"},
		{[]string{"*"}, "0.8.37"},
	}
	for _, tc := range cases {
		var refs []pragmaRef
		for _, e := range tc.pragmas {
			refs = append(refs, pragmaRef{expr: e, file: "A.sol"})
		}
		c, err := selectCompiler(installed, installed[0], "", refs)
		if err != nil || c.Version != tc.want {
			t.Errorf("%q: got %q, %v; want %s", tc.pragmas, c.Version, err, tc.want)
		}
	}
	_, err := selectCompiler(installed, installed[0], "", []pragmaRef{{expr: "^0.5.0", file: "A.sol"}})
	if !errors.Is(err, ErrNoCompiler) || !strings.Contains(err.Error(), "0.8.37, 0.8.24, 0.8.19, 0.7.6, 0.6.12, 0.4.26") {
		t.Errorf("^0.5.0: %v", err)
	}
	_, err = selectCompiler(installed, installed[0], "", []pragmaRef{{expr: "^banana", file: "A.sol", line: 2}})
	var ce *CompileError
	if !errors.As(err, &ce) || ce.Diagnostics[0].Code != compileapi.CodePragma || ce.Diagnostics[0].Line != 2 {
		t.Errorf("bad pragma: %v", err)
	}
}

func TestDiscoverCompilerAliases(t *testing.T) {
	dir := t.TempDir()
	write := func(name, pkg string, soljson bool) {
		if err := os.MkdirAll(dir+"/"+name, 0o755); err != nil {
			t.Fatal(err)
		}
		_ = os.WriteFile(dir+"/"+name+"/package.json", []byte(pkg), 0o644)
		if soljson {
			_ = os.WriteFile(dir+"/"+name+"/soljson.js", nil, 0o644)
		}
	}
	write("solc", `{"name":"solc","version":"0.8.37"}`, true)
	write("solc-0.8.24", `{"name":"solc","version":"0.8.24"}`, true)
	write("solc-0.7.6", `{"name":"solc","version":"0.7.6"}`, true)
	write("solc-fake", `{"name":"not-solc","version":"9.9.9"}`, true)
	write("solc-0.6.0", `{"name":"solc","version":"0.6.0"}`, false)
	cs, err := discoverCompilers(dir)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, c := range cs {
		got = append(got, c.Version)
	}
	if strings.Join(got, ",") != "0.8.37,0.8.24,0.7.6" {
		t.Fatalf("got %v", got)
	}
}

func TestBadInput(t *testing.T) {
	p := shared(t)
	many := map[string]string{}
	for i := range MaxSourceFiles + 1 {
		many[fmt.Sprintf("F%d.sol", i)] = "contract C {}"
	}
	cases := map[string]compileapi.Request{
		"empty":         {},
		"both":          {Source: "contract A {}", Sources: map[string]string{"B.sol": "contract B {}"}},
		"too many":      {Sources: many},
		"too big":       {Source: strings.Repeat("/", MaxSourceBytes+1)},
		"binary":        {Source: "contract A {}\x00\xff\xfe"},
		"abs path":      {Sources: map[string]string{"/etc/x.sol": "contract A {}"}},
		"dotdot path":   {Sources: map[string]string{"../x.sol": "contract A {}"}},
		"shadow oz":     {Sources: map[string]string{"@openzeppelin/contracts/token/ERC20/ERC20.sol": "contract A {}"}},
		"shadow oz-upg": {Sources: map[string]string{"@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol": "contract A {}"}},
		"no contract":   {Source: "pragma solidity ^0.8.0;\ncontract A {}", ContractName: "B"},
		"bad version":   {Source: "contract A {}", CompilerVersion: "latest"},
		"negative runs": {Source: "contract A {}", Optimizer: compileapi.Optimizer{Enabled: true, Runs: -1}},
	}
	for name, req := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := p.Compile(ctxT(t), req)
			var ce *CompileError
			if !errors.As(err, &ce) && !errors.Is(err, ErrNoCompiler) {
				t.Fatalf("err %v, want a CompileError or ErrNoCompiler", err)
			}
			if Retryable(err) {
				t.Fatal("bad input must not be retryable")
			}
		})
	}
}

func TestConcurrentOnPoolOfTwo(t *testing.T) {
	p := shared(t)
	ctx := ctxT(t)
	const n = 6
	errs := make(chan error, n)
	for i := range n {
		go func() {
			src := fmt.Sprintf("// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract C%d { function v() external pure returns (uint) { return %d; } }\n", i, i)
			res, err := p.Compile(ctx, compileapi.Request{Source: src})
			if err == nil && (len(res.Contracts) != 1 || res.Contracts[0].Name != fmt.Sprintf("C%d", i)) {
				err = fmt.Errorf("request %d got %+v", i, res.Contracts)
			}
			errs <- err
		}()
	}
	for range n {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestQueueRespectsContext(t *testing.T) {
	p := newTestPool(t, Config{Size: 1, debug: true})
	hung := make(chan error, 1)
	go func() {
		_, err := p.do(context.Background(), workerRequest{Debug: "hang"})
		hung <- err
	}()
	waitBusy(t, p)
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := p.Compile(ctx, compileapi.Request{Source: counterSrc})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > 5*time.Second {
		t.Fatalf("queued request: %v after %s", err, time.Since(start))
	}
	p.Close()
	if err := <-hung; !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("hung request after Close: %v", err)
	}
}

// waitBusy waits until a worker has a test "hang" request in flight.
func waitBusy(t *testing.T, p *Pool) {
	t.Helper()
	busyWorker(t, p)
}

func TestWorkerKilledMidRequest(t *testing.T) {
	p := newTestPool(t, Config{Size: 2, debug: true})
	ctx := ctxT(t)
	// Occupy one worker with a request that never ends, then kill that
	// worker while a real compile runs on the other one.
	hung := make(chan error, 1)
	go func() {
		_, err := p.do(ctx, workerRequest{Debug: "hang"})
		hung <- err
	}()
	waitBusy(t, p)
	victim := busyWorker(t, p)
	other := make(chan error, 1)
	go func() {
		_, err := p.Compile(ctx, compileapi.Request{Sources: map[string]string{"T.sol": erc20Src}})
		other <- err
	}()
	// Kill only once the compile is in flight on the other worker.
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		busy := 0
		for _, w := range p.workers {
			if w.inflight.Load() != nil {
				busy++
			}
		}
		if busy == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the compile never reached the second worker")
		}
	}
	oldPid := victim.pid()
	if err := syscall.Kill(oldPid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	// A crash may be the machine's fault: the request runs once more on a
	// fresh process. Crashing that one too makes it the input's fault.
	retryPid := 0
	for deadline := time.Now().Add(time.Minute); retryPid == 0; time.Sleep(10 * time.Millisecond) {
		for _, w := range p.workers {
			if r := w.inflight.Load(); r != nil && r.Debug == "hang" && w.pid() != 0 && w.pid() != oldPid {
				retryPid = w.pid()
			}
		}
		if time.Now().After(deadline) {
			t.Fatal("the crashed request was not run again")
		}
	}
	if err := syscall.Kill(retryPid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	err := <-hung
	if !errors.Is(err, ErrLimitExceeded) || Retryable(err) || !strings.Contains(err.Error(), "crashed on them twice") {
		t.Fatalf("request that crashed two workers: %v, want ErrLimitExceeded", err)
	}
	if err := <-other; err != nil {
		t.Fatalf("request on the other worker was lost: %v", err)
	}
	// The pool recovers: the killed slot restarts and both serve again.
	deadline := time.Now().Add(time.Minute)
	for victim.pid() == 0 || victim.pid() == oldPid {
		if time.Now().After(deadline) {
			t.Fatal("worker was not restarted")
		}
		time.Sleep(50 * time.Millisecond)
	}
	for range 2 {
		if _, err := p.Compile(ctx, compileapi.Request{Source: counterSrc}); err != nil {
			t.Fatalf("after restart: %v", err)
		}
	}
}

// busyWorker finds the worker running the test "hang" request.
func busyWorker(t *testing.T, p *Pool) *worker {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		for _, w := range p.workers {
			if r := w.inflight.Load(); r != nil && r.Debug == "hang" {
				return w
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatal("no worker took the hang request")
	return nil
}

// A hung request is killed at the time limit, run once more on a fresh
// process, and then refused as the input's fault.
func TestTimeoutRestartsWorker(t *testing.T) {
	p := newTestPool(t, Config{Size: 1, RequestTimeout: 2 * time.Second, debug: true})
	ctx := ctxT(t)
	oldPid := p.workers[0].pid()
	start := time.Now()
	_, err := p.do(ctx, workerRequest{Debug: "hang"})
	if !errors.Is(err, ErrLimitExceeded) || Retryable(err) {
		t.Fatalf("hang: %v, want ErrLimitExceeded", err)
	}
	if d := time.Since(start); d < 4*time.Second || d > 30*time.Second {
		t.Errorf("refused after %s, want two runs of 2 s", d)
	}
	if syscall.Kill(oldPid, 0) == nil {
		// The process group is reaped by proc.Stop before kill returns.
		t.Errorf("hung worker %d still alive", oldPid)
	}
	res, err := p.Compile(ctx, compileapi.Request{Source: counterSrc})
	if err != nil || len(res.Contracts) != 1 {
		t.Fatalf("after timeout: %v", err)
	}
	if p.workers[0].pid() == oldPid {
		t.Error("worker was not replaced")
	}
}

func TestOutputCap(t *testing.T) {
	p := newTestPool(t, Config{Size: 1, MaxOutputBytes: 4 << 10, debug: true})
	ctx := ctxT(t)
	pid := p.workers[0].pid()
	// A real compile whose output (bytecode, ABI, AST) is far above 4 KiB.
	_, err := p.Compile(ctx, compileapi.Request{Source: erc20Src})
	if !errors.Is(err, ErrOutputTooLarge) || Retryable(err) {
		t.Fatalf("big output: %v, want ErrOutputTooLarge", err)
	}
	// Several MiB in one line: refused without holding it, worker kept.
	_, err = p.do(ctx, workerRequest{Debug: "big", Size: 8 << 20})
	if !errors.Is(err, ErrOutputTooLarge) {
		t.Fatalf("8 MiB line: %v", err)
	}
	// The stream stays in step: a small answer still works on the same worker.
	out, err := p.do(ctx, workerRequest{Debug: "big", Size: 10})
	if err != nil || string(out) != `"xxxxxxxxxx"` {
		t.Fatalf("small answer after big ones: %s %v", out, err)
	}
	if p.workers[0].pid() != pid {
		t.Error("worker was restarted for an oversized answer")
	}
}

func TestCloseFailsNewRequests(t *testing.T) {
	p := newTestPool(t, Config{Size: 1})
	p.Close()
	if _, err := p.Compile(ctxT(t), compileapi.Request{Source: counterSrc}); !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("after Close: %v", err)
	}
}

func TestActivities(t *testing.T) {
	a := &Activities{Pool: shared(t)}
	res, err := a.Compile(ctxT(t), compileapi.Request{Source: counterSrc})
	if err != nil || len(res.Contracts) != 1 {
		t.Fatal(err)
	}
}
