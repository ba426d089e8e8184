package lint

import (
	"math/big"
	"strconv"
	"strings"
)

// Arithmetic (SWC-101, SWC-132): wrapping arithmetic on caller input, and
// strict equalities on balances anyone can change.

var integerOverflow = &Detector{
	ID:          "integer-overflow",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Integer overflow/underflow",
	Description: "Before Solidity 0.8 arithmetic wraps silently; a caller-controlled operand can overflow or underflow a balance. Use SafeMath or compile with 0.8.",
	run:         runOverflow,
}

// runOverflow reports wrapping arithmetic (before 0.8) of an entry point
// whose operand is a value the caller chose (a parameter, or a local
// computed from one; not a key that selects a stored value, nor an
// array's length) and whose result has an effect (storedInState), unless
// a check on every path to it rules the wrap out (wraps). Confidence is
// HIGH when no check bounds the caller's operand in the direction that
// wraps at all (`count -= input`), MEDIUM when one bounds it against
// something else (`require(balanceOf[msg.sender] >= v)` before
// `balanceOf[to] += v`, which wraps only if balances can reach 2^256).
func runOverflow(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		u := a.unitFor(fn)
		if u == nil || u.checked || !isEntry(fn) || isView(fn) {
			continue
		}
		user := a.valueTainted(fn, isParam(fn))
		Walk(fn.Child("body"), func(x *Node) bool {
			ops, ok := arithmetic(x)
			if !ok || !(user(ops[0]) || user(ops[1])) || !a.storedInState(fn, x) || lengthBoundedLoop(x) {
				return true
			}
			if conf, wraps := a.wraps(fn, x, ops, user); wraps {
				a.reportConf(d, x, conf, overflowNote[conf]+d.Description)
			}
			return true
		})
	}
}

// overflowNote says why a finding of integer-overflow or
// unchecked-arithmetic is less than certain.
var overflowNote = map[Confidence]string{
	ConfidenceMedium: "A check bounds the caller's operand, but not against this operation's other operand. ",
	ConfidenceLow:    "The amount is debited from a checked balance first: this wraps only if balances can approach 2^256. ",
}

// lengthBoundedLoop tells arithmetic in the condition of a loop that an
// array's length bounds as well (`i < items.length && i < start +
// count`): a wrapped bound only ends the loop sooner.
func lengthBoundedLoop(x *Node) bool {
	for p := x.Parent; p != nil; p = p.Parent {
		switch p.Type {
		case "ForStatement", "WhileStatement", "DoWhileStatement":
			c := p.Child("condition")
			return c != nil && c.Contains(x) && mentions(c, func(m *Node) bool {
				return m.Type == "MemberAccess" && m.Str("memberName") == "length"
			})
		case "Block", "UncheckedBlock", "FunctionDefinition":
			return false
		}
	}
	return false
}

// valueTainted is tainted for values: an expression derives from src when
// src flows into its value, not when it only selects a stored value
// (`balances[to]` is not the caller's number; `to.length` is bounded by
// calldata), decides between two (`c ? x : y`) or is the argument of a
// call other than a conversion, which computes its own result.
func (a *analysis) valueTainted(fn *Node, src func(*Node) bool) func(*Node) bool {
	vars := map[int]bool{}
	is := func(x *Node) bool {
		return src(x) || x.Type == "Identifier" && vars[x.Ref()]
	}
	flows := func(n *Node) bool { return flowsFrom(n, is) }
	for changed := true; changed; {
		changed = false
		Walk(fn.Child("body"), func(x *Node) bool {
			switch x.Type {
			case "VariableDeclarationStatement":
				if init := x.Child("initialValue"); init != nil && flows(init) {
					for _, d := range x.List("declarations") {
						if d != nil && !vars[d.ID] {
							vars[d.ID], changed = true, true
						}
					}
				}
			case "Assignment":
				if flows(x.Child("rightHandSide")) {
					if d := a.rootDecl(x.Child("leftHandSide")); d != nil && !isStateVar(d) && !vars[d.ID] {
						vars[d.ID], changed = true, true
					}
				}
			}
			return true
		})
	}
	return flows
}

// flowsFrom tells whether a node satisfying is flows into n's value.
func flowsFrom(n *Node, is func(*Node) bool) bool {
	if n == nil {
		return false
	}
	if is(n) {
		return true
	}
	switch n.Type {
	case "IndexAccess":
		return flowsFrom(n.Child("baseExpression"), is)
	case "MemberAccess":
		if n.Str("memberName") == "length" {
			return false
		}
	case "Conditional":
		return flowsFrom(n.Child("trueExpression"), is) || flowsFrom(n.Child("falseExpression"), is)
	case "FunctionCall":
		// A call computes its own result (`isSigner(s).toUint()`,
		// `token.balanceOf(to)`); a conversion passes the value on.
		if n.Str("kind") != "typeConversion" {
			return false
		}
	}
	for _, c := range n.Children {
		if flowsFrom(c, is) {
			return true
		}
	}
	return false
}

func arithmetic(x *Node) (operands []*Node, ok bool) {
	switch x.Type {
	case "BinaryOperation":
		switch x.Str("operator") {
		case "+", "-", "*", "**":
			if strings.HasPrefix(x.TypeString(), "int") || strings.HasPrefix(x.TypeString(), "uint") {
				return []*Node{x.Child("leftExpression"), x.Child("rightExpression")}, true
			}
		}
	case "Assignment":
		switch x.Str("operator") {
		case "+=", "-=", "*=":
			return []*Node{x.Child("leftHandSide"), x.Child("rightHandSide")}, true
		}
	}
	return nil, false
}

// storedInState tells whether arithmetic has an effect: it flows into
// storage (a compound assignment to state, an expression on the right of
// one), decides a condition (`require(msg.value == n * price)`,
// `require(balance - v >= 0)`), is an amount of ether sent
// (`transfer(n * price)`), or is the value of a local variable that one of
// these then uses (`uint amount = n * value; balances[a] -= amount`).
func (a *analysis) storedInState(fn, x *Node) bool {
	for p := x; p != nil; p = p.Parent {
		if p != x && (isCondition(p, x) || isPaymentOf(p, x)) {
			return true
		}
		switch p.Type {
		case "Assignment":
			lhs := p.Child("leftHandSide")
			if isStateVar(a.rootDecl(lhs)) {
				return true
			}
			if lhs != nil && lhs.Type == "Identifier" && p.Child("rightHandSide").Contains(x) {
				return a.flowsToState(fn, lhs.Ref())
			}
			return false
		case "VariableDeclarationStatement":
			if decls := p.List("declarations"); len(decls) == 1 && decls[0] != nil && p.Child("initialValue").Contains(x) {
				return a.flowsToState(fn, decls[0].ID)
			}
			return false
		case "ExpressionStatement", "Block", "FunctionDefinition", "Return":
			return false
		}
	}
	return false
}

// flowsToState tells whether the local variable id is read on the right of
// an assignment to state in fn, in a condition or in an amount of ether
// sent.
func (a *analysis) flowsToState(fn *Node, id int) bool {
	if id <= 0 {
		return false
	}
	reads := func(n *Node) bool {
		return mentions(n, func(m *Node) bool { return m.Type == "Identifier" && m.Ref() == id })
	}
	if mentions(fn.Child("body"), func(w *Node) bool {
		return w.Type == "Assignment" && isStateVar(a.rootDecl(w.Child("leftHandSide"))) && reads(w.Child("rightHandSide"))
	}) {
		return true
	}
	for _, c := range conditions(fn.Child("body")) {
		if reads(c) {
			return true
		}
	}
	return mentions(fn.Child("body"), func(c *Node) bool {
		ll, ok := lowLevelCall(c)
		return ok && ll.value != nil && reads(ll.value)
	})
}

// isCondition tells whether x is (inside) the condition p tests: an
// argument of require/assert or the condition of if, while, for or ?:.
func isCondition(p, x *Node) bool {
	switch p.Type {
	case "FunctionCall":
		if n := calleeName(p); n == "require" || n == "assert" {
			if e := p.Child("expression"); e != nil && e.Type == "Identifier" {
				if args := p.List("arguments"); len(args) > 0 && args[0].Contains(x) {
					return true
				}
			}
		}
	case "IfStatement", "WhileStatement", "DoWhileStatement", "ForStatement", "Conditional":
		if c := p.Child("condition"); c != nil && c.Contains(x) {
			return true
		}
	}
	return false
}

// isPaymentOf tells whether x is (inside) the ether amount of the call p.
func isPaymentOf(p, x *Node) bool {
	ll, ok := lowLevelCall(p)
	return ok && ll.value != nil && ll.value.Contains(x)
}

// wraps tells whether the operation x on ops can wrap, and how sure that
// is, from the checks on every path to it (factsAt) and after it
// (postChecks):
//
//   - a - b is bounded by a dominating a >= b (`require(a >= b)`, `if (a <
//     b) revert();`, `if (a >= b) { … }`, a >= b + fee) that no write of a
//     or b between the check and x undoes; and a total's `total -= v` by
//     a check of a balance against v that the function debits by v too
//     (the total is the sum of the balances);
//   - a + b and a * b by the wrap check of the same operation
//     (`require(a + b >= a)` before it or around it, SafeMath's `c / a ==
//     b` of a product), a comparison of the updated value with the
//     operand after it (`a += b; assert(a >= b)`), bounds that make the
//     result small (a caller's operand at most a constant below 2^128 in
//     a sum, both factors of a product so bounded, `x % 6 + 1`), or, for
//     a sum, a caller's operand pulled into this contract by a token's
//     transferFrom before it (pulledIn: bounded like msg.value).
//
// A wrap not ruled out is HIGH confidence when no dominating check bounds
// the caller's operand in the direction that wraps (from above, or the
// minuend from below); LOW for a credit of what a checked balance is
// debited by (debited: it wraps only if balances can near 2^256); else
// MEDIUM.
func (a *analysis) wraps(fn, x *Node, ops []*Node, user func(*Node) bool) (Confidence, bool) {
	l, r := a.exprKey(ops[0], 0), a.exprKey(ops[1], 0)
	op := strings.TrimSuffix(x.Str("operator"), "=")
	facts := a.factsAt(x)
	cmps := comparisons(facts)
	switch op {
	case "-":
		for _, c := range cmps {
			if c.atLeast(a, l, r) && !a.rewritten(fn, c.at, x, l, r) {
				return "", false
			}
		}
		if a.supplyBounded(fn, ops, cmps) {
			return "", false
		}
	case "+", "*":
		var conds []*Node
		for _, f := range facts {
			conds = append(conds, f.cond)
		}
		if c := enclosingCondition(x); c != nil {
			conds = append(conds, c)
		}
		post := postChecks(x)
		if a.wrapChecked(append(conds, post...), op, l, r) {
			return "", false
		}
		if x.Type == "Assignment" && a.checkedAfter(post, l, r) {
			return "", false
		}
		if a.small(ops, op, cmps, user) {
			return "", false
		}
		if op == "+" {
			for _, o := range ops {
				if user(o) && a.pulledIn(fn, x, a.exprKey(o, 0)) {
					return "", false
				}
			}
		}
	}
	conf := ConfidenceLow
	for i, o := range ops {
		if !user(o) {
			continue
		}
		k := a.exprKey(o, 0)
		c := ConfidenceHigh
		for _, cmp := range cmps {
			if op == "-" && i == 0 && cmp.lower(a, k) || !(op == "-" && i == 0) && cmp.upper(a, k) {
				c = ConfidenceMedium
				break
			}
		}
		// Credited what a balance is debited by (`balanceOf[to] += v`
		// after `require(balanceOf[msg.sender] >= v)` and its debit): it
		// wraps only if balances can near 2^256 already.
		if c == ConfidenceMedium && op == "+" && a.debited(fn, cmps, k) {
			c = ConfidenceLow
		}
		if c.Rank() > conf.Rank() {
			conf = c
		}
	}
	return conf, true
}

// enclosingCondition returns the condition (of require, assert, if, a
// loop or ?:) that x is part of, or nil.
func enclosingCondition(x *Node) *Node {
	for p := x.Parent; p != nil; p = p.Parent {
		switch p.Type {
		case "ExpressionStatement", "VariableDeclarationStatement", "Block", "UncheckedBlock", "FunctionDefinition", "Return":
			return nil
		}
		if isCondition(p, x) {
			if c := checkCall(p); c != nil {
				return c
			}
			return p.Child("condition")
		}
	}
	return nil
}

// wrapChecked tells whether one of conds holds the wrap check of the
// operation op on keys l and r: its sum compared with one of its terms
// (`a + b >= a`), or, for a product, a division of it compared back
// (SafeMath's `c / a == b`).
func (a *analysis) wrapChecked(conds []*Node, op, l, r string) bool {
	for _, c := range conds {
		if mentions(c, func(n *Node) bool {
			if n.Type != "BinaryOperation" || !isComparison(n.Str("operator")) {
				return false
			}
			if n.Str("operator") != "==" && n.Str("operator") != "!=" && a.wrapCheck(n, op, l, r) {
				return true
			}
			return op == "*" && mentions(n, func(m *Node) bool { return m.Type == "BinaryOperation" && m.Str("operator") == "/" }) &&
				a.hasKey(n, l) && a.hasKey(n, r)
		}) {
			return true
		}
	}
	return false
}

// checkedAfter tells whether a check after `a += b` compares the updated
// a with b (`assert(a >= b)`), which fails exactly when it wrapped.
func (a *analysis) checkedAfter(post []*Node, l, r string) bool {
	for _, c := range post {
		if mentions(c, func(n *Node) bool {
			if n.Type != "BinaryOperation" {
				return false
			}
			cmp := n.Str("operator")
			if !isComparison(cmp) || cmp == "==" || cmp == "!=" {
				return false
			}
			x1, x2 := n.Child("leftExpression"), n.Child("rightExpression")
			return a.exprKey(x1, 0) == l && a.hasKey(x2, r) || a.exprKey(x2, 0) == l && a.hasKey(x1, r)
		}) {
			return true
		}
	}
	return false
}

// rewritten tells whether fn writes the values keyed l or r between
// offset from and x (other than by x itself) in a way that can undo a >=
// check: anything but adding to l.
func (a *analysis) rewritten(fn *Node, from int, x *Node, l, r string) bool {
	return mentions(fn.Child("body"), func(w *Node) bool {
		if w.Src.Start < from || w.Src.Start >= x.Src.Start || w.Contains(x) || x.Contains(w) {
			return false
		}
		var target *Node
		switch w.Type {
		case "Assignment":
			target = w.Child("leftHandSide")
			if w.Str("operator") == "+=" && a.exprKey(target, 0) == l {
				return false
			}
		case "UnaryOperation":
			switch w.Str("operator") {
			case "++":
				if a.exprKey(w.Child("subExpression"), 0) == l {
					return false
				}
				target = w.Child("subExpression")
			case "--", "delete":
				target = w.Child("subExpression")
			}
		}
		if target == nil {
			return false
		}
		k := a.exprKey(target, 0)
		return k == l || k == r
	})
}

// supplyBounded tells the total's decrement of a burn: `total -= v` (a
// state variable holding a sum) after a burn's check and debit of a
// balance by v (debited); the total is at least any balance.
func (a *analysis) supplyBounded(fn *Node, ops []*Node, cmps []comparison) bool {
	total := ops[0]
	if total == nil || total.Type != "Identifier" || !isStateVar(a.declOf(total.Ref())) || !strings.HasPrefix(total.TypeString(), "uint") {
		return false
	}
	return a.debited(fn, cmps, a.exprKey(ops[1], 0))
}

// debited tells whether a dominating check bounds an entry of a state
// mapping by the value keyed v (`require(balanceOf[msg.sender] >= v)`)
// and fn debits that entry by v (`balanceOf[msg.sender] -= v`): v is
// moved out of a balance.
func (a *analysis) debited(fn *Node, cmps []comparison, v string) bool {
	for _, c := range cmps {
		for _, side := range []*Node{c.l, c.r} {
			if side == nil || side.Type != "IndexAccess" || !strings.HasPrefix(a.rootDecl(side).TypeString(), "mapping") || !isStateVar(a.rootDecl(side)) {
				continue
			}
			entry := a.exprKey(side, 0)
			if !c.atLeast(a, entry, v) {
				continue
			}
			if mentions(fn.Child("body"), func(w *Node) bool {
				if w.Type != "Assignment" || a.exprKey(w.Child("leftHandSide"), 0) != entry {
					return false
				}
				rhs := w.Child("rightHandSide")
				switch w.Str("operator") {
				case "-=":
					return a.exprKey(rhs, 0) == v
				case "=":
					return rhs != nil && rhs.Type == "BinaryOperation" && rhs.Str("operator") == "-" &&
						a.exprKey(rhs.Child("leftExpression"), 0) == entry && a.exprKey(rhs.Child("rightExpression"), 0) == v
				}
				return false
			}) {
				return true
			}
		}
	}
	return false
}

// pulledIn tells whether fn, before x, moves the amount keyed v into this
// contract with a token's transferFrom (or SafeERC20's
// safeTransferFrom): an amount the caller really holds, bounded like
// msg.value by the token's supply.
func (a *analysis) pulledIn(fn, x *Node, v string) bool {
	return mentions(fn.Child("body"), func(c *Node) bool {
		if c.Type != "FunctionCall" || c.Src.End() > x.Src.Start {
			return false
		}
		if n := calleeName(c); n != "transferFrom" && n != "safeTransferFrom" {
			return false
		}
		args := c.List("arguments")
		return len(args) >= 3 && a.exprKey(args[len(args)-1], 0) == v &&
			mentions(args[len(args)-2], func(m *Node) bool { return builtin(m, "this") })
	})
}

// smallLimit is the bound below which a caller's operand cannot make a
// sum with a stored value wrap in practice, nor a product of two such.
var smallLimit = new(big.Int).Lsh(big.NewInt(1), 128)

// small tells whether bounds make the operation's result small: in a sum,
// every caller's operand at most a constant below 2^128; in a product,
// both factors constants or so bounded.
func (a *analysis) small(ops []*Node, op string, cmps []comparison, user func(*Node) bool) bool {
	// A constant bounds itself, `x % c` by c, and a comparison with a
	// constant (or with `C - y`, at most C) bounds the other side.
	limit := func(n *Node) *big.Int {
		if v := a.constValue(n); v != nil {
			return v
		}
		if n = a.resolveLocal(n); n != nil && n.Type == "BinaryOperation" {
			switch n.Str("operator") {
			case "%", "-":
				if n.Str("operator") == "%" {
					return a.constValue(n.Child("rightExpression"))
				}
				return a.constValue(n.Child("leftExpression"))
			}
		}
		return nil
	}
	bound := func(o *Node) *big.Int {
		if v := limit(o); v != nil {
			return v
		}
		k := a.exprKey(o, 0)
		for _, c := range cmps {
			var other *Node
			switch {
			case (c.op == "<" || c.op == "<=" || c.op == "==") && a.exprKey(c.l, 0) == k:
				other = c.r
			case (c.op == ">" || c.op == ">=" || c.op == "==") && a.exprKey(c.r, 0) == k:
				other = c.l
			}
			if v := limit(other); v != nil {
				return v
			}
		}
		return nil
	}
	switch op {
	case "+":
		for _, o := range ops {
			if b := bound(o); user(o) && (b == nil || b.Cmp(smallLimit) >= 0) {
				return false
			}
		}
		return true
	case "*":
		b0, b1 := bound(ops[0]), bound(ops[1])
		return b0 != nil && b1 != nil && b0.Cmp(smallLimit) < 0 && b1.Cmp(smallLimit) < 0
	}
	return false
}

// constValue returns the value of a compile-time constant (a literal,
// constant arithmetic, a constant state variable), or nil.
func (a *analysis) constValue(n *Node) *big.Int {
	for n != nil && n.Type == "TupleExpression" && len(n.List("components")) == 1 {
		n = n.List("components")[0]
	}
	if n == nil {
		return nil
	}
	if n.Type == "Identifier" {
		if d := a.declOf(n.Ref()); d != nil && d.Type == "VariableDeclaration" && d.Bool("constant") {
			n = d.Child("value")
		}
	}
	t, ok := strings.CutPrefix(n.TypeString(), "int_const ")
	if !ok {
		return nil
	}
	v, ok := new(big.Int).SetString(t, 10)
	if !ok || v.Sign() < 0 {
		return nil
	}
	return v
}

// wrapCheck tells the pre-0.8 idiom `a + b >= a` (SafeMath's and the SWC
// registry's fix) on the operation with operand keys l and r: a comparison
// of that sum or product with one of its own terms, which is false exactly
// when it wrapped.
func (a *analysis) wrapCheck(cmp *Node, op, l, r string) bool {
	x1, x2 := cmp.Child("leftExpression"), cmp.Child("rightExpression")
	for _, side := range [][2]*Node{{x1, x2}, {x2, x1}} {
		sum, other := a.resolveLocal(side[0]), side[1]
		if sum == nil || sum.Type != "BinaryOperation" || sum.Str("operator") != op {
			continue
		}
		s1, s2 := a.exprKey(sum.Child("leftExpression"), 0), a.exprKey(sum.Child("rightExpression"), 0)
		if !(s1 == l && s2 == r || s1 == r && s2 == l) {
			continue
		}
		if o := a.exprKey(other, 0); o == l || o == r {
			return true
		}
	}
	return false
}

// resolveLocal strips parentheses and conversions, and follows a local
// variable never assigned after its declaration to its initial value
// (`uint next = a + b; require(next >= a)`).
func (a *analysis) resolveLocal(n *Node) *Node {
	for hops := 0; hops < 4; hops++ {
		n = stripValue(n)
		if n == nil || n.Type != "Identifier" || a.isReassigned(n.Ref()) {
			return n
		}
		init := a.localInit(n)
		if init == nil {
			return n
		}
		n = init
	}
	return n
}

// hasKey tells whether n or an expression inside it has the key k.
func (a *analysis) hasKey(n *Node, k string) bool {
	return mentions(n, func(m *Node) bool { return a.exprKey(m, 0) == k })
}

// exprKey renders an expression canonically, declarations by id, so that
// two mentions of the same value compare equal (`balanceOf[_to]` in a
// guard and in the update). A local variable initialised once and never
// assigned again stands for its initial value (`uint bal =
// balances[msg.sender]`, or a storage pointer to a struct); a call of
// _msgSender() is one value within a call. Expressions it cannot render
// get a key of their own, which matches nothing else.
func (a *analysis) exprKey(n *Node, depth int) string {
	if n == nil {
		return "?"
	}
	if depth > 8 {
		// Too deep to render: a key of its own, as below.
		return "?" + strconv.Itoa(n.Src.Start) + ":" + strconv.Itoa(n.Src.Length) + n.Type
	}
	switch n.Type {
	case "Identifier":
		if n.Ref() <= 0 {
			return n.Name
		}
		if d := a.declOf(n.Ref()); d != nil && d.Type == "VariableDeclaration" && !d.Bool("stateVariable") && !a.isReassigned(d.ID) {
			if p := d.Parent; p != nil && p.Type == "VariableDeclarationStatement" && len(p.List("declarations")) == 1 && p.Child("initialValue") != nil {
				return a.exprKey(p.Child("initialValue"), depth+1)
			}
		}
		return "#" + strconv.Itoa(n.Ref())
	case "IndexAccess":
		return a.exprKey(n.Child("baseExpression"), depth+1) + "[" + a.exprKey(n.Child("indexExpression"), depth+1) + "]"
	case "MemberAccess":
		return a.exprKey(n.Child("expression"), depth+1) + "." + n.Str("memberName")
	case "Literal":
		return "'" + n.Str("value")
	case "TupleExpression":
		if c := n.List("components"); len(c) == 1 {
			return a.exprKey(c[0], depth+1)
		}
	case "FunctionCall":
		if args := n.List("arguments"); n.Str("kind") == "typeConversion" && len(args) == 1 {
			return a.exprKey(args[0], depth+1)
		}
		if isMsgSender(n) {
			return "_msgSender()"
		}
	}
	return "?" + strconv.Itoa(n.Src.Start) + ":" + strconv.Itoa(n.Src.Length) + n.Type
}

// isReassigned tells whether a local variable is written after its
// declaration (assigned, incremented, deleted).
func (a *analysis) isReassigned(id int) bool {
	if a.reassigned == nil {
		a.reassigned = map[int]bool{}
		for _, u := range a.units {
			Walk(u.root, func(x *Node) bool {
				var targets []*Node
				switch x.Type {
				case "Assignment":
					targets = []*Node{x.Child("leftHandSide")}
					if t := targets[0]; t != nil && t.Type == "TupleExpression" {
						targets = t.List("components")
					}
				case "UnaryOperation":
					if op := x.Str("operator"); op == "++" || op == "--" || op == "delete" {
						targets = []*Node{x.Child("subExpression")}
					}
				}
				for _, t := range targets {
					if t != nil && t.Type == "Identifier" && t.Ref() > 0 {
						a.reassigned[t.Ref()] = true
					}
				}
				return true
			})
		}
	}
	return a.reassigned[id]
}

var uncheckedArithmetic = &Detector{
	ID:          "unchecked-arithmetic",
	Severity:    Low,
	Confidence:  ConfidenceHigh,
	Title:       "Arithmetic on caller input in an unchecked block",
	Description: "Inside unchecked { } arithmetic wraps silently; an operand derived from caller input can overflow or underflow.",
	run:         runUncheckedArithmetic,
}

// runUncheckedArithmetic reports arithmetic in unchecked blocks on a value
// the caller chose, unless a check on every path to it rules the wrap out
// (wraps: OpenZeppelin's `if (balance < value) revert …; unchecked {
// balance - value }`), graded as integer-overflow grades.
func runUncheckedArithmetic(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) {
			continue
		}
		blocks := Find(fn.Child("body"), func(x *Node) bool { return x.Type == "UncheckedBlock" })
		if len(blocks) == 0 {
			continue
		}
		param := isParam(fn)
		user := a.valueTainted(fn, func(x *Node) bool { return param(x) || isMsgValue(x) })
		for _, ub := range blocks {
			Walk(ub, func(x *Node) bool {
				if ops, ok := arithmetic(x); ok && (user(ops[0]) || user(ops[1])) {
					if conf, wraps := a.wraps(fn, x, ops, user); wraps {
						a.reportConf(d, x, conf, overflowNote[conf]+d.Description)
					}
				}
				return true
			})
		}
	}
}

var incorrectEquality = &Detector{
	ID:          "incorrect-equality",
	Severity:    Medium,
	Confidence:  ConfidenceHigh,
	Title:       "Dangerous strict equality on a balance",
	Description: "Anyone can change a contract's ether or token balance (selfdestruct, direct transfers), so a strict equality on it can be broken. Use >= or <=.",
	run:         runIncorrectEquality,
}

func runIncorrectEquality(a *analysis, d *Detector) {
	balance := func(n *Node) bool {
		if n.Type == "MemberAccess" && n.Str("memberName") == "balance" && strings.HasPrefix(n.Child("expression").TypeString(), "address") {
			return true
		}
		if n.Type == "MemberAccess" && n.Str("memberName") == "balance" && strings.HasPrefix(n.Child("expression").TypeString(), "contract ") {
			return true // `this.balance` before 0.5
		}
		return n.Type == "FunctionCall" && calleeName(n) == "balanceOf"
	}
	// `token.balanceOf(user) == 0` asks whether an account holds any, and
	// anyone adding to it is what it allows for; only the contract's own
	// balance is one a strict equality must not rely on.
	holderCheck := func(l, r *Node) bool {
		for _, side := range [][2]*Node{{l, r}, {r, l}} {
			b, other := stripValue(side[0]), side[1]
			if b == nil || !isZero(stripValue(other)) || b.Type != "FunctionCall" || calleeName(b) != "balanceOf" {
				continue
			}
			if args := b.List("arguments"); len(args) == 1 && !mentions(args[0], func(m *Node) bool { return builtin(m, "this") }) {
				return true
			}
		}
		return false
	}
	for _, fn := range a.functions() {
		Walk(fn.Child("body"), func(x *Node) bool {
			if x.Type == "BinaryOperation" && (x.Str("operator") == "==" || x.Str("operator") == "!=") {
				l, r := x.Child("leftExpression"), x.Child("rightExpression")
				if (mentions(l, balance) || mentions(r, balance)) && !holderCheck(l, r) {
					a.report(d, x, "")
				}
			}
			return true
		})
	}
}
