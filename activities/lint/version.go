package lint

import (
	"fmt"
	"strings"
)

// Compiler version and deprecated constructs (SWC-102, SWC-103, SWC-111):
// notes on the pragma and on syntax newer compilers removed.

var deprecated = &Detector{
	ID:          "deprecated",
	Severity:    Info,
	Confidence:  ConfidenceHigh,
	Title:       "Deprecated Solidity construct",
	Description: "The construct is deprecated or removed in newer Solidity (suicide, sha3, throw, callcode, block.blockhash, msg.gas, constant functions, var).",
	run:         runDeprecated,
}

func runDeprecated(a *analysis, d *Detector) {
	for _, typ := range []string{"Identifier", "MemberAccess", "Throw", "FunctionDefinition", "VariableDeclarationStatement"} {
		for _, x := range a.ofType(typ) {
			what := ""
			switch x.Type {
			case "Identifier":
				if x.Ref() <= 0 && (x.Name == "suicide" || x.Name == "sha3") {
					what = x.Name
				}
			case "MemberAccess":
				if isMember(x, "block", "blockhash") || isMember(x, "msg", "gas") {
					what = x.Child("expression").Name + "." + x.Str("memberName")
				} else if x.Str("memberName") == "callcode" && strings.HasPrefix(x.Child("expression").TypeString(), "address") {
					what = "callcode"
				}
			case "Throw":
				what = "throw"
			case "FunctionDefinition":
				if x.Bool("constant") {
					what = "constant function"
				}
			case "VariableDeclarationStatement":
				for _, v := range x.List("declarations") {
					if v != nil && v.Child("typeName") == nil {
						what = "var"
					}
				}
			}
			if what != "" {
				a.report(d, x, fmt.Sprintf("Deprecated construct %q. %s", what, d.Description))
			}
		}
	}
}

var pragmaFloating = &Detector{
	ID:          "pragma-floating",
	Severity:    Info,
	Confidence:  ConfidenceHigh,
	Title:       "Floating pragma",
	Description: "The pragma admits several compiler versions, so the deployed bytecode depends on which one compiled it. Pin the version you tested with.",
	run:         runFloatingPragma,
}

func runFloatingPragma(a *analysis, d *Detector) {
	a.eachPragma(func(p *Node, c string) {
		if strings.ContainsAny(c, "^~><*|") || strings.Contains(c, "-") || strings.Count(c, ".") < 2 {
			a.report(d, p, fmt.Sprintf("pragma solidity %s is not pinned. %s", c, d.Description))
		}
	})
}

// eachPragma calls f with each `pragma solidity` directive of the units, in
// order, and its version constraint.
func (a *analysis) eachPragma(f func(p *Node, constraint string)) {
	for _, u := range a.units {
		for _, n := range u.root.Children {
			if c, ok := solidityPragma(n); ok {
				f(n, c)
			}
		}
	}
}

// solidityPragma returns the version constraint of a `pragma solidity`
// directive with its spaces taken out ("^0.8.0", ">=0.6.0<0.9.0"), and false
// for any other node.
func solidityPragma(n *Node) (string, bool) {
	if n.Type != "PragmaDirective" {
		return "", false
	}
	lits := strs(n.Attr("literals"))
	if len(lits) == 0 || lits[0] != "solidity" {
		return "", false
	}
	return strings.Join(lits[1:], ""), true
}

var solcVersion = &Detector{
	ID:          "solc-version",
	Severity:    Info,
	Confidence:  ConfidenceHigh,
	Title:       "Outdated compiler version",
	Description: "The pragma allows a compiler older than 0.8.0, which lacks checked arithmetic and has known bugs.",
	run:         runSolcVersion,
}

func runSolcVersion(a *analysis, d *Detector) {
	a.eachPragma(func(p *Node, c string) {
		if v, ok := minVersion(c); ok && v[0] == 0 && v[1] < 8 {
			a.report(d, p, fmt.Sprintf("pragma solidity %s allows a compiler older than 0.8.0. %s", c, d.Description))
		}
	})
}
