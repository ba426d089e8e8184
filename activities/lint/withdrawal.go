package lint

import (
	"fmt"
)

// Unprotected ether withdrawal (SWC-105): a function anyone can call that
// pays the contract's ether to its caller, or to an address the caller
// names, with neither a check of who calls nor a record of what the
// caller is owed.

var unprotectedWithdrawal = &Detector{
	ID:          "unprotected-ether-withdrawal",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Unprotected ether withdrawal",
	Description: "Anyone can call this function and have it send the contract's ether to themselves or to an address they choose: it checks neither who calls (an owner or role check) nor what the caller is owed (a balance read and decreased). Restrict it to its owner, or pay out only a recorded credit and clear it.",
	run:         runUnprotectedWithdrawal,
}

// payout is a payment of ether found from an entry function, possibly in
// an internal function it calls.
type payout struct {
	call  *Node // the transfer, send, call{value:} or sendValue
	scope *Node // the function (or the entry function) holding call
	value *Node // the amount, in scope
	// toCaller: paid to msg.sender (or tx.origin); otherwise to an
	// address the caller passes.
	toCaller bool
}

// scopeCtx tells, inside one function of the call chain from an entry
// function, which expressions the caller controls: its own address, the
// addresses it passes, and msg.value.
type scopeCtx struct {
	fn *Node
	// caller tells expressions naming msg.sender (or tx.origin), and
	// chosen those derived from the entry function's parameters.
	caller, chosen func(*Node) bool
	// paid tells expressions derived from msg.value: a refund.
	paid func(*Node) bool
	// conds are the conditions that decide whether the code runs: the
	// scope's own and those of the functions above it in the chain.
	conds []condIn
}

// condIn is a condition and the function it is evaluated in.
type condIn struct {
	cond, fn *Node
}

func isCallerAddr(x *Node) bool { return isMsgSender(x) || isMember(x, "tx", "origin") }

// runUnprotectedWithdrawal reports entry functions that pay ether to the
// caller (`msg.sender.transfer(1 ether)`) or to an address the caller
// passes (`to.transfer(address(this).balance)`), where
//
//   - no modifier or condition checks who the caller is (owner, role,
//     allowlist: see protected),
//   - the amount is not the caller's own msg.value (a refund),
//   - nothing is booked: no state entry keyed by the caller, the
//     recipient or another parameter is written (`balances[msg.sender] =
//     0`, `claimed[msg.sender] = true`), no state variable the payment's
//     conditions or amount read is updated (a one-time `claimed` flag, a
//     faucet's budget), and no other contract is called with the caller's
//     address (a token burnt or pulled in exchange),
//   - the payment is not arbitrary-send-eth's finding (a caller-chosen
//     recipient nothing binds, paid from the entry function itself): that
//     one is reported once, at the call,
//   - and the payment is not the prize of a game or a puzzle: its
//     conditions do not involve a hash, a modulo, msg.value, a block hash
//     or random-ish block value, another function's answer or a guess
//     compared with a stored secret — those are weak-prng's and
//     front-running's findings, and a prize is meant to be paid to
//     whoever wins it.
//
// The finding is on the function: what is missing is its guard. Its
// confidence is HIGH when nothing on the way to the payment could tell
// callers apart (openToAll: no modifier, conditions on state, block
// values and constants only: `withdraw() { msg.sender.transfer(1 ether);
// }`, a time lock), MEDIUM when a condition reads an argument, the caller
// or a call's answer that this detector does not recognise as a guard.
func runUnprotectedWithdrawal(a *analysis, d *Detector) {
	pays := map[*Node]bool{}
	for _, fn := range a.functions() {
		if !isEntry(fn) || isView(fn) || !a.mayPay(fn, pays, 0) || a.protected(fn, asEntry) {
			continue
		}
		// Booked per caller or recipient, the common case, is the
		// cheapest to tell.
		fromParam := a.tainted(fn, isParam(fn))
		key := func(x *Node) bool {
			return mentions(x, func(m *Node) bool { return isCallerAddr(m) || m.Type == "Identifier" && fromParam(m) })
		}
		confused := a.confusedBalanceCheck(fn)
		if !confused && a.writesKeyed(fn, key, map[*Node]bool{}, 0) {
			continue
		}
		ctx := scopeCtx{
			fn:     fn,
			caller: a.tainted(fn, isCallerAddr),
			chosen: fromParam,
			paid:   a.tainted(fn, isMsgValue),
		}
		for _, m := range a.modifierDefs(fn) {
			for _, c := range conditions(m.Child("body")) {
				ctx.conds = append(ctx.conds, condIn{c, m})
			}
		}
		var unbooked []payout
		sendsArbitrary := !a.callerDependent(fn)
		for _, p := range a.payouts(ctx, map[*Node]bool{}, 0) {
			if p.value == nil || isZero(p.value) {
				continue
			}
			if sendsArbitrary && p.scope == fn {
				// arbitrary-send-eth reports this payment at its call:
				// one finding for one payment.
				if _, ok := a.arbitraryPayment(fn, p.call); ok {
					continue
				}
			}
			unbooked = append(unbooked, p)
		}
		if len(unbooked) == 0 || !confused && a.booksWithdrawal(fn, key, unbooked) {
			continue
		}
		p := unbooked[0]
		to := "an address the caller chooses"
		if p.toCaller {
			to = "its caller"
		}
		name := fn.Name
		if name == "" {
			name = fn.Str("kind")
		}
		conf := ConfidenceMedium
		if a.openToAll(fn, p.call) {
			conf = ConfidenceHigh
		}
		a.reportConf(d, fn, conf, fmt.Sprintf("Function %s sends ether to %s without checking who calls it or what the caller is owed. %s", name, to, d.Description))
	}
}

// confusedBalanceCheck tells a withdrawal whose balance check is the
// wrong way round (SWC-105's confused sign): a condition that an argument
// is at least the caller's recorded balance, `require(amount >=
// balances[msg.sender])`. Its debit of that balance books nothing: the
// check lets anyone take more than they hold (and the debit underflows
// before 0.8). From 0.8 the debit reverts unless the amount is the whole
// balance, which makes the check harmless: only unchecked units count.
func (a *analysis) confusedBalanceCheck(fn *Node) bool {
	if u := a.unitFor(fn); u == nil || u.checked {
		return false
	}
	fromParam := a.tainted(fn, isParam(fn))
	callerEntry := func(n *Node) bool {
		n = stripValue(n)
		return n != nil && n.Type == "IndexAccess" && isStateVar(a.rootDecl(n)) && mentions(n.Child("indexExpression"), isCallerAddr)
	}
	for _, c := range conditions(fn.Child("body")) {
		if mentions(c, func(x *Node) bool {
			if x.Type != "BinaryOperation" {
				return false
			}
			l, r := x.Child("leftExpression"), x.Child("rightExpression")
			switch x.Str("operator") {
			case ">=", ">":
			case "<=", "<":
				l, r = r, l
			default:
				return false
			}
			// l >= r: the argument on the greater side, the balance on the other.
			return l != nil && fromParam(l) && !mentions(l, isCallerAddr) && callerEntry(r)
		}) {
			return true
		}
	}
	return false
}

// mayPay tells whether fn, or an internal function it calls (up to three
// deep, as payouts follows them), pays ether: the cheap test before the
// dataflow. memo holds the answers for functions already looked at.
func (a *analysis) mayPay(fn *Node, memo map[*Node]bool, depth int) bool {
	if v, ok := memo[fn]; ok {
		return v
	}
	if depth > 3 {
		return false
	}
	memo[fn] = false // a recursive call pays only if another path does
	v := mentions(fn.Child("body"), func(x *Node) bool {
		if x.Type != "FunctionCall" {
			return false
		}
		if _, _, ok := etherPayment(x); ok {
			return true
		}
		callee := a.internalCallee(x)
		return callee != nil && a.mayPay(callee, memo, depth+1)
	})
	memo[fn] = v
	return v
}

// payouts returns the payments to the caller or a caller-chosen address
// under ctx.fn, following internal calls (up to three deep) with their
// arguments bound, that are neither refunds of msg.value nor decided by a
// game (see runUnprotectedWithdrawal).
func (a *analysis) payouts(ctx scopeCtx, seen map[*Node]bool, depth int) []payout {
	if seen[ctx.fn] || depth > 3 {
		return nil
	}
	seen[ctx.fn] = true
	defer delete(seen, ctx.fn)
	body := ctx.fn.Child("body")
	for _, c := range conditions(body) {
		ctx.conds = append(ctx.conds, condIn{c, ctx.fn})
	}
	var out []payout
	for _, c := range a.calls(body) {
		target, value, ok := etherPayment(c)
		if ok {
			if value != nil && ctx.paid(value) {
				continue
			}
			t := stripValue(target)
			toCaller := isCallerAddr(t) || t != nil && t.Type == "Identifier" && ctx.caller(t)
			if !toCaller && !a.chosenAddress(t, ctx) {
				continue
			}
			if a.gameDecided(ctx.conds) {
				continue
			}
			out = append(out, payout{call: c, scope: ctx.fn, value: value, toCaller: toCaller})
			continue
		}
		callee := a.internalCallee(c)
		if callee == nil {
			continue
		}
		args := c.List("arguments")
		params := callee.Child("parameters").List("parameters")
		bind := func(pred func(*Node) bool) func(*Node) bool {
			ids := map[int]bool{}
			for i, p := range params {
				if p != nil && i < len(args) && args[i] != nil && pred(args[i]) {
					ids[p.ID] = true
				}
			}
			return func(x *Node) bool {
				return mentions(x, func(m *Node) bool { return m.Type == "Identifier" && ids[m.Ref()] })
			}
		}
		sub := scopeCtx{fn: callee, conds: append([]condIn(nil), ctx.conds...)}
		callerArg, chosenArg, paidArg := bind(ctx.caller), bind(ctx.chosen), bind(ctx.paid)
		sub.caller = a.tainted(callee, func(x *Node) bool { return isCallerAddr(x) || x.Type == "Identifier" && callerArg(x) })
		sub.chosen = a.tainted(callee, func(x *Node) bool { return x.Type == "Identifier" && chosenArg(x) })
		sub.paid = a.tainted(callee, func(x *Node) bool { return isMsgValue(x) || x.Type == "Identifier" && paidArg(x) })
		// sub.conds holds the caller's conditions: they decide the
		// callee's payment too.
		out = append(out, a.payouts(sub, seen, depth+1)...)
	}
	return out
}

// etherPayment recognises a payment of ether and returns its recipient
// and amount: address.transfer/send, call with a value, and the
// sendValue helpers of OpenZeppelin's Address and Solady's
// SafeTransferLib.
func etherPayment(c *Node) (target, value *Node, ok bool) {
	if ll, isLL := lowLevelCall(c); isLL {
		switch ll.kind {
		case "transfer", "send", "call":
			if ll.value != nil {
				return ll.target, ll.value, true
			}
		}
		return nil, nil, false
	}
	switch calleeName(c) {
	case "sendValue", "safeTransferETH", "forceSafeTransferETH":
	default:
		return nil, nil, false
	}
	args := c.List("arguments")
	e := c.Child("expression")
	switch {
	case len(args) >= 2:
		// Address.sendValue(to, amount)
		return args[0], args[1], true
	case len(args) == 1 && e != nil && e.Type == "MemberAccess":
		// using Address for address payable: to.sendValue(amount)
		return e.Child("expression"), args[0], true
	}
	return nil, nil, false
}

// chosenAddress tells a recipient the caller passes: a parameter (or a
// local derived from one), or an element of an array parameter. An
// address read from storage with a caller-given key (`bets[id].player`)
// is a recorded one, not chosen.
func (a *analysis) chosenAddress(t *Node, ctx scopeCtx) bool {
	t = stripValue(t)
	if t == nil {
		return false
	}
	switch t.Type {
	case "Identifier":
		return !isStateVar(a.declOf(t.Ref())) && ctx.chosen(t)
	case "IndexAccess":
		base := stripValue(t.Child("baseExpression"))
		return base != nil && base.Type == "Identifier" && !isStateVar(a.declOf(base.Ref())) && ctx.chosen(base)
	}
	return false
}

// gameDecided tells whether a payment's conditions make it a prize: see
// runUnprotectedWithdrawal.
func (a *analysis) gameDecided(conds []condIn) bool {
	fromGame := map[*Node]func(*Node) bool{}
	for _, c := range conds {
		if fromGame[c.fn] == nil {
			fromGame[c.fn] = a.tainted(c.fn, gameValue)
		}
		if fromGame[c.fn](c.cond) || a.guessCompared(c.cond, c.fn) {
			return true
		}
	}
	return false
}

// gameValue tells expressions that decide a game rather than a
// withdrawal: hashes and signatures, a modulo, msg.value, block values
// nobody controls the timing of, and answers of other functions.
func gameValue(x *Node) bool {
	switch x.Type {
	case "FunctionCall":
		switch x.Str("kind") {
		case "typeConversion", "structConstructorCall":
			return false
		}
		e := x.Child("expression")
		if e != nil && e.Type == "Identifier" && e.Ref() <= 0 {
			switch e.Name {
			case "require", "assert", "revert":
				return false
			}
			// keccak256, sha3, sha256, ecrecover, blockhash…
			return true
		}
		if _, ll := lowLevelCall(x); ll {
			return false
		}
		// Another function's answer: a random number, a token balance,
		// a signature check.
		return true
	case "BinaryOperation":
		return x.Str("operator") == "%"
	case "MemberAccess":
		if isMsgValue(x) {
			return true
		}
		return isBlockValue(x) && !isTimestamp(x) && !isMember(x, "block", "number")
	}
	return false
}

// guessCompared tells a condition comparing what the caller passes with a
// stored value for equality: a guessing game or a stored password.
func (a *analysis) guessCompared(cond, fn *Node) bool {
	fromParam := a.tainted(fn, isParam(fn))
	return mentions(cond, func(x *Node) bool {
		if x.Type != "BinaryOperation" || (x.Str("operator") != "==" && x.Str("operator") != "!=") {
			return false
		}
		l, r := x.Child("leftExpression"), x.Child("rightExpression")
		for _, side := range [][2]*Node{{l, r}, {r, l}} {
			if fromParam(side[0]) && !mentions(side[1], isCallerAddr) && len(a.stateReads(fn, side[1])) > 0 {
				return true
			}
		}
		return false
	})
}

// booksWithdrawal tells whether fn, which writes no state entry keyed by
// what key tells (writesKeyed), otherwise records what it pays: see
// runUnprotectedWithdrawal.
func (a *analysis) booksWithdrawal(fn *Node, key func(*Node) bool, pays []payout) bool {
	// A state variable the payment depends on and fn updates.
	written := map[int]bool{}
	a.writtenDeep(fn, map[*Node]bool{}, written)
	for _, m := range a.modifierDefs(fn) {
		a.writtenDeep(m, map[*Node]bool{}, written)
	}
	if len(written) > 0 {
		read := map[int]bool{}
		addReads := func(scope, expr *Node) {
			for id := range a.stateReads(scope, expr) {
				read[id] = true
			}
		}
		for _, c := range conditions(fn.Child("body")) {
			addReads(fn, c)
		}
		for _, m := range a.modifierDefs(fn) {
			for _, c := range conditions(m.Child("body")) {
				addReads(m, c)
			}
		}
		for _, p := range pays {
			addReads(p.scope, p.value)
			if p.scope != fn {
				for _, c := range conditions(p.scope.Child("body")) {
					addReads(p.scope, c)
				}
			}
		}
		for id := range read {
			if written[id] {
				return true
			}
		}
	}
	// Another contract books it: a token pulled or burnt from the caller.
	return mentions(fn.Child("body"), func(x *Node) bool {
		if x.Type != "FunctionCall" || x.Str("kind") != "functionCall" {
			return false
		}
		if _, _, pay := etherPayment(x); pay {
			return false
		}
		if _, ll := lowLevelCall(x); ll {
			return false
		}
		e := x.Child("expression")
		for e != nil && e.Type == "FunctionCallOptions" {
			e = e.Child("expression")
		}
		if e == nil || e.Type != "MemberAccess" || a.internalCallee(x) != nil {
			return false
		}
		for _, arg := range x.List("arguments") {
			if key(arg) {
				return true
			}
		}
		return false
	})
}

// writesKeyed tells whether fn, or an internal function it calls with
// such an argument, writes a state entry whose key satisfies key
// (`balances[msg.sender] = 0`, `delete credit[to]`).
func (a *analysis) writesKeyed(fn *Node, key func(*Node) bool, seen map[*Node]bool, depth int) bool {
	if fn == nil || seen[fn] || depth > 3 {
		return false
	}
	seen[fn] = true
	body := fn.Child("body")
	for _, w := range a.stateWrites(body) {
		var lvals []*Node
		switch w.Type {
		case "Assignment":
			lvals = []*Node{w.Child("leftHandSide")}
			if lvals[0] != nil && lvals[0].Type == "TupleExpression" {
				lvals = lvals[0].List("components")
			}
		case "UnaryOperation":
			lvals = []*Node{w.Child("subExpression")}
		case "FunctionCall":
			lvals = []*Node{w.Child("expression").Child("expression")}
		}
		for _, lv := range lvals {
			if a.keyedBy(lv, key) {
				return true
			}
		}
	}
	for _, c := range a.calls(body) {
		callee := a.internalCallee(c)
		if callee == nil {
			continue
		}
		ids := map[int]bool{}
		args := c.List("arguments")
		for i, p := range callee.Child("parameters").List("parameters") {
			if p != nil && i < len(args) && args[i] != nil && key(args[i]) {
				ids[p.ID] = true
			}
		}
		sub := func(x *Node) bool {
			return mentions(x, func(m *Node) bool { return isCallerAddr(m) || m.Type == "Identifier" && ids[m.Ref()] })
		}
		if a.writesKeyed(callee, sub, seen, depth+1) {
			return true
		}
	}
	return false
}
