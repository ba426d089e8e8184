package lint

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// Public corpora of labelled vulnerable contracts (SWC registry,
// SmartBugs) are mostly pragma 0.4.x–0.6.x, so the detectors are checked
// on real output of those compilers, auto-installed from npm into one
// folder per test run (SLIPWAY_TEST_SOLC_CACHE keeps it across runs).
var (
	oldPoolOnce sync.Once
	oldPool     *compile.Pool
	oldPoolErr  error
	oldPoolTemp string
)

func oldCompilerPool(t testing.TB) *compile.Pool {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("npm is not on PATH: skipping old-compiler tests (they run in CI)")
		}
		t.Fatalf("npm is not on PATH: %v", err)
	}
	oldPoolOnce.Do(func() {
		dir := os.Getenv("SLIPWAY_TEST_SOLC_CACHE")
		if dir == "" {
			if oldPoolTemp, oldPoolErr = os.MkdirTemp("", "slipway-solc-"); oldPoolErr != nil {
				return
			}
			dir = oldPoolTemp
		}
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
		defer cancel()
		oldPool, oldPoolErr = compile.NewPool(ctx, compile.Config{Size: 1, InstallDir: dir, AutoInstall: true})
	})
	if oldPoolErr != nil {
		t.Fatalf("NewPool: %v", oldPoolErr)
	}
	return oldPool
}

func closeOldPool() {
	if oldPool != nil {
		oldPool.Close()
	}
	if oldPoolTemp != "" {
		_ = os.RemoveAll(oldPoolTemp)
	}
}

// TestOldCompilerOutput compiles each testdata/legacy/solcXY folder with
// the newest release its pragmas allow and expects exactly the marked
// findings (pragma and compiler-version notes aside: every file has them).
func TestOldCompilerOutput(t *testing.T) {
	p := oldCompilerPool(t)
	for _, dir := range []string{"solc0411", "solc04", "solc05", "solc06", "solc07"} {
		t.Run(dir, func(t *testing.T) {
			files, err := filepath.Glob(filepath.Join("testdata", "legacy", dir, "*.sol"))
			if err != nil || len(files) == 0 {
				t.Fatalf("no testdata: %v", err)
			}
			src := map[string]string{}
			for _, f := range files {
				b, err := os.ReadFile(f)
				if err != nil {
					t.Fatal(err)
				}
				src[filepath.Base(f)] = string(b)
			}
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			res, err := p.Compile(ctx, compileapi.Request{Sources: src})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			if want := "0." + strings.TrimPrefix(dir, "solc0")[:1] + "."; !strings.HasPrefix(res.CompilerVersion, want) || (dir == "solc0411") != (res.CompilerVersion == "0.4.11") {
				t.Fatalf("compiled with %s, want %sx", res.CompilerVersion, want)
			}
			fs, err := Analyze(UnitsFromResult(res), Options{CompilerVersion: res.CompilerVersion})
			if err != nil {
				t.Fatalf("Analyze: %v", err)
			}
			diff(t, keys(fs, func(f Finding) bool { return f.Detector != "pragma-floating" && f.Detector != "solc-version" }), expectations(res.Sources, "expect"))
			checkConfidences(t, fs, expectedConfidences(res.Sources, "expect"))
		})
	}
}
