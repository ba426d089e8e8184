package lint

import (
	"fmt"
	"slices"
	"strings"
)

// Transaction-order dependence (SWC-114) and the ABI's short-address
// attack: checks of what a transaction reveals, or relies on, while it
// waits in the public mempool.

// payment is an ether transfer out of the contract.
type payment struct {
	call   *Node
	target *Node
	value  *Node
}

// payments returns the transfers, sends and calls with a value under n.
func payments(n *Node) []payment {
	var out []payment
	Walk(n, func(x *Node) bool {
		if x.Type != "FunctionCall" {
			return true
		}
		if ll, ok := lowLevelCall(x); ok && ll.value != nil && !isZero(ll.value) &&
			(ll.kind == "transfer" || ll.kind == "send" || ll.kind == "call") {
			out = append(out, payment{call: x, target: ll.target, value: ll.value})
		}
		return true
	})
	return out
}

// stripValue removes parentheses and type conversions around an
// expression (`bytes32(x)`, `(x)`).
func stripValue(n *Node) *Node {
	for n != nil {
		switch {
		case n.Type == "TupleExpression" && len(n.List("components")) == 1:
			n = n.List("components")[0]
		case n.Type == "FunctionCall" && n.Str("kind") == "typeConversion" && len(n.List("arguments")) == 1:
			n = n.List("arguments")[0]
		default:
			return n
		}
	}
	return nil
}

// localInit returns the initial value of a local variable declared alone
// with one, or nil.
func (a *analysis) localInit(id *Node) *Node {
	if id == nil || id.Type != "Identifier" {
		return nil
	}
	d := a.declOf(id.Ref())
	if d == nil || d.Type != "VariableDeclaration" || d.Bool("stateVariable") {
		return nil
	}
	p := d.Parent
	if p == nil || p.Type != "VariableDeclarationStatement" || len(p.List("declarations")) != 1 {
		return nil
	}
	return p.Child("initialValue")
}

// hashOf returns the hash builtin call (keccak256, sha3, sha256,
// ripemd160) an expression is, directly or through a local variable
// holding it.
func (a *analysis) hashOf(n *Node) *Node {
	for hops := 0; hops < 4; hops++ {
		n = stripValue(n)
		if n == nil {
			return nil
		}
		if n.Type == "FunctionCall" && isHash(n) {
			return n
		}
		if n = a.localInit(n); n == nil {
			return nil
		}
	}
	return nil
}

// rewardsCaller tells whether fn (or an internal function it calls)
// sends ether or credits the caller in storage: what a front-runner who
// copies the transaction would get instead of its sender.
func (a *analysis) rewardsCaller(fn *Node, seen map[*Node]bool) bool {
	if fn == nil || seen[fn] || len(seen) > 16 {
		return false
	}
	seen[fn] = true
	body := fn.Child("body")
	if len(payments(body)) > 0 {
		return true
	}
	for _, w := range a.stateWrites(body) {
		if w.Type != "Assignment" {
			continue
		}
		lhs := w.Child("leftHandSide")
		if mentions(w.Child("rightHandSide"), isMsgSender) || mentions(lhs, isMsgSender) {
			return true
		}
	}
	for _, c := range a.calls(body) {
		if callee := a.internalCallee(c); callee != nil && a.rewardsCaller(callee, seen) {
			return true
		}
	}
	return false
}

var frontRunning = &Detector{
	ID:          "front-running",
	Severity:    Medium,
	Confidence:  ConfidenceMedium,
	Title:       "Front-running: the transaction reveals the answer",
	Description: "Pending transactions are public: a caller's solution to a stored hash, or a player's move stored in plain text, can be read and used by someone else whose transaction is mined first. Bind the answer to msg.sender or use commit-reveal.",
	run:         runFrontRunning,
}

// runFrontRunning reports two shapes of SWC-114 where the transaction
// itself gives the answer away:
//
//   - a puzzle: a hash of the caller's input compared with a stored hash,
//     then a payout (FindThisHash). Whoever sees the solution in the
//     mempool resubmits it with a higher gas price. A hash that binds the
//     input to msg.sender, or a commitment stored per sender
//     (commit-reveal), is the fix and is not reported.
//   - a game whose moves are stored in plain text: an unrestricted
//     payable function stores a caller's choice, and a payout elsewhere
//     is decided by the stored choices (odds and evens), so the next
//     player reads the first one's move and picks the winning answer.
func runFrontRunning(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		// Only a function anyone can call can be front-run by anyone: a
		// copy of the croupier's or oracle's transaction fails its check.
		if !isEntry(fn) || isView(fn) || a.protected(fn, asEntry) {
			continue
		}
		a.hashPuzzle(d, fn)
	}
	a.plainMoves(d)
}

func (a *analysis) hashPuzzle(d *Detector, fn *Node) {
	fromParam := a.tainted(fn, isParam(fn))
	rewarded := false
	checked := false
	conds := conditions(fn.Child("body"))
	// Commit-reveal: a hash bound to the sender, or compared with the
	// sender's own commitment, makes a copied solution fail, whatever
	// else the function checks the solution against.
	for _, c := range conds {
		if mentions(c, func(x *Node) bool {
			if x.Type != "BinaryOperation" || (x.Str("operator") != "==" && x.Str("operator") != "!=") {
				return false
			}
			l, r := x.Child("leftExpression"), x.Child("rightExpression")
			for _, side := range [][2]*Node{{l, r}, {r, l}} {
				if h := a.hashOf(side[0]); h != nil && (mentions(h, isMsgSender) || mentions(side[1], isMsgSender)) {
					return true
				}
			}
			return false
		}) {
			return
		}
	}
	for _, c := range conds {
		Walk(c, func(x *Node) bool {
			if x.Type != "BinaryOperation" || (x.Str("operator") != "==" && x.Str("operator") != "!=") {
				return true
			}
			l, r := x.Child("leftExpression"), x.Child("rightExpression")
			for _, side := range [][2]*Node{{l, r}, {r, l}} {
				h, other := a.hashOf(side[0]), side[1]
				// The answer is a stored or constant hash, not something
				// computed from the same transaction; a caller-given key
				// may pick it (`puzzles[id]`, or `r.answerHash` through
				// `Riddle storage r = riddles[id]`).
				stored := other != nil && mentions(other, func(n *Node) bool {
					return n.Type == "Identifier" && isStateVar(a.rootDecl(n)) || n.Type == "Literal"
				})
				if h == nil || other == nil || fromParam(other) && !stored || mentions(other, isMsgSender) || a.hashOf(other) != nil {
					continue
				}
				input := false
				for _, arg := range h.List("arguments") {
					if mentions(arg, isMsgSender) {
						input = false
						break
					}
					if fromParam(arg) {
						input = true
					}
				}
				if !input || !stored {
					continue
				}
				if !checked {
					rewarded, checked = a.rewardsCaller(fn, map[*Node]bool{}), true
				}
				if rewarded {
					a.report(d, x, fmt.Sprintf("Function %s pays whoever submits the preimage of a stored hash; the solution is public once the transaction is in the mempool, so anyone can front-run it. %s", fn.Name, d.Description))
					return false
				}
			}
			return true
		})
	}
}

// implementedFunctions answers the functions with a body of c and of its
// bases, in a.bases order.
func (a *analysis) implementedFunctions(c *Node) []*Node {
	var fns []*Node
	for _, b := range a.bases(c) {
		for _, f := range members(b, "FunctionDefinition") {
			if f.Child("body") != nil {
				fns = append(fns, f)
			}
		}
	}
	return fns
}

// plainMoves reports stored plain-text moves of a game: see
// runFrontRunning.
func (a *analysis) plainMoves(d *Detector) {
	for _, c := range a.contracts() {
		if u := a.unitFor(c); u == nil || u.dep && !a.opts.IncludeDependencies {
			continue
		}
		fns := a.implementedFunctions(c)
		// decides[v] tells state variables whose value decides who is
		// paid, and is not mixed with block values (that is weak-prng).
		decides := map[int]bool{}
		for _, g := range fns {
			for _, p := range payments(g.Child("body")) {
				// Only the stored moves decide: not block values, nor the
				// caller, nor an input of the paying function (an oracle's
				// random number, a croupier's reveal).
				fromInput := isParam(g)
				conds := enclosingConditions(p.call, g)
				// Who is paid may be chosen instead: `winner = n % 2 == 0 ?
				// a : b`, then winner.transfer(…).
				t := stripValue(p.target)
				if init := a.localInit(t); init != nil {
					t = stripValue(init)
				}
				if t != nil && t.Type == "Conditional" {
					conds = append(conds, t.Child("condition"))
				}
				for _, cond := range conds {
					if mentions(cond, isBlockValue) || mentions(cond, isMsgSender) || mentions(cond, fromInput) {
						continue
					}
					for id := range a.stateReads(g, cond) {
						decides[id] = true
					}
				}
			}
		}
		if len(decides) == 0 {
			continue
		}
		for _, fn := range members(c, "FunctionDefinition") {
			if !isEntry(fn) || !isPayable(fn) || a.protected(fn, asEntry) {
				continue
			}
			choice := map[int]bool{}
			for _, p := range fn.Child("parameters").List("parameters") {
				if p == nil {
					continue
				}
				t := p.TypeString()
				if strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "int") || t == "bool" || strings.HasPrefix(t, "string") {
					choice[p.ID] = true
				}
			}
			if len(choice) == 0 {
				continue
			}
			isChoice := a.tainted(fn, func(x *Node) bool { return x.Type == "Identifier" && choice[x.Ref()] })
			for _, w := range a.stateWrites(fn.Child("body")) {
				if w.Type != "Assignment" && w.Type != "FunctionCall" {
					continue
				}
				var val *Node
				if w.Type == "Assignment" {
					val = w.Child("rightHandSide")
				} else if args := w.List("arguments"); len(args) > 0 {
					val = args[0]
				}
				if val == nil || !isChoice(val) || mentions(val, func(x *Node) bool { return x.Type == "FunctionCall" && isHash(x) }) {
					continue
				}
				stored := false
				for _, v := range a.writtenVars(w) {
					if decides[v.ID] {
						stored = true
					}
				}
				if stored {
					a.report(d, w, fmt.Sprintf("Function %s stores the caller's move in plain text, and the payout depends on it: the other player sees it (in the mempool or in storage) before choosing. Use commit-reveal. %s", fn.Name, d.Description))
				}
			}
		}
	}
}

// enclosingConditions returns the conditions of the if statements and
// conditionals around n in fn: what decides whether n runs.
func enclosingConditions(n, fn *Node) []*Node {
	var out []*Node
	for c, p := n, n.Parent; p != nil && p != fn; c, p = p, p.Parent {
		switch p.Type {
		case "IfStatement", "Conditional":
			if cond := p.Child("condition"); cond != nil && cond != c {
				out = append(out, cond)
			}
		}
	}
	return out
}

// stateReads returns the state variables an expression in fn reads,
// directly or through local variables assigned from them.
func (a *analysis) stateReads(fn, expr *Node) map[int]bool {
	out := map[int]bool{}
	var visit func(n *Node, depth int)
	visit = func(n *Node, depth int) {
		if depth > 4 {
			return
		}
		Walk(n, func(x *Node) bool {
			if x.Type != "Identifier" {
				return true
			}
			dcl := a.declOf(x.Ref())
			if isStateVar(dcl) && !dcl.Bool("constant") {
				out[dcl.ID] = true
				return true
			}
			if init := a.localInit(x); init != nil {
				visit(init, depth+1)
			}
			return true
		})
	}
	visit(expr, 0)
	return out
}

// ---- tx-order-dependence ----

// scalarStateVar returns the non-constant scalar state variable n names.
func (a *analysis) scalarStateVar(n *Node) *Node {
	if n == nil || n.Type != "Identifier" {
		return nil
	}
	d := a.declOf(n.Ref())
	if !isStateVar(d) || d.Bool("constant") || d.Str("mutability") == "immutable" || d.Str("mutability") == "constant" {
		return nil
	}
	t := d.TypeString()
	if !strings.HasPrefix(t, "uint") && !strings.HasPrefix(t, "int") {
		return nil
	}
	return d
}

// setters maps the scalar state variables that an entry function sets to
// a chosen value (a parameter or msg.value) to the functions that do.
func (a *analysis) setters(fns []*Node) map[int][]*Node {
	out := map[int][]*Node{}
	for _, fn := range fns {
		if !isEntry(fn) || isView(fn) {
			continue
		}
		chosen := a.tainted(fn, func(x *Node) bool { return isParam(fn)(x) || isMsgValue(x) })
		for _, w := range a.stateWrites(fn.Child("body")) {
			if w.Type != "Assignment" || w.Str("operator") != "=" || !chosen(w.Child("rightHandSide")) {
				continue
			}
			if v := a.scalarStateVar(w.Child("leftHandSide")); v != nil {
				out[v.ID] = append(out[v.ID], fn)
			}
		}
	}
	return out
}

var txOrderDependence = &Detector{
	ID:          "tx-order-dependence",
	Severity:    Low,
	Confidence:  ConfidenceLow,
	Title:       "Transaction-order dependence: amount set by another transaction",
	Description: "The amount paid or the price applied comes from a state variable that another function sets; whoever sets it can change it while the caller's transaction is pending (or front-run it). Let the caller pass the amount or price it expects and check it.",
	run:         runTxOrderDependence,
}

// runTxOrderDependence reports the reward and price races of SWC-114: an
// entry function pays an amount (or prices a purchase by a rate) read from
// a state variable that another entry function sets, and the caller cannot
// bound it. Whoever sets it can change it while the caller's transaction
// waits (EthTxOrderDependenceMinimal's setReward / claimReward, a buy at
// the owner's current price). Comparing the value with a caller-supplied
// bound (`require(price <= maxPrice)`) is the fix.
func runTxOrderDependence(a *analysis, d *Detector) {
	for _, c := range a.contracts() {
		if u := a.unitFor(c); u == nil || u.dep && !a.opts.IncludeDependencies {
			continue
		}
		fns := a.implementedFunctions(c)
		set := a.setters(fns)
		if len(set) == 0 {
			continue
		}
		// A use of v in fn races another transaction when a different
		// function sets v, or fn sets it and another pays it.
		type use struct {
			fn, at *Node
			v      *Node
		}
		var uses []use
		payers := map[int]map[*Node]bool{}
		for _, fn := range members(c, "FunctionDefinition") {
			if !isEntry(fn) || isView(fn) {
				continue
			}
			body := fn.Child("body")
			bounded := a.boundedByCaller(fn)
			add := func(at, expr *Node) {
				Walk(expr, func(x *Node) bool {
					if v := a.scalarStateVar(x); v != nil && len(set[v.ID]) > 0 && !bounded[v.ID] {
						uses = append(uses, use{fn, at, v})
						if payers[v.ID] == nil {
							payers[v.ID] = map[*Node]bool{}
						}
						payers[v.ID][fn] = true
					}
					return true
				})
			}
			for _, p := range payments(body) {
				if !isMsgValue(p.value) {
					add(p.call, p.value)
				}
			}
			// msg.value / price, msg.value * rate: what a purchase gets.
			Walk(body, func(x *Node) bool {
				if x.Type == "BinaryOperation" && (x.Str("operator") == "/" || x.Str("operator") == "*") {
					l, r := x.Child("leftExpression"), x.Child("rightExpression")
					if isMsgValue(stripValue(l)) {
						add(x, r)
					} else if isMsgValue(stripValue(r)) {
						add(x, l)
					}
				}
				return true
			})
		}
		// A race needs a caller anyone can be: the claimer or buyer. An
		// owner's payout of a value others set (the auction's proceeds) is
		// not one.
		for _, u := range uses {
			raced := false
			if !a.protected(u.fn, asEntry) {
				for _, s := range set[u.v.ID] {
					if s != u.fn {
						raced = true
					}
				}
			}
			if !raced && slices.Contains(set[u.v.ID], u.fn) {
				for p := range payers[u.v.ID] {
					if p != u.fn && !a.protected(p, asEntry) {
						raced = true
					}
				}
			}
			if raced {
				a.report(d, u.at, fmt.Sprintf("Function %s uses %s, which another transaction can change while this one waits in the mempool. %s", u.fn.Name, u.v.Name, d.Description))
			}
		}
	}
}

// boundedByCaller returns the state variables fn compares with one of its
// parameters, the caller's bound on them.
func (a *analysis) boundedByCaller(fn *Node) map[int]bool {
	out := map[int]bool{}
	fromParam := a.tainted(fn, isParam(fn))
	for _, c := range conditions(fn.Child("body")) {
		Walk(c, func(x *Node) bool {
			if x.Type != "BinaryOperation" || !isComparison(x.Str("operator")) {
				return true
			}
			l, r := x.Child("leftExpression"), x.Child("rightExpression")
			for _, side := range [][2]*Node{{l, r}, {r, l}} {
				if fromParam(side[1]) {
					for id := range a.stateReads(fn, side[0]) {
						out[id] = true
					}
				}
			}
			return true
		})
	}
	return out
}

// ---- erc20-approve-race ----

var erc20ApproveRace = &Detector{
	ID:          "erc20-approve-race",
	Severity:    Low,
	Confidence:  ConfidenceMedium,
	Title:       "ERC20 approve race",
	Description: "approve overwrites the allowance: a spender who sees the change pending can spend the old allowance first and the new one after. Require the allowance to be set to 0 first, or offer increaseAllowance/decreaseAllowance.",
	run:         runApproveRace,
}

// runApproveRace reports the ERC20 approve race (SWC-114): approve
// overwrites an allowance, so a spender watching the mempool can spend
// the old allowance before the change and the new one after it. Requiring
// the current or the new value to be zero, or offering
// increaseAllowance/decreaseAllowance, is the usual mitigation.
// Libraries (OpenZeppelin's ERC20) are left out even with
// IncludeDependencies: they keep the standard's semantics on purpose and
// document the race, and their users cannot change it.
func runApproveRace(a *analysis, d *Detector) {
	for _, c := range a.contracts() {
		if u := a.unitFor(c); u == nil || u.dep {
			continue
		}
		alternative := false
		for _, b := range a.bases(c) {
			for _, f := range members(b, "FunctionDefinition") {
				switch strings.ToLower(f.Name) {
				case "increaseallowance", "decreaseallowance", "increaseapproval", "decreaseapproval", "safeapprove":
					alternative = true
				}
			}
		}
		if alternative {
			continue
		}
		for _, fn := range members(c, "FunctionDefinition") {
			if fn.Name != "approve" || !isEntry(fn) {
				continue
			}
			ps := fn.Child("parameters").List("parameters")
			if len(ps) != 2 || ps[0] == nil || ps[1] == nil || !strings.HasPrefix(ps[0].TypeString(), "address") || !strings.HasPrefix(ps[1].TypeString(), "uint") {
				continue
			}
			value := ps[1].ID
			isValue := func(x *Node) bool { return x != nil && x.Type == "Identifier" && x.Ref() == value }
			body := fn.Child("body")
			// require(value == 0 || allowed[msg.sender][spender] == 0).
			guarded := false
			for _, cond := range conditions(body) {
				if mentions(cond, func(x *Node) bool {
					if x.Type != "BinaryOperation" || x.Str("operator") != "==" {
						return false
					}
					l, r := x.Child("leftExpression"), x.Child("rightExpression")
					if l == nil || r == nil {
						return false
					}
					return isZero(r) && (isValue(l) || l.Type == "IndexAccess") || isZero(l) && (isValue(r) || r.Type == "IndexAccess")
				}) {
					guarded = true
				}
			}
			for _, m := range a.modifierDefs(fn) {
				if len(conditions(m.Child("body"))) > 0 && strings.Contains(strings.ToLower(m.Name), "zero") {
					guarded = true
				}
			}
			if guarded {
				continue
			}
			var at *Node
			Walk(body, func(x *Node) bool {
				if at != nil {
					return false
				}
				switch {
				case x.Type == "Assignment" && x.Str("operator") == "=":
					lhs := x.Child("leftHandSide")
					if lhs != nil && lhs.Type == "IndexAccess" && strings.HasPrefix(a.rootDecl(lhs).TypeString(), "mapping") && isStateVar(a.rootDecl(lhs)) && isValue(stripValue(x.Child("rightHandSide"))) {
						at = x
					}
				case x.Type == "FunctionCall":
					// _approve(msg.sender, spender, value) writing the
					// allowance in a helper.
					if callee := a.internalCallee(x); callee != nil && mentions(x, isValue) && strings.Contains(strings.ToLower(callee.Name), "approve") {
						at = x
					}
				}
				return at == nil
			})
			if at != nil {
				a.report(d, at, "")
			}
		}
	}
}

// ---- short-address ----

// payloadChecked tells whether fn or its modifiers look at msg.data's
// length (the onlyPayloadSize idiom).
func (a *analysis) payloadChecked(fn *Node) bool {
	dataLen := func(x *Node) bool {
		return x.Type == "MemberAccess" && x.Str("memberName") == "length" && isMember(x.Child("expression"), "msg", "data")
	}
	if mentions(fn.Child("body"), dataLen) {
		return true
	}
	for _, m := range a.modifierDefs(fn) {
		if mentions(m.Child("body"), dataLen) {
			return true
		}
	}
	return false
}

// movesBalance tells whether fn adds or subtracts the amount param to or
// from a mapping (indexed by the address param or msg.sender), or hands
// both params to a helper or token transfer that does.
func (a *analysis) movesBalance(fn *Node, addr, amount int) bool {
	isAddr := func(x *Node) bool { return x.Type == "Identifier" && x.Ref() == addr }
	isAmount := func(x *Node) bool { return x.Type == "Identifier" && x.Ref() == amount }
	fromAmount := a.tainted(fn, isAmount)
	body := fn.Child("body")
	for _, w := range a.stateWrites(body) {
		if w.Type != "Assignment" {
			continue
		}
		lhs := w.Child("leftHandSide")
		root := a.rootDecl(lhs)
		if root == nil || !strings.HasPrefix(root.TypeString(), "mapping") || !fromAmount(w.Child("rightHandSide")) || !movesBy(w) {
			continue
		}
		if mentions(lhs, isAddr) || mentions(lhs, isMsgSender) {
			return true
		}
	}
	for _, c := range a.calls(body) {
		hasAddr, hasAmount := false, false
		for _, arg := range c.List("arguments") {
			hasAddr = hasAddr || mentions(arg, isAddr)
			hasAmount = hasAmount || fromAmount(arg)
		}
		if !hasAddr || !hasAmount {
			continue
		}
		if callee := a.internalCallee(c); callee != nil && mentions(callee.Child("body"), func(w *Node) bool {
			return w.Type == "Assignment" && a.writesState(w) && strings.HasPrefix(a.rootDecl(w.Child("leftHandSide")).TypeString(), "mapping") && movesBy(w)
		}) {
			return true
		}
		switch calleeName(c) {
		case "transfer", "transferFrom", "mint", "burn":
			return true
		}
	}
	return false
}

// movesBy tells an assignment that adds or subtracts (a balance update)
// from one that sets (an allowance).
func movesBy(w *Node) bool {
	switch w.Str("operator") {
	case "+=", "-=":
		return true
	}
	return mentions(w.Child("rightHandSide"), func(x *Node) bool {
		if x.Type == "BinaryOperation" {
			return x.Str("operator") == "+" || x.Str("operator") == "-"
		}
		if x.Type == "FunctionCall" {
			switch calleeName(x) {
			case "add", "sub", "safeAdd", "safeSub", "tryAdd", "trySub":
				return true
			}
		}
		return false
	})
}

var shortAddress = &Detector{
	ID:          "short-address",
	Severity:    Low,
	Confidence:  ConfidenceMedium,
	Title:       "Short address attack",
	Description: "Before Solidity 0.5 the ABI decoder does not check the calldata length: a call whose address argument is short shifts the amount after it left by a byte per missing byte, and the function moves that much. Check msg.data.length (onlyPayloadSize) or compile with 0.5 or later.",
	run:         runShortAddress,
}

// runShortAddress reports SWC-102's short-address attack on code compiled
// before 0.5.0, whose ABI decoder did not check the calldata length: a
// public function taking an address and then an amount, called with an
// address missing its last bytes, reads the amount shifted left (multiplied
// by 256 per missing byte) and moves that much. Checking msg.data.length
// (onlyPayloadSize) or compiling with 0.5+ fixes it.
func runShortAddress(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		u := a.unitFor(fn)
		if u == nil || !a.pre05(u) || !isEntry(fn) || isView(fn) || a.payloadChecked(fn) {
			continue
		}
		ps := fn.Child("parameters").List("parameters")
		addr, amount := 0, 0
		for _, p := range ps {
			if p == nil {
				continue
			}
			t := p.TypeString()
			if addr == 0 && strings.HasPrefix(t, "address") {
				addr = p.ID
			} else if addr != 0 && amount == 0 && strings.HasPrefix(t, "uint") {
				amount = p.ID
			}
		}
		if addr == 0 || amount == 0 {
			continue
		}
		if a.movesBalance(fn, addr, amount) {
			a.report(d, fn, fmt.Sprintf("Function %s takes an address followed by an amount and does not check msg.data.length. %s", fn.Name, d.Description))
		}
	}
}
