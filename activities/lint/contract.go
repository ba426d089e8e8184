package lint

import (
	"fmt"
)

// Contract-level checks (SWC-119): ether a contract can receive but never
// send, and state variables hidden by a derived contract's or a local's.

var lockedEther = &Detector{
	ID:          "locked-ether",
	Severity:    Medium,
	Confidence:  ConfidenceHigh,
	Title:       "Contract locks ether",
	Description: "The contract accepts ether but has no way to send it out; ether sent to it is lost.",
	run:         runLockedEther,
}

func runLockedEther(a *analysis, d *Detector) {
	// A contract others inherit from is a building block: its heirs may
	// add the withdrawal (Slither's FP on every "Owned"-style base).
	inherited := map[*Node]bool{}
	for _, c := range a.contracts() {
		for _, b := range a.bases(c)[1:] {
			inherited[b] = true
		}
	}
	for _, c := range a.contracts() {
		if inherited[c] {
			continue
		}
		if c.Str("contractKind") != "contract" || c.Bool("abstract") || (c.Attr("fullyImplemented") != nil && !c.Bool("fullyImplemented")) {
			continue
		}
		var payable *Node
		sends := false
		for _, b := range a.bases(c) {
			for _, f := range members(b, "FunctionDefinition") {
				if isPayable(f) && !isConstructor(f) && payable == nil {
					payable = f
				}
			}
			if sendsEther(b) || a.libraryPays(b) {
				sends = true
			}
		}
		// Library calls can send too (Address.sendValue is caught by name;
		// any other external library call is given the benefit of doubt).
		if payable != nil && !sends {
			a.report(d, c, fmt.Sprintf("Contract %s has payable function %s but no way to withdraw ether. %s", c.Name, payable.Name, d.Description))
		}
	}
}

// libraryPays tells whether code under n calls a library (or free)
// function that, itself or through the functions it calls, can move
// ether out: `using ERC7579Utils for bytes; … data.execSingle(…)`.
func (a *analysis) libraryPays(n *Node) bool {
	seen := map[*Node]bool{}
	var pays func(n *Node) bool
	pays = func(n *Node) bool {
		return mentions(n, func(x *Node) bool {
			if x.Type != "FunctionCall" {
				return false
			}
			e := x.Child("expression")
			for e != nil && e.Type == "FunctionCallOptions" {
				e = e.Child("expression")
			}
			f := a.declOf(e.Ref())
			if f == nil || f.Type != "FunctionDefinition" || f.Child("body") == nil || seen[f] || len(seen) > 64 {
				return false
			}
			if c := f.Ancestor("ContractDefinition"); c != nil && c.Str("contractKind") != "library" {
				return false
			}
			seen[f] = true
			return libraryMovesEther(f.Child("body")) || pays(f.Child("body"))
		})
	}
	return pays(n)
}

// libraryMovesEther is sendsEther for library code, where assembly is the
// rule: only its calls that can move ether count.
func libraryMovesEther(n *Node) bool {
	return mentions(n, func(x *Node) bool {
		switch x.Type {
		case "YulFunctionCall":
			switch x.Child("functionName").Name {
			case "call", "callcode", "selfdestruct", "create", "create2":
				return true
			}
		case "InlineAssembly":
			// Assembly kept as text (before 0.6) may do anything.
			return len(x.Children) == 0
		case "FunctionCall", "FunctionCallOptions":
			return sendsEther(x)
		}
		return false
	})
}

// sendsEther tells whether code under n can move ether out.
func sendsEther(n *Node) bool {
	return mentions(n, func(x *Node) bool {
		switch x.Type {
		case "InlineAssembly", "YulFunctionCall":
			return true
		case "FunctionCall":
			if ll, ok := lowLevelCall(x); ok && ll.kind != "staticcall" {
				return true
			}
			if isSelfdestruct(x) {
				return true
			}
			switch calleeName(x) {
			case "sendValue", "functionCallWithValue", "safeTransferETH", "forceSafeTransferETH":
				return true
			}
		case "FunctionCallOptions":
			for _, name := range strs(x.Attr("names")) {
				if name == "value" {
					return true
				}
			}
		}
		return false
	})
}

var shadowingState = &Detector{
	ID:          "shadowing-state",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "State variable shadows an inherited one",
	Description: "The derived contract declares a state variable with the name of a base contract's; the two are different storage slots and the base's functions keep using their own.",
	run:         runShadowingState,
}

func runShadowingState(a *analysis, d *Detector) {
	for _, c := range a.contracts() {
		bases := a.bases(c)
		for _, v := range stateVars(c) {
			for _, b := range bases[1:] {
				for _, w := range stateVars(b) {
					if w.Name == v.Name && w.Str("visibility") != "private" {
						a.report(d, v, fmt.Sprintf("%s.%s shadows %s.%s. %s", c.Name, v.Name, b.Name, w.Name, d.Description))
					}
				}
			}
		}
	}
}

var shadowingLocal = &Detector{
	ID:          "shadowing-local",
	Severity:    Low,
	Confidence:  ConfidenceHigh,
	Title:       "Local variable shadows a state variable",
	Description: "A parameter or local variable has the name of a state variable, which makes code that meant the state variable silently use the local.",
	run:         runShadowingLocal,
}

func runShadowingLocal(a *analysis, d *Detector) {
	for _, c := range a.contracts() {
		names := map[string]string{}
		for i, b := range a.bases(c) {
			for _, v := range stateVars(b) {
				if _, ok := names[v.Name]; !ok && (i == 0 || v.Str("visibility") != "private") {
					names[v.Name] = b.Name
				}
			}
		}
		for _, f := range append(members(c, "FunctionDefinition"), members(c, "ModifierDefinition")...) {
			Walk(f, func(x *Node) bool {
				if x.Type == "VariableDeclaration" && !x.Bool("stateVariable") && x.Name != "" {
					if owner, ok := names[x.Name]; ok {
						a.report(d, x, fmt.Sprintf("%s shadows state variable %s.%s. %s", x.Name, owner, x.Name, d.Description))
					}
				}
				return true
			})
		}
	}
}
