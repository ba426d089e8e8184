package lint

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// Detectors of how the source is written rather than what it does: text
// that reads differently from how it compiles (SWC-129, SWC-130), and a
// gas amount fixed in the code (SWC-134).

var rightToLeftOverride = &Detector{
	ID:          "right-to-left-override",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Bidirectional control character in the source",
	Description: "A Unicode bidirectional control character (such as U+202E RIGHT-TO-LEFT OVERRIDE) makes an editor or a review tool display the text around it in another order than the compiler reads it: arguments or comments can hide what the code does. Remove it.",
	run:         runRightToLeftOverride,
}

// bidiControls are the embedding, override and isolate characters of
// Unicode's bidirectional algorithm ("Trojan Source").
const bidiControls = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"

// runRightToLeftOverride reports each bidirectional control character of
// the user's sources, once per line.
func runRightToLeftOverride(a *analysis, d *Detector) {
	for _, u := range a.units {
		src, last := u.lines.src, -1
		for off := 0; off < len(src); {
			// Every one of them starts with the byte 0xE2: find those
			// with memchr rather than decoding every rune.
			i := strings.IndexByte(src[off:], 0xE2)
			if i < 0 {
				break
			}
			off += i
			r, size := utf8.DecodeRuneInString(src[off:])
			if !strings.ContainsRune(bidiControls, r) {
				off += max(size, 1)
				continue
			}
			if line, _ := u.lines.Position(off); line != last {
				last = line
				a.reportAt(d, u, off, d.Confidence, fmt.Sprintf("The source holds U+%04X, a bidirectional control character. %s", r, d.Description))
			}
			off += size
		}
	}
}

var assignmentTypo = &Detector{
	ID:          "assignment-typo",
	Severity:    Medium,
	Confidence:  ConfidenceHigh,
	Title:       "Assignment of a signed value where a compound assignment was meant",
	Description: "`x =+ 1` assigns +1 to x, and `x =- 1` assigns -1: almost always a typo for `x += 1` or `x -= 1`, which compiles without a warning on old compilers. Write the operator you mean.",
	run:         runAssignmentTypo,
}

// runAssignmentTypo reports `=` directly followed by a unary + or - (no
// space between them) with a space before the operand: `x =+ 1`, the
// transposed `+=`. `x = -1` and `x=-1` read as meant and are left alone.
// Unary plus exists only before 0.5, so `=+` is HIGH confidence and `=-`
// (a signed value, still legal) MEDIUM.
func runAssignmentTypo(a *analysis, d *Detector) {
	for _, x := range a.ofType("Assignment") {
		if x.Str("operator") != "=" {
			continue
		}
		rhs := x.Child("rightHandSide")
		if rhs == nil || rhs.Type != "UnaryOperation" { // + and - are prefix only
			continue
		}
		op := rhs.Str("operator")
		if op != "+" && op != "-" {
			continue
		}
		lhs, u := x.Child("leftHandSide"), a.unitFor(x)
		if lhs == nil || u == nil || lhs.Src.End() > rhs.Src.Start || rhs.Src.End() > len(u.lines.src) {
			continue
		}
		src := u.lines.src
		between := src[lhs.Src.End():rhs.Src.Start]
		text := src[rhs.Src.Start:rhs.Src.End()]
		if strings.TrimSpace(between) != "=" || !strings.HasSuffix(between, "=") || !strings.HasPrefix(text, op) ||
			len(text) < 2 || (text[1] != ' ' && text[1] != '\t') {
			continue
		}
		conf, sign := ConfidenceMedium, "minus"
		if op == "+" {
			conf, sign = ConfidenceHigh, "plus"
		}
		a.reportConf(d, x, conf, fmt.Sprintf("`=%s` assigns %s the operand instead of changing it by it. %s", op, sign, d.Description))
	}
}

var hardcodedGas = &Detector{
	ID:          "hardcoded-gas",
	Severity:    Low,
	Confidence:  ConfidenceHigh,
	Title:       "Call with a fixed gas amount",
	Description: "A call forwards a fixed amount of gas: gas costs change between forks (EIP-1884 raised SLOAD's), so a callee that works today may run out tomorrow, and a fixed stipend can make the call fail for contract recipients. Forward all gas and guard against reentrancy instead.",
	run:         runHardcodedGas,
}

// runHardcodedGas reports a number literal as a call's gas: `{gas: 2300}`
// (0.6.2 and later) and `.gas(2300)` (before 0.7). transfer and send,
// whose stipend is the language's, are not reported.
func runHardcodedGas(a *analysis, d *Detector) {
	for _, x := range a.ofType("FunctionCallOptions") {
		list, _ := x.Attr("names").([]any)
		opts := x.List("options")
		for i, n := range list {
			if s, _ := n.(string); s == "gas" && i < len(opts) && isNumberLiteral(opts[i]) {
				a.report(d, opts[i], "")
			}
		}
	}
	for _, x := range a.ofType("FunctionCall") {
		e := x.Child("expression")
		args := x.List("arguments")
		if e != nil && e.Type == "MemberAccess" && e.Str("memberName") == "gas" && len(args) == 1 && isNumberLiteral(args[0]) &&
			strings.HasPrefix(e.Child("expression").TypeString(), "function") {
			a.report(d, args[0], "")
		}
	}
}

func isNumberLiteral(n *Node) bool {
	n = stripValue(n)
	return n != nil && n.Type == "Literal" && n.Str("kind") == "number"
}
