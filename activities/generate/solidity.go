package generate

import (
	"encoding/hex"
	"math/big"
	"path"
	"slices"
	"strings"

	"golang.org/x/crypto/sha3"
)

// maxLine is where a header moves its modifiers onto their own lines, like
// the Wizard's (prettier-solidity) output.
const maxLine = 80

const ozPrefix = "@openzeppelin/contracts/"

// ozUpgradeablePrefix is where the Upgradeable variants of the bases are
// imported from when the contract is upgradeable.
const ozUpgradeablePrefix = "@openzeppelin/contracts-upgradeable/"

// namespacePrefix is the Wizard's default ERC-7201 namespace prefix: the
// namespace id of a generated contract's own storage is
// namespacePrefix + "." + its identifier.
const namespacePrefix = "myProject"

// contract is the model a template fills in; render prints it. Everything
// that reaches the model from user input has been validated before.
type contract struct {
	name        string            // the contract identifier
	display     string            // the display name as a Solidity string literal
	upgradeable bool              // render the Upgradeable variant (print transforms the bases)
	imports     map[string]string // identifier -> path under @openzeppelin/contracts/, untransformed
	parents     []parent
	vars        []string // state variable and constant declarations, without indentation
	storage     []string // upgradeable: members of the ERC-7201 namespaced storage struct
	params      []Param  // constructor parameters, in documented order
	ctorBody    []string
	functions   []function
	overrides   []function // "overrides required by Solidity", printed last
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

// notTranspiled are the bases an upgradeable contract imports as they are
// (the Wizard's `transpiled: false`).
var notTranspiled = map[string]bool{"Initializable": true, "UUPSUpgradeable": true}

// ref is how the source refers to a base (or other imported contract): its
// Upgradeable variant when the contract is upgradeable, as the Wizard's
// upgradeableName.
func (c *contract) ref(name string) string {
	if !c.upgradeable || notTranspiled[name] {
		return name
	}
	return name + "Upgradeable"
}

// importPath is the full import path of an imported contract, as the
// Wizard's upgradeableImport: @openzeppelin/contracts-upgradeable with the
// file renamed like the contract.
func (c *contract) importPath(name, p string) string {
	if !c.upgradeable || notTranspiled[name] {
		return ozPrefix + p
	}
	dir, file := path.Split(p)
	return ozUpgradeablePrefix + dir + strings.TrimSuffix(file, ".sol") + "Upgradeable.sol"
}

// ozStorageNames are the OpenZeppelin contracts whose upgradeable variants
// (the generated contracts' bases and their bases) declare the namespaced
// storage struct <Name>Storage and its getter _get<Name>Storage: a contract
// with namespaced storage of its own cannot be named like them.
var ozStorageNames = map[string]bool{
	"AccessControl": true, "AccessManaged": true, "EIP712": true, "ERC1155": true, "ERC1155Supply": true,
	"ERC20": true, "ERC20Capped": true, "ERC721": true, "ERC721Enumerable": true, "ERC721URIStorage": true,
	"Initializable": true, "Nonces": true, "Ownable": true, "Pausable": true, "Votes": true,
}

// namespacedStorage adds a member to the contract's ERC-7201 namespaced
// storage (upgradeable contracts only), as the Wizard's
// setNamespacedStorage, and answers the statement that loads the struct
// into `$`; storageGetter is the function that it calls.
func (c *contract) namespacedStorage(member string) (string, error) {
	if ozStorageNames[c.name] {
		return "", invalid("name", "gives the contract identifier %q, whose namespaced storage struct %sStorage would redeclare OpenZeppelin's; choose another name", c.name, c.name)
	}
	c.storage = append(c.storage, member)
	return c.name + "Storage storage $ = _get" + c.name + "Storage();", nil
}

// storageGetter is the function that points `$` at the namespaced storage.
func (c *contract) storageGetter() function {
	return function{
		name: "_get" + c.name + "Storage", visibility: "private", mutability: "pure",
		returns: c.name + "Storage storage $", body: []string{"assembly { $.slot := " + c.storageLocation() + " }"},
	}
}

func (c *contract) storageLocation() string { return strings.ToUpper(c.name) + "_STORAGE_LOCATION" }

// erc7201Slot is the ERC-7201 storage location of a namespace id:
// keccak256(abi.encode(uint256(keccak256(id)) - 1)) & ~bytes32(uint256(0xff)).
func erc7201Slot(id string) string {
	h := sha3.NewLegacyKeccak256()
	h.Write([]byte(id))
	n := new(big.Int).SetBytes(h.Sum(nil))
	n.Sub(n, big.NewInt(1))
	word := make([]byte, 32)
	n.FillBytes(word)
	h = sha3.NewLegacyKeccak256()
	h.Write(word)
	slot := h.Sum(nil)
	slot[31] = 0
	return "0x" + hex.EncodeToString(slot)
}

func (c *contract) render() string {
	var b strings.Builder
	b.WriteString("// SPDX-License-Identifier: MIT\n")
	version := OpenZeppelinVersion
	if c.upgradeable {
		version = OpenZeppelinUpgradeableVersion
	}
	b.WriteString("// Compatible with OpenZeppelin Contracts " + version + "\n")
	b.WriteString("pragma solidity " + Pragma + ";\n\n")

	type imp struct{ name, path string }
	imps := make([]imp, 0, len(c.imports))
	for n, p := range c.imports {
		imps = append(imps, imp{c.ref(n), c.importPath(n, p)})
	}
	slices.SortFunc(imps, func(a, b imp) int {
		if a.path != b.path {
			return strings.Compare(a.path, b.path)
		}
		return strings.Compare(a.name, b.name)
	})
	for _, i := range imps {
		b.WriteString("import {" + i.name + "} from \"" + i.path + "\";\n")
	}
	if len(imps) > 0 {
		b.WriteString("\n")
	}

	names := make([]string, len(c.parents))
	for i, p := range c.parents {
		names[i] = c.ref(p.name)
	}
	b.WriteString("contract " + c.name)
	if len(names) > 0 {
		b.WriteString(" is " + strings.Join(names, ", "))
	}
	b.WriteString(" {\n")

	var members []string
	if len(c.storage) > 0 {
		// The Wizard prints structs, then declarations with comments, then
		// the others.
		id := namespacePrefix + "." + c.name
		members = append(members,
			indent(1)+"/// @custom:storage-location erc7201:"+id+"\n"+
				indent(1)+"struct "+c.name+"Storage {\n"+
				indent(2)+strings.Join(c.storage, "\n"+indent(2))+"\n"+
				indent(1)+"}\n",
			indent(1)+`// keccak256(abi.encode(uint256(keccak256("`+id+`")) - 1)) & ~bytes32(uint256(0xff))`+"\n"+
				indent(1)+"bytes32 private constant "+c.storageLocation()+" = "+erc7201Slot(id)+";\n")
	}
	if len(c.vars) > 0 {
		members = append(members, indent(1)+strings.Join(c.vars, "\n"+indent(1))+"\n")
	}
	members = append(members, c.renderConstructor()...)
	for _, f := range c.functions {
		members = append(members, f.render(c.ref))
	}
	if len(c.overrides) > 0 {
		members = append(members, indent(1)+"// The following functions are overrides required by Solidity.\n")
		for _, f := range c.overrides {
			members = append(members, f.render(c.ref))
		}
	}
	b.WriteString(strings.Join(members, "\n"))
	b.WriteString("}\n")
	return b.String()
}

func indent(n int) string { return strings.Repeat("    ", n) }

// renderConstructor prints the constructor, and for an upgradeable
// contract the initializer that stands for it, as the Wizard's
// printConstructor: the constructor only disables initializers, and the
// initializer calls each upgradeable base's __X_init (with the arguments
// the plain constructor passes the base, or none) before the statements.
func (c *contract) renderConstructor() []string {
	params := make([]string, len(c.params))
	for i, p := range c.params {
		params[i] = p.Type + " " + p.Name
	}
	sig := "(" + strings.Join(params, ", ") + ")"
	if !c.upgradeable {
		var mods []string
		for _, p := range c.parents {
			if p.args != nil {
				mods = append(mods, p.name+"("+strings.Join(p.args, ", ")+")")
			}
		}
		return []string{renderHeader("constructor"+sig, mods, c.ctorBody)}
	}
	var body []string
	for _, p := range c.parents {
		if !notTranspiled[p.name] {
			body = append(body, "__"+p.name+"_init("+strings.Join(p.args, ", ")+");")
		}
	}
	if len(body) > 0 && len(c.ctorBody) > 0 {
		body = append(body, "")
	}
	body = append(body, c.ctorBody...)
	return []string{
		indent(1) + "/// @custom:oz-upgrades-unsafe-allow constructor\n" +
			renderHeader("constructor()", nil, []string{"_disableInitializers();"}),
		renderHeader("function "+Initializer+sig, []string{"public", "initializer"}, body),
	}
}

// render prints the function; ref names the contracts of its override list.
func (f function) render(ref func(string) string) string {
	var mods []string
	mods = append(mods, f.visibility)
	if f.mutability != "" {
		mods = append(mods, f.mutability)
	}
	if f.override != nil {
		if len(f.override) == 0 {
			mods = append(mods, "override")
		} else {
			names := make([]string, len(f.override))
			for i, n := range f.override {
				names[i] = ref(n)
			}
			mods = append(mods, "override("+strings.Join(names, ", ")+")")
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
		if l == "" {
			b.WriteString("\n") // a blank line between groups of statements
			continue
		}
		b.WriteString(indent(2) + l + "\n")
	}
	b.WriteString(indent(1) + "}\n")
	return b.String()
}
