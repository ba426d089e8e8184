package lint

import (
	"fmt"
	"strings"
)

// Pre-0.5 declarations (SWC-100, SWC-109, SWC-118): what solc before 0.5
// accepted and later rejected — constructors by name, implicit public
// visibility, local storage pointers to slot 0.

var incorrectConstructorName = &Detector{
	ID:          "incorrect-constructor-name",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Function meant as a constructor is public",
	Description: "Before Solidity 0.4.22 a constructor is the function named exactly like the contract; a function whose name differs only in case (or is called Constructor), or that still bears the contract's old name after a rename, is an ordinary public function, so anyone can call it and take over what it initialises. Use the constructor keyword.",
	run:         runIncorrectConstructorName,
}

func runIncorrectConstructorName(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		c := fn.Ancestor("ContractDefinition")
		if c == nil || isConstructor(fn) || fn.Str("kind") != "function" || !isEntry(fn) || isView(fn) {
			continue
		}
		sameName := strings.EqualFold(fn.Name, c.Name) || strings.EqualFold(fn.Name, "constructor")
		if !sameName && !a.renamedConstructor(fn, c) {
			continue
		}
		if a.protected(fn, asEntry) || !a.changesState(fn) {
			continue
		}
		// Proven when what it sets up is ownership: anyone takes it.
		conf := ConfidenceMedium
		for _, w := range a.stateWrites(fn.Child("body")) {
			if sameName && a.privilegedWrite(w) != nil {
				conf = ConfidenceHigh
			}
		}
		a.reportConf(d, fn, conf, fmt.Sprintf("Function %s of contract %s is not its constructor: anyone can call it. %s", fn.Name, c.Name, d.Description))
	}
}

// renamedConstructor tells a constructor left behind by a renamed
// contract (SWC-118's Rubixi, once DynamicPyramid): before 0.5, in a
// contract with no constructor, a function named like a contract (a
// capital first letter, which Solidity's style keeps for contracts,
// structs and events) that takes ownership: it writes a privileged state
// variable (owner, creator, admin).
func (a *analysis) renamedConstructor(fn, c *Node) bool {
	if fn.Name == "" || fn.Name[0] < 'A' || fn.Name[0] > 'Z' {
		return false
	}
	if u := a.unitFor(fn); u == nil || !a.pre05(u) {
		return false
	}
	for _, f := range members(c, "FunctionDefinition") {
		if isConstructor(f) {
			return false
		}
	}
	for _, w := range a.stateWrites(fn.Child("body")) {
		if a.privilegedWrite(w) != nil {
			return true
		}
	}
	return false
}

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

var defaultVisibility = &Detector{
	ID:          "default-visibility",
	Severity:    Medium,
	Confidence:  ConfidenceMedium,
	Title:       "Function visibility not set",
	Description: "Before Solidity 0.5 a function without a visibility specifier is public. This one changes state or moves ether without checking the caller, and its name or effect suggests it was meant to be internal. Declare the visibility explicitly.",
	run:         runDefaultVisibility,
}

// runDefaultVisibility reports SWC-100 where it matters: an implicitly
// public function that changes state without access control and looks
// internal (a leading underscore, an init helper) or writes an owner-like
// variable. Default visibility as such is solc's own
// warning.
func runDefaultVisibility(a *analysis, d *Detector) {
	for _, fn := range a.functions() {
		u := a.unitFor(fn)
		if u == nil || !a.pre05(u) || fn.Str("kind") != "function" || !isEntry(fn) || isView(fn) || fn.Name == "" {
			continue
		}
		if explicitVisibility(u.lines.src, fn) || a.protected(fn, asEntry) {
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

var uninitializedStorage = &Detector{
	ID:          "uninitialized-storage",
	Severity:    High,
	Confidence:  ConfidenceHigh,
	Title:       "Uninitialized storage pointer",
	Description: "A local struct/array variable without a location points at storage slot 0 before Solidity 0.5, so writing to it overwrites state variables.",
	run:         runUninitializedStorage,
}

func runUninitializedStorage(a *analysis, d *Detector) {
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
