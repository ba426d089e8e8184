package lint

import (
	"fmt"
)

// Reentrancy (SWC-107): an external call that hands control away before
// the function has finished updating storage.

var reentrancyEth = &Detector{
	ID:          "reentrancy-eth",
	Severity:    High,
	Confidence:  ConfidenceMedium,
	Title:       "Reentrancy: state written after an external call",
	Description: "A low-level call forwards ether or all remaining gas to another contract, which can call back before this function updates storage. Update state before the call (checks-effects-interactions) or add a nonReentrant guard.",
	run:         runReentrancy,
}

// runReentrancy reports the DAO pattern: a state variable read before an
// external call (the balance being paid out) and written after it, so a
// re-entrant call sees the stale value. Writes of variables not read
// before the call (counters, timestamps) are benign and not reported.
func runReentrancy(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || isView(fn) || a.reentrancyGuarded(fn) {
			continue
		}
		body := fn.Child("body")
		var call, site *Node // the external call, and where it happens in fn
		Walk(body, func(x *Node) bool {
			if call != nil || x.Type != "FunctionCall" {
				return call == nil
			}
			if forwardsControl(x) {
				call, site = x, x
			} else if callee := a.internalCallee(x); callee != nil {
				if c := a.ethCall(callee, map[*Node]bool{}); c != nil {
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
		var stale *Node
		Walk(body, func(x *Node) bool {
			if stale != nil || x.Src.Start < site.Src.End() {
				return stale == nil
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

// ethCall returns the first call in fn (following internal calls) that
// hands control to another contract with value or unlimited gas.
func (a *analysis) ethCall(fn *Node, seen map[*Node]bool) *Node {
	if fn == nil || seen[fn] {
		return nil
	}
	seen[fn] = true
	for _, c := range a.calls(fn.Child("body")) {
		if forwardsControl(c) {
			return c
		}
		if callee := a.internalCallee(c); callee != nil {
			if r := a.ethCall(callee, seen); r != nil {
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
