package lint

import (
	"fmt"
	"regexp"
	"strings"
)

// Access control (SWC-105, SWC-106, SWC-112, SWC-115): who can reach
// a function that authorises, destroys, delegates, pays out, takes
// ownership or initialises.

var txOrigin = &Detector{
	ID:          "tx-origin",
	Severity:    Medium,
	Confidence:  ConfidenceHigh,
	Title:       "Authorization through tx.origin",
	Description: "tx.origin is the transaction's signer, not the caller: a malicious contract the owner interacts with passes this check. Use msg.sender.",
	run:         runTxOrigin,
}

func runTxOrigin(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		var bodies = []*Node{fn.Child("body")}
		for _, c := range conditions(bodies[0]) {
			a.txOriginIn(d, c)
		}
	}
	for _, c := range a.contracts() {
		for _, m := range members(c, "ModifierDefinition") {
			for _, cond := range conditions(m.Child("body")) {
				a.txOriginIn(d, cond)
			}
		}
	}
}

// txOriginIn reports tx.origin deciding cond as an identity: compared with
// an address (`tx.origin == owner`), looked up in a state mapping
// (`isSigner[tx.origin]`, `roles[r][tx.origin]`), or handed to a role or
// membership check (`hasRole(r, tx.origin)`, `isOwner(tx.origin)`).
func (a *analysis) txOriginIn(d *Detector, cond *Node) {
	origin := func(n *Node) bool { return isMember(n, "tx", "origin") }
	Walk(cond, func(x *Node) bool {
		switch x.Type {
		case "IndexAccess":
			if idx := stripValue(x.Child("indexExpression")); idx != nil && origin(idx) && isStateVar(a.rootDecl(x)) {
				a.report(d, idx, "")
			}
			return true
		case "FunctionCall":
			if identityCheck(calleeName(x)) {
				for _, arg := range x.List("arguments") {
					if arg = stripValue(arg); arg != nil && origin(arg) {
						a.report(d, arg, "")
					}
				}
			}
			return true
		}
		if x.Type != "BinaryOperation" || (x.Str("operator") != "==" && x.Str("operator") != "!=") {
			return true
		}
		l, r := x.Child("leftExpression"), x.Child("rightExpression")
		// tx.origin == msg.sender is the (weak) "caller is an EOA" idiom,
		// not authorization.
		if mentions(l, isMsgSender) || mentions(r, isMsgSender) {
			return true
		}
		for _, side := range []*Node{l, r} {
			if o := Find(side, origin); len(o) > 0 {
				a.report(d, o[0], "")
			}
		}
		return true
	})
}

// identityCheck tells a function that answers whether an address holds a
// role or belongs to a set, by its name: hasRole, isOwner, isSigner… An
// address's kind (isContract) is not an identity.
func identityCheck(name string) bool {
	for _, p := range []string{"has", "is"} {
		if rest, ok := strings.CutPrefix(name, p); ok && rest != "" && rest[0] >= 'A' && rest[0] <= 'Z' {
			return rest != "Contract"
		}
	}
	return false
}

var unprotectedSelfdestruct = &Detector{
	ID:          "unprotected-selfdestruct",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Unprotected selfdestruct",
	Description: "Anyone can call a function that self-destructs the contract and sends its balance away. Restrict it to an owner or remove it.",
	run:         runSelfdestruct,
}

// runSelfdestruct reports entry functions without access control that
// reach a selfdestruct, directly or through internal functions without
// one. Confidence is HIGH when only when, not who, stands between any
// caller and the selfdestruct (openToAll: no modifier, no check of the
// caller, an argument or a call's answer on the way), MEDIUM when some
// check that is not a recognised access check might restrict it (a
// password's hash compared, an unrecognised modifier).
func runSelfdestruct(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.protected(fn, asEntry) {
			continue
		}
		// At the function: what is wrong is who can call it.
		if c := a.reachesSelfdestruct(fn, map[*Node]bool{}); c != nil {
			conf := ConfidenceMedium
			if a.openToAll(fn, c) {
				conf = ConfidenceHigh
			}
			a.reportConf(d, fn, conf, fmt.Sprintf("Function %s can be called by anyone and self-destructs the contract. %s", fn.Name, d.Description))
		}
	}
}

// openToAll tells whether entry fn reaches target (a node in fn, or in an
// internal function fn calls) with no modifier and no check that could
// tell callers apart: its conditions, and those of the function holding
// target, read only state, block values and constants (a phase flag, a
// deadline), not the caller, an argument or what a call answers.
func (a *analysis) openToAll(fn, target *Node) bool {
	plain := func(f *Node) bool {
		if f == nil || len(f.List("modifiers")) > 0 {
			return false
		}
		param := isParam(f)
		for _, c := range conditions(f.Child("body")) {
			if mentions(c, func(x *Node) bool {
				return param(x) || isMsgSender(x) || isMember(x, "tx", "origin") || isMember(x, "msg", "data") ||
					x.Type == "FunctionCall" && x.Str("kind") != "typeConversion"
			}) {
				return false
			}
		}
		return true
	}
	if !plain(fn) {
		return false
	}
	g := target.Ancestor("FunctionDefinition")
	if g == fn {
		return true
	}
	return plain(g) && mentions(fn.Child("body"), func(x *Node) bool { return a.internalCallee(x) == g })
}

func isSelfdestruct(c *Node) bool {
	e := c.Child("expression")
	return e != nil && (builtin(e, "selfdestruct") || builtin(e, "suicide"))
}

// reachesSelfdestruct follows internal calls from fn to a selfdestruct.
func (a *analysis) reachesSelfdestruct(fn *Node, seen map[*Node]bool) *Node {
	if fn == nil || seen[fn] {
		return nil
	}
	seen[fn] = true
	for _, c := range a.calls(fn.Child("body")) {
		if isSelfdestruct(c) {
			return c
		}
		if callee := a.internalCallee(c); callee != nil && !a.protected(callee, asCallee) {
			if r := a.reachesSelfdestruct(callee, seen); r != nil {
				return r
			}
		}
	}
	return nil
}

var controlledDelegatecall = &Detector{
	ID:          "controlled-delegatecall",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Delegatecall to a user-controlled address",
	Description: "delegatecall runs the target's code with this contract's storage and balance; a caller-chosen target can take over the contract.",
	run:         runControlledDelegatecall,
}

func runControlledDelegatecall(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) {
			continue
		}
		var fromParam func(*Node) bool
		for _, c := range a.calls(fn.Child("body")) {
			ll, ok := lowLevelCall(c)
			if !ok || ll.kind != "delegatecall" && ll.kind != "callcode" {
				continue
			}
			if fromParam == nil {
				if a.protected(fn, asEntry) {
					break
				}
				fromParam = a.tainted(fn, isParam(fn))
			}
			if fromParam(ll.target) {
				// HIGH when the target is the caller's own argument and no
				// check on the way looks at it (an allowlist would).
				conf := ConfidenceMedium
				if ps := a.valueParams(fn, ll.target); len(ps) > 0 && !a.paramChecked(fn, c, ps) {
					conf = ConfidenceHigh
				}
				a.reportConf(d, c, conf, "")
			}
		}
	}
}

var arbitrarySendEth = &Detector{
	ID:          "arbitrary-send-eth",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Ether sent to an arbitrary address",
	Description: "An unrestricted function sends ether to an address the caller chooses, so anyone can drain the contract.",
	run:         runArbitrarySend,
}

// runArbitrarySend reports ether sent, by an entry function without
// access control (nor any condition on the caller), to an address the
// caller chooses: a parameter, or a local or parameter array element it
// flows into (valueParams). A stored party is not arbitrary: a state
// variable (owner, beneficiary), an entry of a stored list or mapping
// (whatever selects it), msg.sender. Nor is a parameter a check on every
// path to the payment binds (paramBound): compared with a stored party,
// a key of a state mapping (`require(isPayee[to])`), or covered by a
// signature ecrecover (or ECDSA.recover, SignatureChecker) checked
// against a stored signer. Nor is one paid its own credit (ownCredit:
// `credits[account]` sent to account). Confidence is HIGH when no check
// looks at the recipient at all (a zero-address check aside) and the
// amount can drain the contract (drains), MEDIUM otherwise (a faucet's
// fixed drip under a daily budget).
func runArbitrarySend(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.callerDependent(fn) {
			continue
		}
		for _, c := range a.calls(fn.Child("body")) {
			if conf, ok := a.arbitraryPayment(fn, c); ok {
				a.reportConf(d, c, conf, fmt.Sprintf("Function %s sends ether to an address the caller chooses. %s", fn.Name, d.Description))
			}
		}
	}
}

// arbitraryPayment tells whether c, a call in the body of fn, is
// arbitrary-send-eth's finding (see runArbitrarySend), and at which
// confidence. unprotected-ether-withdrawal asks it too, so that one
// payment is reported once, at the call.
func (a *analysis) arbitraryPayment(fn, c *Node) (Confidence, bool) {
	ll, ok := lowLevelCall(c)
	if !ok || ll.value == nil || (ll.kind != "call" && ll.kind != "send" && ll.kind != "transfer") {
		return "", false
	}
	if isMsgValue(ll.value) || isZero(ll.value) || mentions(ll.target, isMsgSender) {
		return "", false
	}
	ps := a.valueParams(fn, ll.target)
	if len(ps) == 0 || a.paramBound(fn, c, ps) || a.ownCredit(fn, ll.value, ps) {
		return "", false
	}
	if a.paramChecked(fn, c, ps) || !a.drains(fn, c, ll.value) {
		return ConfidenceMedium, true
	}
	return ConfidenceHigh, true
}

// valueParams returns the parameters of fn whose value n is: the
// parameter itself (through conversions), an element or member of a
// parameter (`recipients[i]`), either branch of ?:, or a local variable
// initialised or assigned from one. An entry of state selected by a
// parameter (`players[i]`) is a stored value, not the parameter's.
func (a *analysis) valueParams(fn, n *Node) []*Node {
	params := map[int]*Node{}
	for _, p := range fn.Child("parameters").List("parameters") {
		if p != nil {
			params[p.ID] = p
		}
	}
	var out []*Node
	seen := map[int]bool{}
	var walk func(n *Node, depth int)
	walk = func(n *Node, depth int) {
		n = stripValue(n)
		if n == nil || depth > 6 {
			return
		}
		switch n.Type {
		case "Identifier":
			id := n.Ref()
			if seen[id] {
				return
			}
			seen[id] = true
			if p := params[id]; p != nil {
				out = append(out, p)
				return
			}
			d := a.declOf(id)
			if d == nil || d.Type != "VariableDeclaration" || d.Bool("stateVariable") {
				return
			}
			if init := a.localInit(n); init != nil {
				walk(init, depth+1)
			}
			Walk(fn.Child("body"), func(x *Node) bool {
				if x.Type == "Assignment" {
					if lhs := x.Child("leftHandSide"); lhs != nil && lhs.Type == "Identifier" && lhs.Ref() == id {
						walk(x.Child("rightHandSide"), depth+1)
					}
				}
				return true
			})
		case "IndexAccess", "MemberAccess":
			if v := a.rootDecl(n); v != nil && params[v.ID] != nil {
				out = append(out, params[v.ID])
			}
		case "Conditional":
			walk(n.Child("trueExpression"), depth+1)
			walk(n.Child("falseExpression"), depth+1)
		}
	}
	walk(n, 0)
	return out
}

// ownCredit tells whether the amount sent is an entry of a state mapping
// keyed by the recipient parameter (`credits[account]`, directly or
// through a local): the recipient is paid what it is owed.
func (a *analysis) ownCredit(fn, value *Node, ps []*Node) bool {
	ids := map[int]bool{}
	for _, p := range ps {
		ids[p.ID] = true
	}
	v := a.resolveLocal(value)
	if v == nil || v.Type != "IndexAccess" || !isStateVar(a.rootDecl(v)) {
		return false
	}
	ix := stripValue(v.Child("indexExpression"))
	return ix != nil && ix.Type == "Identifier" && ids[ix.Ref()]
}

// drains tells whether an amount can empty the contract: the caller's own
// number, the contract's balance, or any amount when no check on the way
// reads state (no budget, no cap, no one-time flag).
func (a *analysis) drains(fn, at, value *Node) bool {
	if len(a.valueParams(fn, value)) > 0 || mentions(value, func(m *Node) bool {
		return m.Type == "MemberAccess" && m.Str("memberName") == "balance"
	}) {
		return true
	}
	for _, f := range a.factsAt(at) {
		if mentions(f.cond, func(m *Node) bool { return m.Type == "Identifier" && isStateVar(a.declOf(m.Ref())) }) {
			return false
		}
	}
	return true
}

// paramConds returns, for the parameters ps of fn, a predicate telling
// values derived from them, and the conditions on every path to at (in
// fn and its modifiers) that read one.
func (a *analysis) paramConds(fn, at *Node, ps []*Node) (func(*Node) bool, []*Node) {
	ids := map[int]bool{}
	for _, p := range ps {
		ids[p.ID] = true
	}
	derived := a.tainted(fn, func(x *Node) bool { return x.Type == "Identifier" && ids[x.Ref()] })
	var out []*Node
	for _, f := range a.factsAt(at) {
		if derived(f.cond) {
			out = append(out, f.cond)
		}
	}
	return derived, out
}

// paramChecked tells whether a check on the way to at looks at one of the
// parameters ps, other than comparing it with zero.
func (a *analysis) paramChecked(fn, at *Node, ps []*Node) bool {
	derived, conds := a.paramConds(fn, at, ps)
	for _, c := range conds {
		for _, cmp := range comparisons([]fact{{c, true, 0}}) {
			if (derived(cmp.l) || derived(cmp.r)) && !(isZeroAddress(cmp.l) || isZeroAddress(cmp.r)) {
				return true
			}
		}
		if mentions(c, func(x *Node) bool {
			return x.Type == "IndexAccess" && derived(x) || x.Type == "FunctionCall" && x.Str("kind") != "typeConversion" && derived(x)
		}) {
			return true
		}
	}
	return false
}

// isZeroAddress tells 0 and address(0).
func isZeroAddress(n *Node) bool {
	return isZero(stripValue(n))
}

// paramBound tells whether a check on every path to at binds a parameter
// of ps to a stored party: equal to a state variable, a key of a state
// mapping, or signed for by a stored signer (sigChecked).
func (a *analysis) paramBound(fn, at *Node, ps []*Node) bool {
	derived, conds := a.paramConds(fn, at, ps)
	stored := func(n *Node) bool {
		n = stripValue(n)
		return n != nil && (n.Type == "Identifier" || n.Type == "IndexAccess" || n.Type == "MemberAccess") && isStateVar(a.rootDecl(n))
	}
	for _, c := range conds {
		for _, cmp := range comparisons([]fact{{c, true, 0}}) {
			if cmp.op == "==" && (derived(cmp.l) && stored(cmp.r) || derived(cmp.r) && stored(cmp.l)) {
				return true
			}
		}
		// A key of state: the parameter itself, not a hash of it (a
		// replay guard `used[digest]` binds nothing).
		if mentions(c, func(x *Node) bool {
			if x.Type != "IndexAccess" || !isStateVar(a.rootDecl(x)) {
				return false
			}
			for _, q := range a.valueParams(fn, x.Child("indexExpression")) {
				for _, p := range ps {
					if q == p {
						return true
					}
				}
			}
			return false
		}) {
			return true
		}
		if a.sigChecked(fn, c, derived, 0) {
			return true
		}
	}
	return false
}

// sigChecked tells whether the condition c verifies a signature over a
// value derived from a parameter (derived) against a stored signer: an
// ecrecover, ECDSA.recover or tryRecover (in c, or in a local c reads)
// whose hash derives from the parameter, in a condition that also reads
// state (`== signer`, `isOwner[recovered]`); SignatureChecker's
// isValidSignatureNow with a stored signer; or an internal function
// called with the value whose body does so with its parameters.
func (a *analysis) sigChecked(fn, c *Node, derived func(*Node) bool, depth int) bool {
	readsState := mentions(c, func(x *Node) bool { return x.Type == "Identifier" && isStateVar(a.declOf(x.Ref())) })
	var recovers func(n *Node, hops int) bool
	recovers = func(n *Node, hops int) bool {
		return mentions(n, func(x *Node) bool {
			if x.Type == "FunctionCall" {
				switch calleeName(x) {
				case "ecrecover", "recover", "tryRecover":
					if args := x.List("arguments"); len(args) > 0 && derived(args[0]) {
						return true
					}
				case "isValidSignatureNow", "isValidERC1271SignatureNow":
					args := x.List("arguments")
					return len(args) > 1 && isStateVar(a.rootDecl(stripValue(args[0]))) && derived(args[1])
				}
			}
			if init := a.localInit(x); init != nil && hops < 3 {
				return recovers(init, hops+1)
			}
			return false
		})
	}
	if readsState && recovers(c, 0) || mentions(c, func(x *Node) bool {
		if x.Type != "FunctionCall" {
			return false
		}
		switch calleeName(x) {
		case "isValidSignatureNow", "isValidERC1271SignatureNow":
			return recovers(x, 0)
		}
		return false
	}) {
		return true
	}
	if depth > 2 {
		return false
	}
	// A helper: require(_verify(to, amount, sig)).
	return mentions(c, func(x *Node) bool {
		callee := a.internalCallee(x)
		if callee == nil {
			return false
		}
		params := callee.Child("parameters").List("parameters")
		ids := map[int]bool{}
		for i, arg := range x.List("arguments") {
			if i < len(params) && params[i] != nil && derived(arg) {
				ids[params[i].ID] = true
			}
		}
		if len(ids) == 0 {
			return false
		}
		inner := a.tainted(callee, func(y *Node) bool { return y.Type == "Identifier" && ids[y.Ref()] })
		body := callee.Child("body")
		for _, cc := range conditions(body) {
			if a.sigChecked(callee, cc, inner, depth+1) {
				return true
			}
		}
		// `return ecrecover(h, v, r, s) == signer;`
		return mentions(body, func(r *Node) bool {
			return r.Type == "Return" && r.Child("expression") != nil && a.sigChecked(callee, r.Child("expression"), inner, depth+1)
		})
	})
}

var missingAccessControl = &Detector{
	ID:          "missing-access-control",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Privileged state changed without access control",
	Description: "An unrestricted function writes an ownership or admin variable, so anyone can take control of the contract.",
	run:         runMissingAccessControl,
}

// runMissingAccessControl reports entry functions without access control
// that grant an owner-like role (privilegedWrite). Initializers, which
// unprotected-initializer judges, are left to it. Confidence is HIGH
// when the function has no modifier and its checks read no state (at
// most sanity checks of its arguments: `require(newOwner !=
// address(0))`), and the role goes to the caller or to an address it
// passes; MEDIUM otherwise.
func runMissingAccessControl(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || isInitializerName(fn.Name) {
			continue
		}
		for _, w := range a.stateWrites(fn.Child("body")) {
			if v := a.privilegedWrite(w); v != nil {
				if a.protected(fn, asEntry) || a.initGuarded(fn) || a.setsInitFlag(fn) {
					break
				}
				conf := ConfidenceMedium
				rhs := w.Child("rightHandSide")
				if len(fn.List("modifiers")) == 0 && !a.statefulChecks(fn) && (mentions(rhs, isMsgSender) || len(a.valueParams(fn, rhs)) > 0) {
					conf = ConfidenceHigh
				}
				// At the function, as for the other access-control
				// findings: the missing piece is its guard.
				a.reportConf(d, fn, conf, fmt.Sprintf("Function %s lets anyone set %s. %s", fn.Name, v.Name, d.Description))
				break
			}
		}
	}
}

// statefulChecks tells whether a condition of fn reads state, calls a
// function or looks at the caller: anything beyond a sanity check of the
// arguments, which might restrict who gets through.
func (a *analysis) statefulChecks(fn *Node) bool {
	for _, c := range conditions(fn.Child("body")) {
		if mentions(c, func(x *Node) bool {
			switch x.Type {
			case "Identifier":
				return isStateVar(a.declOf(x.Ref()))
			case "FunctionCall":
				return x.Str("kind") != "typeConversion"
			}
			return isMsgSender(x) || isMember(x, "tx", "origin")
		}) {
			return true
		}
	}
	return false
}

var privilegedRe = regexp.MustCompile(`(?i)^_*(owner|admin|administrator|governor|governance|controller|authority|operator|manager|creator|minter|master|root|superuser|implementation|mastercopy|singleton|beacon)s?_*$`)

// privilegedWrite returns the owner-like state variable an assignment
// sets: an address variable (`owner = x`), or an entry of a mapping of
// owners or admins (`owners[x] = msg.sender`, `admins[x] = true`); a
// revocation (`admins[x] = false`) is not a grant.
func (a *analysis) privilegedWrite(w *Node) *Node {
	if w.Type != "Assignment" {
		return nil
	}
	lhs := w.Child("leftHandSide")
	v := a.rootDecl(lhs)
	if v == nil || !privilegedRe.MatchString(v.Name) {
		return nil
	}
	if strings.HasPrefix(v.TypeString(), "address") {
		return v
	}
	if !strings.HasPrefix(v.TypeString(), "mapping") || lhs == nil || lhs.Type != "IndexAccess" {
		return nil
	}
	t := lhs.TypeString()
	rhs := w.Child("rightHandSide")
	if rhs != nil && rhs.Type == "Literal" && (rhs.Str("value") == "false" || rhs.Str("value") == "0") {
		return nil
	}
	if strings.HasPrefix(t, "address") || t == "bool" {
		return v
	}
	return nil
}

// initGuarded tells whether fn checks a boolean state flag (`require(!
// initialized)`), a state variable against zero (`require(m_numOwners ==
// 0)`) or carries an initializer modifier.
func (a *analysis) initGuarded(fn *Node) bool {
	for _, m := range a.modifierDefs(fn) {
		if strings.Contains(strings.ToLower(m.Name), "initializ") {
			return true
		}
	}
	for _, c := range conditions(fn.Child("body")) {
		if mentions(c, func(x *Node) bool {
			return x.Type == "Identifier" && isStateVar(a.declOf(x.Ref())) && (x.TypeString() == "bool" || strings.HasPrefix(x.TypeString(), "address"))
		}) {
			return true
		}
		if mentions(c, func(x *Node) bool {
			if x.Type != "BinaryOperation" || x.Str("operator") != "==" {
				return false
			}
			l, r := x.Child("leftExpression"), x.Child("rightExpression")
			state := func(n *Node) bool { return n != nil && n.Type == "Identifier" && isStateVar(a.declOf(n.Ref())) }
			return state(l) && isZero(r) || state(r) && isZero(l)
		}) {
			return true
		}
	}
	return false
}

var unprotectedInitializer = &Detector{
	ID:          "unprotected-initializer",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Unprotected initializer",
	Description: "An initializer can be called by anyone and more than once; guard it with OpenZeppelin's initializer modifier or a one-time flag.",
	run:         runUnprotectedInitializer,
}

var (
	// initStateRe names the state an initializer sets up and a second
	// call would hijack: owners, admins, roles, signers and their
	// quorum, the implementation behind a proxy.
	initStateRe = regexp.MustCompile(`(?i)owner|admin|governor|governance|controller|authority|operator|manager|creator|minter|master|root|signer|guardian|role|implementation|masterCopy|singleton|required|threshold|quorum`)
	// initFlagRe names the one-time flag of an initializer.
	initFlagRe = regexp.MustCompile(`(?i)^_*(is)?(initiali[sz]ed|inited)_*$`)
)

// runUnprotectedInitializer reports initializers anyone can call again.
// A function is an initializer by what it writes (following internal
// calls), not by its name alone: it sets an initialized flag, or it is
// named like one (init, initialize…, initWallet) and writes the state
// an initializer sets up — owners, admins, roles, signers, a quorum, an
// implementation (initStateRe), or any scalar configuration. One named
// init that only writes entries of ordinary mappings or arrays (`init(k,
// v)` storing a value) is not. It can be called again when it has no
// access control, no one-time guard (initGuarded: a checked flag, a
// state variable required unset, an initializer modifier). Confidence is
// HIGH when it sets owner-like state or a flag (initStateRe, initFlagRe),
// MEDIUM when it only configures (Parity's initDaylimit).
func runUnprotectedInitializer(a *analysis, d *Detector) {
	flags := a.hasInitFlags()
	for _, fn := range a.functions() {
		if !isEntry(fn) || isView(fn) || !isInitializerName(fn.Name) && !flags {
			continue
		}
		w := map[int]bool{}
		a.writtenDeep(fn, map[*Node]bool{}, w)
		flag := false
		for id := range w {
			if a.isInitFlag(a.declOf(id)) {
				flag = true
			}
		}
		if !flag && !isInitializerName(fn.Name) || a.protected(fn, asEntry) || a.initGuarded(fn) {
			continue
		}
		privileged, scalar := flag, false
		for id := range w {
			v := a.declOf(id)
			if v == nil {
				continue
			}
			if initStateRe.MatchString(v.Name) {
				privileged = true
			}
			if t := v.TypeString(); !strings.HasPrefix(t, "mapping") && !strings.HasSuffix(t, "]") {
				scalar = true
			}
		}
		switch {
		case privileged:
			a.reportConf(d, fn, ConfidenceHigh, "")
		case scalar:
			a.reportConf(d, fn, ConfidenceMedium, "")
		}
	}
}

// setsInitFlag tells whether fn (or an internal function it calls) sets
// an initialized flag (isInitFlag).
func (a *analysis) setsInitFlag(fn *Node) bool {
	if !a.hasInitFlags() {
		return false
	}
	w := map[int]bool{}
	a.writtenDeep(fn, map[*Node]bool{}, w)
	for id := range w {
		if a.isInitFlag(a.declOf(id)) {
			return true
		}
	}
	return false
}

// isInitFlag tells a boolean state variable named like an initialized
// flag.
func (a *analysis) isInitFlag(v *Node) bool {
	return isStateVar(v) && v.TypeString() == "bool" && initFlagRe.MatchString(v.Name)
}

// hasInitFlags tells whether any contract declares an initialized flag,
// so that functions need not be searched for writes of one otherwise.
func (a *analysis) hasInitFlags() bool {
	for _, c := range a.contracts() {
		for _, v := range stateVars(c) {
			if a.isInitFlag(v) {
				return true
			}
		}
	}
	return false
}

var camelInitRe = regexp.MustCompile(`^_*init[A-Z_]`)

// isInitializerName tells initializer-like names: init, initialize…,
// init_…, _init… and camel-case initX (Parity's initWallet,
// initMultiowned, initDaylimit).
func isInitializerName(name string) bool {
	l := strings.ToLower(name)
	return l == "init" || strings.HasPrefix(l, "initiali") || strings.HasPrefix(l, "init_") || strings.HasPrefix(l, "_init") || camelInitRe.MatchString(name)
}
