package compile

import (
	"context"
	"errors"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// nodeModulesWithout answers a node_modules holding only the project's
// default solc and OpenZeppelin (symlinked), so that tests of auto-install
// do not depend on which aliases the project happens to have installed.
func nodeModulesWithout(t *testing.T) (dir, defVersion string) {
	t.Helper()
	src, err := FindNodeModules("")
	if err != nil {
		t.Fatal(err)
	}
	dir = filepath.Join(t.TempDir(), "node_modules")
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"solc", "@openzeppelin"} {
		if err := os.Symlink(filepath.Join(src, name), filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	cs, err := discoverCompilers(dir)
	if err != nil {
		t.Fatal(err)
	}
	return dir, cs[0].Version
}

// needNPM skips a test that downloads from the npm registry when npm is
// missing, except in CI, where it must run.
func needNPM(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath("npm"); err != nil {
		if os.Getenv("CI") == "" {
			t.Skip("npm is not on PATH: skipping the auto-install test (it runs in CI)")
		}
		t.Fatalf("npm is not on PATH: %v", err)
	}
}

const pinned0824 = "// SPDX-License-Identifier: MIT\npragma solidity =0.8.24;\ncontract Pinned { uint256 public x = 1; }\n"

func TestNoAutoInstallNamesInstalledVersions(t *testing.T) {
	nm, def := nodeModulesWithout(t)
	if def == "0.8.24" {
		t.Skip("the default compiler is 0.8.24")
	}
	p := newTestPool(t, Config{NodeModules: nm, InstallDir: t.TempDir()})
	_, err := p.Compile(ctxT(t), compileapi.Request{Source: pinned0824})
	if !errors.Is(err, ErrNoCompiler) || !strings.Contains(err.Error(), def) || !strings.Contains(err.Error(), "auto-install") {
		t.Fatalf("want ErrNoCompiler naming %s and the auto-install switch, got %v", def, err)
	}
	if _, err := p.Compile(ctxT(t), compileapi.Request{Source: pinned0824, CompilerVersion: "0.8.24"}); !errors.Is(err, ErrNoCompiler) {
		t.Fatalf("requested version: want ErrNoCompiler, got %v", err)
	}
}

// Installs solc 0.8.24 from the npm registry (~8 MB) into a temporary
// cache, once for four concurrent requests, and compiles with it.
func TestAutoInstallFromNPM(t *testing.T) {
	needNPM(t)
	nm, def := nodeModulesWithout(t)
	if def == "0.8.24" {
		t.Skip("the default compiler is 0.8.24")
	}
	cache := t.TempDir()
	p := newTestPool(t, Config{NodeModules: nm, InstallDir: cache, AutoInstall: true})
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i := range errs {
		wg.Go(func() {
			r, err := p.Compile(ctx, compileapi.Request{Source: pinned0824, OmitAST: true})
			if err == nil && (r.CompilerVersion != "0.8.24" || len(r.Contracts) != 1 || len(r.Contracts[0].Bytecode) < 10) {
				err = errors.New("unexpected result " + r.CompilerVersion)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if s := p.Stats(); s.Installs != 1 {
		t.Fatalf("installs %d, want 1", s.Installs)
	}
	if got := p.Compilers(); !strings.Contains(strings.Join(got, ","), "0.8.24") {
		t.Fatalf("compilers after install: %v", got)
	}
	if _, err := os.Stat(filepath.Join(cache, "0.8.24", "node_modules", "solc-0.8.24", "soljson.js")); err != nil {
		t.Fatalf("install layout: %v", err)
	}

	// A version no release satisfies is the user's error.
	_, err := p.Compile(ctx, compileapi.Request{Source: "pragma solidity =0.8.999;\ncontract C {}\n"})
	if !errors.Is(err, ErrNoCompiler) {
		t.Fatalf("pragma for a version that does not exist: %v", err)
	}

	// Another pool on the same cache uses the install without auto-install.
	q := newTestPool(t, Config{NodeModules: nm, InstallDir: cache})
	if r, err := q.Compile(ctx, compileapi.Request{Source: pinned0824, OmitAST: true}); err != nil || r.CompilerVersion != "0.8.24" {
		t.Fatalf("compile from the cache: %v", err)
	}
}

// Two installers on one cache folder stand for two processes: the file
// lock makes them install once between them.
func TestInstallersShareOneInstall(t *testing.T) {
	needNPM(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
	defer cancel()
	ins := []*installer{{dir: dir, npm: "npm", logger: slog.New(slog.DiscardHandler)}, {dir: dir, npm: "npm", logger: slog.New(slog.DiscardHandler)}}
	v := semver{0, 8, 24}
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			c, err := ins[i%2].ensure(ctx, v)
			if err == nil && c.Version != "0.8.24" {
				err = errors.New("installed " + c.Version)
			}
			errs[i] = err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := ins[0].installs.Load() + ins[1].installs.Load(); n != 1 {
		t.Fatalf("npm install ran %d times, want 1", n)
	}
	left, _ := filepath.Glob(filepath.Join(dir, ".install-*"))
	if len(left) != 0 {
		t.Fatalf("temporary install folders left: %v", left)
	}
}
