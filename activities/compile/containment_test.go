package compile

import (
	"context"
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

// pathologicalShapes build sources that stress solc rather than say
// anything: each takes a size and answers a whole source file.
var pathologicalShapes = []struct {
	name string
	gen  func(n int) string
}{
	{"sum", func(n int) string { // a+a+…+a: overflowed solc-js's stack at 50,000
		return fn("uint a", "uint", strings.TrimSuffix(strings.Repeat("a+", n), "+"))
	}},
	{"parens", func(n int) string {
		return fn("", "uint", strings.Repeat("(", n)+"1"+strings.Repeat(")", n))
	}},
	{"not", func(n int) string { return fn("uint a", "uint", strings.Repeat("~", n)+"a") }},
	{"calls", func(n int) string {
		return "pragma solidity ^0.8.0;\ncontract P { function g(uint x) internal pure returns (uint) { return x; }\n" +
			"function f() external pure returns (uint) { return " + strings.Repeat("g(", n) + "1" + strings.Repeat(")", n) + "; } }\n"
	}},
	{"blocks", func(n int) string {
		return "pragma solidity ^0.8.0;\ncontract P { function f() external pure { " + strings.Repeat("{", n) + strings.Repeat("}", n) + " } }\n"
	}},
	{"ifs", func(n int) string {
		return "pragma solidity ^0.8.0;\ncontract P { function f(uint a) external pure returns (uint) { " +
			strings.Repeat("if (a > 1) { ", n) + "return a;" + strings.Repeat(" }", n) + " return 0; } }\n"
	}},
	{"number", func(n int) string { return fn("", "uint", strings.Repeat("9", n)) }},
	{"exponent", func(n int) string { return fn("", "uint", fmt.Sprintf("1e%d", n*1000)) }},
	{"string", func(n int) string { return fn("", "string memory", `"`+strings.Repeat("x", n*10)+`"`) }},
	{"array", func(n int) string {
		var b strings.Builder
		for i := range n {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, "uint256(%d)", i*1000000007)
		}
		return "pragma solidity ^0.8.0;\ncontract P { function f(uint i) external pure returns (uint) { uint256[" +
			fmt.Sprint(max(n, 1)) + "] memory x = [" + b.String() + "]; return x[i]; } }\n"
	}},
}

func fn(params, returns, expr string) string {
	return "pragma solidity ^0.8.0;\ncontract P { function f(" + params + ") external pure returns (" + returns + ") { return " + expr + "; } }\n"
}

// containPool is a pool of one worker, the dev default, shared by the
// fuzz target's inputs; its time limit is short so that a slow shape
// costs seconds.
var (
	containOnce sync.Once
	containP    *Pool
	containErr  error
)

func containPool(t testing.TB) *Pool {
	t.Helper()
	containOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		containP, containErr = NewPool(ctx, Config{Size: 1, RequestTimeout: 15 * time.Second, Overflow: -1})
	})
	if containErr != nil {
		t.Fatalf("NewPool: %v", containErr)
	}
	return containP
}

// FuzzPathologicalSources: whatever the shape and size of a pathological
// source, its compile fails (if it fails) as the user's error, never as a
// retryable one, and the pool of one worker then compiles an ordinary
// contract. Before workers were replaced after a throw, the 50,000-term sum
// left the worker answering every later compile with "You shall not have
// another CompilerStack".
func FuzzPathologicalSources(f *testing.F) {
	for i, n := range map[string]int{"sum": 50000, "parens": 50000, "not": 50000, "calls": 20000, "blocks": 20000,
		"ifs": 10000, "number": 200000, "exponent": 1000, "string": 90000, "array": 300} {
		for j, s := range pathologicalShapes {
			if s.name == i {
				f.Add(uint8(j), uint32(n))
			}
		}
	}
	f.Fuzz(func(t *testing.T, shape uint8, n uint32) {
		p := containPool(t)
		s := pathologicalShapes[int(shape)%len(pathologicalShapes)]
		src := s.gen(int(n % 100001))
		if len(src) > MaxSourceBytes {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		began := time.Now()
		_, err := p.Compile(ctx, compileapi.Request{Source: src, Optimizer: compileapi.Optimizer{Enabled: true}})
		var ce *CompileError
		switch {
		case err == nil, errors.As(err, &ce), errors.Is(err, ErrCompiler), errors.Is(err, ErrLimitExceeded), errors.Is(err, ErrOutputTooLarge):
			if Retryable(err) {
				t.Fatalf("%s(%d): %v is retryable", s.name, n, err)
			}
		default:
			t.Fatalf("%s(%d): %v, want success or the user's error", s.name, n, err)
		}
		t.Logf("%s(%d): %.200v in %s", s.name, n, err, time.Since(began).Round(time.Millisecond))
		res, err := p.Compile(ctx, compileapi.Request{Source: counterSrc, ContractName: "Counter"})
		if err != nil || len(res.Contracts) != 1 {
			t.Fatalf("ordinary compile after %s(%d): %v", s.name, n, err)
		}
	})
}

// The case exactly: solc-js overflowing its stack is the request's
// invalid input, with a plain message, and the single worker is replaced
// before it answers the next user.
func TestStackOverflowReplacesWorker(t *testing.T) {
	p := newTestPool(t, Config{Size: 1})
	ctx := ctxT(t)
	pid := p.workers[0].pid()
	_, err := p.Compile(ctx, compileapi.Request{Source: pathologicalShapes[0].gen(50000)})
	if !errors.Is(err, ErrCompiler) || Retryable(err) {
		t.Fatalf("50,000-term sum: %v, want ErrCompiler, not retryable", err)
	}
	if !strings.Contains(err.Error(), "ran out of stack") || strings.Contains(err.Error(), "RangeError") {
		t.Errorf("message %q, want a plain one", err)
	}
	for range 3 {
		if _, err := p.Compile(ctx, compileapi.Request{Source: counterSrc}); err != nil {
			t.Fatalf("next compile on the same pool: %v", err)
		}
	}
	if p.workers[0].pid() == pid {
		t.Error("the worker that threw was kept")
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("the worker that threw (%d) is still running", pid)
	}
}

// slowSource keeps solc busy for over a minute on this machine (about
// 75 s): the 58 KB constant array with 999,999 optimizer runs.
func slowSource() compileapi.Request {
	return compileapi.Request{Source: pathologicalShapes[len(pathologicalShapes)-1].gen(3000), Optimizer: compileapi.Optimizer{Enabled: true, Runs: 999999}}
}

// With the dev default of one worker, a slow compile does not hold other
// users' compiles until its time limit: an overflow worker serves them.
// When the slow compile's caller gives up, its process is killed at once.
func TestSlowInputDoesNotBlockOthers(t *testing.T) {
	p := newTestPool(t, Config{Size: 1})
	slowCtx, cancelSlow := context.WithCancel(t.Context())
	defer cancelSlow()
	slow := make(chan error, 1)
	go func() {
		_, err := p.Compile(slowCtx, slowSource())
		slow <- err
	}()
	for deadline := time.Now().Add(30 * time.Second); p.workers[0].inflight.Load() == nil; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the slow compile never started")
		}
	}
	slowPid := p.workers[0].pid()
	// SlowAfter (5 s) plus an overflow worker's start (1–3 s) plus a
	// compile: 45 s leaves a wide margin and is still far below the slow
	// compile's time limit (60 s) — and its two runs (120 s) — that a
	// queued request used to wait for.
	const bound = 45 * time.Second
	for i := range 3 {
		began := time.Now()
		ctx, cancel := context.WithTimeout(t.Context(), bound)
		_, err := p.Compile(ctx, compileapi.Request{Source: fmt.Sprintf("pragma solidity ^0.8.0;\ncontract Q%d { function v() external pure returns (uint) { return %d; } }\n", i, i)})
		cancel()
		if err != nil {
			t.Fatalf("compile %d behind the slow one: %v after %s", i, err, time.Since(began))
		}
		t.Logf("compile %d behind the slow one: %s", i, time.Since(began).Round(time.Millisecond))
	}
	select {
	case err := <-slow:
		t.Fatalf("the slow compile ended early: %v", err)
	default:
	}
	if p.workers[0].pid() != slowPid {
		t.Fatal("the slow compile's worker changed")
	}
	// The caller gives up (the workflow is cancelled): the process dies
	// now, not at the time limit.
	cancelSlow()
	if err := <-slow; !errors.Is(err, context.Canceled) {
		t.Fatalf("abandoned slow compile: %v", err)
	}
	for deadline := time.Now().Add(10 * time.Second); syscall.Kill(slowPid, 0) == nil; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("the abandoned compile's process still runs")
		}
	}
	if _, err := p.Compile(ctxT(t), compileapi.Request{Source: counterSrc}); err != nil {
		t.Fatalf("after the abandoned compile: %v", err)
	}
}

// A compile past the time limit is tried once more on a fresh process and
// then refused as the user's error, without waiting for retries of the
// caller; others are served meanwhile.
func TestSlowInputIsTheUsersError(t *testing.T) {
	p := newTestPool(t, Config{Size: 1, RequestTimeout: 3 * time.Second})
	ctx := ctxT(t)
	began := time.Now()
	_, err := p.Compile(ctx, slowSource())
	if !errors.Is(err, ErrLimitExceeded) || Retryable(err) || !strings.Contains(err.Error(), "did not finish within 3s, twice") {
		t.Fatalf("slow compile: %v, want ErrLimitExceeded naming the limit", err)
	}
	if d := time.Since(began); d < 6*time.Second || d > 60*time.Second {
		t.Errorf("refused after %s, want two runs of 3 s", d)
	}
	if _, err := p.Compile(ctx, compileapi.Request{Source: counterSrc}); err != nil {
		t.Fatalf("after the refused compile: %v", err)
	}
}

// A worker over the memory cap is killed and the request refused at once:
// memory use is the input's, so it is not retried.
func TestMemoryCap(t *testing.T) {
	p := newTestPool(t, Config{Size: 1, MaxMemoryMB: 512, debug: true})
	ctx := ctxT(t)
	pid := p.workers[0].pid()
	began := time.Now()
	_, err := p.do(ctx, workerRequest{Debug: "alloc", Size: 2048})
	if !errors.Is(err, ErrLimitExceeded) || Retryable(err) || !strings.Contains(err.Error(), "more than 512 MiB") {
		t.Fatalf("runaway memory: %v, want ErrLimitExceeded", err)
	}
	if d := time.Since(began); d > 30*time.Second {
		t.Errorf("killed after %s", d)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("the worker over the cap (%d) still runs", pid)
	}
	if _, err := p.Compile(ctx, compileapi.Request{Source: erc20Src}); err != nil {
		t.Fatalf("an OpenZeppelin compile under the cap: %v", err)
	}
}

// A worker that answers with more than half the cap resident (compilers
// it loaded stay in memory) is replaced after its answer, which stands; one
// under half is kept.
func TestWorkerOverHalfTheCapIsReplaced(t *testing.T) {
	p := newTestPool(t, Config{Size: 1, MaxMemoryMB: 1024, debug: true})
	ctx := ctxT(t)
	pid := p.workers[0].pid()
	if out, err := p.do(ctx, workerRequest{Debug: "retain", Size: 64}); err != nil || string(out) != `"retained"` {
		t.Fatalf("retain 64 MiB: %s %v", out, err)
	}
	if p.workers[0].pid() != pid {
		t.Fatal("a worker well under half the cap was replaced")
	}
	if out, err := p.do(ctx, workerRequest{Debug: "retain", Size: 640}); err != nil || string(out) != `"retained"` {
		t.Fatalf("retain 640 MiB more: %s %v, want the answer", out, err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for p.workers[0].pid() == pid || p.workers[0].pid() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("the worker over half the cap was not replaced")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if syscall.Kill(pid, 0) == nil {
		t.Errorf("the replaced worker (%d) still runs", pid)
	}
	if _, err := p.Compile(ctx, compileapi.Request{Source: counterSrc}); err != nil {
		t.Fatalf("a compile on the new worker: %v", err)
	}
}

// solc runs user input: its process sees none of Slipway's environment and
// runs with node's heap capped.
func TestWorkerEnvironmentIsMinimal(t *testing.T) {
	t.Setenv("VAULT_TOKEN", "hvs.secret")
	t.Setenv("DATABASE_URL", "postgres://u:secret@db/slipway")
	t.Setenv("SLIPWAY_DEV_DEPLOYER_KEY", "0xsecret")
	t.Setenv("NODE_OPTIONS", "--require=/tmp/evil.js")
	t.Setenv("npm_config_registry", "http://mirror.invalid/")
	p := newTestPool(t, Config{Size: 1, MaxMemoryMB: 1024})
	pid := p.workers[0].pid()
	raw, err := os.ReadFile(fmt.Sprintf("/proc/%d/environ", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	env := strings.Split(string(raw), "\x00")
	for _, kv := range env {
		if strings.Contains(kv, "secret") || strings.HasPrefix(kv, "NODE_OPTIONS=") || strings.HasPrefix(kv, "npm_config_") {
			t.Errorf("solc worker inherited %q", kv)
		}
	}
	if !strings.Contains(string(raw), "PATH=") || !strings.Contains(string(raw), "HOME="+p.dir) {
		t.Errorf("solc worker environment %q lacks PATH or its own HOME", env)
	}
	cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	if !strings.Contains(string(cmdline), "--max-old-space-size=1024") {
		t.Errorf("node command line %q lacks the heap cap", cmdline)
	}

	npm := strings.Join(npmEnv(), "\n")
	if strings.Contains(npm, "secret") || strings.Contains(npm, "NODE_OPTIONS") {
		t.Errorf("npm environment leaks: %s", npm)
	}
	if !strings.Contains(npm, "npm_config_registry=http://mirror.invalid/") || !strings.Contains(npm, "PATH=") {
		t.Errorf("npm environment lacks its own configuration or PATH: %s", npm)
	}
}

func TestPoolLimitsValidated(t *testing.T) {
	for _, cfg := range []Config{
		{RequestTimeout: 500 * time.Millisecond}, {RequestTimeout: time.Hour},
		{MaxMemoryMB: 100}, {MaxMemoryMB: 1 << 20}, {Overflow: 65}, {SlowAfter: -time.Second},
	} {
		if err := cfg.setDefaults(); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	var cfg Config
	if err := cfg.setDefaults(); err != nil {
		t.Fatal(err)
	}
	if cfg.RequestTimeout != time.Minute || cfg.MaxMemoryMB != 2048 || cfg.Overflow != 1 || cfg.SlowAfter != 5*time.Second {
		t.Errorf("defaults %s %d %d %s", cfg.RequestTimeout, cfg.MaxMemoryMB, cfg.Overflow, cfg.SlowAfter)
	}
}
