package lint

import (
	"fmt"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
)

type unit struct {
	path   string
	root   *Node
	lines  *LineIndex
	dep    bool
	pragma string // joined `pragma solidity` constraint, "" when none
	// checked is true when arithmetic reverts on overflow (solc >= 0.8).
	checked bool
}

// analysis holds the decoded units and the indexes detectors share.
type analysis struct {
	opts     Options
	units    []*unit
	unitOf   map[*Node]*unit
	findings []Finding

	// decl indexes nodes by id: a slice, since solc numbers the nodes of
	// one compile densely from 0, with a map for ids out of its range.
	decl     []*Node
	declHigh map[int]*Node

	// reassigned holds the local variables written after their
	// declaration, which exprKey cannot stand for their initial value;
	// built on first use.
	reassigned map[int]bool

	// byType holds every node of every unit by node type, in document
	// order; built on first use (ofType).
	byType map[string][]*Node
}

// ofType answers every node of type typ in the units, in document order:
// detectors that look at one kind of node anywhere (every hash call, every
// assignment) read it rather than walk every tree again.
func (a *analysis) ofType(typ string) []*Node {
	if a.byType == nil {
		a.byType = map[string][]*Node{}
		for _, u := range a.units {
			Walk(u.root, func(x *Node) bool {
				a.byType[x.Type] = append(a.byType[x.Type], x)
				return true
			})
		}
	}
	return a.byType[typ]
}

// declOf returns the node with the given id, or nil.
func (a *analysis) declOf(id int) *Node {
	if id >= 0 && id < len(a.decl) {
		return a.decl[id]
	}
	return a.declHigh[id]
}

func newAnalysis(units []Unit, opts Options) (*analysis, error) {
	a := &analysis{opts: opts, unitOf: map[*Node]*unit{}, declHigh: map[int]*Node{}}
	roots, nodes, err := parseAll(units)
	if err != nil {
		return nil, err
	}
	total := 0
	for _, l := range nodes {
		total += len(l)
	}
	a.decl = make([]*Node, 2*total+1024)
	for i, u := range units {
		root := roots[i]
		x := &unit{path: u.Path, root: root, lines: NewLineIndex(u.Source), dep: IsDependency(u.Path)}
		a.units = append(a.units, x)
		a.unitOf[root] = x
		for _, n := range nodes[i] {
			if n.ID != 0 {
				if n.ID > 0 && n.ID < len(a.decl) {
					a.decl[n.ID] = n
				} else {
					a.declHigh[n.ID] = n
				}
			}
			if c, ok := solidityPragma(n); ok {
				x.pragma = c
			}
		}
		x.checked = versionAtLeast08(opts.CompilerVersion, x.pragma)
	}
	a.normalize(nodes)
	return a, nil
}

// parseAll decodes the units' ASTs in parallel: decoding is most of an
// analysis and the units are independent.
func parseAll(units []Unit) ([]*Node, [][]*Node, error) {
	roots := make([]*Node, len(units))
	nodes := make([][]*Node, len(units))
	errs := make([]error, len(units))
	workers := min(runtime.GOMAXPROCS(0), len(units), 8)
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				roots[i], nodes[i], errs[i] = parseAST(units[i].AST)
			}
		}()
	}
	for i := range units {
		next <- i
	}
	close(next)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			return nil, nil, fmt.Errorf("analyze %s: %w", units[i].Path, err)
		}
	}
	return roots, nodes, nil
}

var verRe = regexp.MustCompile(`(\d+)\.(\d+)(?:\.(\d+))?`)

// minVersion returns the lowest version a constraint admits (the first
// version it names), as [major, minor, patch]; ok is false without one.
func minVersion(constraint string) (v [3]int, ok bool) {
	m := verRe.FindStringSubmatch(constraint)
	if m == nil {
		return v, false
	}
	for i := 0; i < 3; i++ {
		v[i], _ = strconv.Atoi(m[i+1])
	}
	return v, true
}

func versionAtLeast08(compiler, pragma string) bool {
	if v, ok := minVersion(compiler); ok {
		return v[0] > 0 || v[1] >= 8
	}
	if v, ok := minVersion(pragma); ok {
		return v[0] > 0 || v[1] >= 8
	}
	return true
}

func strs(v any) []string {
	arr, _ := v.([]any)
	out := make([]string, 0, len(arr))
	for _, e := range arr {
		if s, ok := e.(string); ok {
			out = append(out, s)
		}
	}
	return out
}

func ints(v any) []int {
	arr, _ := v.([]any)
	out := make([]int, 0, len(arr))
	for _, e := range arr {
		switch x := e.(type) {
		case interface{ String() string }:
			i, err := strconv.Atoi(x.String())
			if err == nil {
				out = append(out, i)
			}
		case float64:
			out = append(out, int(x))
		}
	}
	return out
}

// unitFor finds the unit a node belongs to.
func (a *analysis) unitFor(n *Node) *unit {
	for ; n != nil; n = n.Parent {
		if u, ok := a.unitOf[n]; ok {
			return u
		}
	}
	return nil
}

// report records a finding of detector d at node n (or at its name when the
// node is a declaration, so that the column points at the identifier),
// with the detector's confidence.
func (a *analysis) report(d *Detector, n *Node, desc string) {
	a.reportConf(d, n, d.Confidence, desc)
}

// reportConf is report with the finding's own confidence, for detectors
// whose findings range from a proven pattern (HIGH) to a heuristic.
func (a *analysis) reportConf(d *Detector, n *Node, conf Confidence, desc string) {
	u := a.unitFor(n)
	if u == nil || (u.dep && !a.opts.IncludeDependencies) {
		return
	}
	off := n.Src.Start
	if s, ok := n.Attr("nameLocation").(string); ok {
		if src, err := ParseSrc(s); err == nil && src.File == n.Src.File && src.Start >= 0 {
			off = src.Start
		}
	}
	a.reportAt(d, u, off, conf, desc)
}

// reportAt reports a finding at byte offset off of u's source: what
// reportConf does for a node, and what detectors of the text itself (a
// control character in a comment) use directly.
func (a *analysis) reportAt(d *Detector, u *unit, off int, conf Confidence, desc string) {
	if u.dep && !a.opts.IncludeDependencies {
		return
	}
	line, col := u.lines.Position(off)
	if desc == "" {
		desc = d.Description
	}
	a.findings = append(a.findings, Finding{
		Detector: d.ID, Severity: d.Severity, Confidence: conf,
		Title: d.Title, Description: desc, File: u.path, Line: line, Column: col,
	})
}

// contracts returns every contract definition of every unit.
func (a *analysis) contracts() []*Node {
	var out []*Node
	for _, u := range a.units {
		for _, n := range u.root.Children {
			if n.Type == "ContractDefinition" {
				out = append(out, n)
			}
		}
	}
	return out
}

// bases returns the contract and its bases, most derived first.
func (a *analysis) bases(c *Node) []*Node {
	var out []*Node
	for _, id := range ints(c.Attr("linearizedBaseContracts")) {
		if b := a.declOf(id); b != nil && b.Type == "ContractDefinition" {
			out = append(out, b)
		}
	}
	if len(out) == 0 {
		out = []*Node{c}
	}
	return out
}

func members(c *Node, typ string) []*Node {
	var out []*Node
	for _, n := range c.List("nodes") {
		if n != nil && n.Type == typ {
			out = append(out, n)
		}
	}
	return out
}

func isConstructor(fn *Node) bool {
	if fn.Str("kind") == "constructor" || fn.Bool("isConstructor") {
		return true
	}
	c := fn.Ancestor("ContractDefinition")
	return fn.Str("kind") == "" && c != nil && fn.Name != "" && fn.Name == c.Name
}

// isEntry tells functions anyone can call from outside.
func isEntry(fn *Node) bool {
	if fn.Type != "FunctionDefinition" || fn.Child("body") == nil || isConstructor(fn) {
		return false
	}
	v := fn.Str("visibility")
	return v == "public" || v == "external"
}

func isView(fn *Node) bool {
	m := fn.Str("stateMutability")
	return m == "view" || m == "pure" || fn.Bool("constant")
}

func isPayable(fn *Node) bool {
	return fn.Str("stateMutability") == "payable" || fn.Bool("payable")
}

// builtin tells an Identifier naming a global (msg, tx, block, now…).
func builtin(n *Node, name string) bool {
	return n != nil && n.Type == "Identifier" && n.Name == name && n.Ref() <= 0
}

func isMember(n *Node, base, member string) bool {
	return n != nil && n.Type == "MemberAccess" && n.Str("memberName") == member && builtin(n.Child("expression"), base)
}

func isMsgSender(n *Node) bool {
	if isMember(n, "msg", "sender") {
		return true
	}
	if n != nil && n.Type == "FunctionCall" {
		if e := n.Child("expression"); e != nil && e.Type == "Identifier" && e.Name == "_msgSender" {
			return true
		}
	}
	return false
}

func isTimestamp(n *Node) bool {
	return isMember(n, "block", "timestamp") || builtin(n, "now")
}

// isBlockValue tells values a miner or validator chooses or predicts.
func isBlockValue(n *Node) bool {
	if n == nil {
		return false
	}
	if isTimestamp(n) {
		return true
	}
	if n.Type == "MemberAccess" && builtin(n.Child("expression"), "block") {
		switch n.Str("memberName") {
		case "number", "difficulty", "prevrandao", "coinbase", "gaslimit", "blockhash":
			return true
		}
	}
	if n.Type == "FunctionCall" && calleeName(n) == "blockhash" {
		return true
	}
	return false
}

// calleeName is the bare name of a called function or builtin.
func calleeName(call *Node) string {
	e := call.Child("expression")
	for e != nil && e.Type == "FunctionCallOptions" {
		e = e.Child("expression")
	}
	if e == nil {
		return ""
	}
	switch e.Type {
	case "Identifier":
		return e.Name
	case "MemberAccess":
		return e.Str("memberName")
	}
	return ""
}

// mentions tells whether any node under n satisfies pred.
func mentions(n *Node, pred func(*Node) bool) bool {
	found := false
	Walk(n, func(x *Node) bool {
		if found {
			return false
		}
		if pred(x) {
			found = true
			return false
		}
		return true
	})
	return found
}

// rootDecl follows index, member and conversion chains to the declaration
// an lvalue is rooted at (`balances[a].x` → balances), and local storage
// pointers to what they point at (`Holder storage acc = holders[a]` or
// 0.4's `var acc = holders[a]`: `acc.balance` → holders).
func (a *analysis) rootDecl(n *Node) *Node {
	for hops := 0; n != nil; {
		switch n.Type {
		case "Identifier":
			d := a.declOf(n.Ref())
			if init := storagePointerInit(d); init != nil && hops < 8 {
				n, hops = init, hops+1
				continue
			}
			return d
		case "IndexAccess":
			n = n.Child("baseExpression")
		case "MemberAccess":
			n = n.Child("expression")
		case "TupleExpression":
			l := n.List("components")
			if len(l) != 1 {
				return nil
			}
			n = l[0]
		default:
			return nil
		}
	}
	return nil
}

// storagePointerInit returns the initial value of a local storage
// pointer declared with one.
func storagePointerInit(d *Node) *Node {
	if d == nil || d.Type != "VariableDeclaration" || d.Bool("stateVariable") {
		return nil
	}
	p := d.Parent
	if p == nil || p.Type != "VariableDeclarationStatement" || len(p.List("declarations")) != 1 {
		return nil
	}
	init := p.Child("initialValue")
	if init == nil {
		return nil
	}
	// 0.4's `var` declarations carry no location: a reference-typed
	// local without one is a pointer when its value is in storage.
	loc := d.Str("storageLocation")
	if strings.Contains(d.TypeString(), " storage") || (loc == "default" || loc == "storage") && strings.Contains(init.TypeString(), " storage") {
		return init
	}
	return nil
}

func isStateVar(d *Node) bool {
	return d != nil && d.Type == "VariableDeclaration" && d.Bool("stateVariable")
}

// stateWrites returns the nodes under n that write contract storage
// through a state variable (assignment, ++/--, delete, push/pop).
func (a *analysis) stateWrites(n *Node) []*Node {
	return Find(n, func(x *Node) bool { return a.writesState(x) })
}

func (a *analysis) writesState(x *Node) bool {
	switch x.Type {
	case "Assignment":
		lhs := x.Child("leftHandSide")
		if lhs != nil && lhs.Type == "TupleExpression" {
			for _, c := range lhs.List("components") {
				if isStateVar(a.rootDecl(c)) {
					return true
				}
			}
			return false
		}
		return isStateVar(a.rootDecl(lhs))
	case "UnaryOperation":
		switch x.Str("operator") {
		case "++", "--", "delete":
			return isStateVar(a.rootDecl(x.Child("subExpression")))
		}
	case "FunctionCall":
		e := x.Child("expression")
		if e != nil && e.Type == "MemberAccess" && (e.Str("memberName") == "push" || e.Str("memberName") == "pop") {
			return isStateVar(a.rootDecl(e.Child("expression")))
		}
	}
	return false
}

// lowLevel describes a call to an address member (call, send, transfer…).
type lowLevel struct {
	kind   string // call, delegatecall, staticcall, callcode, send, transfer
	target *Node  // the address expression
	value  *Node  // the ether sent, nil when none
}

// lowLevelCall classifies a FunctionCall on an address, including the
// `.call.value(v)()` and `.call{value: v}()` forms.
func lowLevelCall(call *Node) (lowLevel, bool) {
	if call == nil || call.Type != "FunctionCall" {
		return lowLevel{}, false
	}
	e := call.Child("expression")
	var value *Node
	if e != nil && e.Type == "FunctionCallOptions" {
		for i, name := range strs(e.Attr("names")) {
			if name == "value" && i < len(e.List("options")) {
				value = e.List("options")[i]
			}
		}
		e = e.Child("expression")
	}
	// Legacy `.call.value(v)(…)` / `.call.gas(g)(…)`: the callee is itself
	// a call of the `value`/`gas` member.
	for e != nil && e.Type == "FunctionCall" {
		inner := e.Child("expression")
		if inner == nil || inner.Type != "MemberAccess" {
			return lowLevel{}, false
		}
		if inner.Str("memberName") == "value" && len(e.List("arguments")) > 0 {
			value = e.List("arguments")[0]
		}
		e = inner.Child("expression")
	}
	if e == nil || e.Type != "MemberAccess" {
		return lowLevel{}, false
	}
	kind := e.Str("memberName")
	target := e.Child("expression")
	switch kind {
	case "call", "delegatecall", "staticcall", "callcode", "send", "transfer":
	default:
		return lowLevel{}, false
	}
	if !strings.HasPrefix(target.TypeString(), "address") {
		return lowLevel{}, false
	}
	if (kind == "send" || kind == "transfer") && len(call.List("arguments")) > 0 {
		value = call.List("arguments")[0]
	}
	return lowLevel{kind: kind, target: target, value: value}, true
}

// resultIgnored tells whether a call's value is discarded: a statement of
// its own (also as a branch of ?: or the last operand of && / || whose
// value is dropped), or stored in a local variable nobody reads.
func (a *analysis) resultIgnored(call *Node, fn *Node) bool {
	p, c := call.Parent, call
	for p != nil {
		if p.Type == "TupleExpression" && len(p.List("components")) == 1 ||
			p.Type == "Conditional" && p.Child("condition") != c ||
			p.Type == "BinaryOperation" && (p.Str("operator") == "&&" || p.Str("operator") == "||") && p.Child("rightExpression") == c {
			p, c = p.Parent, p
			continue
		}
		break
	}
	if p == nil {
		return false
	}
	switch p.Type {
	case "ExpressionStatement":
		return true
	case "VariableDeclarationStatement":
		decls := p.List("declarations")
		if len(decls) == 0 || decls[0] == nil {
			return true
		}
		return !a.used(decls[0].ID, fn, decls[0])
	case "Assignment":
		lhs := p.Child("leftHandSide")
		if p.Parent == nil || p.Parent.Type != "ExpressionStatement" || lhs == nil {
			return false
		}
		if lhs.Type == "TupleExpression" {
			c := lhs.List("components")
			if len(c) == 0 || c[0] == nil {
				return true
			}
			lhs = c[0]
		}
		if d := a.rootDecl(lhs); d != nil && !isStateVar(d) {
			return !a.used(d.ID, fn, lhs)
		}
	}
	return false
}

// used tells whether a variable is read in fn other than at def.
func (a *analysis) used(id int, fn *Node, def *Node) bool {
	return mentions(fn, func(x *Node) bool {
		return x.Type == "Identifier" && x.Ref() == id && !def.Contains(x) && !isAssignTarget(x)
	})
}

func isAssignTarget(x *Node) bool {
	p := x.Parent
	for p != nil && p.Type == "TupleExpression" {
		x, p = p, p.Parent
	}
	return p != nil && p.Type == "Assignment" && p.Str("operator") == "=" && p.Child("leftHandSide") == x
}

// tainted computes the local variables of fn whose value derives from
// nodes satisfying src, and returns a predicate telling whether an
// expression derives from them. It is flow-insensitive within the function
// and iterates to a fixed point, which is enough for the short dataflows
// of contract functions.
func (a *analysis) tainted(fn *Node, src func(*Node) bool) func(*Node) bool {
	vars := map[int]bool{}
	is := func(x *Node) bool {
		if src(x) {
			return true
		}
		return x.Type == "Identifier" && vars[x.Ref()]
	}
	body := fn.Child("body")
	for changed := true; changed; {
		changed = false
		Walk(body, func(x *Node) bool {
			switch x.Type {
			case "VariableDeclarationStatement":
				if init := x.Child("initialValue"); init != nil && mentions(init, is) {
					for _, d := range x.List("declarations") {
						if d != nil && !vars[d.ID] {
							vars[d.ID], changed = true, true
						}
					}
				}
			case "Assignment":
				if mentions(x.Child("rightHandSide"), is) {
					if d := a.rootDecl(x.Child("leftHandSide")); d != nil && !isStateVar(d) && !vars[d.ID] {
						vars[d.ID], changed = true, true
					}
				}
			}
			return true
		})
	}
	return func(n *Node) bool { return mentions(n, is) }
}

// isParam returns a source predicate for fn's parameters.
func isParam(fn *Node) func(*Node) bool {
	ids := map[int]bool{}
	for _, p := range fn.Child("parameters").List("parameters") {
		if p != nil {
			ids[p.ID] = true
		}
	}
	return func(x *Node) bool { return x.Type == "Identifier" && ids[x.Ref()] }
}

// conditions returns the boolean conditions of fn's body: arguments of
// require/assert, and conditions of if, while, for and ?:.
func conditions(body *Node) []*Node {
	var out []*Node
	Walk(body, func(x *Node) bool {
		switch x.Type {
		case "FunctionCall":
			if n := calleeName(x); n == "require" || n == "assert" {
				if e := x.Child("expression"); e != nil && e.Type == "Identifier" {
					if args := x.List("arguments"); len(args) > 0 {
						out = append(out, args[0])
					}
				}
			}
		case "IfStatement", "WhileStatement", "DoWhileStatement", "ForStatement", "Conditional":
			if c := x.Child("condition"); c != nil {
				out = append(out, c)
			}
		}
		return true
	})
	return out
}

var accessModRe = regexp.MustCompile(`(?i)only|owner|admin|auth|role|restricted|governance|guardian|whitelist|allowlist|permission`)

// senderGuarded tells whether a body checks who the caller is: a condition
// comparing msg.sender (or tx.origin) for equality, a boolean mapping
// indexed by msg.sender, or a role check taking msg.sender; internal
// helpers such as OpenZeppelin's _checkOwner are followed.
// negatesBool tells a comparison that negates a boolean: x == false,
// x != true (either way round).
func negatesBool(x *Node) bool {
	if x == nil || x.Type != "BinaryOperation" {
		return false
	}
	l, r := x.Child("leftExpression"), x.Child("rightExpression")
	switch x.Str("operator") {
	case "==":
		return isBoolLiteral(l, "false") || isBoolLiteral(r, "false")
	case "!=":
		return isBoolLiteral(l, "true") || isBoolLiteral(r, "true")
	}
	return false
}

// isBoolLiteral tells the literal true or false (value).
func isBoolLiteral(n *Node, value string) bool {
	n = stripValue(n)
	return n != nil && n.Type == "Literal" && n.Str("kind") == "bool" && n.Str("value") == value
}

func (a *analysis) senderGuarded(body *Node, depth int) bool {
	if body == nil || depth > 4 {
		return false
	}
	caller := func(x *Node) bool { return isMsgSender(x) || isMember(x, "tx", "origin") }
	for _, c := range conditions(body) {
		if mentions(c, func(x *Node) bool {
			switch x.Type {
			case "BinaryOperation":
				op := x.Str("operator")
				l, r := x.Child("leftExpression"), x.Child("rightExpression")
				if negatesBool(x) {
					return false // joined[msg.sender] == false: see IndexAccess
				}
				return (op == "==" || op == "!=") && (mentions(l, caller) || mentions(r, caller))
			case "IndexAccess":
				// isMember[msg.sender] admits a set; !joined[msg.sender]
				// admits every address once, which is no guard.
				if p := x.Parent; p != nil && (p.Type == "UnaryOperation" && p.Str("operator") == "!" || negatesBool(p)) {
					return false
				}
				return x.TypeString() == "bool" && mentions(x.Child("indexExpression"), caller)
			case "FunctionCall":
				if x.TypeString() != "bool" {
					return false
				}
				for _, arg := range x.List("arguments") {
					if mentions(arg, caller) {
						return true
					}
				}
			}
			return false
		}) {
			return true
		}
	}
	// Helpers: internal calls to functions or modifiers that check.
	return mentions(body, func(x *Node) bool {
		if x.Type != "FunctionCall" {
			return false
		}
		e := x.Child("expression")
		if e == nil || e.Type != "Identifier" {
			return false
		}
		d := a.declOf(e.Ref())
		return d != nil && d.Type == "FunctionDefinition" && d != body.Parent && a.senderGuarded(d.Child("body"), depth+1)
	})
}

// modifierDefs returns the modifier definitions fn invokes.
func (a *analysis) modifierDefs(fn *Node) []*Node {
	var out []*Node
	for _, m := range fn.List("modifiers") {
		if m == nil {
			continue
		}
		name := m.Child("modifierName")
		d := a.declOf(name.Ref())
		if d != nil && d.Type == "ModifierDefinition" {
			out = append(out, d)
		}
	}
	return out
}

// reach is how a function whose protection is asked is called.
type reach int

const (
	// asEntry: from outside the contract, by a transaction or another
	// contract. A constructor, or an internal or private function, cannot
	// be, and so is protected.
	asEntry reach = iota
	// asCallee: by an internal call from an entry point that is not
	// protected itself (following its calls to a selfdestruct or to a
	// write). Internal visibility is then how it is reached, not a
	// guard: only checks of the caller count.
	asCallee
)

// protected tells whether only privileged callers reach fn, called as r:
// functions with an access-control modifier (by name or by what its body
// checks) or with a caller check in the body, and, as an entry point,
// constructors and internal or private functions.
func (a *analysis) protected(fn *Node, r reach) bool {
	if r == asEntry {
		if isConstructor(fn) {
			return true
		}
		if v := fn.Str("visibility"); v == "internal" || v == "private" {
			return true
		}
	}
	for _, m := range a.modifierDefs(fn) {
		if accessModRe.MatchString(m.Name) || a.senderGuarded(m.Child("body"), 0) {
			return true
		}
	}
	return a.senderGuarded(fn.Child("body"), 0)
}

// callerDependent is a looser check for sends: any condition that looks at
// the caller (`require(balances[msg.sender] >= x)`) ties the payout to
// the caller's own state.
func (a *analysis) callerDependent(fn *Node) bool {
	if a.protected(fn, asEntry) {
		return true
	}
	for _, c := range conditions(fn.Child("body")) {
		if mentions(c, isMsgSender) {
			return true
		}
	}
	return false
}

var guardModRe = regexp.MustCompile(`(?i)nonreentrant|noreentran|reentrancy|mutex|lock`)

// reentrancyGuarded tells whether fn has a mutex modifier: by name, or a
// modifier that writes state both before and after its placeholder.
func (a *analysis) reentrancyGuarded(fn *Node) bool {
	for _, m := range a.modifierDefs(fn) {
		if guardModRe.MatchString(m.Name) {
			return true
		}
		ph := Find(m, func(x *Node) bool { return x.Type == "PlaceholderStatement" })
		if len(ph) == 0 {
			continue
		}
		before, after := false, false
		for _, w := range a.stateWrites(m.Child("body")) {
			if w.Src.Start < ph[0].Src.Start {
				before = true
			} else {
				after = true
			}
		}
		if before && after {
			return true
		}
	}
	return false
}

// internalCallee returns the function definition an internal call targets.
func (a *analysis) internalCallee(call *Node) *Node {
	if call.Type != "FunctionCall" {
		return nil
	}
	e := call.Child("expression")
	if e == nil {
		return nil
	}
	if e.Type != "Identifier" && !(e.Type == "MemberAccess" && builtin(e.Child("expression"), "super")) {
		return nil
	}
	d := a.declOf(e.Ref())
	if d != nil && d.Type == "FunctionDefinition" && d.Child("body") != nil {
		return d
	}
	return nil
}
