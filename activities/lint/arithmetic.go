package lint

import (
	"strconv"
	"strings"
)

// Arithmetic (SWC-101, SWC-132): wrapping arithmetic on caller input, and
// strict equalities on balances anyone can change.

var integerOverflow = &Detector{
	ID:          "integer-overflow",
	Severity:    High,
	Confidence:  ConfidenceMedium,
	Title:       "Integer overflow/underflow",
	Description: "Before Solidity 0.8 arithmetic wraps silently; a caller-controlled operand can overflow or underflow a balance. Use SafeMath or compile with 0.8.",
	run:         runOverflow,
}

func runOverflow(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		u := a.unitFor(fn)
		if u == nil || u.checked || !isEntry(fn) || isView(fn) {
			continue
		}
		// An array's length is bounded by calldata or memory size: adding
		// to it cannot wrap.
		param := isParam(fn)
		user := a.tainted(fn, func(x *Node) bool {
			return param(x) && !(x.Parent != nil && x.Parent.Type == "MemberAccess" && x.Parent.Str("memberName") == "length")
		})
		conds := conditions(fn.Child("body"))
		Walk(fn.Child("body"), func(x *Node) bool {
			ops, ok := arithmetic(x)
			if !ok || !a.storedInState(fn, x) {
				return true
			}
			if (user(ops[0]) || user(ops[1])) && !a.bounded(conds, x, ops) {
				a.report(d, x, "")
			}
			return true
		})
	}
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

// bounded tells whether a condition of fn rules out the wrap of the
// operation x on ops: for a subtraction a - b, a comparison of a with b
// before it (`require(a >= b)`); for an addition or multiplication, the
// wrap check of the same operation before it (`require(a + b >= a)`), a
// division check of a product (SafeMath's `c / a == b`), or a comparison of the updated value with the
// operand after it (`a += b; assert(a >= b)`). A comparison that merely
// mentions an operand (`require(balanceOf[msg.sender] >= v)` before
// `balanceOf[to] += v`) bounds nothing.
func (a *analysis) bounded(conds []*Node, x *Node, ops []*Node) bool {
	l, r := a.exprKey(ops[0], 0), a.exprKey(ops[1], 0)
	op := strings.TrimSuffix(x.Str("operator"), "=")
	for _, c := range conds {
		// A condition holding x (`require(a + b >= a)`) is checked with
		// it, so counts as before.
		before := c.Src.Start < x.Src.Start || c.Contains(x)
		if mentions(c, func(n *Node) bool {
			if n.Type != "BinaryOperation" {
				return false
			}
			cmp := n.Str("operator")
			if !isComparison(cmp) {
				return false
			}
			x1, x2 := n.Child("leftExpression"), n.Child("rightExpression")
			if x1 == nil || x2 == nil {
				return false
			}
			switch op {
			case "-":
				return before && cmp != "==" && cmp != "!=" &&
					(a.hasKey(x1, l) && a.hasKey(x2, r) || a.hasKey(x1, r) && a.hasKey(x2, l))
			case "+", "*":
				if before && a.wrapCheck(n, op, l, r) {
					return true
				}
				if op == "*" && (mentions(n, func(m *Node) bool { return m.Type == "BinaryOperation" && m.Str("operator") == "/" })) &&
					a.hasKey(n, l) && a.hasKey(n, r) {
					return true
				}
				return !before && x.Type == "Assignment" && cmp != "==" && cmp != "!=" &&
					(a.exprKey(x1, 0) == l && a.hasKey(x2, r) || a.exprKey(x2, 0) == l && a.hasKey(x1, r))
			}
			return false
		}) {
			return true
		}
	}
	return false
}

// wrapCheck tells the pre-0.8 idiom `a + b >= a` (SafeMath's and the SWC
// registry's fix) on the operation with operand keys l and r: a comparison
// of that sum or product with one of its own terms, which is false exactly
// when it wrapped.
func (a *analysis) wrapCheck(cmp *Node, op, l, r string) bool {
	x1, x2 := cmp.Child("leftExpression"), cmp.Child("rightExpression")
	for _, side := range [][2]*Node{{x1, x2}, {x2, x1}} {
		sum, other := side[0], side[1]
		for sum != nil && sum.Type == "TupleExpression" && len(sum.List("components")) == 1 {
			sum = sum.List("components")[0]
		}
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

// hasKey tells whether n or an expression inside it has the key k.
func (a *analysis) hasKey(n *Node, k string) bool {
	return mentions(n, func(m *Node) bool { return a.exprKey(m, 0) == k })
}

// exprKey renders an expression canonically, declarations by id, so that
// two mentions of the same value compare equal (`balanceOf[_to]` in a
// guard and in the update). A local variable initialised once stands for
// its initial value (`uint bal = balances[msg.sender]`, or a storage
// pointer to a struct). Expressions it cannot render get a key of their
// own, which matches nothing else.
func (a *analysis) exprKey(n *Node, depth int) string {
	if n == nil || depth > 8 {
		return "?"
	}
	switch n.Type {
	case "Identifier":
		if n.Ref() <= 0 {
			return n.Name
		}
		if d := a.declOf(n.Ref()); d != nil && d.Type == "VariableDeclaration" && !d.Bool("stateVariable") {
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
	}
	return "?" + strconv.Itoa(n.Src.Start) + ":" + strconv.Itoa(n.Src.Length) + n.Type
}

var uncheckedArithmetic = &Detector{
	ID:          "unchecked-arithmetic",
	Severity:    Low,
	Confidence:  ConfidenceMedium,
	Title:       "Arithmetic on caller input in an unchecked block",
	Description: "Inside unchecked { } arithmetic wraps silently; an operand derived from caller input can overflow or underflow.",
	run:         runUncheckedArithmetic,
}

func runUncheckedArithmetic(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) {
			continue
		}
		user := a.tainted(fn, func(x *Node) bool { return isParam(fn)(x) || isMsgValue(x) })
		for _, ub := range Find(fn.Child("body"), func(x *Node) bool { return x.Type == "UncheckedBlock" }) {
			Walk(ub, func(x *Node) bool {
				if ops, ok := arithmetic(x); ok {
					for _, o := range ops {
						if user(o) {
							a.report(d, x, "")
							break
						}
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
	for _, fn := range a.functions() {
		Walk(fn.Child("body"), func(x *Node) bool {
			if x.Type == "BinaryOperation" && (x.Str("operator") == "==" || x.Str("operator") == "!=") &&
				(mentions(x.Child("leftExpression"), balance) || mentions(x.Child("rightExpression"), balance)) {
				a.report(d, x, "")
			}
			return true
		})
	}
}
