package compile

import (
	"reflect"
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
		f.Add("@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol", s)
	}
	f.Add("@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol", "@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol")
	f.Add("@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol", "../../Contract.sol")
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
		if strings.HasPrefix(importer, ozUpgradeablePrefix) && packageOf(unit) == "" {
			t.Fatalf("%q from %q left OpenZeppelin: %q", p, importer, unit)
		}
	})
}

// FuzzParsePragma: a parsed pragma is well formed (at least one range,
// none empty, every comparator a known operator on a version); printed back
// as plain comparators it parses to the same set; its || alternatives parse
// on their own to the ranges it holds; and a bare full version matches that
// version alone.
func FuzzParsePragma(f *testing.F) {
	for _, s := range []string{"^0.8.0", ">=0.4.22 <0.9.0", "0.8.x", "~0.7", "1.2 - 1.4.5", "^0.4.24 || ^0.6.0", "*", "=0.7.6", ">0.8", "<=0.7", "0.8.20", "^1048576", "v0.8.1||0.7"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, expr string) {
		set, err := parsePragma(expr)
		if err != nil {
			return
		}
		if len(set) == 0 {
			t.Fatalf("%q parsed to no range", expr)
		}
		huge := false
		for _, r := range set {
			if len(r) == 0 {
				t.Fatalf("%q parsed to an empty range: %v", expr, set)
			}
			for _, c := range r {
				switch c.op {
				case ">=", ">", "<=", "<", "=":
				default:
					t.Fatalf("%q parsed to operator %q", expr, c.op)
				}
				if c.v.major < 0 || c.v.minor < 0 || c.v.patch < 0 {
					t.Fatalf("%q parsed to version %v", expr, c.v)
				}
				// An upper bound one past the largest component a pragma
				// may spell (^1048576 → <1048577.0.0) cannot be printed back.
				huge = huge || max(c.v.major, c.v.minor, c.v.patch) > 1<<20
			}
		}

		if !huge {
			again, err := parsePragma(printPragma(set))
			if err != nil || !reflect.DeepEqual(again, set) {
				t.Fatalf("%q → %q → %v, %v; want %v", expr, printPragma(set), again, err, set)
			}
		}

		var alternatives versionSet
		for _, alt := range strings.Split(expr, "||") {
			s, err := parsePragma(alt)
			if err != nil {
				t.Fatalf("%q parses but its alternative %q does not: %v", expr, alt, err)
			}
			alternatives = append(alternatives, s...)
		}
		if !reflect.DeepEqual(alternatives, set) {
			t.Fatalf("%q: alternatives parse to %v, the whole to %v", expr, alternatives, set)
		}

		if e := strings.TrimSpace(expr); strings.Count(e, ".") == 2 && strings.Trim(e, "0123456789.") == "" {
			v, err := parseVersion(e)
			if err != nil {
				return
			}
			if !set.match(v) || set.match(semver{v.major, v.minor, v.patch + 1}) ||
				(v.patch > 0 && set.match(semver{v.major, v.minor, v.patch - 1})) {
				t.Fatalf("%q must match %v alone: %v", expr, v, set)
			}
		}
	})
}

// printPragma writes a parsed pragma back as plain comparators on full
// versions, e.g. ">=0.8.0 <0.9.0 || =0.7.6".
func printPragma(set versionSet) string {
	ranges := make([]string, len(set))
	for i, r := range set {
		cs := make([]string, len(r))
		for j, c := range r {
			cs[j] = c.op + c.v.String()
		}
		ranges[i] = strings.Join(cs, " ")
	}
	return strings.Join(ranges, " || ")
}
