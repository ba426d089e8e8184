package lint

import (
	"fmt"
	"regexp"
	"strings"
)

// Randomness and time (SWC-116, SWC-120): block values a block producer
// knows or chooses, used as a dice roll or to decide an outcome.

var weakPRNG = &Detector{
	ID:          "weak-prng",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Weak randomness from block values",
	Description: "Block values (timestamp, number, blockhash, prevrandao) are known to or chosen by the block producer and visible to other contracts in the same block; they are not a source of randomness. Use a VRF or commit-reveal.",
	run:         runWeakPRNG,
}

// prngRoll is a dice roll drawn from block values: where, in which
// function, and which state variables initialised from a block value it
// reads.
type prngRoll struct {
	fn, at *Node
	seeds  []int
}

// runWeakPRNG reports dice rolls drawn from block values: a block value
// (or a state variable holding one) taken modulo something, a hash of
// block values or a block hash turned into a number, a block hash
// compared with a guess. Block arithmetic that is timing, not chance, is
// not a roll: the phase of an elapsed span (`(block.number - start) %
// period`, a countdown), comparisons with deadlines.
//
// A roll is reported with HIGH confidence when it decides a payout
// (decides): the roll, or a value computed from it (in its function,
// through a state variable it is stored in, an internal function it is
// passed to, or the return value of its function), is a condition
// guarding a transfer, send, call with value, token transfer or credit of
// the caller; is the amount or the recipient of one; indexes the players
// (an array or mapping of addresses, or of participants by name); is
// stored as the winner or the prize (a reward, the rarity of a minted
// token); or is taken modulo the number of participants. A roll that
// decides nothing the analysis can see (a view returning a coin flip) is
// LOW.
func runWeakPRNG(a *analysis, d *Detector) {
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
	var rolls []prngRoll
	for _, fn := range a.functions() {
		// No block value, no roll: most functions are done here.
		if !mentions(fn.Child("body"), blockValue) {
			continue
		}
		fromBlock := a.tainted(fn, blockValue)
		var reads func(n *Node, depth int, out *[]int)
		reads = func(n *Node, depth int, out *[]int) {
			Walk(n, func(x *Node) bool {
				if x.Type == "Identifier" {
					if seeds[x.Ref()] && isStateVar(a.declOf(x.Ref())) {
						*out = append(*out, x.Ref())
					} else if init := a.localInit(x); init != nil && depth < 4 {
						reads(init, depth+1, out)
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
				r := prngRoll{fn: fn, at: x}
				reads(operand, 0, &r.seeds)
				rolls = append(rolls, r)
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
				if op == "%" && fromBlock(l) && !a.elapsed(l, fromBlock, 0) {
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
	seedConf := map[int]Confidence{} // seeds initialised from block values that a roll reads
	for _, r := range rolls {
		conf, desc := ConfidenceLow, "Block values are drawn like a dice roll here, but no payout, winner or prize it decides was found: if the result only informs (a view, an identifier), this is harmless. "+d.Description
		if a.decides(r.fn, func(n *Node) bool { return n == r.at }, 0, map[string]bool{}) {
			conf, desc = ConfidenceHigh, ""
		}
		a.reportConf(d, r.at, conf, desc)
		for _, id := range r.seeds {
			if seedConf[id].Rank() < conf.Rank() {
				seedConf[id] = conf
			}
		}
	}
	for id, conf := range seedConf {
		if v := a.declOf(id); v != nil {
			a.reportConf(d, v, conf, fmt.Sprintf("State variable %s is initialised from a block value and used as a source of randomness. %s", v.Name, d.Description))
		}
	}
}

// elapsed tells a span of blocks or time, or a phase of one: a difference
// with a block value (`block.number - start`), divided (`(now - start) /
// 1 days`), directly or through a local. Its remainder is a countdown or
// a period's phase, not a roll.
func (a *analysis) elapsed(n *Node, fromBlock func(*Node) bool, depth int) bool {
	n = stripValue(n)
	if n == nil || depth > 4 {
		return false
	}
	switch n.Type {
	case "BinaryOperation":
		switch n.Str("operator") {
		case "-":
			return fromBlock(n.Child("leftExpression")) || fromBlock(n.Child("rightExpression"))
		case "/":
			return a.elapsed(n.Child("leftExpression"), fromBlock, depth+1)
		}
	case "Identifier":
		if init := a.localInit(n); init != nil && !a.isReassigned(n.Ref()) {
			return a.elapsed(init, fromBlock, depth+1)
		}
	}
	return false
}

var (
	// participantRe names collections of a game's players, and counts of
	// them.
	participantRe = regexp.MustCompile(`(?i)player|participant|entrant|ticket|entr(y|ies)|bettor|gambler|candidate|contestant|member|user|holder|investor|creditor|buyer|bidder|punter|address`)
	// winnerRe names state that records who won, or what: a prize, a
	// reward, the rarity of a minted token.
	winnerRe = regexp.MustCompile(`(?i)winner|winning|lucky|jackpot|prize|champion|chosen|selected|picked|rarity|reward|bonus|payout|multiplier`)
)

// decides tells whether a value derived from src in fn decides a payout
// (see runWeakPRNG), following it through state variables it is stored
// in, the parameters of internal functions it is passed to and the return
// value of fn into other functions, depth deep; seen keeps each of those
// followed once.
func (a *analysis) decides(fn *Node, src func(*Node) bool, depth int, seen map[string]bool) bool {
	derived := a.tainted(fn, src)
	body := fn.Child("body")
	found := false
	var stored []int
	returned := false
	Walk(body, func(x *Node) bool {
		if found {
			return false
		}
		switch x.Type {
		case "FunctionCall":
			if c := checkCall(x); c != nil && derived(c) && a.paysAfter(fn, x) {
				found = true
			}
			if ll, ok := lowLevelCall(x); ok && ll.value != nil && (derived(ll.value) || derived(ll.target)) {
				found = true
			}
			if tokenPayout(x) && mentions(x, derived) {
				found = true
			}
			// An internal call handing the value on.
			if callee := a.internalCallee(x); callee != nil && depth < 3 {
				params := callee.Child("parameters").List("parameters")
				for i, arg := range x.List("arguments") {
					if i < len(params) && params[i] != nil && derived(arg) && !seen[fmt.Sprint("p", params[i].ID)] {
						id := params[i].ID
						seen[fmt.Sprint("p", id)] = true
						if a.decides(callee, func(n *Node) bool { return n.Type == "Identifier" && n.Ref() == id }, depth+1, seen) {
							found = true
						}
					}
				}
			}
		case "IfStatement", "WhileStatement", "ForStatement", "Conditional":
			if c := x.Child("condition"); c != nil && derived(c) {
				for _, k := range []string{"trueBody", "falseBody", "body", "trueExpression", "falseExpression"} {
					if a.pays(x.Child(k), map[*Node]bool{}) {
						found = true
					}
				}
				if x.Type == "IfStatement" && (exits(x.Child("trueBody")) || exits(x.Child("falseBody"))) && a.paysAfter(fn, x) {
					found = true
				}
			}
		case "IndexAccess":
			if ix := x.Child("indexExpression"); ix != nil && derived(ix) && a.players(x) {
				found = true
			}
		case "BinaryOperation":
			if x.Str("operator") == "%" && derived(x.Child("leftExpression")) && a.countsPlayers(x.Child("rightExpression")) {
				found = true
			}
		case "Assignment":
			if derived(x.Child("rightHandSide")) {
				if v := a.rootDecl(x.Child("leftHandSide")); isStateVar(v) {
					if winnerRe.MatchString(v.Name) {
						found = true
					}
					stored = append(stored, v.ID)
				}
			}
		case "Return":
			if e := x.Child("expression"); e != nil && derived(e) {
				returned = true
			}
		}
		return !found
	})
	if found || depth >= 3 {
		return found
	}
	for _, id := range stored {
		if seen[fmt.Sprint("s", id)] {
			continue
		}
		seen[fmt.Sprint("s", id)] = true
		for _, g := range a.functions() {
			if a.decides(g, func(n *Node) bool { return n.Type == "Identifier" && n.Ref() == id }, depth+1, seen) {
				return true
			}
		}
	}
	if returned && !seen[fmt.Sprint("r", fn.ID)] {
		seen[fmt.Sprint("r", fn.ID)] = true
		for _, g := range a.functions() {
			if a.decides(g, func(n *Node) bool { return n.Type == "FunctionCall" && a.internalCallee(n) == fn }, depth+1, seen) {
				return true
			}
		}
	}
	return false
}

// players tells an index into the players: an array or mapping in state
// holding addresses, or named for participants.
func (a *analysis) players(ix *Node) bool {
	v := a.rootDecl(ix)
	if !isStateVar(v) {
		return false
	}
	return strings.HasPrefix(ix.TypeString(), "address") || participantRe.MatchString(v.Name)
}

// countsPlayers tells a modulus that counts participants: the length of
// a state array, or a state variable named for them (`numPlayers`).
func (a *analysis) countsPlayers(n *Node) bool {
	return mentions(n, func(m *Node) bool {
		if m.Type == "MemberAccess" && m.Str("memberName") == "length" {
			return isStateVar(a.rootDecl(m.Child("expression")))
		}
		if m.Type == "Identifier" {
			v := a.declOf(m.Ref())
			return isStateVar(v) && participantRe.MatchString(v.Name)
		}
		return false
	})
}

// tokenPayout tells a call that pays out tokens: an ERC20 or ERC721
// transfer or a mint.
func tokenPayout(c *Node) bool {
	switch calleeName(c) {
	case "transfer", "transferFrom", "safeTransfer", "safeTransferFrom", "mint", "_mint", "safeMint", "_safeMint", "sendValue":
		return true
	}
	return false
}

// pays tells whether code under n pays out: sends ether, pays out tokens,
// credits the caller in storage or records a winner, directly or in an
// internal function it calls.
func (a *analysis) pays(n *Node, seen map[*Node]bool) bool {
	if n == nil {
		return false
	}
	return mentions(n, func(x *Node) bool { return a.paysAt(x, seen) })
}

// paysAt is pays for one node.
func (a *analysis) paysAt(x *Node, seen map[*Node]bool) bool {
	switch x.Type {
	case "FunctionCall":
		if ll, ok := lowLevelCall(x); ok && ll.value != nil && !isZero(ll.value) && ll.kind != "delegatecall" {
			return true
		}
		if tokenPayout(x) {
			return true
		}
		if callee := a.internalCallee(x); callee != nil && !seen[callee] && len(seen) < 16 {
			seen[callee] = true
			return a.pays(callee.Child("body"), seen)
		}
	case "FunctionCallOptions":
		for _, name := range strs(x.Attr("names")) {
			if name == "value" {
				return true
			}
		}
	case "Assignment":
		v := a.rootDecl(x.Child("leftHandSide"))
		if !isStateVar(v) {
			return false
		}
		if winnerRe.MatchString(v.Name) {
			return true
		}
		return x.Str("operator") == "+=" && mentions(x.Child("leftHandSide"), isMsgSender)
	}
	return false
}

// paysAfter tells whether fn pays out after the statement holding x.
func (a *analysis) paysAfter(fn, x *Node) bool {
	end := x.Src.End()
	seen := map[*Node]bool{}
	return mentions(fn.Child("body"), func(y *Node) bool {
		return y.Src.Start >= end && a.paysAt(y, seen)
	})
}

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
		if !mentions(fn.Child("body"), isBlockValue) {
			continue
		}
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

var timestamp = &Detector{
	ID:          "timestamp",
	Severity:    Low,
	Confidence:  ConfidenceMedium,
	Title:       "Block timestamp decides an outcome",
	Description: "Block producers can shift block.timestamp by several seconds and know it before anyone else; do not rely on it for exact timing, ordering or randomness.",
	run:         runTimestamp,
}

// runTimestamp reports where block.timestamp decides an outcome: a
// comparison with it (a deadline, one bet per block), a timestamp used as
// a dice roll (`now % 15`, `uint(sha3(now))`), and the write that stores
// it in a state variable such a comparison later reads (`pastBlockTime =
// now`, `lastInvestment = block.timestamp`): the value a block producer
// chose lives on in storage.
func runTimestamp(a *analysis, d *Detector) {
	timed := map[int]bool{} // state variables read in a timestamp comparison
	var stores []*Node      // writes of a timestamp to state
	for _, fn := range append(a.functions(), a.modifiers()...) {
		if !mentions(fn.Child("body"), isTimestamp) {
			continue
		}
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
				if op == "%" && fromTime(l) && !a.elapsed(l, fromTime, 0) {
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
