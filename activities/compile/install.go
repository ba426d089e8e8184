package compile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/slipway-dev/slipway/internal/proc"
)

// Installing compilers on demand, like Hardhat's downloader: when no
// installed solc-js fits a request, the newest release on npm that does is
// installed into a cache folder, one folder per version
// (<dir>/<version>/node_modules/solc-<version>). A folder per version,
// rather than one shared prefix, because npm prunes packages it did not
// save from a prefix it installs into, and so that installs of different
// versions need no common lock.

const (
	// installTimeout bounds one `npm install`: an 8 MB download.
	installTimeout = 5 * time.Minute
	// versionsTTL is how long the list of published solc releases is
	// trusted; solc releases come every few weeks.
	versionsTTL = 10 * time.Minute
)

// DefaultInstallDir is where auto-installed compilers go when
// Config.InstallDir is empty: the user's cache folder, shared by every
// slipway process of the user, as Hardhat shares its compilers cache.
func DefaultInstallDir() (string, error) {
	dir, err := os.UserCacheDir()
	if err != nil {
		return "", fmt.Errorf("find compiler cache folder: %w", err)
	}
	return filepath.Join(dir, "slipway", "solc"), nil
}

// installer installs solc-js releases from npm into dir, once per version
// however many requests (in this process: singleflight; across processes:
// a file lock per version) ask for it at the same time.
type installer struct {
	dir    string
	npm    string
	logger *slog.Logger

	sf singleflight.Group

	mu        sync.Mutex // guards published and fetched
	published []semver   // newest first, releases only
	fetched   time.Time

	installs atomic.Uint64 // npm installs actually run, for Stats
}

// discoverCached lists the compilers already installed under dir.
func discoverCached(dir string) []Compiler {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil
	}
	var out []Compiler
	for _, e := range entries {
		if !e.IsDir() || strings.HasPrefix(e.Name(), ".") {
			continue
		}
		cs, err := discoverCompilers(filepath.Join(dir, e.Name(), "node_modules"))
		if err != nil {
			continue
		}
		out = append(out, cs...)
	}
	return out
}

// mergeCompilers joins compiler lists, newest first, keeping the first of
// each version (node_modules before the cache).
func mergeCompilers(lists ...[]Compiler) []Compiler {
	seen := map[semver]bool{}
	var out []Compiler
	for _, l := range lists {
		for _, c := range l {
			if !seen[c.v] {
				seen[c.v] = true
				out = append(out, c)
			}
		}
	}
	slices.SortFunc(out, func(a, b Compiler) int { return b.v.cmp(a.v) })
	return out
}

// npmPassEnv are the variables npm may need beyond proc's minimal set:
// its own configuration (registry, auth for a private mirror), proxies and
// CA bundles. Nothing else of this process reaches npm, which runs a
// registry's code paths with a request's version in its arguments.
var npmPassEnv = []string{
	"npm_config_*", "NPM_CONFIG_*", "XDG_CONFIG_HOME", "XDG_CACHE_HOME",
	"HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "http_proxy", "https_proxy", "no_proxy",
	"NODE_EXTRA_CA_CERTS", "SSL_CERT_FILE", "SSL_CERT_DIR",
}

// npmEnv is npm's minimal environment, with its extra network calls and
// output turned off.
func npmEnv() []string {
	return proc.MinimalEnv(npmPassEnv,
		"npm_config_update_notifier=false", "npm_config_fund=false", "npm_config_audit=false",
		"npm_config_loglevel=error")
}

func (in *installer) npmPath() (string, error) {
	p, err := exec.LookPath(in.npm)
	if err != nil {
		return "", fmt.Errorf("install solc: find npm: %w", err)
	}
	return p, nil
}

// publishedVersions answers the solc releases on npm, newest first, from
// a list fetched at most every versionsTTL.
func (in *installer) publishedVersions(ctx context.Context) ([]semver, error) {
	in.mu.Lock()
	if in.published != nil && time.Since(in.fetched) < versionsTTL {
		v := in.published
		in.mu.Unlock()
		return v, nil
	}
	in.mu.Unlock()
	ch := in.sf.DoChan("versions", func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Minute)
		defer cancel()
		npm, err := in.npmPath()
		if err != nil {
			return nil, err
		}
		cmd := exec.CommandContext(ctx, npm, "view", "solc", "versions", "--json")
		cmd.Env = npmEnv()
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			return nil, fmt.Errorf("list solc releases on npm: %w: %s", err, tail(stderr.String()))
		}
		var names []string
		if err := json.Unmarshal(out, &names); err != nil {
			return nil, fmt.Errorf("list solc releases on npm: %w", err)
		}
		var vs []semver
		for _, n := range names {
			if strings.ContainsAny(n, "-+") { // prereleases and nightlies
				continue
			}
			if v, err := parseVersion(n); err == nil {
				vs = append(vs, v)
			}
		}
		slices.SortFunc(vs, func(a, b semver) int { return b.cmp(a) })
		in.mu.Lock()
		in.published, in.fetched = vs, time.Now()
		in.mu.Unlock()
		return vs, nil
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return nil, r.Err
		}
		return r.Val.([]semver), nil
	case <-ctx.Done():
		return nil, fmt.Errorf("list solc releases on npm: %w", ctx.Err())
	}
}

// choose picks the release to install: the requested one, or the newest
// published release satisfying every pragma. Requests that no release can
// satisfy are ErrNoCompiler, the user's to fix.
func (in *installer) choose(ctx context.Context, requested string, pragmas []pragmaRef) (semver, error) {
	published, err := in.publishedVersions(ctx)
	if err != nil {
		return semver{}, err
	}
	if strings.TrimSpace(requested) != "" {
		v, err := parseVersion(requested)
		if err != nil {
			return semver{}, fmt.Errorf("%w: compiler version %q is not a version", ErrNoCompiler, requested)
		}
		if !slices.Contains(published, v) {
			return semver{}, fmt.Errorf("%w: solc %s is not a published solc-js release", ErrNoCompiler, v)
		}
		return v, nil
	}
	sets := make([]versionSet, 0, len(pragmas))
	exprs := make([]string, 0, len(pragmas))
	for _, p := range pragmas {
		s, err := parsePragma(p.expr)
		if err != nil { // selectCompiler reported it already; be safe
			return semver{}, fmt.Errorf("%w: %w", ErrNoCompiler, err)
		}
		sets = append(sets, s)
		exprs = append(exprs, fmt.Sprintf("%q (%s)", strings.TrimSpace(p.expr), p.file))
	}
	for _, v := range published {
		ok := true
		for _, s := range sets {
			ok = ok && s.match(v)
		}
		if ok {
			return v, nil
		}
	}
	return semver{}, fmt.Errorf("%w: no published solc-js release satisfies pragma solidity %s", ErrNoCompiler, strings.Join(exprs, ", "))
}

// ensure installs release v unless it is there, and answers its compiler.
// Concurrent callers for one version share one install; the install runs
// on a context detached from the first caller's, so that caller going away
// does not fail the others.
func (in *installer) ensure(ctx context.Context, v semver) (Compiler, error) {
	ch := in.sf.DoChan("install "+v.String(), func() (any, error) {
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), installTimeout)
		defer cancel()
		return in.install(ctx, v)
	})
	select {
	case r := <-ch:
		if r.Err != nil {
			return Compiler{}, r.Err
		}
		return r.Val.(Compiler), nil
	case <-ctx.Done():
		return Compiler{}, fmt.Errorf("wait for solc %s install: %w", v, ctx.Err())
	}
}

// findInstalled answers release v from its cache folder, if complete.
func (in *installer) findInstalled(v semver) (Compiler, bool) {
	cs, err := discoverCompilers(filepath.Join(in.dir, v.String(), "node_modules"))
	if err != nil {
		return Compiler{}, false
	}
	for _, c := range cs {
		if c.v == v {
			return c, true
		}
	}
	return Compiler{}, false
}

// install runs npm under the version's file lock into a temporary folder
// and renames it into place, so that other processes see either no folder
// or a complete one.
func (in *installer) install(ctx context.Context, v semver) (Compiler, error) {
	if c, ok := in.findInstalled(v); ok {
		return c, nil
	}
	if err := os.MkdirAll(in.dir, 0o755); err != nil {
		return Compiler{}, fmt.Errorf("install solc %s: %w", v, err)
	}
	unlock, err := lockFile(ctx, filepath.Join(in.dir, "."+v.String()+".lock"))
	if err != nil {
		return Compiler{}, fmt.Errorf("install solc %s: %w", v, err)
	}
	defer unlock()
	if c, ok := in.findInstalled(v); ok { // another process installed it
		return c, nil
	}
	npm, err := in.npmPath()
	if err != nil {
		return Compiler{}, err
	}
	tmp, err := os.MkdirTemp(in.dir, ".install-"+v.String()+"-")
	if err != nil {
		return Compiler{}, fmt.Errorf("install solc %s: %w", v, err)
	}
	defer os.RemoveAll(tmp) // gone after the rename; cleans up a failure
	began := time.Now()
	in.logger.InfoContext(ctx, "installing solc from npm", "version", v.String(), "dir", in.dir)
	// --ignore-scripts: solc-js ships soljson.js in its tarball and needs
	// no install script, so none from its dependencies gets to run.
	pkg := fmt.Sprintf("solc-%s@npm:solc@%s", v, v)
	cmd := exec.CommandContext(ctx, npm, "install", "--no-save", "--ignore-scripts", "--no-package-lock", "--prefix", tmp, pkg)
	cmd.Dir = tmp
	cmd.Env = npmEnv()
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	in.installs.Add(1)
	if err := cmd.Run(); err != nil {
		return Compiler{}, fmt.Errorf("install solc %s: npm install: %w: %s", v, err, tail(out.String()))
	}
	final := filepath.Join(in.dir, v.String())
	_ = os.RemoveAll(final) // an incomplete folder left by hand or an old crash
	if err := os.Rename(tmp, final); err != nil {
		return Compiler{}, fmt.Errorf("install solc %s: %w", v, err)
	}
	c, ok := in.findInstalled(v)
	if !ok {
		return Compiler{}, fmt.Errorf("install solc %s: npm installed no usable solc package in %s", v, final)
	}
	in.logger.InfoContext(ctx, "installed solc", "version", v.String(), "took", time.Since(began).String())
	return c, nil
}

// lockFile takes an exclusive flock on path, polling so that ctx can end
// the wait; the lock dies with the process, so a crash never wedges it.
func lockFile(ctx context.Context, path string) (unlock func(), err error) {
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("open lock: %w", err)
	}
	for {
		err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB)
		if err == nil {
			return func() {
				_ = syscall.Flock(int(f.Fd()), syscall.LOCK_UN)
				_ = f.Close()
			}, nil
		}
		if !errors.Is(err, syscall.EWOULDBLOCK) {
			_ = f.Close()
			return nil, fmt.Errorf("take lock: %w", err)
		}
		select {
		case <-ctx.Done():
			_ = f.Close()
			return nil, fmt.Errorf("wait for lock: %w", ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// tail keeps the end of a command's output for an error message.
func tail(s string) string {
	s = strings.TrimSpace(s)
	if len(s) > 600 {
		s = "…" + s[len(s)-600:]
	}
	return s
}

// autoInstall installs the compiler a request needs, then answers it from
// the pool's list, now including it.
func (p *Pool) autoInstall(ctx context.Context, requested string, pragmas []pragmaRef) (Compiler, error) {
	v, err := p.inst.choose(ctx, requested, pragmas)
	if err != nil {
		return Compiler{}, err
	}
	if err := supported(v); err != nil {
		return Compiler{}, err
	}
	return p.installCompiler(ctx, v)
}

// installCompiler installs release v and adds it to the pool's list.
func (p *Pool) installCompiler(ctx context.Context, v semver) (Compiler, error) {
	c, err := p.inst.ensure(ctx, v)
	if err != nil {
		return Compiler{}, err
	}
	p.mu.Lock()
	p.compilers = mergeCompilers(p.compilers, []Compiler{c})
	p.mu.Unlock()
	return c, nil
}
