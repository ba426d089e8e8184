package generate

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// countIdent counts the occurrences of ident as a whole identifier token in
// Solidity source, outside comments and string literals. Generate uses it to
// refuse contract names that collide with identifiers of its own template
// (a function, parameter, base or import of the same name).
func countIdent(src, ident string) int {
	n := 0
	for i := 0; i < len(src); {
		c := src[i]
		switch {
		case c == '/' && i+1 < len(src) && src[i+1] == '/':
			for i < len(src) && src[i] != '\n' {
				i++
			}
		case c == '/' && i+1 < len(src) && src[i+1] == '*':
			i += 2
			for i+1 < len(src) && !(src[i] == '*' && src[i+1] == '/') {
				i++
			}
			i += 2
		case c == '"' || c == '\'':
			i++
			for i < len(src) && src[i] != c {
				if src[i] == '\\' {
					i++
				}
				i++
			}
			i++
		case isIdentStart(c):
			j := i + 1
			for j < len(src) && (isIdentStart(src[j]) || (src[j] >= '0' && src[j] <= '9')) {
				j++
			}
			if src[i:j] == ident {
				n++
			}
			i = j
		case c >= '0' && c <= '9':
			// Numbers (and hex literals such as 0xab) are not identifiers.
			for i < len(src) && (isIdentStart(src[i]) || (src[i] >= '0' && src[i] <= '9')) {
				i++
			}
		default:
			i++
		}
	}
	return n
}

func isIdentStart(c byte) bool {
	return c == '_' || c == '$' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')
}

// toIdentifier derives the contract's identifier from its display name as
// the OpenZeppelin Contracts Wizard does (packages/core/solidity/src/utils/
// to-identifier.ts, toIdentifier(name, true), called by ContractBuilder):
//
//	str.normalize('NFD')
//	   .replace(/[\u0300-\u036f]/g, '')          // remove accents
//	   .replace(/^[^a-zA-Z$_]+/, '')              // drop leading non-starters
//	   .replace(/^(.)/, c => c.toUpperCase())     // capitalize
//	   .replace(/[^\w$]+(.?)/g, (_, c) => c.toUpperCase())
//
// so "Bar Token" gives BarToken, "my-token" MyToken, "1inch" Inch and
// "Café Crème" CafeCreme. \w is JavaScript's ASCII [A-Za-z0-9_]; every
// other character (non-ASCII letters included) separates words. One
// deliberate difference: $ separates words too, because contract names
// elsewhere in the API (compile, deploy) are [A-Za-z_][A-Za-z0-9_]*. The
// result is "" when the name has no ASCII letter or _.
func toIdentifier(name string) string {
	var b strings.Builder
	started, upper := false, true
	for _, r := range norm.NFD.String(name) {
		if r >= 0x300 && r <= 0x36f {
			continue // combining diacritical marks: the accents NFD split off
		}
		word := r < utf8.RuneSelf && (isIdentStart(byte(r)) || (r >= '0' && r <= '9')) && r != '$'
		if !started {
			// Leading digits are dropped, like separators.
			if !word || (r >= '0' && r <= '9') {
				continue
			}
			started = true
		}
		if !word {
			upper = true
			continue
		}
		if upper {
			r = unicode.ToUpper(r)
			upper = false
		}
		b.WriteRune(r)
	}
	return b.String()
}

// stringLiteral makes the Solidity string literal whose value is s, as the
// Wizard's stringifyUnicodeSafe (utils/sanitize.ts) does: a plain "..."
// literal for printable ASCII, else unicode"..." with the UTF-8 as is; '"'
// and '\' are escaped in both. Callers have refused control characters, so
// no other escape is needed.
func stringLiteral(s string) string {
	prefix := ""
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] > 0x7e {
			prefix = "unicode"
			break
		}
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return prefix + `"` + r.Replace(s) + `"`
}
