package generate

import (
	"slices"
	"strings"
)

// maxLine is where a header moves its modifiers onto their own lines, like
// the Wizard's (prettier-solidity) output.
const maxLine = 80

const ozPrefix = "@openzeppelin/contracts/"

// contract is the model a template fills in; render prints it. Everything
// that reaches the model from user input has been validated before.
type contract struct {
	name      string            // the contract identifier
	display   string            // the display name as a Solidity string literal
	imports   map[string]string // identifier -> path under @openzeppelin/contracts/
	parents   []parent
	vars      []string // state variable and constant declarations, without indentation
	params    []Param  // constructor parameters, in documented order
	ctorBody  []string
	functions []function
	overrides []function // "overrides required by Solidity", printed last
}

type parent struct {
	name string
	args []string // constructor arguments; nil for none
}

type function struct {
	name       string
	params     []string
	visibility string
	mutability string
	override   []string // nil: no override; empty: bare "override"
	modifiers  []string
	returns    string
	body       []string
}

func (c *contract) addParent(name, path string, args ...string) {
	c.imports[name] = path
	c.parents = append(c.parents, parent{name: name, args: args})
}

func (c *contract) hasParent(name string) bool {
	return slices.ContainsFunc(c.parents, func(p parent) bool { return p.name == name })
}

func (c *contract) addParam(name, typ string) {
	c.params = append(c.params, Param{Name: name, Type: typ})
}

// overrideFn adds a function that only forwards to super because several
// bases define it; bases lists them in inheritance order.
func (c *contract) overrideFn(f function, bases []string) {
	if len(bases) < 2 {
		return
	}
	f.override = bases
	c.overrides = append(c.overrides, f)
}

func (c *contract) render() string {
	var b strings.Builder
	b.WriteString("// SPDX-License-Identifier: MIT\n")
	b.WriteString("// Compatible with OpenZeppelin Contracts " + OpenZeppelinVersion + "\n")
	b.WriteString("pragma solidity " + Pragma + ";\n\n")

	type imp struct{ name, path string }
	imps := make([]imp, 0, len(c.imports))
	for n, p := range c.imports {
		imps = append(imps, imp{n, p})
	}
	slices.SortFunc(imps, func(a, b imp) int {
		if a.path != b.path {
			return strings.Compare(a.path, b.path)
		}
		return strings.Compare(a.name, b.name)
	})
	for _, i := range imps {
		b.WriteString("import {" + i.name + "} from \"" + ozPrefix + i.path + "\";\n")
	}
	if len(imps) > 0 {
		b.WriteString("\n")
	}

	names := make([]string, len(c.parents))
	for i, p := range c.parents {
		names[i] = p.name
	}
	b.WriteString("contract " + c.name)
	if len(names) > 0 {
		b.WriteString(" is " + strings.Join(names, ", "))
	}
	b.WriteString(" {\n")

	var members []string
	if len(c.vars) > 0 {
		members = append(members, indent(1)+strings.Join(c.vars, "\n"+indent(1))+"\n")
	}
	members = append(members, c.renderConstructor())
	for _, f := range c.functions {
		members = append(members, f.render())
	}
	if len(c.overrides) > 0 {
		members = append(members, indent(1)+"// The following functions are overrides required by Solidity.\n")
		for _, f := range c.overrides {
			members = append(members, f.render())
		}
	}
	b.WriteString(strings.Join(members, "\n"))
	b.WriteString("}\n")
	return b.String()
}

func indent(n int) string { return strings.Repeat("    ", n) }

func (c *contract) renderConstructor() string {
	params := make([]string, len(c.params))
	for i, p := range c.params {
		params[i] = p.Type + " " + p.Name
	}
	var mods []string
	for _, p := range c.parents {
		if p.args != nil {
			mods = append(mods, p.name+"("+strings.Join(p.args, ", ")+")")
		}
	}
	return renderHeader("constructor("+strings.Join(params, ", ")+")", mods, c.ctorBody)
}

func (f function) render() string {
	var mods []string
	mods = append(mods, f.visibility)
	if f.mutability != "" {
		mods = append(mods, f.mutability)
	}
	if f.override != nil {
		if len(f.override) == 0 {
			mods = append(mods, "override")
		} else {
			mods = append(mods, "override("+strings.Join(f.override, ", ")+")")
		}
	}
	mods = append(mods, f.modifiers...)
	if f.returns != "" {
		mods = append(mods, "returns ("+f.returns+")")
	}
	return renderHeader("function "+f.name+"("+strings.Join(f.params, ", ")+")", mods, f.body)
}

// renderHeader prints a function or constructor: on one line when it fits,
// else with one modifier per line and the opening brace on its own line.
func renderHeader(sig string, mods []string, body []string) string {
	var b strings.Builder
	one := indent(1) + sig
	if len(mods) > 0 {
		one += " " + strings.Join(mods, " ")
	}
	if len(one)+2 <= maxLine {
		b.WriteString(one)
		b.WriteString(" ")
	} else {
		b.WriteString(indent(1) + sig + "\n")
		for _, m := range mods {
			b.WriteString(indent(2) + m + "\n")
		}
		b.WriteString(indent(1))
	}
	if len(body) == 0 {
		b.WriteString("{}\n")
		return b.String()
	}
	b.WriteString("{\n")
	for _, l := range body {
		b.WriteString(indent(2) + l + "\n")
	}
	b.WriteString(indent(1) + "}\n")
	return b.String()
}
