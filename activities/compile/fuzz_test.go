package compile

import (
	"strings"
	"testing"
)

// FuzzScanSource: the import/pragma scanner never panics and every import
// it reports is a substring of the source.
func FuzzScanSource(f *testing.F) {
	f.Add(erc20Src)
	f.Add(counterSrc)
	f.Add("import {a as b, c} from './x.sol'; /* import \"y\" */ pragma solidity >=0.4.0 <0.9.0;")
	f.Add("import \"unterminated")
	f.Add("pragma solidity ^0.8.0")
	f.Fuzz(func(t *testing.T, src string) {
		imports, pragmas := scanSource(src)
		for _, imp := range imports {
			if imp.line < 1 || imp.column < 1 {
				t.Fatalf("position %d:%d", imp.line, imp.column)
			}
			if !strings.Contains(src, imp.path) && !strings.Contains(src, "\\") {
				t.Fatalf("import %q not in source", imp.path)
			}
		}
		for _, p := range pragmas {
			_, _ = parsePragma(p.expr)
		}
	})
}

// FuzzResolveImportPath: whatever the import, a resolved unit never
// escapes the root, is never absolute and never has . or .. segments.
func FuzzResolveImportPath(f *testing.F) {
	for _, s := range []string{"../x.sol", "./a/../b.sol", "@openzeppelin/contracts/token/ERC20/ERC20.sol", "/etc/passwd", "https://x", "a//b", "..", "./../../x"} {
		f.Add("contracts/A.sol", s)
		f.Add("@openzeppelin/contracts/token/ERC20/ERC20.sol", s)
	}
	f.Fuzz(func(t *testing.T, importer, p string) {
		unit, err := resolveImportPath(importer, p)
		if err != nil {
			return
		}
		if unit == "" && p != "." {
			return
		}
		if strings.HasPrefix(unit, "/") || strings.Contains(unit, "\\") {
			t.Fatalf("%q from %q → %q", p, importer, unit)
		}
		for _, seg := range strings.Split(unit, "/") {
			if seg == ".." || seg == "." {
				t.Fatalf("%q from %q → %q has a dot segment", p, importer, unit)
			}
		}
		if strings.HasPrefix(importer, ozPrefix) && !strings.HasPrefix(unit, ozPrefix) {
			t.Fatalf("%q from %q left OpenZeppelin: %q", p, importer, unit)
		}
	})
}

// FuzzParsePragma never panics and, when it parses, matches consistently.
func FuzzParsePragma(f *testing.F) {
	for _, s := range []string{"^0.8.0", ">=0.4.22 <0.9.0", "0.8.x", "~0.7", "1.2 - 1.4.5", "^0.4.24 || ^0.6.0", "*", "=0.7.6", ">0.8", "<=0.7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		set, err := parsePragma(expr)
		if err != nil {
			return
		}
		_ = set.match(semver{0, 8, 37})
	})
}
