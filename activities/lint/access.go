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

func (a *analysis) txOriginIn(d *Detector, cond *Node) {
	Walk(cond, func(x *Node) bool {
		if x.Type != "BinaryOperation" || (x.Str("operator") != "==" && x.Str("operator") != "!=") {
			return true
		}
		l, r := x.Child("leftExpression"), x.Child("rightExpression")
		origin := func(n *Node) bool { return isMember(n, "tx", "origin") }
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

var unprotectedSelfdestruct = &Detector{
	ID:          "unprotected-selfdestruct",
	Severity:    High,
	Confidence:  ConfidenceMedium,
	Title:       "Unprotected selfdestruct",
	Description: "Anyone can call a function that self-destructs the contract and sends its balance away. Restrict it to an owner or remove it.",
	run:         runSelfdestruct,
}

func runSelfdestruct(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.protected(fn, asEntry) {
			continue
		}
		// At the function: what is wrong is who can call it.
		if c := a.reachesSelfdestruct(fn, map[*Node]bool{}); c != nil {
			a.report(d, fn, fmt.Sprintf("Function %s can be called by anyone and self-destructs the contract. %s", fn.Name, d.Description))
		}
	}
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
	Confidence:  ConfidenceMedium,
	Title:       "Delegatecall to a user-controlled address",
	Description: "delegatecall runs the target's code with this contract's storage and balance; a caller-chosen target can take over the contract.",
	run:         runControlledDelegatecall,
}

func runControlledDelegatecall(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.protected(fn, asEntry) {
			continue
		}
		fromParam := a.tainted(fn, isParam(fn))
		for _, c := range a.calls(fn.Child("body")) {
			ll, ok := lowLevelCall(c)
			if ok && (ll.kind == "delegatecall" || ll.kind == "callcode") && fromParam(ll.target) {
				a.report(d, c, "")
			}
		}
	}
}

var arbitrarySendEth = &Detector{
	ID:          "arbitrary-send-eth",
	Severity:    High,
	Confidence:  ConfidenceMedium,
	Title:       "Ether sent to an arbitrary address",
	Description: "An unrestricted function sends ether to an address the caller chooses, so anyone can drain the contract.",
	run:         runArbitrarySend,
}

func runArbitrarySend(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.callerDependent(fn) {
			continue
		}
		fromParam := a.tainted(fn, isParam(fn))
		for _, c := range a.calls(fn.Child("body")) {
			ll, ok := lowLevelCall(c)
			if !ok || ll.value == nil || (ll.kind != "call" && ll.kind != "send" && ll.kind != "transfer") {
				continue
			}
			if isMsgValue(ll.value) || isZero(ll.value) || mentions(ll.target, isMsgSender) {
				continue
			}
			if fromParam(ll.target) {
				a.report(d, c, fmt.Sprintf("Function %s sends ether to an address the caller chooses. %s", fn.Name, d.Description))
			}
		}
	}
}

var missingAccessControl = &Detector{
	ID:          "missing-access-control",
	Severity:    High,
	Confidence:  ConfidenceMedium,
	Title:       "Privileged state changed without access control",
	Description: "An unrestricted function writes an ownership or admin variable, so anyone can take control of the contract.",
	run:         runMissingAccessControl,
}

func runMissingAccessControl(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.protected(fn, asEntry) || a.initGuarded(fn) || isInitializerName(fn.Name) {
			continue
		}
		for _, w := range a.stateWrites(fn.Child("body")) {
			if v := a.privilegedWrite(w); v != nil {
				// At the function, as for the other access-control
				// findings: the missing piece is its guard.
				a.report(d, fn, fmt.Sprintf("Function %s lets anyone set %s. %s", fn.Name, v.Name, d.Description))
				break
			}
		}
	}
}

var privilegedRe = regexp.MustCompile(`(?i)^_*(owner|admin|administrator|governor|governance|controller|authority|operator|manager|creator|minter|master|root|superuser)s?_*$`)

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
	Confidence:  ConfidenceMedium,
	Title:       "Unprotected initializer",
	Description: "An initializer can be called by anyone and more than once; guard it with OpenZeppelin's initializer modifier or a one-time flag.",
	run:         runUnprotectedInitializer,
}

func runUnprotectedInitializer(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		if !isEntry(fn) || !isInitializerName(fn.Name) || a.protected(fn, asEntry) || a.initGuarded(fn) {
			continue
		}
		w := map[int]bool{}
		a.writtenDeep(fn, map[*Node]bool{}, w)
		if len(w) > 0 {
			a.report(d, fn, "")
		}
	}
}

var camelInitRe = regexp.MustCompile(`^_*init[A-Z_]`)

// isInitializerName tells initializer-like names: init, initialize…,
// init_…, _init… and camel-case initX (Parity's initWallet,
// initMultiowned, initDaylimit).
func isInitializerName(name string) bool {
	l := strings.ToLower(name)
	return l == "init" || strings.HasPrefix(l, "initiali") || strings.HasPrefix(l, "init_") || strings.HasPrefix(l, "_init") || camelInitRe.MatchString(name)
}
