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
	for _, u := range a.units {
		Walk(u.root, func(x *Node) bool {
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
			return true
		})
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
	for _, u := range a.units {
		for _, p := range pragmaNodes(u) {
			c := strings.Join(strs(p.Attr("literals"))[1:], "")
			if strings.ContainsAny(c, "^~><*|") || strings.Contains(c, "-") || strings.Count(c, ".") < 2 {
				a.report(d, p, fmt.Sprintf("pragma solidity %s is not pinned. %s", c, d.Description))
			}
		}
	}
}

func pragmaNodes(u *unit) []*Node {
	var out []*Node
	for _, n := range u.root.Children {
		if n.Type == "PragmaDirective" {
			if lits := strs(n.Attr("literals")); len(lits) > 0 && lits[0] == "solidity" {
				out = append(out, n)
			}
		}
	}
	return out
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
	for _, u := range a.units {
		for _, p := range pragmaNodes(u) {
			c := strings.Join(strs(p.Attr("literals"))[1:], "")
			if v, ok := minVersion(c); ok && v[0] == 0 && v[1] < 8 {
				a.report(d, p, fmt.Sprintf("pragma solidity %s allows a compiler older than 0.8.0. %s", c, d.Description))
			}
		}
	}
}
