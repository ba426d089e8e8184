package lint

// Detector is one check. Each is declared in the file of its category,
// next to its run function, the way golang.org/x/tools/go/analysis
// declares an Analyzer next to its run:
//
//	var txOrigin = &Detector{
//		ID:          "tx-origin",
//		Severity:    Medium,
//		...
//		run:         runTxOrigin,
//	}
//
//	func runTxOrigin(a *analysis, d *Detector) { ... a.report(d, n, "") ... }
//
// and listed once, in run order, in detectors. The exported fields
// document it (the audit API, SARIF rules). Confidence is that of the
// detector's findings; a detector that grades each finding (reportConf:
// HIGH where its pattern is proven, lower where a heuristic decided)
// declares the highest it reports.
type Detector struct {
	ID          string
	Severity    Severity
	Confidence  Confidence
	Title       string
	Description string
	// run reports the detector's findings with a.report(d, …). It is
	// handed its own Detector, as an Analyzer's Run gets pass.Analyzer,
	// so that the declaration and the function need not name each other
	// (which Go rejects as an initialization cycle).
	run func(a *analysis, d *Detector)
}

// detectors are run in this order, which is also the order of Detectors
// (SARIF rules, docs); ids are stable API.
var detectors = []*Detector{
	reentrancyEth,
	reentrancySend,
	txOrigin,
	uncheckedLowLevel,
	uncheckedTransfer,
	unprotectedSelfdestruct,
	controlledDelegatecall,
	arbitrarySendEth,
	unprotectedWithdrawal,
	missingAccessControl,
	unprotectedInitializer,
	incorrectConstructorName,
	defaultVisibility,
	weakPRNG,
	integerOverflow,
	incorrectEquality,
	lockedEther,
	shadowingState,
	uninitializedStorage,
	callsLoop,
	dosRevert,
	dosUnboundedLoop,
	frontRunning,
	txOrderDependence,
	erc20ApproveRace,
	encodePackedCollision,
	rightToLeftOverride,
	assignmentTypo,
	shortAddress,
	timestamp,
	uncheckedArithmetic,
	missingZeroCheck,
	shadowingLocal,
	hardcodedGas,
	deprecated,
	pragmaFloating,
	solcVersion,
}

// Detectors lists the checks Analyze runs, in the order it runs them.
func Detectors() []Detector {
	out := make([]Detector, len(detectors))
	for i, d := range detectors {
		out[i] = *d
	}
	return out
}

// What detectors of several categories share: the functions and modifiers
// they scan, the calls and state writes in them, and small predicates on
// expressions.

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

func stateVars(c *Node) []*Node {
	return members(c, "VariableDeclaration")
}

func isMsgValue(n *Node) bool { return isMember(n, "msg", "value") }

func isZero(n *Node) bool {
	return n != nil && n.Type == "Literal" && n.Str("value") == "0"
}

func isComparison(op string) bool {
	switch op {
	case "<", ">", "<=", ">=", "==", "!=":
		return true
	}
	return false
}

func isLoop(n *Node) bool {
	switch n.Type {
	case "ForStatement", "WhileStatement", "DoWhileStatement":
		return true
	}
	return false
}

// unwrapConversion strips address(x) / payable(x) conversions.
func unwrapConversion(n *Node) *Node {
	for n != nil && n.Type == "FunctionCall" && n.Str("kind") == "typeConversion" && len(n.List("arguments")) == 1 {
		n = n.List("arguments")[0]
	}
	return n
}
