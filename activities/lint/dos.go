package lint

import (
	"fmt"
	"strconv"
	"strings"
)

// Denial of service: a function anyone can make fail for everyone after
// them — a refund to the previous leader that must succeed (SWC-113), an
// external call in a loop, a loop over storage anyone can grow (SWC-128).

var dosRevert = &Detector{
	ID:          "dos-revert",
	Severity:    Medium,
	Confidence:  ConfidenceMedium,
	Title:       "Denial of service: refund to the previous leader must succeed",
	Description: "The function pays a stored address (the previous bidder or king) and reverts if that payment fails, then makes the caller the new one; a leader that is a contract rejecting ether blocks everyone after it. Let users withdraw their refunds instead (pull payments).",
	run:         runDoSRevert,
}

// runDoSRevert reports SWC-113's King of the Ether: a payment to an address
// held in state whose failure reverts (transfer, or a send/call whose
// result is checked), before the function replaces that address with the
// caller.
func runDoSRevert(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) {
			continue
		}
		body := fn.Child("body")
		for _, c := range a.calls(body) {
			ll, ok := lowLevelCall(c)
			if !ok || ll.kind != "transfer" && ll.kind != "send" && ll.kind != "call" {
				continue
			}
			if ll.kind != "transfer" && a.resultIgnored(c, fn) {
				continue
			}
			target := a.rootDecl(unwrapConversion(ll.target))
			if !isStateVar(target) {
				continue
			}
			replaced := mentions(body, func(w *Node) bool {
				return w.Type == "Assignment" && w.Src.Start > c.Src.Start &&
					a.rootDecl(w.Child("leftHandSide")) == target && mentions(w.Child("rightHandSide"), isMsgSender)
			})
			if replaced {
				a.report(d, c, fmt.Sprintf("Function %s pays %s and reverts if that fails, then replaces %s with the caller. %s", fn.Name, target.Name, target.Name, d.Description))
			}
		}
	}
}

var callsLoop = &Detector{
	ID:          "calls-loop",
	Severity:    Low,
	Confidence:  ConfidenceMedium,
	Title:       "External call inside a loop",
	Description: "One failing or gas-hungry recipient makes the whole loop revert (denial of service). Prefer pull payments.",
	run:         runCallsLoop,
}

func runCallsLoop(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) {
			continue
		}
		for _, c := range a.calls(fn.Child("body")) {
			inLoop := false
			for p := c.Parent; p != nil && p != fn; p = p.Parent {
				if isLoop(p) {
					inLoop = true
					break
				}
			}
			if !inLoop {
				continue
			}
			if ll, ok := lowLevelCall(c); ok && ll.kind != "staticcall" {
				a.report(d, c, "")
				continue
			}
			e := c.Child("expression")
			for e != nil && e.Type == "FunctionCallOptions" {
				e = e.Child("expression")
			}
			if e != nil && e.Type == "MemberAccess" && strings.HasPrefix(e.Child("expression").TypeString(), "contract ") &&
				c.Str("kind") == "functionCall" && !strings.Contains(e.TypeString(), " view ") && !strings.Contains(e.TypeString(), " pure ") {
				a.report(d, c, "")
			}
		}
	}
}

// ---- unbounded growth (SWC-128) ----
//
// A storage array (or a counter) that anyone can grow a little with each
// call grows without bound; the functions that then walk it (a payout
// loop), clear it (`arr = new T[](0)`, `delete arr`: solc zeroes every
// slot) or grow it many entries at a time cost gas in proportion, until
// they exceed the block gas limit and can never run again.

// storagePath renders the storage location an expression names with its
// indices left out (`campaigns[id].funders` → "#12[].funders"), through
// local storage pointers; "" when it is not rooted at a state variable.
func (a *analysis) storagePath(n *Node, depth int) string {
	if n == nil || depth > 16 {
		return ""
	}
	switch n.Type {
	case "Identifier":
		d := a.declOf(n.Ref())
		if init := storagePointerInit(d); init != nil {
			return a.storagePath(init, depth+1)
		}
		if isStateVar(d) {
			return "#" + strconv.Itoa(d.ID)
		}
	case "IndexAccess":
		if b := a.storagePath(n.Child("baseExpression"), depth+1); b != "" {
			return b + "[]"
		}
	case "MemberAccess":
		if b := a.storagePath(n.Child("expression"), depth+1); b != "" {
			return b + "." + n.Str("memberName")
		}
	case "TupleExpression":
		if l := n.List("components"); len(l) == 1 {
			return a.storagePath(l[0], depth+1)
		}
	}
	return ""
}

// keyedBy tells a storage expression one of whose indexes key accepts,
// following member accesses and local storage pointers: `deposits[msg.
// sender].push(d)`, `acc.balance = 0` after `acc = accounts[msg.sender]`.
func (a *analysis) keyedBy(n *Node, key func(*Node) bool) bool {
	for depth := 0; n != nil && depth < 16; depth++ {
		switch n.Type {
		case "IndexAccess":
			if key(n.Child("indexExpression")) {
				return true
			}
			n = n.Child("baseExpression")
		case "MemberAccess":
			n = n.Child("expression")
		case "Identifier":
			init := storagePointerInit(a.declOf(n.Ref()))
			if init == n {
				return false
			}
			n = init
		default:
			return false
		}
	}
	return false
}

// selfKeyed tells storage expressions indexed by the caller.
func (a *analysis) selfKeyed(n *Node) bool { return a.keyedBy(n, isMsgSender) }

// isDynStorageArray tells an expression of a dynamic storage array (or
// bytes) type.
func isDynStorageArray(n *Node) bool {
	t := n.TypeString()
	return strings.Contains(t, "[] storage") || strings.HasPrefix(t, "bytes storage")
}

// lengthOf returns the array of an `arr.length` expression, or nil.
func lengthOf(n *Node) *Node {
	if n == nil || n.Type != "MemberAccess" || n.Str("memberName") != "length" {
		return nil
	}
	if arr := n.Child("expression"); arr != nil && isDynStorageArray(arr) {
		return arr
	}
	return nil
}

// growth returns the storage path x appends to: `arr.push(v)` and, before
// 0.6, `arr.length++`, `arr.length += n` or `arr.length = n` (other than to
// zero or to less); or a scalar integer state variable x counts up
// (`count++`, `count += n`), as "#id". "" when x grows nothing.
func (a *analysis) growth(x *Node) (path string, counter bool) {
	switch x.Type {
	case "FunctionCall":
		e := x.Child("expression")
		if e != nil && e.Type == "MemberAccess" && e.Str("memberName") == "push" && isDynStorageArray(e.Child("expression")) {
			return a.storagePath(e.Child("expression"), 0), false
		}
	case "UnaryOperation":
		if op := x.Str("operator"); op != "++" {
			return "", false
		}
		sub := x.Child("subExpression")
		if arr := lengthOf(sub); arr != nil {
			return a.storagePath(arr, 0), false
		}
		if v := a.scalarStateVar(sub); v != nil {
			return "#" + strconv.Itoa(v.ID), true
		}
	case "Assignment":
		lhs, rhs := x.Child("leftHandSide"), x.Child("rightHandSide")
		op := x.Str("operator")
		if arr := lengthOf(lhs); arr != nil {
			if op == "+=" || op == "=" && !isZero(rhs) && !(rhs != nil && rhs.Type == "BinaryOperation" && rhs.Str("operator") == "-") {
				return a.storagePath(arr, 0), false
			}
			return "", false
		}
		if v := a.scalarStateVar(lhs); v != nil && op == "+=" {
			return "#" + strconv.Itoa(v.ID), true
		}
	}
	return "", false
}

// clearing returns the storage array x empties: `delete arr`, `arr =
// new T[](0)` (any assignment of a whole array) or `arr.length = 0`.
func (a *analysis) clearing(x *Node) string {
	switch x.Type {
	case "UnaryOperation":
		if sub := x.Child("subExpression"); x.Str("operator") == "delete" && sub != nil && isDynStorageArray(sub) {
			return a.storagePath(sub, 0)
		}
	case "Assignment":
		if x.Str("operator") != "=" {
			return ""
		}
		lhs := x.Child("leftHandSide")
		if lhs != nil && isDynStorageArray(lhs) {
			return a.storagePath(lhs, 0)
		}
		if arr := lengthOf(lhs); arr != nil && isZero(x.Child("rightHandSide")) {
			return a.storagePath(arr, 0)
		}
	}
	return ""
}

// isConstantExpr tells expressions fixed at compile or deploy time:
// literals and constant or immutable state variables, and arithmetic on
// them.
func (a *analysis) isConstantExpr(n *Node) bool {
	if n == nil {
		return false
	}
	ok := true
	Walk(n, func(x *Node) bool {
		switch x.Type {
		case "Literal", "BinaryOperation", "TupleExpression", "ElementaryTypeNameExpression":
		case "FunctionCall":
			if x.Str("kind") != "typeConversion" {
				ok = false
			}
		case "Identifier":
			d := a.declOf(x.Ref())
			if d == nil || !isStateVar(d) || !(d.Bool("constant") || d.Str("mutability") == "constant" || d.Str("mutability") == "immutable") {
				ok = false
			}
		default:
			ok = false
		}
		return ok
	})
	return ok
}

// capsPath tells whether a condition bounds the storage path p by a
// constant (`require(players.length < MAX)`, `if (count <= 100)`).
func (a *analysis) capsPath(cond *Node, p string) bool {
	return mentions(cond, func(x *Node) bool {
		if x.Type != "BinaryOperation" {
			return false
		}
		op := x.Str("operator")
		l, r := x.Child("leftExpression"), x.Child("rightExpression")
		names := func(n *Node) bool {
			if arr := lengthOf(n); arr != nil {
				return a.storagePath(arr, 0) == p
			}
			return a.scalarStateVar(n) != nil && a.storagePath(n, 0) == p
		}
		switch op {
		case "<", "<=":
			return names(l) && a.isConstantExpr(r)
		case ">", ">=":
			return names(r) && a.isConstantExpr(l)
		}
		return false
	})
}

// closure returns fn and the functions it reaches through internal calls.
func (a *analysis) closure(fn *Node) []*Node {
	seen := map[*Node]bool{}
	var out []*Node
	var visit func(f *Node)
	visit = func(f *Node) {
		if f == nil || seen[f] || len(seen) > 64 {
			return
		}
		seen[f] = true
		out = append(out, f)
		for _, c := range a.calls(f.Child("body")) {
			visit(a.internalCallee(c))
		}
	}
	visit(fn)
	return out
}

// unboundedGrowth returns the storage paths (arrays and counters) that an
// unrestricted entry function grows without a constant cap, each mapped to
// whether callers only grow their own entry (`deposits[msg.sender]`).
func (a *analysis) unboundedGrowth() map[string]bool {
	out := map[string]bool{}
	self := func(x *Node) bool {
		switch x.Type {
		case "FunctionCall":
			return a.selfKeyed(x.Child("expression").Child("expression"))
		case "UnaryOperation":
			return a.selfKeyed(x.Child("subExpression"))
		case "Assignment":
			return a.selfKeyed(x.Child("leftHandSide"))
		}
		return false
	}
	for _, fn := range a.functions() {
		if !isEntry(fn) || isView(fn) || a.protected(fn, asEntry) {
			continue
		}
		for _, f := range a.closure(fn) {
			if f != fn && a.protected(f, asCallee) {
				continue
			}
			var conds []*Node
			for _, g := range []*Node{fn, f} {
				conds = append(conds, conditions(g.Child("body"))...)
				for _, m := range a.modifierDefs(g) {
					conds = append(conds, conditions(m.Child("body"))...)
				}
			}
			Walk(f.Child("body"), func(x *Node) bool {
				p, _ := a.growth(x)
				if p == "" {
					return true
				}
				for _, c := range conds {
					if a.capsPath(c, p) {
						return true
					}
				}
				own, seen := out[p]
				out[p] = (own || !seen) && self(x)
				return true
			})
		}
	}
	return out
}

// conjuncts splits a condition on its top-level &&.
func conjuncts(n *Node) []*Node {
	for n != nil && n.Type == "TupleExpression" && len(n.List("components")) == 1 {
		n = n.List("components")[0]
	}
	if n != nil && n.Type == "BinaryOperation" && n.Str("operator") == "&&" {
		return append(conjuncts(n.Child("leftExpression")), conjuncts(n.Child("rightExpression"))...)
	}
	return []*Node{n}
}

// boundSide returns the limit of a comparison in a loop condition: the
// right of `i < n`, the left of `n > i`.
func boundSide(c *Node) *Node {
	switch c.Str("operator") {
	case "<", "<=":
		return c.Child("rightExpression")
	case ">", ">=":
		return c.Child("leftExpression")
	}
	return nil
}

// smallLiteralBound tells loops whose condition caps the iterations at a
// small literal (`i < 10`).
func smallLiteralBound(cond *Node) bool {
	for _, c := range conjuncts(cond) {
		if c == nil || c.Type != "BinaryOperation" {
			continue
		}
		if lit := boundSide(c); lit != nil && lit.Type == "Literal" {
			if v, err := strconv.Atoi(lit.Str("value")); err == nil && v < 100 {
				return true
			}
		}
	}
	return false
}

var dosUnboundedLoop = &Detector{
	ID:          "dos-unbounded-loop",
	Severity:    Medium,
	Confidence:  ConfidenceMedium,
	Title:       "Denial of service: gas grows with storage anyone can grow",
	Description: "Anyone can append to this array (or count up this number) a little with every call, and nothing caps it; a loop over it, a clear of it or a loop that appends many entries at once costs gas for every element and eventually exceeds the block gas limit, so the function can never run again. Cap the size, process it in batches (start index and count), or let users withdraw (pull payments).",
	run:         runDoSUnboundedLoop,
}

func runDoSUnboundedLoop(a *analysis, d *Detector) {
	grown := a.unboundedGrowth()
	isGrownPath := func(p string, clear *Node) bool {
		own, ok := grown[p]
		return ok && !(own && a.selfKeyed(clear))
	}
	// A caller who grows only their own entry can only block themselves.
	isGrown := func(x *Node) bool {
		if arr := lengthOf(x); arr != nil {
			own, ok := grown[a.storagePath(arr, 0)]
			return ok && !(own && a.selfKeyed(arr))
		}
		if v := a.scalarStateVar(x); v != nil {
			_, ok := grown["#"+strconv.Itoa(v.ID)]
			return ok
		}
		return false
	}
	name := func(p string) string {
		id, rest, _ := strings.Cut(strings.TrimPrefix(p, "#"), "[")
		id, member, _ := strings.Cut(id, ".")
		n, _ := strconv.Atoi(id)
		if v := a.declOf(n); v != nil {
			s := v.Name
			if rest != "" {
				s += "[" + rest
			} else if member != "" {
				s += "." + member
			}
			return s
		}
		return "a storage array"
	}
	type visit struct {
		fn   *Node
		open bool
	}
	done := map[visit]bool{}
	for _, entry := range a.functions() {
		if !isEntry(entry) || isView(entry) {
			continue
		}
		fns := a.closure(entry)
		changes := false
		for _, f := range fns {
			if a.changesState(f) {
				changes = true
			}
		}
		if !changes {
			continue
		}
		open := !a.protected(entry, asEntry)
		for _, fn := range fns {
			if done[visit{fn, open}] {
				continue
			}
			done[visit{fn, open}] = true
			fromGrown := a.tainted(fn, isGrown)
			Walk(fn.Child("body"), func(x *Node) bool {
				if isLoop(x) {
					a.checkLoop(d, fn, x, open, fromGrown, name)
					return true
				}
				target := x.Child("subExpression")
				if x.Type == "Assignment" {
					target = x.Child("leftHandSide")
				}
				if p := a.clearing(x); p != "" && isGrownPath(p, target) {
					at := x
					// `if (arr.length > 1500) { arr = new T[](0); }`: the
					// clear waits for the array to be big.
					for _, c := range enclosingConditions(x, fn) {
						if mentions(c, func(n *Node) bool { arr := lengthOf(n); return arr != nil && a.storagePath(arr, 0) == p }) {
							at = c
							break
						}
					}
					a.report(d, at, fmt.Sprintf("Function %s clears %s, which anyone can grow without bound; clearing costs gas for every element, so it eventually exceeds the block gas limit. %s", fn.Name, name(p), d.Description))
				}
				return true
			})
		}
	}
}

// checkLoop reports a loop whose iterations follow a length or counter
// anyone can grow, or, in a function anyone can call, that grows a
// storage array on every iteration.
func (a *analysis) checkLoop(d *Detector, fn, loop *Node, open bool, fromGrown func(*Node) bool, name func(string) string) {
	cond := loop.Child("condition")
	if cond == nil {
		return
	}
	// Paginated loops have another bound: one the caller passes (`i <
	// start + count`), a constant, or the gas left.
	fromParam := a.tainted(fn, isParam(fn))
	unbounded, capped := false, false
	for _, c := range conjuncts(cond) {
		if c == nil {
			continue
		}
		cmp := c.Type == "BinaryOperation" && isComparison(c.Str("operator")) && c.Str("operator") != "!=" && c.Str("operator") != "=="
		switch {
		case mentions(c, func(x *Node) bool { return x.Type == "FunctionCall" && calleeName(x) == "gasleft" }):
			capped = true
		case fromGrown(c):
			unbounded = true
			capped = capped || cmp && fromParam(boundSide(c))
		case cmp:
			capped = true
		}
	}
	if unbounded && !capped {
		a.report(d, loop, fmt.Sprintf("A loop in %s runs once per element of storage that anyone can grow without bound, so it eventually exceeds the block gas limit. %s", fn.Name, d.Description))
		return
	}
	if !open || smallLiteralBound(cond) {
		return
	}
	body := loop.Child("body")
	var grows string
	Walk(body, func(x *Node) bool {
		if p, counter := a.growth(x); p != "" && !counter && grows == "" {
			grows = p
		}
		return grows == ""
	})
	if grows != "" {
		a.report(d, loop, fmt.Sprintf("Function %s can be called by anyone and appends to %s on every iteration of a loop: each call writes storage without a small bound, and the array grows without limit. %s", fn.Name, name(grows), d.Description))
	}
}
