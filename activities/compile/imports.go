package compile

import (
	"errors"
	"fmt"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

// The packages a source may import from, each resolved from its installed
// copy in node_modules: OpenZeppelin Contracts, and OpenZeppelin Contracts
// Upgradeable, which contracts behind a proxy are written against (and
// which is itself built on the former).
const (
	ozPrefix            = "@openzeppelin/contracts/"
	ozUpgradeablePrefix = "@openzeppelin/contracts-upgradeable/"
)

// ozPackages are the importable packages, by prefix.
var ozPackages = []string{ozPrefix, ozUpgradeablePrefix}

// packageOf answers the prefix of the importable package that holds unit,
// or "" when it is in none.
func packageOf(unit string) string {
	for _, p := range ozPackages {
		if strings.HasPrefix(unit, p) {
			return p
		}
	}
	return ""
}

// mayImport reports whether a file of package from may import a file of
// package to: a package reaches only itself and the package it is built
// on, so that no import of a package file leads back into the request's
// sources (which could shadow a package file) or anywhere else.
func mayImport(from, to string) bool {
	return to == from || from == ozUpgradeablePrefix && to == ozPrefix
}

// packageName is a package prefix without its trailing slash, for messages.
func packageName(prefix string) string { return strings.TrimSuffix(prefix, "/") }

// Limits on what one request may pull in, so a hostile source cannot make
// the resolver or solc read or hold unbounded data.
const (
	// MaxSourceFiles bounds the request's own files.
	MaxSourceFiles = 100
	// MaxSourceBytes bounds the request's own sources, in total.
	MaxSourceBytes = 1 << 20
	maxUnits       = 2000     // request files plus resolved dependencies
	maxUnitsBytes  = 32 << 20 // request files plus resolved dependencies
)

// importRef is one `import "…"` directive found in a source.
type importRef struct {
	path         string
	line, column int // of the path literal, 1-based
}

// pragmaRef is one `pragma solidity …;` directive.
type pragmaRef struct {
	expr         string
	file         string
	line, column int
}

// scanSource finds the import paths and solidity pragmas of a Solidity
// source without a full parser: it skips comments and string literals so
// that neither `// import "x"` nor `"import"` in a string counts, and every
// import form (plain, `as`, `* as … from`, `{…} from`) has exactly one
// string literal, the path.
func scanSource(src string) (imports []importRef, pragmas []pragmaRef) {
	line, lineStart := 1, 0
	pos := func(i int) (int, int) { return line, utf8.RuneCountInString(src[lineStart:i]) + 1 }
	inImport := false
	var prev string // previous identifier or punctuation token
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '\n':
			line++
			i++
			lineStart = i
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i < len(src) && !(src[i] == '*' && i+1 < len(src) && src[i+1] == '/') {
				if src[i] == '\n' {
					line++
					lineStart = i + 1
				}
				i++
			}
			i += 2
		case c == '"' || c == '\'':
			l, col := pos(i)
			j := i + 1
			var b strings.Builder
			for j < len(src) && src[j] != c && src[j] != '\n' {
				if src[j] == '\\' && j+1 < len(src) {
					j++
				}
				b.WriteByte(src[j])
				j++
			}
			if inImport {
				imports = append(imports, importRef{path: b.String(), line: l, column: col})
				inImport = false
			}
			i = j + 1
			prev = "\""
		case isIdentStart(c):
			j := i
			for j < len(src) && isIdentPart(src[j]) {
				j++
			}
			word := src[i:j]
			switch {
			case word == "import" && prev != ".":
				inImport = true
			case word == "pragma" && prev != ".":
				l, col := pos(i)
				end := strings.IndexByte(src[j:], ';')
				if end < 0 {
					end = len(src) - j
				}
				body := src[j : j+end]
				if rest, ok := strings.CutPrefix(strings.TrimLeft(body, " \t\r\n"), "solidity"); ok &&
					(rest == "" || !isIdentPart(rest[0])) {
					pragmas = append(pragmas, pragmaRef{expr: strings.TrimSpace(rest), line: l, column: col})
				}
				for _, ch := range body {
					if ch == '\n' {
						line++
					}
				}
				if k := strings.LastIndexByte(body, '\n'); k >= 0 {
					lineStart = j + k + 1
				}
				j += end
			}
			prev = word
			i = j
		case c == ';':
			inImport = false
			prev = ";"
			i++
		case c == ' ' || c == '\t' || c == '\r':
			i++
		default:
			prev = string(c)
			i++
		}
	}
	return imports, pragmas
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z'
}

func isIdentPart(c byte) bool { return isIdentStart(c) || c >= '0' && c <= '9' }

// errImportRefused is the reason behind every refused import.
var errImportRefused = errors.New("import refused")

// resolveImportPath turns an import path into the source unit name solc will
// ask for, following solc's rules: paths starting with ./ or ../ are
// relative to the importing unit's directory, others are used as they are.
// It refuses anything that could reach outside the request's sources and
// the importable packages (ozPackages).
func resolveImportPath(importer, p string) (string, error) {
	switch {
	case p == "":
		return "", fmt.Errorf("%w: empty import path", errImportRefused)
	case strings.ContainsAny(p, "\x00\\") || strings.ContainsAny(importer, "\x00\\"):
		return "", fmt.Errorf("%w: backslashes and NUL are not allowed in import paths", errImportRefused)
	case strings.Contains(p, "://") || hasScheme(p):
		return "", fmt.Errorf("%w: URL imports are not allowed", errImportRefused)
	case strings.HasPrefix(p, "/") || strings.HasPrefix(p, "~"):
		return "", fmt.Errorf("%w: absolute paths are not allowed", errImportRefused)
	}
	var unit string
	if p == "." || p == ".." || strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") {
		dir := path.Dir(importer)
		if dir == "." {
			dir = ""
		}
		if last := p[strings.LastIndexByte(p, '/')+1:]; last == "" || last == "." || last == ".." {
			return "", fmt.Errorf("%w: %q names a directory, not a file", errImportRefused, p)
		}
		var segs []string
		for _, s := range strings.Split(dir, "/") {
			if s != "" && s != "." {
				segs = append(segs, s)
			}
		}
		for _, s := range strings.Split(p, "/") {
			switch s {
			case "", ".":
			case "..":
				if len(segs) == 0 {
					return "", fmt.Errorf("%w: %q escapes the source root", errImportRefused, p)
				}
				segs = segs[:len(segs)-1]
			default:
				segs = append(segs, s)
			}
		}
		unit = strings.Join(segs, "/")
	} else {
		for _, s := range strings.Split(p, "/") {
			if s == "." || s == ".." || s == "" {
				return "", fmt.Errorf("%w: %q has empty, . or .. segments", errImportRefused, p)
			}
		}
		unit = p
	}
	if from := packageOf(importer); from != "" && !mayImport(from, packageOf(unit)) {
		return "", fmt.Errorf("%w: %q leaves %s", errImportRefused, p, packageName(from))
	}
	return unit, nil
}

// hasScheme reports a leading "scheme:" as in https:, ipfs:, file:.
func hasScheme(p string) bool {
	i := strings.IndexByte(p, ':')
	if i <= 0 {
		return false
	}
	for j := 0; j < i; j++ {
		if !isIdentPart(p[j]) && p[j] != '+' && p[j] != '-' && p[j] != '.' {
			return false
		}
	}
	return true
}

// ozLibrary reads files of the installed importable packages through an
// os.Root per package, so neither a crafted path nor a symlink can leave
// the package, and keeps them in memory: the packages do not change under
// a running process, and warm compiles should not pay for disk reads.
type ozLibrary struct {
	// dirs maps a package's prefix to its installed folder; a package
	// that is not installed is absent.
	dirs map[string]string

	mu    sync.Mutex
	roots map[string]*os.Root
	files map[string]ozFile // by unit name
}

// newOZLibrary finds the importable packages installed in nodeModules.
func newOZLibrary(nodeModules string) *ozLibrary {
	l := &ozLibrary{dirs: map[string]string{}}
	for _, prefix := range ozPackages {
		dir := filepath.Join(nodeModules, filepath.FromSlash(packageName(prefix)))
		if _, err := os.Stat(filepath.Join(dir, "package.json")); err == nil {
			l.dirs[prefix] = dir
		}
	}
	return l
}

type ozFile struct {
	content string
	err     error
}

func (l *ozLibrary) read(unit string) (string, error) {
	pkg := packageOf(unit)
	if pkg == "" {
		return "", fmt.Errorf("read %s: not in an importable package", unit)
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if f, ok := l.files[unit]; ok {
		return f.content, f.err
	}
	root := l.roots[pkg]
	if root == nil {
		dir := l.dirs[pkg]
		if dir == "" {
			return "", fmt.Errorf("read %s: %s is not installed", unit, packageName(pkg))
		}
		r, err := os.OpenRoot(dir)
		if err != nil {
			return "", fmt.Errorf("open %s: %w", packageName(pkg), err)
		}
		if l.roots == nil {
			l.roots = map[string]*os.Root{}
			l.files = map[string]ozFile{}
		}
		l.roots[pkg] = r
		root = r
	}
	b, err := root.ReadFile(strings.TrimPrefix(unit, pkg))
	f := ozFile{content: string(b)}
	if err != nil {
		f.err = fmt.Errorf("read %s: %w", unit, err)
	}
	if err == nil || errors.Is(err, fs.ErrNotExist) {
		l.files[unit] = f
	}
	return f.content, f.err
}

// resolved is the full set of sources for one compile.
type resolved struct {
	sources map[string]string // unit name → content
	own     map[string]bool   // the request's own files
	pragmas []pragmaRef
}

// resolveSources walks the import graph from the request's own files and
// returns every unit solc needs, or a *CompileError naming each refused or
// missing import with the file and position that asked for it.
func resolveSources(own map[string]string, oz *ozLibrary) (*resolved, error) {
	r := &resolved{sources: map[string]string{}, own: map[string]bool{}}
	queue := make([]string, 0, len(own))
	for name, content := range own {
		r.sources[name] = content
		r.own[name] = true
		queue = append(queue, name)
	}
	sort.Strings(queue)
	var diags []compileapi.Diagnostic
	total := 0
	for len(queue) > 0 {
		unit := queue[0]
		queue = queue[1:]
		src := r.sources[unit]
		total += len(src)
		imports, pragmas := scanSource(src)
		for _, p := range pragmas {
			p.file = unit
			r.pragmas = append(r.pragmas, p)
		}
		for _, imp := range imports {
			diag := compileapi.Diagnostic{Severity: compileapi.SeverityError, File: unit, Line: imp.line, Column: imp.column, Code: compileapi.CodeImport}
			target, err := resolveImportPath(unit, imp.path)
			if err == nil {
				if _, ok := r.sources[target]; ok {
					continue
				}
				switch pkg := packageOf(target); {
				case pkg != "":
					var content string
					content, err = oz.read(target)
					if err == nil {
						if len(r.sources) >= maxUnits || total+len(content) > maxUnitsBytes {
							diag.Message = fmt.Sprintf("import %q in %s: too many or too large dependencies (limit %d files, %d MiB)", imp.path, unit, maxUnits, maxUnitsBytes>>20)
							diags = append(diags, diag)
							return nil, &CompileError{Diagnostics: diags}
						}
						r.sources[target] = content
						queue = append(queue, target)
						continue
					}
					if errors.Is(err, fs.ErrNotExist) {
						err = fmt.Errorf("%w: %s does not exist in the installed %s", errImportRefused, target, packageName(pkg))
					}
				case strings.HasPrefix(target, "node_modules/") || strings.Contains(target, "/node_modules/"):
					err = fmt.Errorf("%w: node_modules paths are not allowed", errImportRefused)
				case isRelative(imp.path) || !strings.Contains(target, "/"):
					err = fmt.Errorf("%w: %s is not one of the request's sources", errImportRefused, target)
				default:
					err = fmt.Errorf("%w: %s is not one of the request's sources and package %q is not available", errImportRefused, target, firstSegments(target))
				}
			}
			diag.Message = fmt.Sprintf("import %q in %s refused: %s; only the request's own sources, @openzeppelin/contracts/... and @openzeppelin/contracts-upgradeable/... can be imported",
				imp.path, unit, strings.TrimPrefix(err.Error(), errImportRefused.Error()+": "))
			diags = append(diags, diag)
		}
	}
	if len(diags) > 0 {
		return nil, &CompileError{Diagnostics: diags}
	}
	return r, nil
}

func isRelative(p string) bool { return strings.HasPrefix(p, "./") || strings.HasPrefix(p, "../") }

// firstSegments names the package an import reaches for: "hardhat" or
// "@scope/name".
func firstSegments(unit string) string {
	parts := strings.SplitN(unit, "/", 3)
	if strings.HasPrefix(unit, "@") && len(parts) >= 2 {
		return parts[0] + "/" + parts[1]
	}
	return parts[0]
}
