package lint

import (
	"fmt"
	"strings"
)

// Unchecked results and inputs (SWC-104): a call's success that is not
// checked, and an address stored without a check against zero.

var uncheckedLowLevel = &Detector{
	ID:          "unchecked-lowlevel",
	Severity:    Medium,
	Confidence:  ConfidenceMedium,
	Title:       "Unchecked low-level call",
	Description: "The boolean result of call/delegatecall/send is ignored, so a failed call goes unnoticed and execution continues as if it succeeded. Check the result or use transfer / Address.sendValue.",
	run:         runUncheckedLowLevel,
}

func runUncheckedLowLevel(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		for _, c := range a.calls(fn.Child("body")) {
			ll, ok := lowLevelCall(c)
			if !ok || ll.kind == "transfer" {
				continue
			}
			if a.resultIgnored(c, fn) {
				a.report(d, c, fmt.Sprintf("The result of %s is not checked. %s", ll.kind, d.Description))
			}
		}
	}
}

var uncheckedTransfer = &Detector{
	ID:          "unchecked-transfer",
	Severity:    High,
	Confidence:  ConfidenceMedium,
	Title:       "Unchecked ERC20 transfer",
	Description: "The bool returned by an ERC20 transfer/transferFrom/approve is ignored; tokens that return false instead of reverting make the call silently fail. Use SafeERC20.",
	run:         runUncheckedTransfer,
}

func runUncheckedTransfer(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		for _, c := range a.calls(fn.Child("body")) {
			e := c.Child("expression")
			if e == nil || e.Type != "MemberAccess" || c.TypeString() != "bool" {
				continue
			}
			switch e.Str("memberName") {
			case "transfer", "transferFrom", "approve":
			default:
				continue
			}
			if !strings.HasPrefix(e.Child("expression").TypeString(), "contract ") {
				continue
			}
			if p := c.Parent; p != nil && p.Type == "ExpressionStatement" {
				a.report(d, c, "")
			}
		}
	}
}

var missingZeroCheck = &Detector{
	ID:          "missing-zero-check",
	Severity:    Low,
	Confidence:  ConfidenceMedium,
	Title:       "Missing zero-address check",
	Description: "An address parameter is stored without checking it against address(0); a mistaken call can set it irrecoverably.",
	run:         runMissingZeroCheck,
}

func runMissingZeroCheck(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if fn.Child("body") == nil || (!isEntry(fn) && !isConstructor(fn)) {
			continue
		}
		params := map[int]*Node{}
		for _, p := range fn.Child("parameters").List("parameters") {
			if p != nil && strings.HasPrefix(p.TypeString(), "address") {
				params[p.ID] = p
			}
		}
		if len(params) == 0 {
			continue
		}
		var conds []*Node
		conds = append(conds, conditions(fn.Child("body"))...)
		for _, m := range a.modifierDefs(fn) {
			conds = append(conds, conditions(m.Child("body"))...)
		}
		for _, w := range a.stateWrites(fn.Child("body")) {
			if w.Type != "Assignment" || w.Str("operator") != "=" {
				continue
			}
			lhs := w.Child("leftHandSide")
			if lhs == nil || lhs.Type != "Identifier" || !strings.HasPrefix(lhs.TypeString(), "address") {
				continue
			}
			rhs := unwrapConversion(w.Child("rightHandSide"))
			if rhs == nil || rhs.Type != "Identifier" || params[rhs.Ref()] == nil {
				continue
			}
			id := rhs.Ref()
			checked := false
			for _, c := range conds {
				if mentions(c, func(x *Node) bool { return x.Type == "Identifier" && x.Ref() == id }) {
					checked = true
				}
			}
			if !checked {
				a.report(d, w, fmt.Sprintf("%s is stored without a zero-address check. %s", rhs.Name, d.Description))
			}
		}
	}
}
