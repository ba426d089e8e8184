package compile

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// Every pragma compiles. An open pragma (`pragma solidity >=0.5.11;`)
// admits the newest compiler, which is what a request without a compiler
// version gets; but code written for an older breaking series (`now`,
// `throw`, `msg.sender.transfer` on a non-payable address, a constructor
// named after its contract) does not compile under it. When the newest
// admitted compiler fails with syntax or type errors and the pragmas admit
// an older series, the newest release of each older series they admit is
// tried, newest series first (0.7, 0.6, 0.5, 0.4), and the first that
// compiles the sources is used: Result.CompilerVersion names it and an
// info in Result.Warnings (code compileapi.CodeCompilerFallback) says why.
// When every one fails, the error is the newest compiler's diagnostics
// followed by an info naming every compiler tried. A request that names
// its compiler version gets exactly that compiler, never a fallback.
//
// With automatic installation on, the candidates are the newest published
// release of each series (installed on first use), so the choice does not
// depend on what happens to be installed; with it off, the newest
// installed release of each series. The choice is remembered per newest
// compiler and standard JSON input (in the pool and in the cache, under
// choiceKey), so that the same sources get the same compiler, from the
// cache, without running the newest one again.

// fallbackErrorTypes are the solc error types that say the sources are
// written for another language version. Anything else (a compiler limit
// such as "Stack too deep", an internal error, a missing import) is not
// fixed by an older compiler.
var fallbackErrorTypes = map[string]bool{
	"ParserError": true, "TypeError": true, "DeclarationError": true, "SyntaxError": true,
}

// minSupported is the oldest solc Slipway compiles with: solc before 0.4
// does not read `pragma solidity`. Releases 0.4.0 to 0.4.10 have no
// standard JSON interface and compile through solc-js's legacy one
// (worker.js, compileLegacy).
var minSupported = semver{0, 4, 0}

// maxChoices bounds the pool's memory of fallback choices; past it the
// memory starts over (the cache still has them).
const maxChoices = 4096

// supported answers an unsupported-compiler error for releases Slipway
// cannot compile with.
func supported(v semver) error {
	if v.cmp(minSupported) >= 0 {
		return nil
	}
	return &CompileError{Diagnostics: []compileapi.Diagnostic{{
		Severity: compileapi.SeverityError, Code: compileapi.CodeUnsupportedCompiler,
		Message: fmt.Sprintf("solc %s is not supported: Slipway compiles with solc %s and later (older releases do not read `pragma solidity`); pin a newer compiler version", v, minSupported),
	}}}
}

// seriesOf is a release's breaking series: 0.x for 0.x.y, x for x.y.z.
func seriesOf(v semver) semver {
	if v.major == 0 {
		return semver{0, v.minor, 0}
	}
	return semver{v.major, 0, 0}
}

// fallbackWorthy reports whether err is a compile failure that an older
// compiler series may not have: solc's errors, every one of a type in
// fallbackErrorTypes, none about a missing source.
func fallbackWorthy(err error) (*CompileError, bool) {
	var ce *CompileError
	if !errors.As(err, &ce) {
		return nil, false
	}
	n := 0
	for _, d := range ce.Diagnostics {
		if d.Severity != compileapi.SeverityError {
			continue
		}
		missing := strings.HasPrefix(d.Message, "Source ") && strings.Contains(d.Message, "not found")
		if !fallbackErrorTypes[d.Type] || missing {
			return nil, false
		}
		n++
	}
	return ce, n > 0
}

// interval is the versions [lo, hi).
type interval struct{ lo, hi semver }

var maxSemver = semver{1 << 30, 0, 0}

func nextPatch(v semver) semver { return semver{v.major, v.minor, v.patch + 1} }

func maxOf(a, b semver) semver {
	if a.cmp(b) >= 0 {
		return a
	}
	return b
}

func minOf(a, b semver) semver {
	if a.cmp(b) <= 0 {
		return a
	}
	return b
}

// intervals answers the versions a parsed pragma admits, as a union of
// half-open intervals.
func (s versionSet) intervals() []interval {
	var out []interval
	for _, r := range s {
		iv := interval{semver{}, maxSemver}
		for _, c := range r {
			switch c.op {
			case ">=":
				iv.lo = maxOf(iv.lo, c.v)
			case ">":
				iv.lo = maxOf(iv.lo, nextPatch(c.v))
			case "<":
				iv.hi = minOf(iv.hi, c.v)
			case "<=":
				iv.hi = minOf(iv.hi, nextPatch(c.v))
			default:
				iv.lo, iv.hi = maxOf(iv.lo, c.v), minOf(iv.hi, nextPatch(c.v))
			}
		}
		if iv.lo.cmp(iv.hi) < 0 {
			out = append(out, iv)
		}
	}
	return out
}

// admitsOlderSeries reports whether every pragma admits some common
// version of a series older than newest's, from minSupported on: whether
// a fallback could find anything, decided without a list of releases.
func admitsOlderSeries(newest semver, sets []versionSet) bool {
	cur := []interval{{minSupported, seriesOf(newest)}}
	for _, s := range sets {
		var next []interval
		for _, a := range cur {
			for _, b := range s.intervals() {
				iv := interval{maxOf(a.lo, b.lo), minOf(a.hi, b.hi)}
				if iv.lo.cmp(iv.hi) < 0 {
					next = append(next, iv)
				}
			}
		}
		cur = next
	}
	return len(cur) > 0
}

// olderSeries answers, from releases, the newest one of each series older
// than newest's (and not older than minSupported) that every pragma
// admits, newest series first.
func olderSeries(newest semver, sets []versionSet, releases []semver) []semver {
	best := map[semver]semver{}
	for _, v := range releases {
		s := seriesOf(v)
		if s.cmp(seriesOf(newest)) >= 0 || v.cmp(minSupported) < 0 {
			continue
		}
		if b, ok := best[s]; ok && b.cmp(v) >= 0 {
			continue
		}
		ok := true
		for _, set := range sets {
			ok = ok && set.match(v)
		}
		if ok {
			best[s] = v
		}
	}
	out := make([]semver, 0, len(best))
	for _, v := range best {
		out = append(out, v)
	}
	slices.SortFunc(out, func(a, b semver) int { return b.cmp(a) })
	return out
}

func parsePragmas(pragmas []pragmaRef) ([]versionSet, bool) {
	sets := make([]versionSet, 0, len(pragmas))
	for _, p := range pragmas {
		s, err := parsePragma(p.expr)
		if err != nil {
			return nil, false
		}
		sets = append(sets, s)
	}
	return sets, true
}

// mayFallBack reports whether a request without a compiler version whose
// pragmas select newest could fall back to an older series.
func mayFallBack(newest Compiler, pragmas []pragmaRef) ([]versionSet, bool) {
	if len(pragmas) == 0 {
		return nil, false
	}
	sets, ok := parsePragmas(pragmas)
	if !ok || !admitsOlderSeries(newest.v, sets) {
		return nil, false
	}
	return sets, true
}

// compileAuto compiles a request that names no compiler version: with c,
// the newest the pragmas admit, or the older compiler a fallback chose
// for the same input before, or by a new fallback when c fails.
func (p *Pool) compileAuto(ctx context.Context, req compileapi.Request, res *resolved, c Compiler, in []byte, then []compileapi.Request) (compileapi.Result, error) {
	if r, ok := p.lookup(ctx, c, res, in, req); ok {
		return r, nil
	}
	sets, older := mayFallBack(c, res.pragmas)
	if older {
		if r, ok := p.replayChoice(ctx, req, res, c, in, then); ok {
			return r, nil
		}
	}
	r, out, ran, err := p.attempt(ctx, c, res, in, req, false)
	if err == nil {
		if ran {
			p.primeThen(ctx, then, c, c, in, out)
		}
		return r, nil
	}
	if !older {
		return compileapi.Result{}, err
	}
	first, ok := fallbackWorthy(err)
	if !ok {
		return compileapi.Result{}, err
	}
	return p.fallback(ctx, req, res, c, in, sets, first, then)
}

// fallback tries the older series the pragmas admit after newest failed
// with first.
func (p *Pool) fallback(ctx context.Context, req compileapi.Request, res *resolved, newest Compiler, in []byte, sets []versionSet, first *CompileError, then []compileapi.Request) (compileapi.Result, error) {
	var releases []semver
	if p.inst != nil {
		published, err := p.inst.publishedVersions(ctx)
		if err != nil {
			// Deciding without the list could choose differently from a
			// later try: retry rather than answer.
			return compileapi.Result{}, fmt.Errorf("solc %s failed on these sources and the pragmas admit older compilers: %w", newest.Version, err)
		}
		releases = published
	} else {
		p.mu.RLock()
		for _, ic := range p.compilers {
			releases = append(releases, ic.v)
		}
		p.mu.RUnlock()
	}
	candidates := olderSeries(newest.v, sets, releases)
	if len(candidates) == 0 {
		if p.inst != nil {
			return compileapi.Result{}, first
		}
		return compileapi.Result{}, withNote(first, fmt.Sprintf(
			"solc %s, the newest installed compiler the pragmas admit, failed with the errors above; the pragmas also admit older compiler series, but none of them is installed and automatic installation is off (--solc-auto-install)",
			newest.Version))
	}
	tried := []string{newest.Version}
	var failures []string
	for _, v := range candidates {
		c, err := p.compilerFor(ctx, v)
		if err != nil {
			return compileapi.Result{}, fmt.Errorf("solc %s failed on these sources; install solc %s to try them with it: %w", newest.Version, v, err)
		}
		tried = append(tried, c.Version)
		r, out, ran, err := p.attempt(ctx, c, res, in, req, true)
		if err == nil {
			note := fallbackNote(newest, first, tried)
			p.rememberChoice(ctx, newest, in, compileapi.Result{CompilerVersion: c.Version, Warnings: []compileapi.Diagnostic{note}})
			if ran {
				p.primeThen(ctx, then, c, newest, in, out)
			}
			r.Warnings = append([]compileapi.Diagnostic{note}, r.Warnings...)
			return r, nil
		}
		var ce *CompileError
		switch {
		case errors.As(err, &ce):
			failures = append(failures, c.Version+": "+firstError(ce))
		case errors.Is(err, ErrCompiler), errors.Is(err, ErrOutputTooLarge):
			failures = append(failures, c.Version+": "+err.Error())
		case errors.Is(err, ErrLimitExceeded):
			// It held a worker for its whole time limit: no more tries.
			failures = append(failures, c.Version+": "+err.Error())
			return compileapi.Result{}, withNote(first, triedNote(tried, failures))
		default: // infrastructure: a retry may compile it
			return compileapi.Result{}, err
		}
	}
	return compileapi.Result{}, withNote(first, triedNote(tried, failures))
}

// compilerFor answers release v: installed, or installed now when
// automatic installation is on.
func (p *Pool) compilerFor(ctx context.Context, v semver) (Compiler, error) {
	p.mu.RLock()
	for _, c := range p.compilers {
		if c.v == v {
			p.mu.RUnlock()
			return c, nil
		}
	}
	p.mu.RUnlock()
	if p.inst == nil {
		return Compiler{}, fmt.Errorf("%w: solc %s is not installed", ErrNoCompiler, v)
	}
	return p.installCompiler(ctx, v)
}

// choiceKey is where the cache keeps the compiler a fallback chose for an
// input whose newest admitted compiler is newest: a key no compile result
// has, whose entry is a Result holding only CompilerVersion and the note.
func choiceKey(newest Compiler, in []byte) CacheKey {
	return cacheKey("fallback-choice:"+newest.Version, in, "", false)
}

// rememberChoice records a fallback's choice (m: CompilerVersion and the
// note) in the pool and the cache.
func (p *Pool) rememberChoice(ctx context.Context, newest Compiler, in []byte, m compileapi.Result) {
	key := choiceKey(newest, in)
	p.choiceMu.Lock()
	if p.choices == nil || len(p.choices) >= maxChoices {
		p.choices = map[CacheKey]compileapi.Result{}
	}
	p.choices[key] = m
	p.choiceMu.Unlock()
	if p.cfg.Cache != nil {
		p.cachePut(ctx, key, m)
	}
}

// recordedChoice answers the fallback choice recorded for in and newest,
// if any.
func (p *Pool) recordedChoice(ctx context.Context, newest Compiler, in []byte) (compileapi.Result, bool) {
	key := choiceKey(newest, in)
	p.choiceMu.Lock()
	m, ok := p.choices[key]
	p.choiceMu.Unlock()
	if ok {
		return m, true
	}
	if p.cfg.Cache == nil {
		return compileapi.Result{}, false
	}
	cctx, cancel := context.WithTimeout(ctx, cacheTimeout)
	defer cancel()
	m, ok, err := p.cfg.Cache.Get(cctx, key)
	if err != nil || !ok || m.CompilerVersion == "" {
		return compileapi.Result{}, false
	}
	p.choiceMu.Lock()
	if p.choices == nil || len(p.choices) >= maxChoices {
		p.choices = map[CacheKey]compileapi.Result{}
	}
	p.choices[key] = m
	p.choiceMu.Unlock()
	return m, true
}

// replayChoice compiles req with the compiler a fallback chose before for
// the same input; false when none was chosen or it fails now (the caller
// then decides afresh).
func (p *Pool) replayChoice(ctx context.Context, req compileapi.Request, res *resolved, newest Compiler, in []byte, then []compileapi.Request) (compileapi.Result, bool) {
	m, ok := p.recordedChoice(ctx, newest, in)
	if !ok {
		return compileapi.Result{}, false
	}
	v, err := parseVersion(m.CompilerVersion)
	if err != nil || v == newest.v {
		return compileapi.Result{}, false
	}
	c, err := p.compilerFor(ctx, v)
	if err != nil {
		p.cfg.Logger.WarnContext(ctx, "the compiler chosen for these sources before is not available; choosing again", "version", m.CompilerVersion, "err", err)
		return compileapi.Result{}, false
	}
	r, out, ran, err := p.attempt(ctx, c, res, in, req, true)
	if err != nil {
		var ce *CompileError
		if !errors.As(err, &ce) {
			p.cfg.Logger.WarnContext(ctx, "the compiler chosen for these sources before failed; choosing again", "version", m.CompilerVersion, "err", err)
		}
		return compileapi.Result{}, false
	}
	if ran {
		p.primeThen(ctx, then, c, newest, in, out)
	}
	r.Warnings = append(slices.Clone(m.Warnings), r.Warnings...)
	return r, true
}

// chosenVersion answers the compiler that Compile uses for an input
// whose pragmas select c and whose request names no version: c, or the
// older one a fallback chose for it.
func (p *Pool) chosenVersion(ctx context.Context, c Compiler, pragmas []pragmaRef, in []byte) string {
	if _, ok := mayFallBack(c, pragmas); !ok {
		return c.Version
	}
	if m, ok := p.recordedChoice(ctx, c, in); ok {
		return m.CompilerVersion
	}
	return c.Version
}

// firstError is a compile failure's first error, on one line.
func firstError(ce *CompileError) string {
	for _, d := range ce.Diagnostics {
		if d.Severity != compileapi.SeverityError {
			continue
		}
		msg, _, _ := strings.Cut(d.Message, "\n")
		s := cmp.Or(d.Type, "error") + ": " + msg
		switch {
		case d.Line > 0:
			s = fmt.Sprintf("%s:%d:%d: %s", d.File, d.Line, d.Column, s)
		case d.File != "":
			s = d.File + ": " + s
		}
		return s
	}
	return "failed"
}

// fallbackNote says why an older compiler compiled the sources.
func fallbackNote(newest Compiler, first *CompileError, tried []string) compileapi.Diagnostic {
	also := ""
	if len(tried) > 2 {
		also = " and so did " + strings.Join(tried[1:len(tried)-1], ", ")
	}
	used := tried[len(tried)-1]
	return compileapi.Diagnostic{
		Severity: compileapi.SeverityInfo, Code: compileapi.CodeCompilerFallback,
		Message: fmt.Sprintf("compiled with solc %s, the newest release of an older series the pragmas admit: solc %s, the newest they admit, failed (%s)%s; name a compiler version to choose another",
			used, newest.Version, firstError(first), also),
	}
}

// triedNote names the compilers tried when every one failed.
func triedNote(tried, failures []string) string {
	return fmt.Sprintf("tried solc %s (the newest the pragmas admit, whose errors these are, then the newest release of each older series they admit): all failed (%s)",
		strings.Join(tried, ", "), strings.Join(failures, "; "))
}

// withNote answers first with an info note after its errors.
func withNote(first *CompileError, note string) *CompileError {
	var errs, rest []compileapi.Diagnostic
	for _, d := range first.Diagnostics {
		if d.Severity == compileapi.SeverityError {
			errs = append(errs, d)
		} else {
			rest = append(rest, d)
		}
	}
	diags := append(errs, compileapi.Diagnostic{Severity: compileapi.SeverityInfo, Code: compileapi.CodeCompilerFallback, Message: note})
	return &CompileError{Diagnostics: append(diags, rest...)}
}
