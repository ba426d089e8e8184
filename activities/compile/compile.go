// Package compile turns Solidity sources into ABI and bytecode with solc-js
// running in a pool of persistent node workers, so that a deployment's
// compile stage and the compile RPC pay for a compile, not for starting node
// and loading an 8 MB compiler each time.
//
// Imports are resolved in Go before solc sees the sources and are limited to
// the request's own files and the installed @openzeppelin/contracts and
// @openzeppelin/contracts-upgradeable (imports.go); the compiler version is the request's, or the newest installed solc-js that
// satisfies every `pragma solidity` of the sources, or, when that one fails
// with syntax or type errors and the pragmas admit older breaking series,
// the newest release of the newest older series that compiles them
// (fallback.go). When none satisfies the pragmas and
// Config.AutoInstall allows it, the newest matching release is installed
// from npm into a cache folder (install.go). A Cache (Postgres in
// production, cache.go) answers identical compiles without solc. The same
// workers also verify deployed contracts against their sources with
// Sourcify's lib-sourcify (Pool.Verify, verify.go) and check upgradeable
// contracts with OpenZeppelin's upgrades-core (Pool.UpgradeSafety,
// upgrades.go), and StandardInput answers the exact standard JSON input a
// compile sends solc.
//
// Errors come in two kinds that callers must keep apart: *CompileError,
// ErrNoCompiler, ErrOutputTooLarge, ErrCompiler (solc-js threw on the input)
// and ErrLimitExceeded (the input ran solc past its time or memory limit)
// are the user's to fix (invalid_argument, never retried); ErrWorkerCrashed,
// ErrTimeout and ErrWorkerStart are infrastructure failures that a retry can
// fix. The pool itself retries a timeout or a crash once on a fresh process
// and reports a second one as ErrLimitExceeded, so that a pathological
// input costs at most two runs, not one per retry of every caller.
package compile

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
)

// DefaultFile names the single source of a request that sends `source`
// rather than a map of files.
const DefaultFile = "Contract.sol"

// CompileError reports sources that do not compile or may not be compiled
// (refused imports, bad input). Retrying cannot fix it: callers answer
// invalid_argument and Temporal gets a non-retryable failure.
type CompileError struct {
	Diagnostics []compileapi.Diagnostic
}

func (e *CompileError) Error() string {
	var b strings.Builder
	b.WriteString("compile failed")
	shown, errs := 0, 0
	for _, d := range e.Diagnostics {
		if d.Severity != compileapi.SeverityError {
			continue
		}
		errs++
		if shown < 5 {
			shown++
			b.WriteString("; ")
			b.WriteString(d.String())
		}
	}
	if errs > shown {
		fmt.Fprintf(&b, "; and %d more", errs-shown)
	}
	// The compilers tried, when older series were tried too.
	for _, d := range e.Diagnostics {
		if d.Code == compileapi.CodeCompilerFallback {
			b.WriteString("; ")
			b.WriteString(d.Message)
		}
	}
	return b.String()
}

// Retryable reports whether a compile error may succeed when retried: true
// for infrastructure failures, false for the user's sources or settings.
func Retryable(err error) bool {
	return errors.Is(err, ErrWorkerCrashed) || errors.Is(err, ErrTimeout) || errors.Is(err, ErrWorkerStart)
}

func inputError(format string, args ...any) *CompileError {
	return &CompileError{Diagnostics: []compileapi.Diagnostic{{Severity: compileapi.SeverityError, Code: compileapi.CodeInput, Message: fmt.Sprintf(format, args...)}}}
}

// ownSources validates r's files: count, size, names and text.
func ownSources(r compileapi.Request) (map[string]string, error) {
	if r.Source != "" && len(r.Sources) > 0 {
		return nil, inputError("give either source or sources, not both")
	}
	src := r.Sources
	if r.Source != "" {
		src = map[string]string{DefaultFile: r.Source}
	}
	if len(src) == 0 {
		return nil, inputError("no sources given")
	}
	if len(src) > MaxSourceFiles {
		return nil, inputError("%d source files given; at most %d are allowed", len(src), MaxSourceFiles)
	}
	total := 0
	for name, content := range src {
		total += len(content)
		if name == "" || strings.HasPrefix(name, "/") || strings.ContainsAny(name, "\\\x00:") ||
			path.Clean(name) != name || name == "." || strings.HasPrefix(name, "../") || name == ".." {
			return nil, inputError("source path %q must be a clean relative path (no leading /, no . or .. segments)", name)
		}
		if packageOf(name) != "" || strings.HasPrefix(name, "node_modules/") {
			return nil, inputError("source path %q may not shadow an installed package", name)
		}
		if !utf8.ValidString(content) || strings.IndexByte(content, 0) >= 0 {
			return nil, inputError("source %s is not UTF-8 text", name)
		}
	}
	if total > MaxSourceBytes {
		return nil, inputError("sources total %d bytes; at most %d (1 MiB) are allowed", total, MaxSourceBytes)
	}
	if r.Optimizer.Runs < 0 || r.Optimizer.Runs > 1<<32-1 {
		return nil, inputError("optimizer runs must be between 0 and 4294967295")
	}
	return src, nil
}

// standardInput builds solc's standard JSON input: every resolved unit as
// content (so solc never reads the file system), ABI and bytecode for the
// request's own files, the AST for every file.
func standardInput(res *resolved, opt compileapi.Optimizer) ([]byte, error) {
	type source struct {
		Content string `json:"content"`
	}
	runs := opt.Runs
	if runs == 0 {
		runs = 200
	}
	sel := map[string]map[string][]string{"*": {"": {"ast"}}}
	for name := range res.own {
		sel[name] = map[string][]string{
			"*": {"abi", "evm.bytecode.object", "evm.deployedBytecode.object"},
			"":  {"ast"},
		}
	}
	sources := make(map[string]source, len(res.sources))
	for name, content := range res.sources {
		sources[name] = source{content}
	}
	in := map[string]any{
		"language": "Solidity",
		"sources":  sources,
		"settings": map[string]any{
			"optimizer":       map[string]any{"enabled": opt.Enabled, "runs": runs},
			"outputSelection": sel,
		},
	}
	b, err := json.Marshal(in)
	if err != nil {
		return nil, fmt.Errorf("encode standard input: %w", err)
	}
	return b, nil
}

type solcOutput struct {
	Errors []struct {
		Severity       string `json:"severity"`
		Type           string `json:"type"`
		Message        string `json:"message"`
		ErrorCode      string `json:"errorCode"`
		SourceLocation *struct {
			File  string `json:"file"`
			Start int    `json:"start"`
			End   int    `json:"end"`
		} `json:"sourceLocation"`
	} `json:"errors"`
	Sources map[string]struct {
		AST json.RawMessage `json:"ast"`
	} `json:"sources"`
	Contracts map[string]map[string]struct {
		ABI json.RawMessage `json:"abi"`
		EVM struct {
			Bytecode         struct{ Object string } `json:"bytecode"`
			DeployedBytecode struct{ Object string } `json:"deployedBytecode"`
		} `json:"evm"`
	} `json:"contracts"`
}

// position converts a byte offset of src into a 1-based line and a 1-based
// column counted in characters, as editors show them.
func position(src string, offset int) (line, column int) {
	if offset < 0 {
		return 0, 0
	}
	if offset > len(src) {
		offset = len(src)
	}
	before := src[:offset]
	line = strings.Count(before, "\n") + 1
	lineStart := strings.LastIndexByte(before, '\n') + 1
	return line, utf8.RuneCountInString(before[lineStart:]) + 1
}

// parseOutput turns solc's standard JSON output into a compileapi.Result, or a
// *CompileError when solc reported errors.
func parseOutput(raw []byte, res *resolved, version, contractName string) (compileapi.Result, error) {
	var out solcOutput
	dec := json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(&out); err != nil {
		return compileapi.Result{}, fmt.Errorf("decode solc output: %w", err)
	}
	var errs, warns []compileapi.Diagnostic
	for _, e := range out.Errors {
		d := compileapi.Diagnostic{Severity: e.Severity, Message: e.Message, Code: e.ErrorCode, Type: e.Type}
		if d.Severity == "" {
			d.Severity = compileapi.SeverityError
		}
		if loc := e.SourceLocation; loc != nil {
			d.File = loc.File
			if src, ok := res.sources[loc.File]; ok && loc.Start >= 0 {
				d.Line, d.Column = position(src, loc.Start)
			}
		}
		if d.Severity == compileapi.SeverityError {
			errs = append(errs, d)
		} else {
			warns = append(warns, d)
		}
	}
	if len(errs) > 0 {
		return compileapi.Result{}, &CompileError{Diagnostics: append(errs, warns...)}
	}
	r := compileapi.Result{CompilerVersion: version, Warnings: warns, ASTs: map[string]json.RawMessage{}, Sources: res.sources}
	for name, s := range out.Sources {
		r.ASTs[name] = s.AST
	}
	found := contractName == ""
	for file, cs := range out.Contracts {
		if !res.own[file] {
			continue
		}
		for name, c := range cs {
			r.Contracts = append(r.Contracts, compileapi.Contract{
				Name: name, File: file, ABI: string(c.ABI),
				Bytecode:         "0x" + c.EVM.Bytecode.Object,
				DeployedBytecode: "0x" + c.EVM.DeployedBytecode.Object,
			})
			found = found || name == contractName
		}
	}
	sort.Slice(r.Contracts, func(i, j int) bool {
		a, b := r.Contracts[i], r.Contracts[j]
		if a.File != b.File {
			return a.File < b.File
		}
		return a.Name < b.Name
	})
	if !found {
		names := make([]string, len(r.Contracts))
		for i, c := range r.Contracts {
			names[i] = c.Name
		}
		return compileapi.Result{}, &CompileError{Diagnostics: []compileapi.Diagnostic{{
			Severity: compileapi.SeverityError, Code: compileapi.CodeContract,
			Message: fmt.Sprintf("contract %q is not defined in the sources (found: %s)", contractName, strings.Join(names, ", ")),
		}}}
	}
	return r, nil
}

// Compile resolves, selects a compiler for, and compiles one request on the
// pool. See the package documentation for how to tell its errors apart.
func (p *Pool) Compile(ctx context.Context, req compileapi.Request) (compileapi.Result, error) {
	return p.CompileWith(ctx, req)
}

// CompileWith compiles req as Compile does and, when it runs solc, also
// caches the results of the requests in then that would have sent solc the
// very same input with the same compiler (they differ only in what is kept
// of the output: the contract checked for, whether ASTs are dropped). The
// deployment workflow audits with ASTs and then compiles without them; with
// the compile request in then, the second stage is a cache hit instead of
// a second solc run of the same input. A request of then that does not
// match, or whose result fails (an unknown contract), is left alone: its
// own compile reports it.
//
// A request that names no compiler version and whose newest admitted
// compiler fails with syntax or type errors is tried with older compiler
// series the pragmas admit (fallback.go); Result.CompilerVersion names the
// compiler that compiled it.
func (p *Pool) CompileWith(ctx context.Context, req compileapi.Request, then ...compileapi.Request) (compileapi.Result, error) {
	res, c, in, err := p.input(ctx, req)
	if err != nil {
		return compileapi.Result{}, err
	}
	if strings.TrimSpace(req.CompilerVersion) == "" {
		return p.compileAuto(ctx, req, res, c, in, then)
	}
	r, out, ran, err := p.attempt(ctx, c, res, in, req, true)
	if err == nil && ran {
		p.primeThen(ctx, then, c, c, in, out)
	}
	return r, err
}

// attempt compiles in with compiler c, answering from the cache when it
// holds the result (lookup false skips it: the caller looked already).
// ran reports a solc run, whose raw output is out.
func (p *Pool) attempt(ctx context.Context, c Compiler, res *resolved, in []byte, req compileapi.Request, lookup bool) (r compileapi.Result, out json.RawMessage, ran bool, err error) {
	if lookup {
		if r, ok := p.lookup(ctx, c, res, in, req); ok {
			return r, nil, false, nil
		}
	}
	p.solcRuns.Add(1)
	out, err = p.do(ctx, workerRequest{Version: c.Version, Module: c.Dir, Input: string(in)})
	if err != nil {
		var ce *CompileError
		if errors.As(err, &ce) { // an unsupported compiler: the user's to fix
			return compileapi.Result{}, nil, true, err
		}
		return compileapi.Result{}, nil, true, fmt.Errorf("compile with solc %s: %w", c.Version, err)
	}
	r, err = parseOutput(out, res, c.Version, req.ContractName)
	if err != nil {
		return compileapi.Result{}, nil, true, err
	}
	if req.OmitAST {
		r.ASTs = nil
	}
	if p.cfg.Cache != nil {
		// Only successes: an error costs little to reproduce and may come
		// from a fault rather than the sources.
		p.cachePut(ctx, cacheKey(c.Version, in, req.ContractName, req.OmitAST), r)
	}
	return r, out, true, nil
}

// lookup answers req's result with compiler c from the cache, counting
// the hit or miss; false without a cache.
func (p *Pool) lookup(ctx context.Context, c Compiler, res *resolved, in []byte, req compileapi.Request) (compileapi.Result, bool) {
	if p.cfg.Cache == nil {
		return compileapi.Result{}, false
	}
	r, ok := p.cacheGet(ctx, cacheKey(c.Version, in, req.ContractName, req.OmitAST))
	if !ok {
		p.cacheMisses.Add(1)
		return compileapi.Result{}, false
	}
	p.cacheHits.Add(1)
	r.Sources = res.sources
	return r, true
}

// primeThen caches, from solc's output out for input in with compiler
// used, the results of the requests in then that would have compiled the
// same input with it: naming used, or naming no version while the
// pragmas select origin (the compiler used, or the newest one whose
// failure made the fallback choose used).
func (p *Pool) primeThen(ctx context.Context, then []compileapi.Request, used, origin Compiler, in []byte, out json.RawMessage) {
	if p.cfg.Cache == nil {
		return
	}
	for _, t := range then {
		p.primeCache(ctx, t, used, origin, in, out)
	}
}

// input validates and resolves req's sources, picks its compiler and
// builds the standard JSON input solc is sent.
func (p *Pool) input(ctx context.Context, req compileapi.Request) (*resolved, Compiler, []byte, error) {
	own, err := ownSources(req)
	if err != nil {
		return nil, Compiler{}, nil, err
	}
	res, err := resolveSources(own, p.oz)
	if err != nil {
		return nil, Compiler{}, nil, err
	}
	c, err := p.selectCompiler(ctx, req.CompilerVersion, res.pragmas)
	if err != nil {
		return nil, Compiler{}, nil, err
	}
	in, err := standardInput(res, req.Optimizer)
	if err != nil {
		return nil, Compiler{}, nil, err
	}
	return res, c, in, nil
}

// primeCache caches t's result from out, solc's output for input in with
// compiler c, when t would have sent exactly that (see primeThen).
func (p *Pool) primeCache(ctx context.Context, t compileapi.Request, c, origin Compiler, in []byte, out []byte) {
	res, tc, tin, err := p.input(ctx, t)
	if err != nil || !bytes.Equal(tin, in) {
		return
	}
	auto := strings.TrimSpace(t.CompilerVersion) == ""
	if tc.Version != c.Version && (!auto || tc.Version != origin.Version) {
		return
	}
	r, err := parseOutput(out, res, c.Version, t.ContractName)
	if err != nil {
		return
	}
	if t.OmitAST {
		r.ASTs = nil
	}
	p.cachePut(ctx, cacheKey(c.Version, tin, t.ContractName, t.OmitAST), r)
}

// selectCompiler picks the request's compiler among the installed ones,
// installing it first when none fits and auto-install is on.
func (p *Pool) selectCompiler(ctx context.Context, requested string, pragmas []pragmaRef) (Compiler, error) {
	p.mu.RLock()
	installed := p.compilers
	p.mu.RUnlock()
	if strings.TrimSpace(requested) != "" {
		// Refused before anything is installed for it.
		if v, err := parseVersion(requested); err == nil {
			if err := supported(v); err != nil {
				return Compiler{}, err
			}
		}
	}
	c, err := selectCompiler(installed, p.def, requested, pragmas)
	if err == nil {
		if err := supported(c.v); err != nil {
			return Compiler{}, err
		}
		return c, nil
	}
	if !errors.Is(err, ErrNoCompiler) {
		return c, err
	}
	if p.inst == nil {
		return Compiler{}, fmt.Errorf("%w; automatic installation from npm is off (--solc-auto-install)", err)
	}
	c, ierr := p.autoInstall(ctx, requested, pragmas)
	var ce *CompileError
	switch {
	case ierr == nil:
		return c, nil
	case errors.As(ierr, &ce): // an unsupported version, refused before its install
		return Compiler{}, ierr
	case errors.Is(ierr, ErrNoCompiler):
		return Compiler{}, fmt.Errorf("%w; auto-install: %w", err, ierr)
	default:
		// npm or the registry failed: an infrastructure error that a retry
		// can fix, so ErrNoCompiler stays out of the chain.
		return Compiler{}, fmt.Errorf("auto-install a compiler (%v): %w", err, ierr)
	}
}

// Stats counts what the pool did, for tests, benchmarks and metrics.
type Stats struct {
	// SolcRuns counts compiles sent to a worker.
	SolcRuns uint64
	// CacheHits and CacheMisses count cache lookups.
	CacheHits, CacheMisses uint64
	// Installs counts npm installs of a compiler run by this pool.
	Installs uint64
}

// Stats answers the pool's counters since it started.
func (p *Pool) Stats() Stats {
	s := Stats{SolcRuns: p.solcRuns.Load(), CacheHits: p.cacheHits.Load(), CacheMisses: p.cacheMisses.Load()}
	if p.inst != nil {
		s.Installs = p.inst.installs.Load()
	}
	return s
}

// Compilers lists the installed solc-js versions, newest first, for error
// messages and the API.
func (p *Pool) Compilers() []string {
	p.mu.RLock()
	defer p.mu.RUnlock()
	v := make([]string, len(p.compilers))
	for i, c := range p.compilers {
		v[i] = c.Version
	}
	return v
}

// Activities holds the compile stage's dependencies; workflows call its
// activity by its name, compileapi.ActivityCompile.
type Activities struct {
	Pool *Pool
}

// Compile is the compile activity. Errors that are the user's to fix (or
// that the same input reproduces) become non-retryable application errors
// whose type is one of the ErrType constants, so Temporal does not burn
// retries on them and the caller can still tell them apart after the
// failure crossed the wire; infrastructure failures stay plain errors and
// are retried.
func (a *Activities) Compile(ctx context.Context, req compileapi.Request) (compileapi.Result, error) {
	defer Heartbeat(ctx)()
	res, err := a.Pool.Compile(ctx, req)
	if err != nil {
		return compileapi.Result{}, ActivityError(err)
	}
	return res, nil
}

// Heartbeat heartbeats ctx's activity every compileapi.HeartbeatEvery until the
// returned stop is called, so that a worker that dies while solc runs is
// noticed within the heartbeat timeout rather than the compile's whole
// start-to-close timeout. Outside an activity it does nothing.
func Heartbeat(ctx context.Context) (stop func()) {
	if !activity.IsActivity(ctx) {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(compileapi.HeartbeatEvery)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				activity.RecordHeartbeat(ctx)
			}
		}
	}()
	return func() { close(done) }
}

// ActivityError classifies a Pool.Compile error for Temporal, for every
// activity that compiles (compile, audit, deploy): user errors become typed
// non-retryable application errors, infrastructure errors stay retryable.
func ActivityError(err error) error {
	var ce *CompileError
	switch {
	case errors.As(err, &ce):
		return temporal.NewNonRetryableApplicationError(ce.Error(), compileapi.ErrTypeCompileError, err, ce.Diagnostics)
	case errors.Is(err, ErrNoCompiler):
		return temporal.NewNonRetryableApplicationError(err.Error(), compileapi.ErrTypeNoCompiler, err)
	case errors.Is(err, ErrOutputTooLarge):
		return temporal.NewNonRetryableApplicationError(err.Error(), compileapi.ErrTypeOutputTooLarge, err)
	case errors.Is(err, ErrCompiler):
		return temporal.NewNonRetryableApplicationError(err.Error(), compileapi.ErrTypeCompilerFailed, err)
	case errors.Is(err, ErrLimitExceeded):
		return temporal.NewNonRetryableApplicationError(err.Error(), compileapi.ErrTypeLimitExceeded, err)
	}
	return err
}
