package generate

import (
	"errors"
	"fmt"
	"math/big"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ErrInvalidTemplate is the sentinel every input error wraps, so that the RPC
// boundary can map all of them to invalid_argument with one errors.Is check
// while still showing the user the precise *TemplateError message.
var ErrInvalidTemplate = errors.New("invalid contract template")

// TemplateError names the offending field so that API clients can point the
// user at it; it unwraps to ErrInvalidTemplate.
type TemplateError struct {
	// Field is the request field's JSON name, such as "name" or "options.premint".
	Field string
	// Reason says what is wrong in words a user can act on.
	Reason string
}

func (e *TemplateError) Error() string {
	return fmt.Sprintf("invalid contract template: %s: %s", e.Field, e.Reason)
}

// Unwrap lets errors.Is(err, ErrInvalidTemplate) hold.
func (e *TemplateError) Unwrap() error { return ErrInvalidTemplate }

func invalid(field, format string, args ...any) error {
	return &TemplateError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// Limits shared with the proto's validation rules; checked again here because
// Generate is also called by workflows and tests that bypass protovalidate.
const (
	maxNameLen   = 64 // characters of the display name, bytes of the identifier
	maxSymbolLen = 20
	maxURILen    = 2048
	maxNumberLen = 78
	// tokenDecimals is OpenZeppelin ERC20's decimals(), which the generated
	// contracts never override; premint and cap are given in whole tokens.
	tokenDecimals = 18
)

var (
	identRE  = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_]*$`)
	symbolRE = regexp.MustCompile(`^[A-Za-z0-9._-]*$`)
	numberRE = regexp.MustCompile(`^[0-9]+(\.[0-9]+)?$`)
	// Elementary type names with sizes (uint8, bytes32, fixed128x18...) are
	// keywords too.
	sizedTypeRE = regexp.MustCompile(`^(u?int[0-9]*|bytes[0-9]+|u?fixed([0-9]+x[0-9]+)?)$`)
)

// reservedNames are Solidity keywords, reserved words and global builtins: a
// contract named after one either does not parse or shadows a builtin (a
// compiler warning).
var reservedNames = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`
		abstract address anonymous as assembly bool break bytes calldata catch
		constant constructor continue contract delete do else emit enum error
		event external fallback false for from function global hex if immutable
		import indexed interface internal is layout library mapping memory
		modifier new override payable pragma private public pure receive return
		returns revert storage string struct transient true try type unchecked
		unicode using view virtual while
		wei gwei ether seconds minutes hours days weeks years szabo finney
		after alias apply auto byte case copyof default define final implements
		in inline let macro match mutable null of partial promise reference
		relocatable sealed sizeof static supports switch typedef typeof var
		abi addmod assert blobhash block blockhash ecrecover gasleft keccak256
		msg mulmod now require ripemd160 selfdestruct sha256 sha3 suicide super
		this tx log0 log1 log2 log3 log4 _`) {
		reservedNames[w] = true
	}
}

// checkName checks a display name and answers the contract identifier
// derived from it (toIdentifier). The name itself reaches the source only
// inside a string literal (stringLiteral), so any text is safe there; what
// is refused is what would make the literal or the file misleading or
// unparsable (control and text-direction characters, invalid UTF-8) and a
// name from which no usable identifier derives. Collisions with identifiers
// of the generated code itself are checked by Generate after rendering.
func checkName(name string) (string, error) {
	switch {
	case name == "":
		return "", invalid("name", "is required")
	case !utf8.ValidString(name):
		return "", invalid("name", "must be valid UTF-8")
	case utf8.RuneCountInString(name) > maxNameLen:
		return "", invalid("name", "must be at most %d characters", maxNameLen)
	}
	for i, r := range []rune(name) {
		if unicode.IsControl(r) || unicode.In(r, unicode.Zl, unicode.Zp) || bidiControl(r) {
			return "", invalid("name", "must not contain control, line-break or text-direction characters; found %U at character %d", r, i+1)
		}
	}
	ident := toIdentifier(name)
	switch {
	case ident == "":
		return "", invalid("name", "%q gives no contract identifier: the identifier is made of the name's ASCII letters, digits and _ (accents removed, starting at the first letter or _), and this name has none", name)
	case len(ident) > maxNameLen:
		return "", invalid("name", "gives the contract identifier %q, longer than %d characters", ident, maxNameLen)
	case reservedNames[ident] || sizedTypeRE.MatchString(ident):
		return "", invalid("name", "gives the contract identifier %q, a reserved Solidity word or builtin", ident)
	case !identRE.MatchString(ident):
		// Unreachable by construction; kept so that a change of
		// toIdentifier can never put something else after "contract".
		return "", invalid("name", "gives %q, not a Solidity identifier", ident)
	}
	return ident, nil
}

// bidiControl reports the Unicode bidirectional formatting characters
// (marks, embeddings, overrides, isolates): inside a string literal they
// make the source display differently from what it is ("Trojan Source").
func bidiControl(r rune) bool {
	return r == 0x061c || r == 0x200e || r == 0x200f || (r >= 0x202a && r <= 0x202e) || (r >= 0x2066 && r <= 0x2069)
}

func checkSymbol(symbol string) error {
	if len(symbol) > maxSymbolLen {
		return invalid("symbol", "must be at most %d characters", maxSymbolLen)
	}
	if !symbolRE.MatchString(symbol) {
		return invalid("symbol", "may contain only letters, digits, '.', '_' and '-'")
	}
	return nil
}

// checkURI admits printable ASCII without quotes and backslashes, which is
// exactly what a plain Solidity string literal holds without escapes; URIs
// with other characters must be percent-encoded by the caller.
func checkURI(field, uri string) error {
	if len(uri) > maxURILen {
		return invalid(field, "must be at most %d characters", maxURILen)
	}
	for i := 0; i < len(uri); i++ {
		c := uri[i]
		if c < 0x20 || c > 0x7e || c == '"' || c == '\\' {
			return invalid(field, "may contain only printable ASCII without '\"' or '\\' (percent-encode other characters); found byte 0x%02x at offset %d", c, i)
		}
	}
	return nil
}

// maxUint256 and maxUint208 bound scaled token amounts: 2^256-1 is what
// uint256 holds, 2^208-1 is ERC20Votes' maximum total supply.
var (
	maxUint256 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1))
	maxUint208 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 208), big.NewInt(1))
)

// amount is a token amount in whole tokens, kept as the Solidity expression
// parts mantissa * 10 ** (decimals() - shift) so that the source reads like
// the user's input.
type amount struct {
	mantissa *big.Int
	shift    int      // fractional digits, 0..tokenDecimals
	scaled   *big.Int // mantissa * 10^(tokenDecimals-shift), in base units
}

func (a amount) isZero() bool { return a.scaled == nil || a.scaled.Sign() == 0 }

// expr renders the amount in base units with decimals(), as the Wizard does.
func (a amount) expr() string {
	if a.shift == 0 {
		return a.mantissa.String() + " * 10 ** decimals()"
	}
	return fmt.Sprintf("%s * 10 ** (decimals() - %d)", a.mantissa.String(), a.shift)
}

// parseAmount parses a decimal string of whole tokens with up to 18
// fractional digits; the empty string is the zero amount.
func parseAmount(field, s string) (amount, error) {
	if s == "" {
		return amount{}, nil
	}
	if len(s) > maxNumberLen {
		return amount{}, invalid(field, "must be at most %d characters", maxNumberLen)
	}
	if !numberRE.MatchString(s) {
		return amount{}, invalid(field, "must be a decimal number of whole tokens such as \"1000\" or \"0.5\"")
	}
	intPart, frac, _ := strings.Cut(s, ".")
	frac = strings.TrimRight(frac, "0")
	if len(frac) > tokenDecimals {
		return amount{}, invalid(field, "has more than %d decimal places", tokenDecimals)
	}
	mantissa, ok := new(big.Int).SetString(intPart+frac, 10)
	if !ok {
		return amount{}, invalid(field, "is not a decimal number")
	}
	scaled := new(big.Int).Mul(mantissa, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(tokenDecimals-len(frac))), nil))
	if scaled.Cmp(maxUint256) > 0 {
		return amount{}, invalid(field, "is too large: %s tokens with %d decimals exceed 2^256-1 base units", s, tokenDecimals)
	}
	return amount{mantissa: mantissa, shift: len(frac), scaled: scaled}, nil
}
