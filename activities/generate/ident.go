package generate

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
