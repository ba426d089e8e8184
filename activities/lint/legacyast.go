package lint

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// solc 0.4.11 and older have no compact AST, only the legacy one: nodes as
// {name, id, src, attributes, children} with the children in a positional
// list whose meaning depends on the node type (and on which optional parts
// are present). Public vulnerable-contract corpora still hold contracts
// pinned to those compilers, so rather than teach every detector a second
// tree shape, convertLegacyAST rewrites the legacy tree into the compact
// node model (field names per node type, attributes renamed) and the normal
// reader decodes the result. It runs only for legacy input, so it trades
// speed for simplicity.

// maxLegacyDepth bounds the recursion on hostile input, like the reader's
// own nesting limit.
const maxLegacyDepth = 2000

func isLegacyRoot(v any) bool {
	o, ok := v.(object)
	if !ok {
		return false
	}
	name, _ := o.get("name").(string)
	return name == "SourceUnit" && o.get("nodeType") == nil
}

func convertLegacyAST(raw []byte) ([]byte, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var root map[string]any
	if err := dec.Decode(&root); err != nil {
		return nil, fmt.Errorf("decode legacy AST: %v: %w", err, ErrBadAST)
	}
	c := legacyConverter{}
	out, err := c.node(root, nil, 0)
	if err != nil {
		return nil, err
	}
	resolveLegacyNames(out)
	b, err := json.Marshal(out)
	if err != nil {
		return nil, fmt.Errorf("encode converted legacy AST: %v: %w", err, ErrBadAST)
	}
	return b, nil
}

type legacyConverter struct{}

// typeNames are the legacy node names that stand for a type, which tells a
// VariableDeclaration's declared type from its initial value.
var typeNames = map[string]bool{
	"ElementaryTypeName": true, "UserDefinedTypeName": true, "Mapping": true,
	"ArrayTypeName": true, "FunctionTypeName": true,
}

// renamedAttrs maps legacy attribute names to the compact ones.
var renamedAttrs = map[string]string{
	"member_name":     "memberName",
	"type_conversion": "isTypeConversion",
	"token":           "kind",
}

func (c legacyConverter) node(in map[string]any, parent map[string]any, depth int) (map[string]any, error) {
	if depth > maxLegacyDepth {
		return nil, fmt.Errorf("decode legacy AST: nesting deeper than %d: %w", maxLegacyDepth, ErrBadAST)
	}
	name, _ := in["name"].(string)
	if name == "" {
		return nil, fmt.Errorf("decode legacy AST: node without a name: %w", ErrBadAST)
	}
	out := map[string]any{"nodeType": name}
	if v, ok := in["id"]; ok {
		out["id"] = v
	}
	src, ok := in["src"].(string)
	if !ok && parent == nil {
		// 0.4.11 gives its SourceUnit neither src nor id: the file index
		// (which maps findings to the file) is its first child's.
		src, ok = rootSrc(in)
	}
	if !ok {
		return nil, fmt.Errorf("decode legacy AST: %s node without src: %w", name, ErrBadAST)
	}
	out["src"] = src
	attrs, _ := in["attributes"].(map[string]any)
	for k, v := range attrs {
		switch k {
		case "type":
			if s, ok := v.(string); ok {
				out["typeDescriptions"] = map[string]any{"typeString": s}
			}
		case "value":
			// Identifier's name, ElementaryTypeNameExpression's type and
			// Literal's value all arrive as "value".
			switch name {
			case "Identifier":
				out["name"] = v
			case "ElementaryTypeNameExpression":
				out["typeName"] = v
			default:
				out["value"] = v
			}
		default:
			if to, ok := renamedAttrs[k]; ok {
				k = to
			}
			if _, isNode := out[k]; !isNode {
				out[k] = v
			}
		}
	}
	if name == "ContractDefinition" && out["contractKind"] == nil {
		out["contractKind"] = "contract"
		if b, _ := attrs["isLibrary"].(bool); b {
			out["contractKind"] = "library"
		}
	}
	if name == "VariableDeclaration" && parent != nil && parent["name"] == "ContractDefinition" {
		out["stateVariable"] = true
	}
	if name == "FunctionDefinition" && out["stateMutability"] == nil {
		switch {
		case attrs["payable"] == true:
			out["stateMutability"] = "payable"
		case attrs["constant"] == true:
			out["stateMutability"] = "view"
		default:
			out["stateMutability"] = "nonpayable"
		}
	}
	rawKids, _ := in["children"].([]any)
	kids := make([]map[string]any, 0, len(rawKids))
	for _, k := range rawKids {
		m, ok := k.(map[string]any)
		if !ok {
			continue
		}
		cm, err := c.node(m, in, depth+1)
		if err != nil {
			return nil, err
		}
		cm["\x00legacyName"] = m["name"]
		kids = append(kids, cm)
	}
	c.place(name, out, kids)
	return out, nil
}

func kidName(k map[string]any) string {
	s, _ := k["\x00legacyName"].(string)
	delete(k, "\x00legacyName")
	return s
}

// place assigns the positional legacy children to the compact fields of a
// node of type name.
func (c legacyConverter) place(name string, out map[string]any, kids []map[string]any) {
	names := make([]string, len(kids))
	for i, k := range kids {
		names[i] = kidName(k)
	}
	one := func(field string, i int) {
		if i < len(kids) {
			out[field] = kids[i]
		}
	}
	list := func(field string, from int) {
		l := []any{}
		for i := from; i < len(kids); i++ {
			l = append(l, kids[i])
		}
		out[field] = l
	}
	switch name {
	case "SourceUnit":
		list("nodes", 0)
	case "ContractDefinition":
		var bases, members []any
		for i, k := range kids {
			if names[i] == "InheritanceSpecifier" {
				bases = append(bases, k)
			} else {
				members = append(members, k)
			}
		}
		out["baseContracts"], out["nodes"] = orEmpty(bases), orEmpty(members)
	case "InheritanceSpecifier":
		one("baseName", 0)
		list("arguments", 1)
	case "FunctionDefinition", "ModifierDefinition":
		var params []map[string]any
		var mods []any
		for i, k := range kids {
			switch names[i] {
			case "ParameterList":
				params = append(params, k)
			case "ModifierInvocation":
				mods = append(mods, k)
			case "Block":
				out["body"] = k
			}
		}
		if len(params) > 0 {
			out["parameters"] = params[0]
		}
		if len(params) > 1 {
			out["returnParameters"] = params[1]
		}
		out["modifiers"] = orEmpty(mods)
		out["implemented"] = out["body"] != nil
	case "ModifierInvocation":
		one("modifierName", 0)
		list("arguments", 1)
	case "EventDefinition":
		one("parameters", 0)
	case "ParameterList":
		list("parameters", 0)
	case "VariableDeclaration":
		i := 0
		if len(kids) > 0 && typeNames[names[0]] {
			out["typeName"] = kids[0]
			i = 1
		}
		one("value", i)
	case "StructDefinition":
		list("members", 0)
	case "EnumDefinition":
		list("members", 0)
	case "Mapping":
		one("keyType", 0)
		one("valueType", 1)
	case "ArrayTypeName":
		one("baseType", 0)
		one("length", 1)
	case "Block":
		list("statements", 0)
	case "IfStatement":
		one("condition", 0)
		one("trueBody", 1)
		one("falseBody", 2)
	case "WhileStatement", "DoWhileStatement":
		one("condition", 0)
		one("body", 1)
	case "ForStatement":
		// Absent parts are left out of the list: the body is last, a bare
		// expression is the condition, a statement before it the
		// initialisation and one after it the loop expression.
		if len(kids) == 0 {
			return
		}
		out["body"] = kids[len(kids)-1]
		seenCond := false
		for i, k := range kids[:len(kids)-1] {
			switch {
			case names[i] == "VariableDeclarationStatement" || (names[i] == "ExpressionStatement" && !seenCond && i == 0 && len(kids) > 2):
				out["initializationExpression"] = k
			case names[i] == "ExpressionStatement":
				out["loopExpression"] = k
			default:
				out["condition"] = k
				seenCond = true
			}
		}
	case "Return":
		one("expression", 0)
	case "ExpressionStatement":
		one("expression", 0)
	case "VariableDeclarationStatement":
		var decls []any
		var ids []any
		for i, k := range kids {
			if names[i] == "VariableDeclaration" {
				decls = append(decls, k)
				ids = append(ids, k["id"])
			} else {
				out["initialValue"] = k
			}
		}
		out["declarations"], out["assignments"] = orEmpty(decls), orEmpty(ids)
	case "Assignment":
		one("leftHandSide", 0)
		one("rightHandSide", 1)
	case "BinaryOperation":
		one("leftExpression", 0)
		one("rightExpression", 1)
	case "UnaryOperation":
		one("subExpression", 0)
	case "Conditional":
		one("condition", 0)
		one("trueExpression", 1)
		one("falseExpression", 2)
	case "FunctionCall":
		one("expression", 0)
		list("arguments", 1)
	case "MemberAccess":
		one("expression", 0)
	case "IndexAccess":
		one("baseExpression", 0)
		one("indexExpression", 1)
	case "NewExpression":
		one("typeName", 0)
	case "TupleExpression":
		list("components", 0)
	default:
		if len(kids) > 0 {
			list("children", 0)
		}
	}
}

func orEmpty(l []any) []any {
	if l == nil {
		return []any{}
	}
	return l
}

// resolveLegacyNames fills in the referencedDeclaration that legacy
// Identifiers lack, which the detectors need to tell state variables,
// parameters and locals apart. Solidity 0.4 scopes locals to the whole
// function, so a lookup in the function's declarations, then the
// contract's and its bases' members (in linearization order), then the
// unit's top-level names, matches the compiler's; globals stay unresolved
// (0), which the detectors read as built-ins.
func resolveLegacyNames(root map[string]any) {
	topLevel := map[string]any{}
	contracts := map[string]map[string]any{} // id -> contract
	for _, n := range asList(root["nodes"]) {
		if s, ok := n["name"].(string); ok {
			topLevel[s] = n["id"]
		}
		if n["nodeType"] == "ContractDefinition" {
			contracts[idKey(n["id"])] = n
		}
	}
	memberScope := func(c map[string]any) map[string]any {
		scope := map[string]any{}
		bases, _ := c["linearizedBaseContracts"].([]any)
		if len(bases) == 0 {
			bases = []any{c["id"]}
		}
		// Most derived first: it shadows its bases.
		for i := len(bases) - 1; i >= 0; i-- {
			b := contracts[idKey(bases[i])]
			for _, m := range asList(b["nodes"]) {
				if s, ok := m["name"].(string); ok && s != "" {
					scope[s] = m["id"]
				}
			}
		}
		return scope
	}
	for _, c := range contracts {
		members := memberScope(c)
		for _, fn := range asList(c["nodes"]) {
			locals := map[string]any{}
			collectDecls(fn, locals, 0)
			resolveIn(fn, func(name string) (any, bool) {
				if id, ok := locals[name]; ok {
					return id, true
				}
				if id, ok := members[name]; ok {
					return id, true
				}
				id, ok := topLevel[name]
				return id, ok
			}, 0)
		}
	}
}

func idKey(v any) string {
	if n, ok := v.(json.Number); ok {
		return n.String()
	}
	return fmt.Sprint(v)
}

func asList(v any) []map[string]any {
	l, _ := v.([]any)
	out := make([]map[string]any, 0, len(l))
	for _, e := range l {
		if m, ok := e.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

// children returns the converted node's child nodes, whatever their field.
func children(n map[string]any) []map[string]any {
	var out []map[string]any
	for k, v := range n {
		if k == "typeDescriptions" {
			continue
		}
		switch x := v.(type) {
		case map[string]any:
			if x["nodeType"] != nil {
				out = append(out, x)
			}
		case []any:
			out = append(out, asList(x)...)
		}
	}
	return out
}

func collectDecls(n map[string]any, into map[string]any, depth int) {
	if depth > maxLegacyDepth {
		return
	}
	if n["nodeType"] == "VariableDeclaration" {
		if s, ok := n["name"].(string); ok && s != "" {
			into[s] = n["id"]
		}
	}
	for _, c := range children(n) {
		collectDecls(c, into, depth+1)
	}
}

func resolveIn(n map[string]any, lookup func(string) (any, bool), depth int) {
	if depth > maxLegacyDepth {
		return
	}
	if n["nodeType"] == "Identifier" && n["referencedDeclaration"] == nil {
		if s, ok := n["name"].(string); ok {
			if id, ok := lookup(s); ok {
				n["referencedDeclaration"] = id
			}
		}
	}
	for _, c := range children(n) {
		resolveIn(c, lookup, depth+1)
	}
}

func rootSrc(root map[string]any) (string, bool) {
	kids, _ := root["children"].([]any)
	for _, k := range kids {
		m, _ := k.(map[string]any)
		s, _ := m["src"].(string)
		if sr, err := ParseSrc(s); err == nil {
			return fmt.Sprintf("0:0:%d", sr.File), true
		}
	}
	return "", false
}
