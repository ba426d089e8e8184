package lint

import (
	"fmt"
	"strings"
)

// Randomness and time (SWC-116, SWC-120): block values a block producer
// knows or chooses, used as a dice roll or to decide an outcome.

var weakPRNG = &Detector{
	ID:          "weak-prng",
	Severity:    High,
	Confidence:  ConfidenceMedium,
	Title:       "Weak randomness from block values",
	Description: "Block values (timestamp, number, blockhash, prevrandao) are known to or chosen by the block producer and visible to other contracts in the same block; they are not a source of randomness. Use a VRF or commit-reveal.",
	run:         runWeakPRNG,
}

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
