package lint

// Path-sensitive facts: the conditions every path to a point of a function
// has passed, so that a detector can tell a bounded operation (`require(a
// >= b); a -= b`, `if (a < b) revert(); a - b`) from an unchecked one, and
// an argument that a check binds from one nothing constrains.

// fact is a condition known to hold (holds) or known to be false (!holds)
// at a point, from offset at on.
type fact struct {
	cond  *Node
	holds bool
	at    int
}

// comparison is a fact in the form l op r, negations and conjunctions
// resolved: `!(a < b)` is a >= b.
type comparison struct {
	l, r *Node
	op   string
	at   int
}

// factsAt returns the facts that dominate x in its function: require and
// assert statements before it in its block and the blocks around it;
// `if (c) revert|throw|return|break|continue;` before it (c is false
// after); the condition of an if, loop, ?:, && or || whose branch holds
// it; and the conditions of the function's modifiers before their
// placeholder that do not read the modifier's parameters.
func (a *analysis) factsAt(x *Node) []fact {
	var out []fact
	for c, p := x, x.Parent; p != nil; c, p = p, p.Parent {
		switch p.Type {
		case "FunctionDefinition":
			return append(out, a.modifierFacts(p)...)
		case "ModifierDefinition":
			return out
		case "Block", "UncheckedBlock":
			for _, s := range p.List("statements") {
				if s == c {
					break
				}
				out = append(out, stmtFacts(s)...)
			}
		case "IfStatement":
			if cond := p.Child("condition"); cond != nil && cond != c {
				if p.Child("trueBody") == c {
					out = append(out, fact{cond, true, cond.Src.End()})
				} else if p.Child("falseBody") == c {
					out = append(out, fact{cond, false, cond.Src.End()})
				}
			}
		case "ForStatement", "WhileStatement":
			if cond := p.Child("condition"); cond != nil && p.Child("body") == c {
				out = append(out, fact{cond, true, cond.Src.End()})
			}
		case "Conditional":
			if cond := p.Child("condition"); cond != nil && cond != c {
				out = append(out, fact{cond, p.Child("trueExpression") == c, cond.Src.End()})
			}
		case "BinaryOperation":
			if l := p.Child("leftExpression"); l != nil && p.Child("rightExpression") == c {
				switch p.Str("operator") {
				case "&&":
					out = append(out, fact{l, true, l.Src.End()})
				case "||":
					out = append(out, fact{l, false, l.Src.End()})
				}
			}
		}
	}
	return out
}

// modifierFacts returns the require/assert conditions of fn's modifiers
// before their placeholder, when they read no modifier parameter (whose
// argument would have to be substituted).
func (a *analysis) modifierFacts(fn *Node) []fact {
	var out []fact
	for _, m := range a.modifierDefs(fn) {
		params := isParam(m)
		ph := Find(m.Child("body"), func(x *Node) bool { return x.Type == "PlaceholderStatement" })
		if len(ph) == 0 {
			continue
		}
		for _, s := range m.Child("body").List("statements") {
			if s.Src.Start >= ph[0].Src.Start {
				break
			}
			for _, f := range stmtFacts(s) {
				if !mentions(f.cond, params) {
					// Before the function's body: from its start on.
					f.at = fn.Src.Start
					out = append(out, f)
				}
			}
		}
	}
	return out
}

// stmtFacts returns the facts a statement establishes for the statements
// after it.
func stmtFacts(s *Node) []fact {
	switch s.Type {
	case "ExpressionStatement":
		if c := checkCall(s.Child("expression")); c != nil {
			return []fact{{c, true, s.Src.End()}}
		}
	case "IfStatement":
		cond, tb, fb := s.Child("condition"), s.Child("trueBody"), s.Child("falseBody")
		if cond == nil {
			return nil
		}
		switch {
		case exits(tb) && (fb == nil || !exits(fb)):
			return []fact{{cond, false, s.Src.End()}}
		case fb != nil && exits(fb) && !exits(tb):
			return []fact{{cond, true, s.Src.End()}}
		}
	case "Block", "UncheckedBlock":
		var out []fact
		for _, t := range s.List("statements") {
			out = append(out, stmtFacts(t)...)
		}
		return out
	}
	return nil
}

// checkCall returns the condition of require(c, …) or assert(c), or nil.
func checkCall(e *Node) *Node {
	if e == nil || e.Type != "FunctionCall" {
		return nil
	}
	if n := calleeName(e); n != "require" && n != "assert" {
		return nil
	}
	if callee := e.Child("expression"); callee == nil || callee.Type != "Identifier" {
		return nil
	}
	if args := e.List("arguments"); len(args) > 0 {
		return args[0]
	}
	return nil
}

// exits tells statements after which control does not reach the next
// statement: return, revert, throw, break, continue, require(false), and
// blocks and ifs all of whose paths end so.
func exits(s *Node) bool {
	if s == nil {
		return false
	}
	switch s.Type {
	case "Return", "Throw", "RevertStatement", "Break", "Continue":
		return true
	case "ExpressionStatement":
		e := s.Child("expression")
		if e == nil || e.Type != "FunctionCall" {
			return false
		}
		if callee := e.Child("expression"); callee != nil && callee.Type == "Identifier" && callee.Ref() <= 0 {
			switch callee.Name {
			case "revert":
				return true
			case "require", "assert":
				args := e.List("arguments")
				return len(args) > 0 && args[0].Type == "Literal" && args[0].Str("value") == "false"
			}
		}
	case "Block", "UncheckedBlock":
		st := s.List("statements")
		return len(st) > 0 && exits(st[len(st)-1])
	case "IfStatement":
		return exits(s.Child("trueBody")) && exits(s.Child("falseBody"))
	}
	return false
}

// postChecks returns the require and assert conditions after x's
// statement in its block and the blocks around it: checks every path
// from x on passes (or reverts, undoing x).
func postChecks(x *Node) []*Node {
	var out []*Node
	for c, p := x, x.Parent; p != nil; c, p = p, p.Parent {
		switch p.Type {
		case "FunctionDefinition", "ModifierDefinition":
			return out
		case "Block", "UncheckedBlock":
			after := false
			for _, s := range p.List("statements") {
				if s == c {
					after = true
					continue
				}
				if after && s.Type == "ExpressionStatement" {
					if cond := checkCall(s.Child("expression")); cond != nil {
						out = append(out, cond)
					}
				}
			}
		}
	}
	return out
}

var negated = map[string]string{"<": ">=", "<=": ">", ">": "<=", ">=": "<", "==": "!=", "!=": "=="}

// comparisons resolves facts into comparisons: `a && b` that holds, or
// `a || b` that does not, into both; `!c` into c negated; `a < b` that
// does not hold into a >= b.
func comparisons(facts []fact) []comparison {
	var out []comparison
	var add func(n *Node, holds bool, at int)
	add = func(n *Node, holds bool, at int) {
		for n != nil && n.Type == "TupleExpression" && len(n.List("components")) == 1 {
			n = n.List("components")[0]
		}
		if n == nil {
			return
		}
		switch n.Type {
		case "UnaryOperation":
			if n.Str("operator") == "!" {
				add(n.Child("subExpression"), !holds, at)
			}
		case "BinaryOperation":
			op := n.Str("operator")
			switch {
			case op == "&&" && holds, op == "||" && !holds:
				add(n.Child("leftExpression"), holds, at)
				add(n.Child("rightExpression"), holds, at)
			case isComparison(op):
				if !holds {
					op = negated[op]
				}
				out = append(out, comparison{n.Child("leftExpression"), n.Child("rightExpression"), op, at})
			}
		}
	}
	for _, f := range facts {
		add(f.cond, f.holds, f.at)
	}
	return out
}

// known tells a key of a rendered expression, not exprKey's "?" for a
// missing one (which must match nothing).
func known(k string) bool { return k != "?" }

// upper tells whether c bounds k from above: k < e, k <= e, k == e, or
// the same from the other side.
func (c comparison) upper(a *analysis, k string) bool {
	if !known(k) {
		return false
	}
	switch c.op {
	case "<", "<=", "==":
		return a.exprKey(c.l, 0) == k
	case ">", ">=":
		return a.exprKey(c.r, 0) == k
	}
	return false
}

// lower tells whether c bounds k from below.
func (c comparison) lower(a *analysis, k string) bool {
	if !known(k) {
		return false
	}
	switch c.op {
	case ">", ">=", "==":
		return a.exprKey(c.l, 0) == k
	case "<", "<=":
		return a.exprKey(c.r, 0) == k
	}
	return false
}

// atLeast tells whether c says that the expression keyed big is at least
// the one keyed small: big >= small, big > small, big == small, small <=
// big…, or big >= small + e (a sum holding small as a term).
func (c comparison) atLeast(a *analysis, big, small string) bool {
	if !known(big) || !known(small) {
		return false
	}
	l, r := c.l, c.r
	switch c.op {
	case "==":
		lk, rk := a.exprKey(l, 0), a.exprKey(r, 0)
		return lk == big && rk == small || lk == small && rk == big
	case "<", "<=":
		l, r = r, l
	case "!=":
		return false
	}
	if a.exprKey(l, 0) != big {
		return false
	}
	if a.exprKey(r, 0) == small {
		return true
	}
	for r != nil && r.Type == "TupleExpression" && len(r.List("components")) == 1 {
		r = r.List("components")[0]
	}
	return r != nil && r.Type == "BinaryOperation" && r.Str("operator") == "+" &&
		(a.exprKey(r.Child("leftExpression"), 0) == small || a.exprKey(r.Child("rightExpression"), 0) == small)
}
