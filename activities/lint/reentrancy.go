package lint

import (
	"fmt"
)

// Reentrancy (SWC-107): an external call that hands control away before
// the function has finished updating storage.

var reentrancyEth = &Detector{
	ID:          "reentrancy-eth",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Reentrancy: state written after an external call",
	Description: "A low-level call forwards ether or all remaining gas to another contract, which can call back before this function updates storage. Update state before the call (checks-effects-interactions) or add a nonReentrant guard.",
	run:         runReentrancy,
}

// runReentrancy reports the DAO pattern: a state variable read before an
// external call (the balance being paid out) and written after it, so a
// re-entrant call sees the stale value. Writes of variables not read
// before the call (counters, timestamps) are benign and not reported.
//
// Functions only one stored address can call are left out (see
// pinnedCaller): the recipient re-entering fails their check.
func runReentrancy(a *analysis, d *Detector) { a.staleAfterCall(d, forwardsControl, a.pinnedCaller) }

// pinnedCaller tells functions only specific stored addresses can call: an
// access-control modifier (by name, or one comparing msg.sender with
// stored addresses), or a condition of the body comparing msg.sender for
// equality with a state variable (`require(msg.sender == arbiter)`). A
// membership check (`require(registered[msg.sender])`) does not count:
// anyone may be in the set.
func (a *analysis) pinnedCaller(fn *Node) bool {
	pins := func(body *Node) bool {
		for _, c := range conditions(body) {
			if mentions(c, func(x *Node) bool {
				if x.Type != "BinaryOperation" || (x.Str("operator") != "==" && x.Str("operator") != "!=") {
					return false
				}
				l, r := x.Child("leftExpression"), x.Child("rightExpression")
				for _, side := range [][2]*Node{{l, r}, {r, l}} {
					if isMsgSender(stripValue(side[0])) && mentions(side[1], func(n *Node) bool {
						return n.Type == "Identifier" && isStateVar(a.declOf(n.Ref()))
					}) {
						return true
					}
				}
				return false
			}) {
				return true
			}
		}
		return false
	}
	for _, m := range a.modifierDefs(fn) {
		if accessModRe.MatchString(m.Name) || pins(m.Child("body")) {
			return true
		}
	}
	return pins(fn.Child("body"))
}

// staleAfterCall reports, for runReentrancy and runReentrancySend, entry
// functions (but those skip tells) whose first call satisfying hands (in
// the body or in an internal function it calls) is followed by a write of
// a state variable read before it.
func (a *analysis) staleAfterCall(d *Detector, hands func(*Node) bool, skip func(fn *Node) bool) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || isView(fn) || a.reentrancyGuarded(fn) || skip != nil && skip(fn) {
			continue
		}
		body := fn.Child("body")
		var call, site *Node // the external call, and where it happens in fn
		Walk(body, func(x *Node) bool {
			if call != nil || x.Type != "FunctionCall" {
				return call == nil
			}
			if hands(x) {
				call, site = x, x
			} else if callee := a.internalCallee(x); callee != nil {
				if c := a.firstCall(callee, hands, map[*Node]bool{}); c != nil {
					call, site = c, x
				}
			}
			return call == nil
		})
		if call == nil {
			continue
		}
		read := map[int]bool{}
		Walk(body, func(x *Node) bool {
			if x.Src.Start >= site.Src.End() {
				return false
			}
			if x.Type == "Identifier" {
				if v := a.rootDecl(x); isStateVar(v) {
					read[v.ID] = true
				}
			}
			return true
		})
		// What runs only when the call failed sees no re-entrant
		// change: a failed call reverts whatever its callee did.
		isResult := callResult(site)
		failed := map[*Node]bool{}
		var stale *Node
		Walk(body, func(x *Node) bool {
			if stale != nil || failed[x] {
				return false
			}
			if b := failureBranch(x, isResult); b != nil {
				failed[b] = true
			}
			if x.Src.Start < site.Src.End() {
				return true
			}
			for _, v := range a.writtenVars(x) {
				if read[v.ID] {
					stale = v
				}
			}
			if callee := a.internalCallee(x); callee != nil && stale == nil {
				w := map[int]bool{}
				a.writtenDeep(callee, map[*Node]bool{}, w)
				for id := range w {
					if read[id] && (stale == nil || id < stale.ID) {
						stale = a.declOf(id)
					}
				}
			}
			return stale == nil
		})
		if stale != nil {
			// At the statement of fn that hands control away: the call
			// itself, or the internal call that reaches it.
			a.report(d, site, fmt.Sprintf("%s: function %s writes %s after an external call. %s", d.Title, fn.Name, stale.Name, d.Description))
		}
	}
}

// callResult returns a predicate telling expressions that are the
// boolean result of the call at site: the call itself, or the local its
// success is declared into (`(bool ok, ) = to.call{value: v}("")`).
func callResult(site *Node) func(*Node) bool {
	id := 0
	if p := site.Parent; p != nil && p.Type == "VariableDeclarationStatement" && p.Child("initialValue") == site {
		if ds := p.List("declarations"); len(ds) > 0 && ds[0] != nil && ds[0].TypeString() == "bool" {
			id = ds[0].ID
		}
	}
	return func(x *Node) bool {
		return x == site || id != 0 && x.Type == "Identifier" && x.Ref() == id
	}
}

// failureBranch returns the branch of the if statement x that runs when
// the call whose result isResult tells returned false: the body of
// `if (!ok) { … }`, the else of `if (x.send(v)) { … } else { … }`; nil
// when x is no such if.
func failureBranch(x *Node, isResult func(*Node) bool) *Node {
	if x.Type != "IfStatement" {
		return nil
	}
	c := stripValue(x.Child("condition"))
	negated := false
	if c != nil && c.Type == "UnaryOperation" && c.Str("operator") == "!" {
		negated = true
		c = stripValue(c.Child("subExpression"))
	}
	if c == nil || !isResult(c) {
		return nil
	}
	if negated {
		return x.Child("trueBody")
	}
	return x.Child("falseBody")
}

// firstCall returns the first call in fn (following internal calls)
// satisfying hands: for reentrancy-eth one that hands control to another
// contract with value or unlimited gas.
func (a *analysis) firstCall(fn *Node, hands func(*Node) bool, seen map[*Node]bool) *Node {
	if fn == nil || seen[fn] {
		return nil
	}
	seen[fn] = true
	for _, c := range a.calls(fn.Child("body")) {
		if hands(c) {
			return c
		}
		if callee := a.internalCallee(c); callee != nil {
			if r := a.firstCall(callee, hands, seen); r != nil {
				return r
			}
		}
	}
	return nil
}

// forwardsControl tells calls that let the callee run arbitrary code with
// enough gas to re-enter: low-level call (with or without value) and
// high-level calls that send value. transfer/send's 2300 gas stipend is
// not enough to re-enter.
func forwardsControl(c *Node) bool {
	if ll, ok := lowLevelCall(c); ok {
		return ll.kind == "call" || ll.kind == "callcode"
	}
	e := c.Child("expression")
	if e != nil && e.Type == "FunctionCallOptions" {
		for _, name := range strs(e.Attr("names")) {
			if name == "value" {
				return true
			}
		}
	}
	return false
}
