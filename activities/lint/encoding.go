package lint

import (
	"fmt"
	"strings"
)

// Hash collisions with abi.encodePacked (SWC-133): packed encoding does
// not delimit dynamic values, so abi.encodePacked("ab", "c") and
// abi.encodePacked("a", "bc") are the same bytes, and so is their hash.
// A signature or an allowlist keyed by such a hash accepts inputs its
// signer never saw.

var encodePackedCollision = &Detector{
	ID:          "encode-packed-collision",
	Severity:    Medium,
	Confidence:  ConfidenceHigh,
	Title:       "Hash of abi.encodePacked with several dynamic values",
	Description: "abi.encodePacked concatenates dynamic values (strings, bytes, arrays) without their lengths, so different arguments give the same bytes and the same hash: a signature or a stored hash over them also matches values nobody signed. Use abi.encode, or leave one dynamic value at most.",
	run:         runEncodePackedCollision,
}

// runEncodePackedCollision reports keccak256, sha256 or ripemd160 of
// abi.encodePacked (or, before 0.5, of several arguments, which the hash
// packs itself) where two dynamic values that are not constants (a
// literal, a constant state variable) sit next to each other: where one
// ends is then anyone's guess. Anything else between them is left alone:
// a constant delimits them (an EIP-712 type string's fixed text), and a
// fixed-size value leaves only contrived collisions. Confidence is HIGH
// when both of such a pair are
// the function's parameters (the caller chooses where one ends), and
// MEDIUM otherwise.
func runEncodePackedCollision(a *analysis, d *Detector) {
	for _, x := range a.ofType("FunctionCall") {
		if !isHashCall(x) {
			continue
		}
		// Before 0.5 a hash of several arguments packs them itself.
		packs := []*Node{}
		if args := x.List("arguments"); len(args) >= 2 {
			packs = append(packs, x)
		}
		for _, arg := range x.List("arguments") {
			if p := stripValue(arg); p != nil && p.Type == "FunctionCall" && isMember(p.Child("expression"), "abi", "encodePacked") {
				packs = append(packs, p)
			}
		}
		for _, packed := range packs {
			// Two variable dynamic values next to each other: nothing
			// between them marks where the first ends.
			var adjacent, chosen int
			prev := false
			fromParam := func(*Node) bool { return false }
			if fn := packed.Ancestor("FunctionDefinition"); fn != nil {
				fromParam = a.tainted(fn, isParam(fn))
			}
			prevChosen := false
			for _, v := range packed.List("arguments") {
				if v == nil || !dynamicType(v.TypeString()) || a.constantValue(v) {
					prev, prevChosen = false, false
					continue
				}
				// The caller's own value, not a stored one it selects.
				id := stripValue(v)
				isChosen := id != nil && id.Type == "Identifier" && fromParam(id)
				if prev {
					adjacent++
					if isChosen && prevChosen {
						chosen++
					}
				}
				prev, prevChosen = true, isChosen
			}
			if adjacent == 0 {
				continue
			}
			conf := ConfidenceMedium
			if chosen > 0 {
				conf = ConfidenceHigh
			}
			a.reportConf(d, packed, conf, fmt.Sprintf("The hash packs dynamic values next to each other with nothing between them. %s", d.Description))
		}
	}
}

// isHashCall tells a call of keccak256, sha3, sha256 or ripemd160.
func isHashCall(c *Node) bool {
	e := c.Child("expression")
	if e == nil || e.Type != "Identifier" || e.Ref() > 0 {
		return false
	}
	switch e.Name {
	case "keccak256", "sha3", "sha256", "ripemd160":
		return true
	}
	return false
}

// dynamicType tells the type strings of values abi.encodePacked writes
// without a length: string, bytes and arrays (fixed-size ones too, whose
// elements are padded but whose count is not written).
func dynamicType(t string) bool {
	t = strings.TrimSpace(t)
	switch {
	case strings.HasSuffix(t, "]"), strings.HasSuffix(t, "] memory"), strings.HasSuffix(t, "] calldata"), strings.HasSuffix(t, "] storage ref"), strings.HasSuffix(t, "] storage pointer"):
		return true
	case strings.HasPrefix(t, "string"), strings.HasPrefix(t, "literal_string"):
		return true
	case t == "bytes" || strings.HasPrefix(t, "bytes "):
		return true
	}
	return false
}

// constantValue tells a value fixed at compile time: a literal, or a
// constant state variable.
func (a *analysis) constantValue(v *Node) bool {
	v = stripValue(v)
	if v == nil {
		return false
	}
	switch v.Type {
	case "Literal":
		return true
	case "Identifier":
		decl := a.declOf(v.Ref())
		return decl != nil && decl.Type == "VariableDeclaration" && (decl.Bool("constant") || decl.Str("mutability") == "constant")
	}
	return false
}
