package compile

import (
	"encoding/json"
	"errors"
	"fmt"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// ErrNoCompiler reports that no installed solc-js satisfies the requested
// version or the sources' pragmas. Callers map it to invalid_argument: the
// request names a compiler this installation does not have.
var ErrNoCompiler = errors.New("no installed compiler matches")

// errBadPragma reports a `pragma solidity` expression that cannot be parsed.
var errBadPragma = errors.New("bad version pragma")

// Compiler is one installed solc-js: the `solc` package itself or an npm
// alias such as `solc-0.8.24@npm:solc@0.8.24`, installed side by side so a
// source pinned to an older release compiles with exactly that release.
type Compiler struct {
	// Version is the bare release, e.g. "0.8.37".
	Version string
	// Dir is the package directory that node `require`s.
	Dir string
	v   semver
}

type semver struct{ major, minor, patch int }

func (a semver) cmp(b semver) int {
	if c := a.major - b.major; c != 0 {
		return c
	}
	if c := a.minor - b.minor; c != 0 {
		return c
	}
	return a.patch - b.patch
}

func (a semver) String() string { return fmt.Sprintf("%d.%d.%d", a.major, a.minor, a.patch) }

// parseVersion accepts "0.8.37", "v0.8.37" and "0.8.37+commit.f401782d…".
func parseVersion(s string) (semver, error) {
	s = strings.TrimPrefix(strings.TrimSpace(s), "v")
	if i := strings.IndexAny(s, "+-"); i >= 0 {
		s = s[:i]
	}
	parts := strings.Split(s, ".")
	if len(parts) != 3 {
		return semver{}, fmt.Errorf("parse version %q: want major.minor.patch", s)
	}
	var n [3]int
	for i, p := range parts {
		v, err := strconv.Atoi(p)
		if err != nil || v < 0 || v > 1<<20 {
			return semver{}, fmt.Errorf("parse version %q: bad component %q", s, p)
		}
		n[i] = v
	}
	return semver{n[0], n[1], n[2]}, nil
}

// discoverCompilers lists the solc-js packages installed in nodeModules,
// newest first: `solc` plus every `solc-*` alias whose package.json names the
// real `solc` package and which ships its soljson.js.
func discoverCompilers(nodeModules string) ([]Compiler, error) {
	entries, err := os.ReadDir(nodeModules)
	if err != nil {
		return nil, fmt.Errorf("list compilers: %w", err)
	}
	seen := map[semver]bool{}
	var out []Compiler
	for _, e := range entries {
		name := e.Name()
		if name != "solc" && !strings.HasPrefix(name, "solc-") {
			continue
		}
		dir := filepath.Join(nodeModules, name)
		raw, err := os.ReadFile(filepath.Join(dir, "package.json"))
		if err != nil {
			continue
		}
		var pkg struct{ Name, Version string }
		if json.Unmarshal(raw, &pkg) != nil || pkg.Name != "solc" {
			continue
		}
		if _, err := os.Stat(filepath.Join(dir, "soljson.js")); err != nil {
			continue
		}
		v, err := parseVersion(pkg.Version)
		if err != nil || seen[v] {
			continue
		}
		seen[v] = true
		out = append(out, Compiler{Version: v.String(), Dir: dir, v: v})
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("list compilers: no solc package in %s", nodeModules)
	}
	slices.SortFunc(out, func(a, b Compiler) int { return b.v.cmp(a.v) })
	return out, nil
}

// versionSet is a parsed pragma: a union of ranges, each an intersection of
// comparators, the way npm semver and solc read `pragma solidity`.
type versionSet [][]comparator

type comparator struct {
	op string // one of >= > <= < =
	v  semver
}

func (c comparator) match(v semver) bool {
	d := v.cmp(c.v)
	switch c.op {
	case ">=":
		return d >= 0
	case ">":
		return d > 0
	case "<=":
		return d <= 0
	case "<":
		return d < 0
	default:
		return d == 0
	}
}

func (s versionSet) match(v semver) bool {
	for _, r := range s {
		ok := true
		for _, c := range r {
			if !c.match(v) {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// partial is a version with possibly missing or wildcard components: "0.8",
// "0.8.x", "*".
type partial struct {
	n    [3]int
	have int // components given (0–3)
}

func (p partial) lower() semver { return semver{p.n[0], p.n[1], p.n[2]} }

// upper is the exclusive bound of a partial: 0.8 → 0.9.0, 0 → 1.0.0.
func (p partial) upper() semver {
	switch p.have {
	case 1:
		return semver{p.n[0] + 1, 0, 0}
	case 2:
		return semver{p.n[0], p.n[1] + 1, 0}
	default:
		return semver{p.n[0], p.n[1], p.n[2] + 1}
	}
}

func parsePartial(s string) (partial, error) {
	var p partial
	s = strings.TrimPrefix(s, "v")
	if s == "" {
		return p, fmt.Errorf("%w: empty version", errBadPragma)
	}
	parts := strings.Split(s, ".")
	if len(parts) > 3 {
		return p, fmt.Errorf("%w: %q has too many components", errBadPragma, s)
	}
	for i, part := range parts {
		if part == "x" || part == "X" || part == "*" {
			break
		}
		v, err := strconv.Atoi(part)
		if err != nil || v < 0 || v > 1<<20 {
			return p, fmt.Errorf("%w: bad version %q", errBadPragma, s)
		}
		p.n[i] = v
		p.have = i + 1
	}
	return p, nil
}

// tokenizePragma splits a pragma expression into operators, "||", "-" and
// version literals; solc allows spaces between an operator and its version.
func tokenizePragma(expr string) []string {
	var toks []string
	i := 0
	for i < len(expr) {
		c := expr[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case strings.HasPrefix(expr[i:], "||"):
			toks = append(toks, "||")
			i += 2
		case strings.HasPrefix(expr[i:], ">=") || strings.HasPrefix(expr[i:], "<="):
			toks = append(toks, expr[i:i+2])
			i += 2
		case strings.ContainsRune("^~<>=-", rune(c)):
			toks = append(toks, string(c))
			i++
		default:
			j := i
			for j < len(expr) && isVersionChar(expr[j]) {
				j++
			}
			if j == i {
				j = i + 1
			}
			toks = append(toks, expr[i:j])
			i = j
		}
	}
	return toks
}

func isVersionChar(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '.' || c == '*'
}

// parsePragma parses the expression of `pragma solidity <expr>;`: exact
// versions, ^, ~, comparisons, hyphen ranges, wildcards and || alternatives.
func parsePragma(expr string) (versionSet, error) {
	toks := tokenizePragma(expr)
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: empty expression", errBadPragma)
	}
	var set versionSet
	var cur []comparator
	flush := func() error {
		if len(cur) == 0 {
			return fmt.Errorf("%w: empty range in %q", errBadPragma, expr)
		}
		set = append(set, cur)
		cur = nil
		return nil
	}
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t == "||" {
			if err := flush(); err != nil {
				return nil, err
			}
			continue
		}
		op := "="
		switch t {
		case "^", "~", ">=", ">", "<=", "<", "=":
			op = t
			i++
			if i >= len(toks) {
				return nil, fmt.Errorf("%w: %q ends after %q", errBadPragma, expr, t)
			}
			t = toks[i]
		case "-":
			return nil, fmt.Errorf("%w: unexpected '-' in %q", errBadPragma, expr)
		}
		p, err := parsePartial(t)
		if err != nil {
			return nil, err
		}
		// Hyphen range: a - b.
		if op == "=" && i+2 < len(toks) && toks[i+1] == "-" {
			q, err := parsePartial(toks[i+2])
			if err != nil {
				return nil, err
			}
			i += 2
			cur = append(cur, comparator{">=", p.lower()})
			if q.have == 3 {
				cur = append(cur, comparator{"<=", q.lower()})
			} else if q.have > 0 {
				cur = append(cur, comparator{"<", q.upper()})
			}
			continue
		}
		cs, err := expand(op, p)
		if err != nil {
			return nil, fmt.Errorf("%w in %q", err, expr)
		}
		cur = append(cur, cs...)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return set, nil
}

// expand turns one operator and partial version into plain comparators.
func expand(op string, p partial) ([]comparator, error) {
	lo := p.lower()
	if p.have == 0 { // "*", "x": any version
		switch op {
		case "=", ">=", "^", "~", "<=":
			return []comparator{{">=", semver{}}}, nil
		default:
			return nil, fmt.Errorf("%w: %s with a wildcard matches nothing", errBadPragma, op)
		}
	}
	switch op {
	case "=":
		if p.have == 3 {
			return []comparator{{"=", lo}}, nil
		}
		return []comparator{{">=", lo}, {"<", p.upper()}}, nil
	case ">=":
		return []comparator{{">=", lo}}, nil
	case ">":
		if p.have == 3 {
			return []comparator{{">", lo}}, nil
		}
		return []comparator{{">=", p.upper()}}, nil
	case "<":
		return []comparator{{"<", lo}}, nil
	case "<=":
		if p.have == 3 {
			return []comparator{{"<=", lo}}, nil
		}
		return []comparator{{"<", p.upper()}}, nil
	case "~":
		if p.have >= 2 {
			return []comparator{{">=", lo}, {"<", semver{lo.major, lo.minor + 1, 0}}}, nil
		}
		return []comparator{{">=", lo}, {"<", semver{lo.major + 1, 0, 0}}}, nil
	case "^":
		var hi semver
		switch {
		case lo.major > 0 || p.have == 1:
			hi = semver{lo.major + 1, 0, 0}
		case lo.minor > 0 || p.have == 2:
			hi = semver{0, lo.minor + 1, 0}
		default:
			hi = semver{0, 0, lo.patch + 1}
		}
		return []comparator{{">=", lo}, {"<", hi}}, nil
	}
	return nil, fmt.Errorf("%w: unknown operator %q", errBadPragma, op)
}

// selectCompiler picks the compiler for a request: the named version when
// given, else the newest installed one satisfying every pragma, else the
// default when no source has a pragma.
func selectCompiler(installed []Compiler, def Compiler, requested string, pragmas []pragmaRef) (Compiler, error) {
	names := make([]string, len(installed))
	for i, c := range installed {
		names[i] = c.Version
	}
	list := strings.Join(names, ", ")
	if strings.TrimSpace(requested) != "" {
		v, err := parseVersion(requested)
		if err != nil {
			return Compiler{}, fmt.Errorf("%w: compiler version %q is not a version (installed: %s)", ErrNoCompiler, requested, list)
		}
		for _, c := range installed {
			if c.v == v {
				return c, nil
			}
		}
		return Compiler{}, fmt.Errorf("%w: compiler version %s is not installed (installed: %s)", ErrNoCompiler, v, list)
	}
	if len(pragmas) == 0 {
		return def, nil
	}
	sets := make([]versionSet, 0, len(pragmas))
	for _, p := range pragmas {
		s, err := parsePragma(p.expr)
		if err != nil {
			return Compiler{}, &CompileError{Diagnostics: []compileapi.Diagnostic{{
				Severity: compileapi.SeverityError, File: p.file, Line: p.line, Column: p.column, Code: compileapi.CodePragma,
				Message: fmt.Sprintf("cannot parse `pragma solidity %s`: %v", p.expr, err),
			}}}
		}
		sets = append(sets, s)
	}
	for _, c := range installed { // newest first
		ok := true
		for _, s := range sets {
			if !s.match(c.v) {
				ok = false
				break
			}
		}
		if ok {
			return c, nil
		}
	}
	exprs := make([]string, 0, len(pragmas))
	for _, p := range pragmas {
		e := fmt.Sprintf("%q (%s)", strings.TrimSpace(p.expr), p.file)
		if !slices.Contains(exprs, e) {
			exprs = append(exprs, e)
		}
	}
	return Compiler{}, fmt.Errorf("%w: no installed solc satisfies pragma solidity %s (installed: %s)", ErrNoCompiler, strings.Join(exprs, ", "), list)
}
