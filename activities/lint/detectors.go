package lint

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// detectors are run in this order; ids are stable API.
var detectors []Detector

func init() {
	detectors = []Detector{
		{ID: "reentrancy-eth", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Reentrancy: state written after an external call",
			Description: "A low-level call forwards ether or all remaining gas to another contract, which can call back before this function updates storage. Update state before the call (checks-effects-interactions) or add a nonReentrant guard.",
			run:         runReentrancy},
		{ID: "tx-origin", Severity: Medium, Confidence: ConfidenceHigh,
			Title:       "Authorization through tx.origin",
			Description: "tx.origin is the transaction's signer, not the caller: a malicious contract the owner interacts with passes this check. Use msg.sender.",
			run:         runTxOrigin},
		{ID: "unchecked-lowlevel", Severity: Medium, Confidence: ConfidenceMedium,
			Title:       "Unchecked low-level call",
			Description: "The boolean result of call/delegatecall/send is ignored, so a failed call goes unnoticed and execution continues as if it succeeded. Check the result or use transfer / Address.sendValue.",
			run:         runUncheckedLowLevel},
		{ID: "unchecked-transfer", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Unchecked ERC20 transfer",
			Description: "The bool returned by an ERC20 transfer/transferFrom/approve is ignored; tokens that return false instead of reverting make the call silently fail. Use SafeERC20.",
			run:         runUncheckedTransfer},
		{ID: "unprotected-selfdestruct", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Unprotected selfdestruct",
			Description: "Anyone can call a function that self-destructs the contract and sends its balance away. Restrict it to an owner or remove it.",
			run:         runSelfdestruct},
		{ID: "controlled-delegatecall", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Delegatecall to a user-controlled address",
			Description: "delegatecall runs the target's code with this contract's storage and balance; a caller-chosen target can take over the contract.",
			run:         runControlledDelegatecall},
		{ID: "arbitrary-send-eth", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Ether sent to an arbitrary address",
			Description: "An unrestricted function sends ether to an address the caller chooses, so anyone can drain the contract.",
			run:         runArbitrarySend},
		{ID: "missing-access-control", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Privileged state changed without access control",
			Description: "An unrestricted function writes an ownership or admin variable, so anyone can take control of the contract.",
			run:         runMissingAccessControl},
		{ID: "unprotected-initializer", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Unprotected initializer",
			Description: "An initializer can be called by anyone and more than once; guard it with OpenZeppelin's initializer modifier or a one-time flag.",
			run:         runUnprotectedInitializer},
		{ID: "incorrect-constructor-name", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Function meant as a constructor is public",
			Description: "Before Solidity 0.4.22 a constructor is the function named exactly like the contract; a function whose name differs only in case (or is called Constructor) is an ordinary public function, so anyone can call it and take over what it initialises. Use the constructor keyword.",
			run:         runIncorrectConstructorName},
		{ID: "default-visibility", Severity: Medium, Confidence: ConfidenceMedium,
			Title:       "Function visibility not set",
			Description: "Before Solidity 0.5 a function without a visibility specifier is public. This one changes state or moves ether without checking the caller, and its name or effect suggests it was meant to be internal. Declare the visibility explicitly.",
			run:         runDefaultVisibility},
		{ID: "weak-prng", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Weak randomness from block values",
			Description: "Block values (timestamp, number, blockhash, prevrandao) are known to or chosen by the block producer and visible to other contracts in the same block; they are not a source of randomness. Use a VRF or commit-reveal.",
			run:         runWeakPRNG},
		{ID: "integer-overflow", Severity: High, Confidence: ConfidenceMedium,
			Title:       "Integer overflow/underflow",
			Description: "Before Solidity 0.8 arithmetic wraps silently; a caller-controlled operand can overflow or underflow a balance. Use SafeMath or compile with 0.8.",
			run:         runOverflow},
		{ID: "incorrect-equality", Severity: Medium, Confidence: ConfidenceHigh,
			Title:       "Dangerous strict equality on a balance",
			Description: "Anyone can change a contract's ether or token balance (selfdestruct, direct transfers), so a strict equality on it can be broken. Use >= or <=.",
			run:         runIncorrectEquality},
		{ID: "locked-ether", Severity: Medium, Confidence: ConfidenceHigh,
			Title:       "Contract locks ether",
			Description: "The contract accepts ether but has no way to send it out; ether sent to it is lost.",
			run:         runLockedEther},
		{ID: "shadowing-state", Severity: High, Confidence: ConfidenceHigh,
			Title:       "State variable shadows an inherited one",
			Description: "The derived contract declares a state variable with the name of a base contract's; the two are different storage slots and the base's functions keep using their own.",
			run:         runShadowingState},
		{ID: "uninitialized-storage", Severity: High, Confidence: ConfidenceHigh,
			Title:       "Uninitialized storage pointer",
			Description: "A local struct/array variable without a location points at storage slot 0 before Solidity 0.5, so writing to it overwrites state variables.",
			run:         runUninitializedStorage},
		{ID: "calls-loop", Severity: Low, Confidence: ConfidenceMedium,
			Title:       "External call inside a loop",
			Description: "One failing or gas-hungry recipient makes the whole loop revert (denial of service). Prefer pull payments.",
			run:         runCallsLoop},
		{ID: "dos-revert", Severity: Medium, Confidence: ConfidenceMedium,
			Title:       "Denial of service: refund to the previous leader must succeed",
			Description: "The function pays a stored address (the previous bidder or king) and reverts if that payment fails, then makes the caller the new one; a leader that is a contract rejecting ether blocks everyone after it. Let users withdraw their refunds instead (pull payments).",
			run:         runDoSRevert},
		{ID: "dos-unbounded-loop", Severity: Medium, Confidence: ConfidenceMedium,
			Title:       "Denial of service: gas grows with storage anyone can grow",
			Description: "Anyone can append to this array (or count up this number) a little with every call, and nothing caps it; a loop over it, a clear of it or a loop that appends many entries at once costs gas for every element and eventually exceeds the block gas limit, so the function can never run again. Cap the size, process it in batches (start index and count), or let users withdraw (pull payments).",
			run:         runDoSUnboundedLoop},
		{ID: "front-running", Severity: Medium, Confidence: ConfidenceMedium,
			Title:       "Front-running: the transaction reveals the answer",
			Description: "Pending transactions are public: a caller's solution to a stored hash, or a player's move stored in plain text, can be read and used by someone else whose transaction is mined first. Bind the answer to msg.sender or use commit-reveal.",
			run:         runFrontRunning},
		{ID: "tx-order-dependence", Severity: Low, Confidence: ConfidenceLow,
			Title:       "Transaction-order dependence: amount set by another transaction",
			Description: "The amount paid or the price applied comes from a state variable that another function sets; whoever sets it can change it while the caller's transaction is pending (or front-run it). Let the caller pass the amount or price it expects and check it.",
			run:         runTxOrderDependence},
		{ID: "erc20-approve-race", Severity: Low, Confidence: ConfidenceMedium,
			Title:       "ERC20 approve race",
			Description: "approve overwrites the allowance: a spender who sees the change pending can spend the old allowance first and the new one after. Require the allowance to be set to 0 first, or offer increaseAllowance/decreaseAllowance.",
			run:         runApproveRace},
		{ID: "short-address", Severity: Low, Confidence: ConfidenceMedium,
			Title:       "Short address attack",
			Description: "Before Solidity 0.5 the ABI decoder does not check the calldata length: a call whose address argument is short shifts the amount after it left by a byte per missing byte, and the function moves that much. Check msg.data.length (onlyPayloadSize) or compile with 0.5 or later.",
			run:         runShortAddress},
		{ID: "timestamp", Severity: Low, Confidence: ConfidenceMedium,
			Title:       "Block timestamp decides an outcome",
			Description: "Block producers can shift block.timestamp by several seconds and know it before anyone else; do not rely on it for exact timing, ordering or randomness.",
			run:         runTimestamp},
		{ID: "unchecked-arithmetic", Severity: Low, Confidence: ConfidenceMedium,
			Title:       "Arithmetic on caller input in an unchecked block",
			Description: "Inside unchecked { } arithmetic wraps silently; an operand derived from caller input can overflow or underflow.",
			run:         runUncheckedArithmetic},
		{ID: "missing-zero-check", Severity: Low, Confidence: ConfidenceMedium,
			Title:       "Missing zero-address check",
			Description: "An address parameter is stored without checking it against address(0); a mistaken call can set it irrecoverably.",
			run:         runMissingZeroCheck},
		{ID: "shadowing-local", Severity: Low, Confidence: ConfidenceHigh,
			Title:       "Local variable shadows a state variable",
			Description: "A parameter or local variable has the name of a state variable, which makes code that meant the state variable silently use the local.",
			run:         runShadowingLocal},
		{ID: "deprecated", Severity: Info, Confidence: ConfidenceHigh,
			Title:       "Deprecated Solidity construct",
			Description: "The construct is deprecated or removed in newer Solidity (suicide, sha3, throw, callcode, block.blockhash, msg.gas, constant functions, var).",
			run:         runDeprecated},
		{ID: "pragma-floating", Severity: Info, Confidence: ConfidenceHigh,
			Title:       "Floating pragma",
			Description: "The pragma admits several compiler versions, so the deployed bytecode depends on which one compiled it. Pin the version you tested with.",
			run:         runFloatingPragma},
		{ID: "solc-version", Severity: Info, Confidence: ConfidenceHigh,
			Title:       "Outdated compiler version",
			Description: "The pragma allows a compiler older than 0.8.0, which lacks checked arithmetic and has known bugs.",
			run:         runSolcVersion},
	}
}

func det(id string) *Detector {
	for i := range detectors {
		if detectors[i].ID == id {
			return &detectors[i]
		}
	}
	panic("lint: unknown detector " + id)
}

// functions returns every function with a body, with its contract.
func (a *analysis) functions() []*Node {
	var out []*Node
	for _, c := range a.contracts() {
		// Unreported files are still indexed (for inheritance, modifiers
		// and internal calls) but not scanned: half the cost of a token.
		if u := a.unitFor(c); u != nil && u.dep && !a.opts.IncludeDependencies {
			continue
		}
		for _, f := range members(c, "FunctionDefinition") {
			if f.Child("body") != nil {
				out = append(out, f)
			}
		}
	}
	return out
}

// modifiers returns every modifier with a body, as functions does.
func (a *analysis) modifiers() []*Node {
	var out []*Node
	for _, c := range a.contracts() {
		if u := a.unitFor(c); u != nil && u.dep && !a.opts.IncludeDependencies {
			continue
		}
		for _, m := range members(c, "ModifierDefinition") {
			if m.Child("body") != nil {
				out = append(out, m)
			}
		}
	}
	return out
}

func (a *analysis) calls(n *Node) []*Node {
	return Find(n, func(x *Node) bool { return x.Type == "FunctionCall" })
}

// ---- reentrancy ----

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

// writtenDeep collects the state variables fn writes, following internal
// calls.
func (a *analysis) writtenDeep(fn *Node, seen map[*Node]bool, out map[int]bool) {
	if fn == nil || seen[fn] {
		return
	}
	seen[fn] = true
	Walk(fn.Child("body"), func(x *Node) bool {
		for _, v := range a.writtenVars(x) {
			out[v.ID] = true
		}
		if callee := a.internalCallee(x); callee != nil {
			a.writtenDeep(callee, seen, out)
		}
		return true
	})
}

// writtenVars returns the state variables a node writes.
func (a *analysis) writtenVars(x *Node) []*Node {
	if !a.writesState(x) {
		return nil
	}
	var targets []*Node
	switch x.Type {
	case "Assignment":
		lhs := x.Child("leftHandSide")
		if lhs != nil && lhs.Type == "TupleExpression" {
			targets = lhs.List("components")
		} else {
			targets = []*Node{lhs}
		}
	case "UnaryOperation":
		targets = []*Node{x.Child("subExpression")}
	case "FunctionCall":
		targets = []*Node{x.Child("expression").Child("expression")}
	}
	var out []*Node
	for _, t := range targets {
		if d := a.rootDecl(t); isStateVar(d) {
			out = append(out, d)
		}
	}
	return out
}

// runReentrancy reports the DAO pattern: a state variable read before an
// external call (the balance being paid out) and written after it, so a
// re-entrant call sees the stale value. Writes of variables not read
// before the call (counters, timestamps) are benign and not reported.
func runReentrancy(a *analysis) {
	d := det("reentrancy-eth")
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

// ---- tx.origin ----

func runTxOrigin(a *analysis) {
	d := det("tx-origin")
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

// ---- unchecked results ----

func runUncheckedLowLevel(a *analysis) {
	d := det("unchecked-lowlevel")
	for _, fn := range a.functions() {
		for _, c := range a.calls(fn.Child("body")) {
			ll, ok := lowLevelCall(c)
			if !ok || ll.kind == "transfer" {
				continue
			}
			if a.resultIgnored(c, fn) {
				a.report(d, c, fmt.Sprintf("The result of %s is not checked. %s", ll.kind, d.Description))
			}
		}
	}
}

func runUncheckedTransfer(a *analysis) {
	d := det("unchecked-transfer")
	for _, fn := range a.functions() {
		for _, c := range a.calls(fn.Child("body")) {
			e := c.Child("expression")
			if e == nil || e.Type != "MemberAccess" || c.TypeString() != "bool" {
				continue
			}
			switch e.Str("memberName") {
			case "transfer", "transferFrom", "approve":
			default:
				continue
			}
			if !strings.HasPrefix(e.Child("expression").TypeString(), "contract ") {
				continue
			}
			if p := c.Parent; p != nil && p.Type == "ExpressionStatement" {
				a.report(d, c, "")
			}
		}
	}
}

// ---- access control ----

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
		if callee := a.internalCallee(c); callee != nil && !a.protected2(callee) {
			if r := a.reachesSelfdestruct(callee, seen); r != nil {
				return r
			}
		}
	}
	return nil
}

// protected2 is protected without the internal-visibility shortcut, for
// callees reached from an entry point.
func (a *analysis) protected2(fn *Node) bool {
	for _, m := range a.modifierDefs(fn) {
		if accessModRe.MatchString(m.Name) || a.senderGuarded(m.Child("body"), 0) {
			return true
		}
	}
	return a.senderGuarded(fn.Child("body"), 0)
}

func runSelfdestruct(a *analysis) {
	d := det("unprotected-selfdestruct")
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.protected(fn) {
			continue
		}
		// At the function: what is wrong is who can call it.
		if c := a.reachesSelfdestruct(fn, map[*Node]bool{}); c != nil {
			a.report(d, fn, fmt.Sprintf("Function %s can be called by anyone and self-destructs the contract. %s", fn.Name, d.Description))
		}
	}
}

func runControlledDelegatecall(a *analysis) {
	d := det("controlled-delegatecall")
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.protected(fn) {
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

func isMsgValue(n *Node) bool { return isMember(n, "msg", "value") }

func runArbitrarySend(a *analysis) {
	d := det("arbitrary-send-eth")
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

func isZero(n *Node) bool {
	return n != nil && n.Type == "Literal" && n.Str("value") == "0"
}

var privilegedRe = regexp.MustCompile(`(?i)^_*(owner|admin|administrator|governor|governance|controller|authority|operator|manager|creator|minter|master|root|superuser)s?_*$`)

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

func runMissingAccessControl(a *analysis) {
	d := det("missing-access-control")
	for _, fn := range a.functions() {
		if !isEntry(fn) || a.protected(fn) || a.initGuarded(fn) || isInitializerName(fn.Name) {
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

var camelInitRe = regexp.MustCompile(`^_*init[A-Z_]`)

// isInitializerName tells initializer-like names: init, initialize…,
// init_…, _init… and camel-case initX (Parity's initWallet,
// initMultiowned, initDaylimit).
func isInitializerName(name string) bool {
	l := strings.ToLower(name)
	return l == "init" || strings.HasPrefix(l, "initiali") || strings.HasPrefix(l, "init_") || strings.HasPrefix(l, "_init") || camelInitRe.MatchString(name)
}

func runUnprotectedInitializer(a *analysis) {
	d := det("unprotected-initializer")
	for _, fn := range a.functions() {
		if !isEntry(fn) || !isInitializerName(fn.Name) || a.protected(fn) || a.initGuarded(fn) {
			continue
		}
		w := map[int]bool{}
		a.writtenDeep(fn, map[*Node]bool{}, w)
		if len(w) > 0 {
			a.report(d, fn, "")
		}
	}
}

// ---- randomness, time ----

func isHash(c *Node) bool {
	switch calleeName(c) {
	case "keccak256", "sha3", "sha256", "ripemd160":
		e := c.Child("expression")
		return e != nil && e.Type == "Identifier" && e.Ref() <= 0
	}
	return false
}

// blockSeeds returns the state variables that hold a block value: an
// initial value derived from one (`uint private salt = block.timestamp`),
// mapped to true, or an assignment of one in a function (`seed = now`),
// mapped to false.
func (a *analysis) blockSeeds() map[int]bool {
	out := map[int]bool{}
	for _, c := range a.contracts() {
		for _, v := range stateVars(c) {
			if init := v.Child("value"); init != nil && mentions(init, isBlockValue) {
				out[v.ID] = true
			}
		}
	}
	for _, fn := range a.functions() {
		fromBlock := a.tainted(fn, isBlockValue)
		Walk(fn.Child("body"), func(x *Node) bool {
			if x.Type == "Assignment" && fromBlock(x.Child("rightHandSide")) {
				if v := a.rootDecl(x.Child("leftHandSide")); isStateVar(v) {
					if _, ok := out[v.ID]; !ok {
						out[v.ID] = false
					}
				}
			}
			return true
		})
	}
	return out
}

func runWeakPRNG(a *analysis) {
	d := det("weak-prng")
	seeds := a.blockSeeds()
	// A read of a state variable holding a block value is one too.
	blockValue := func(n *Node) bool {
		if isBlockValue(n) {
			return true
		}
		if n.Type != "Identifier" {
			return false
		}
		_, ok := seeds[n.Ref()]
		return ok && isStateVar(a.declOf(n.Ref()))
	}
	used := map[int]bool{} // seeds initialised from block values that a roll reads
	for _, fn := range a.functions() {
		fromBlock := a.tainted(fn, blockValue)
		var reads func(n *Node, depth int)
		reads = func(n *Node, depth int) {
			Walk(n, func(x *Node) bool {
				if x.Type == "Identifier" {
					if seeds[x.Ref()] && isStateVar(a.declOf(x.Ref())) {
						used[x.Ref()] = true
					} else if init := a.localInit(x); init != nil && depth < 4 {
						reads(init, depth+1)
					}
				}
				return true
			})
		}
		// One roll is one finding: a value computed from a reported roll
		// (`uint r = uint(keccak256(now)) % 2; if (r == 0)`, or `h % max`
		// after `h = uint(blockhash(n))`) is not another one. A fresh draw
		// (roll(x, x): a hash or block hash turned into a number) always
		// is.
		rolled := map[int]bool{}
		fromRoll := func(n *Node) bool {
			return mentions(n, func(m *Node) bool { return m.Type == "Identifier" && rolled[m.Ref()] })
		}
		markTarget := func(x *Node) {
			for p := x; p != nil && p != fn; p = p.Parent {
				switch p.Type {
				case "VariableDeclarationStatement":
					for _, v := range p.List("declarations") {
						if v != nil {
							rolled[v.ID] = true
						}
					}
					return
				case "Assignment":
					if v := a.rootDecl(p.Child("leftHandSide")); v != nil && !isStateVar(v) {
						rolled[v.ID] = true
					}
					return
				case "ExpressionStatement", "Block", "Return":
					return
				}
			}
		}
		roll := func(x, operand *Node) {
			if operand == x || !fromRoll(operand) {
				a.report(d, x, "")
				reads(operand, 0)
			}
			markTarget(x)
		}
		// A block hash, or a hash of block values, compared with a guess.
		fromHash := a.tainted(fn, func(n *Node) bool {
			if isBlockhash(n) {
				return true
			}
			if n.Type == "FunctionCall" && isHash(n) {
				for _, arg := range n.List("arguments") {
					if fromBlock(arg) {
						return true
					}
				}
			}
			return false
		})
		Walk(fn.Child("body"), func(x *Node) bool {
			switch x.Type {
			case "VariableDeclarationStatement":
				if init := x.Child("initialValue"); init != nil && fromRoll(init) {
					markTarget(x)
				}
			case "BinaryOperation":
				op := x.Str("operator")
				l, r := x.Child("leftExpression"), x.Child("rightExpression")
				if op == "%" && fromBlock(l) {
					roll(x, l)
				}
				// blockhash(n) == guess: the "answer" is public. The
				// finding goes where the answer is drawn, when that is a
				// local of this function (`bytes32 answer =
				// blockhash(b)`).
				if (op == "==" || op == "!=") && (fromHash(l) || fromHash(r)) {
					at := x
					for _, side := range []*Node{l, r} {
						if src := a.hashSource(side, fromHash); src != nil {
							at = src
							break
						}
					}
					if !fromRoll(x) {
						roll(at, at)
					}
				}
			case "FunctionCall":
				// A hash of block values turned into a number is a dice
				// roll; kept as bytes32 it is usually an identifier.
				if isHash(x) && toInteger(x.Parent) {
					for _, arg := range x.List("arguments") {
						if fromBlock(arg) {
							roll(x, x)
							break
						}
					}
				}
				// So is a block hash itself (`uint(blockhash(n))`).
				if isBlockhash(x) && toInteger(x.Parent) {
					roll(x, x)
				}
			}
			return true
		})
	}
	for id := range used {
		if v := a.declOf(id); v != nil {
			a.report(d, v, fmt.Sprintf("State variable %s is initialised from a block value and used as a source of randomness. %s", v.Name, d.Description))
		}
	}
}

// hashSource follows a local variable (through up to four initial
// values) to the blockhash or block-seeded hash it holds, or nil.
func (a *analysis) hashSource(n *Node, fromHash func(*Node) bool) *Node {
	for hops := 0; hops < 4 && n != nil; hops++ {
		n = unwrapConversion(n)
		if n == nil || !fromHash(n) {
			return nil
		}
		if n.Type == "FunctionCall" && (isBlockhash(n) || isHash(n)) {
			return n
		}
		n = a.localInit(n)
	}
	return nil
}

func toInteger(p *Node) bool {
	if p == nil || p.Type != "FunctionCall" || p.Str("kind") != "typeConversion" {
		return false
	}
	t := p.TypeString()
	return strings.HasPrefix(t, "uint") || strings.HasPrefix(t, "int")
}

func isBlockhash(n *Node) bool {
	return n.Type == "FunctionCall" && (calleeName(n) == "blockhash") && isBlockValue(n)
}

func isComparison(op string) bool {
	switch op {
	case "<", ">", "<=", ">=", "==", "!=":
		return true
	}
	return false
}

// underHash tells whether x is an argument (or inside one) of a hash
// builtin within its statement.
func underHash(x *Node) bool {
	for p := x.Parent; p != nil; p = p.Parent {
		switch p.Type {
		case "FunctionCall":
			if isHash(p) {
				return true
			}
		case "ExpressionStatement", "VariableDeclarationStatement", "Return", "Block", "IfStatement":
			return false
		}
	}
	return false
}

// runTimestamp reports where block.timestamp decides an outcome: a
// comparison with it (a deadline, one bet per block), a timestamp used as
// a dice roll (`now % 15`, `uint(sha3(now))`), and the write that stores
// it in a state variable such a comparison later reads (`pastBlockTime =
// now`, `lastInvestment = block.timestamp`): the value a block producer
// chose lives on in storage.
func runTimestamp(a *analysis) {
	d := det("timestamp")
	timed := map[int]bool{} // state variables read in a timestamp comparison
	var stores []*Node      // writes of a timestamp to state
	for _, fn := range append(a.functions(), a.modifiers()...) {
		// A timestamp hashed into a number is a dice roll, reported at
		// the hash; comparing the roll is not timing.
		fromTime := a.tainted(fn, func(x *Node) bool { return isTimestamp(x) && !underHash(x) })
		anyTime := a.tainted(fn, isTimestamp)
		Walk(fn.Child("body"), func(x *Node) bool {
			switch x.Type {
			case "BinaryOperation":
				op := x.Str("operator")
				l, r := x.Child("leftExpression"), x.Child("rightExpression")
				if isComparison(op) && (fromTime(l) || fromTime(r)) {
					a.report(d, x, "")
					Walk(x, func(m *Node) bool {
						if v := a.rootDecl(m); (m.Type == "Identifier" || m.Type == "IndexAccess" || m.Type == "MemberAccess") && isStateVar(v) {
							timed[v.ID] = true
						}
						return true
					})
				}
				if op == "%" && fromTime(l) {
					a.report(d, x, fmt.Sprintf("block.timestamp is used as a source of randomness. %s", d.Description))
				}
			case "FunctionCall":
				if isHash(x) && toInteger(x.Parent) {
					for _, arg := range x.List("arguments") {
						if anyTime(arg) {
							a.report(d, x, fmt.Sprintf("block.timestamp is used as a source of randomness. %s", d.Description))
							break
						}
					}
				}
			case "Assignment":
				if isStateVar(a.rootDecl(x.Child("leftHandSide"))) && fromTime(x.Child("rightHandSide")) {
					stores = append(stores, x)
				}
			}
			return true
		})
	}
	for _, w := range stores {
		if v := a.rootDecl(w.Child("leftHandSide")); timed[v.ID] {
			a.report(d, w, fmt.Sprintf("%s stores block.timestamp and a timing check reads it. %s", v.Name, d.Description))
		}
	}
}

// ---- arithmetic ----

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

func runUncheckedArithmetic(a *analysis) {
	d := det("unchecked-arithmetic")
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

func runOverflow(a *analysis) {
	d := det("integer-overflow")
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

func runIncorrectEquality(a *analysis) {
	d := det("incorrect-equality")
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

// ---- contract-level ----

// sendsEther tells whether code under n can move ether out.
func sendsEther(n *Node) bool {
	return mentions(n, func(x *Node) bool {
		switch x.Type {
		case "InlineAssembly", "YulFunctionCall":
			return true
		case "FunctionCall":
			if ll, ok := lowLevelCall(x); ok && ll.kind != "staticcall" {
				return true
			}
			if isSelfdestruct(x) {
				return true
			}
			switch calleeName(x) {
			case "sendValue", "functionCallWithValue", "safeTransferETH", "forceSafeTransferETH":
				return true
			}
		case "FunctionCallOptions":
			for _, name := range strs(x.Attr("names")) {
				if name == "value" {
					return true
				}
			}
		}
		return false
	})
}

func runLockedEther(a *analysis) {
	d := det("locked-ether")
	// A contract others inherit from is a building block: its heirs may
	// add the withdrawal (Slither's FP on every "Owned"-style base).
	inherited := map[*Node]bool{}
	for _, c := range a.contracts() {
		for _, b := range a.bases(c)[1:] {
			inherited[b] = true
		}
	}
	for _, c := range a.contracts() {
		if inherited[c] {
			continue
		}
		if c.Str("contractKind") != "contract" || c.Bool("abstract") || (c.Attr("fullyImplemented") != nil && !c.Bool("fullyImplemented")) {
			continue
		}
		var payable *Node
		sends := false
		for _, b := range a.bases(c) {
			for _, f := range members(b, "FunctionDefinition") {
				if isPayable(f) && !isConstructor(f) && payable == nil {
					payable = f
				}
			}
			if sendsEther(b) {
				sends = true
			}
		}
		// Library calls can send too (Address.sendValue is caught by name;
		// any other external library call is given the benefit of doubt).
		if payable != nil && !sends {
			a.report(d, c, fmt.Sprintf("Contract %s has payable function %s but no way to withdraw ether. %s", c.Name, payable.Name, d.Description))
		}
	}
}

func stateVars(c *Node) []*Node {
	return members(c, "VariableDeclaration")
}

func runShadowingState(a *analysis) {
	d := det("shadowing-state")
	for _, c := range a.contracts() {
		bases := a.bases(c)
		for _, v := range stateVars(c) {
			for _, b := range bases[1:] {
				for _, w := range stateVars(b) {
					if w.Name == v.Name && w.Str("visibility") != "private" {
						a.report(d, v, fmt.Sprintf("%s.%s shadows %s.%s. %s", c.Name, v.Name, b.Name, w.Name, d.Description))
					}
				}
			}
		}
	}
}

func runShadowingLocal(a *analysis) {
	d := det("shadowing-local")
	for _, c := range a.contracts() {
		names := map[string]string{}
		for i, b := range a.bases(c) {
			for _, v := range stateVars(b) {
				if _, ok := names[v.Name]; !ok && (i == 0 || v.Str("visibility") != "private") {
					names[v.Name] = b.Name
				}
			}
		}
		for _, f := range append(members(c, "FunctionDefinition"), members(c, "ModifierDefinition")...) {
			Walk(f, func(x *Node) bool {
				if x.Type == "VariableDeclaration" && !x.Bool("stateVariable") && x.Name != "" {
					if owner, ok := names[x.Name]; ok {
						a.report(d, x, fmt.Sprintf("%s shadows state variable %s.%s. %s", x.Name, owner, x.Name, d.Description))
					}
				}
				return true
			})
		}
	}
}

func runUninitializedStorage(a *analysis) {
	d := det("uninitialized-storage")
	for _, fn := range a.functions() {
		Walk(fn.Child("body"), func(x *Node) bool {
			if x.Type != "VariableDeclarationStatement" || x.Child("initialValue") != nil {
				return true
			}
			for _, v := range x.List("declarations") {
				if v == nil {
					continue
				}
				loc := v.Str("storageLocation")
				ts := v.TypeString()
				ref := strings.HasPrefix(ts, "struct ") || strings.HasSuffix(ts, "]") || strings.HasPrefix(ts, "mapping")
				if ref && (loc == "storage" || (loc == "default" && strings.Contains(v.TypeIdentifier()+ts, "storage"))) {
					a.report(d, v, "")
				}
			}
			return true
		})
	}
}

func isLoop(n *Node) bool {
	switch n.Type {
	case "ForStatement", "WhileStatement", "DoWhileStatement":
		return true
	}
	return false
}

func runCallsLoop(a *analysis) {
	d := det("calls-loop")
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

func runMissingZeroCheck(a *analysis) {
	d := det("missing-zero-check")
	for _, fn := range a.functions() {
		if fn.Child("body") == nil || (!isEntry(fn) && !isConstructor(fn)) {
			continue
		}
		params := map[int]*Node{}
		for _, p := range fn.Child("parameters").List("parameters") {
			if p != nil && strings.HasPrefix(p.TypeString(), "address") {
				params[p.ID] = p
			}
		}
		if len(params) == 0 {
			continue
		}
		var conds []*Node
		conds = append(conds, conditions(fn.Child("body"))...)
		for _, m := range a.modifierDefs(fn) {
			conds = append(conds, conditions(m.Child("body"))...)
		}
		for _, w := range a.stateWrites(fn.Child("body")) {
			if w.Type != "Assignment" || w.Str("operator") != "=" {
				continue
			}
			lhs := w.Child("leftHandSide")
			if lhs == nil || lhs.Type != "Identifier" || !strings.HasPrefix(lhs.TypeString(), "address") {
				continue
			}
			rhs := unwrapConversion(w.Child("rightHandSide"))
			if rhs == nil || rhs.Type != "Identifier" || params[rhs.Ref()] == nil {
				continue
			}
			id := rhs.Ref()
			checked := false
			for _, c := range conds {
				if mentions(c, func(x *Node) bool { return x.Type == "Identifier" && x.Ref() == id }) {
					checked = true
				}
			}
			if !checked {
				a.report(d, w, fmt.Sprintf("%s is stored without a zero-address check. %s", rhs.Name, d.Description))
			}
		}
	}
}

// unwrapConversion strips address(x) / payable(x) conversions.
func unwrapConversion(n *Node) *Node {
	for n != nil && n.Type == "FunctionCall" && n.Str("kind") == "typeConversion" && len(n.List("arguments")) == 1 {
		n = n.List("arguments")[0]
	}
	return n
}

func runDeprecated(a *analysis) {
	d := det("deprecated")
	for _, u := range a.units {
		Walk(u.root, func(x *Node) bool {
			what := ""
			switch x.Type {
			case "Identifier":
				if x.Ref() <= 0 && (x.Name == "suicide" || x.Name == "sha3") {
					what = x.Name
				}
			case "MemberAccess":
				if isMember(x, "block", "blockhash") || isMember(x, "msg", "gas") {
					what = x.Child("expression").Name + "." + x.Str("memberName")
				} else if x.Str("memberName") == "callcode" && strings.HasPrefix(x.Child("expression").TypeString(), "address") {
					what = "callcode"
				}
			case "Throw":
				what = "throw"
			case "FunctionDefinition":
				if x.Bool("constant") {
					what = "constant function"
				}
			case "VariableDeclarationStatement":
				for _, v := range x.List("declarations") {
					if v != nil && v.Child("typeName") == nil {
						what = "var"
					}
				}
			}
			if what != "" {
				a.report(d, x, fmt.Sprintf("Deprecated construct %q. %s", what, d.Description))
			}
			return true
		})
	}
}

func pragmaNodes(u *unit) []*Node {
	var out []*Node
	for _, n := range u.root.Children {
		if n.Type == "PragmaDirective" {
			if lits := strs(n.Attr("literals")); len(lits) > 0 && lits[0] == "solidity" {
				out = append(out, n)
			}
		}
	}
	return out
}

func runFloatingPragma(a *analysis) {
	d := det("pragma-floating")
	for _, u := range a.units {
		for _, p := range pragmaNodes(u) {
			c := strings.Join(strs(p.Attr("literals"))[1:], "")
			if strings.ContainsAny(c, "^~><*|") || strings.Contains(c, "-") || strings.Count(c, ".") < 2 {
				a.report(d, p, fmt.Sprintf("pragma solidity %s is not pinned. %s", c, d.Description))
			}
		}
	}
}

func runSolcVersion(a *analysis) {
	d := det("solc-version")
	for _, u := range a.units {
		for _, p := range pragmaNodes(u) {
			c := strings.Join(strs(p.Attr("literals"))[1:], "")
			if v, ok := minVersion(c); ok && v[0] == 0 && v[1] < 8 {
				a.report(d, p, fmt.Sprintf("pragma solidity %s allows a compiler older than 0.8.0. %s", c, d.Description))
			}
		}
	}
}

// ---- pre-0.5 declarations ----

// pre05 tells units compiled by (or, without a compiler version, written
// for) solc older than 0.5, where visibility defaults to public.
func (a *analysis) pre05(u *unit) bool {
	if v, ok := minVersion(a.opts.CompilerVersion); ok {
		return v[0] == 0 && v[1] < 5
	}
	if v, ok := minVersion(u.pragma); ok {
		return v[0] == 0 && v[1] < 5
	}
	return false
}

// changesState tells functions that write storage, move ether or destroy
// the contract.
func (a *analysis) changesState(fn *Node) bool {
	body := fn.Child("body")
	return len(a.stateWrites(body)) > 0 || sendsEther(body)
}

func runIncorrectConstructorName(a *analysis) {
	d := det("incorrect-constructor-name")
	for _, fn := range a.functions() {
		c := fn.Ancestor("ContractDefinition")
		if c == nil || isConstructor(fn) || fn.Str("kind") != "function" || !isEntry(fn) || isView(fn) {
			continue
		}
		if !strings.EqualFold(fn.Name, c.Name) && !strings.EqualFold(fn.Name, "constructor") {
			continue
		}
		if a.protected(fn) || !a.changesState(fn) {
			continue
		}
		a.report(d, fn, fmt.Sprintf("Function %s of contract %s is not its constructor: anyone can call it. %s", fn.Name, c.Name, d.Description))
	}
}

var visibilityWords = map[string]bool{"public": true, "external": true, "internal": true, "private": true}

// explicitVisibility tells whether a function's header (its text before
// the body) names a visibility.
func explicitVisibility(src string, fn *Node) bool {
	body := fn.Child("body")
	start, end := fn.Src.Start, body.Src.Start
	if start < 0 || end > len(src) || start >= end {
		return true // no text to look at: assume the best
	}
	word := func(r rune) bool {
		return !(r == '_' || r == '$' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')
	}
	for _, w := range strings.FieldsFunc(src[start:end], word) {
		if visibilityWords[w] {
			return true
		}
	}
	return false
}

// runDefaultVisibility reports SWC-100 where it matters: an implicitly
// public function that changes state without access control and looks
// internal (a leading underscore, an init helper) or writes an owner-like
// variable. Default visibility as such is solc's own
// warning.
func runDefaultVisibility(a *analysis) {
	d := det("default-visibility")
	for _, fn := range a.functions() {
		u := a.unitFor(fn)
		if u == nil || !a.pre05(u) || fn.Str("kind") != "function" || !isEntry(fn) || isView(fn) || fn.Name == "" {
			continue
		}
		if explicitVisibility(u.lines.src, fn) || a.protected(fn) {
			continue
		}
		body := fn.Child("body")
		risky := strings.HasPrefix(fn.Name, "_") || strings.HasPrefix(strings.ToLower(fn.Name), "init")
		for _, w := range a.stateWrites(body) {
			if v := a.rootDecl(w.Child("leftHandSide")); w.Type == "Assignment" && v != nil && privilegedRe.MatchString(v.Name) {
				risky = true
			}
		}
		if risky && a.changesState(fn) {
			a.report(d, fn, fmt.Sprintf("Function %s has no visibility specifier and so is public. %s", fn.Name, d.Description))
		}
	}
}

// ---- denial of service ----

// runDoSRevert reports SWC-113's King of the Ether: a payment to an address
// held in state whose failure reverts (transfer, or a send/call whose
// result is checked), before the function replaces that address with the
// caller.
func runDoSRevert(a *analysis) {
	d := det("dos-revert")
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
