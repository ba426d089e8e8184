package lint

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
)

// A hand-written JSON reader builds the Node tree in one pass, keeping only
// what the detectors read: node types, ids, locations, names, references,
// type descriptions and the attributes listed in keptAttr. Everything else
// solc emits (documentation, scopes, selectors, exported symbols…) is
// skipped without allocating. Decoding an OpenZeppelin token's ASTs through
// encoding/json into interface{} values costs more than the whole lint
// stage's budget (10 ms).

// keptAttr lists the scalar and list attributes detectors read through
// Node.Str, Bool, Attr; the reader drops the others.
func keptAttr(k string) bool {
	switch k {
	case "operator", "memberName", "kind", "visibility", "literals", "names",
		"stateMutability", "stateVariable", "constant", "value", "storageLocation",
		"contractKind", "payable", "isTypeConversion", "isStructConstructorCall",
		"isConstructor", "fullyImplemented", "abstract", "nameLocation",
		"linearizedBaseContracts", "mutability", "implemented", "hexValue", "subdenomination":
		return true
	}
	return false
}

// object is a JSON object that is not an AST node, kept as ordered pairs:
// they have a handful of keys.
type object []kv

type kv struct {
	k string
	v any
}

func (o object) get(key string) any {
	for _, p := range o {
		if p.k == key {
			return p.v
		}
	}
	return nil
}

// kid is a child node under a field name, while its parent is read.
type kid struct {
	name string
	node *Node // nil for the holes of a node list
}

type reader struct {
	// b is the AST as one string: every string the tree holds (keys,
	// names, types) is a substring of it, so reading them allocates
	// nothing.
	b     string
	i     int
	depth int
	// stack, kids and elems hold the pairs, children and array elements
	// of the values being read, so that each value allocates them once,
	// at their final size.
	stack []kv
	kids  []kid
	elems []any
	// slab hands out nodes from blocks, one allocation per block.
	slab []Node
	// nodes are all nodes read, in document order.
	nodes []*Node
}

func (r *reader) newNode() *Node {
	if len(r.slab) == 0 {
		r.slab = make([]Node, 128)
	}
	n := &r.slab[0]
	r.slab = r.slab[1:]
	return n
}

func (r *reader) errf(format string, args ...any) error {
	return fmt.Errorf("decode AST at byte %d: %s: %w", r.i, fmt.Sprintf(format, args...), ErrBadAST)
}

func (r *reader) ws() {
	for r.i < len(r.b) {
		switch r.b[r.i] {
		case ' ', '\t', '\n', '\r':
			r.i++
		default:
			return
		}
	}
}

func (r *reader) value() (any, error) {
	r.ws()
	if r.i >= len(r.b) {
		return nil, r.errf("unexpected end")
	}
	switch c := r.b[r.i]; {
	case c == '{':
		return r.object()
	case c == '[':
		return r.array()
	case c == '"':
		return r.str()
	case c == 't':
		return true, r.lit("true")
	case c == 'f':
		return false, r.lit("false")
	case c == 'n':
		return nil, r.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		n, err := r.number()
		if err != nil {
			return nil, err
		}
		return json.Number(n), nil
	default:
		return nil, r.errf("unexpected %q", c)
	}
}

func (r *reader) number() (string, error) {
	start := r.i
	for r.i < len(r.b) {
		c := r.b[r.i]
		if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
			r.i++
			continue
		}
		break
	}
	n := r.b[start:r.i]
	if !validNumber(n) {
		return "", r.errf("bad number %q", n)
	}
	return n, nil
}

// validNumber is a fast path for plain integers before strconv's check.
func validNumber(n string) bool {
	if len(n) == 0 {
		return false
	}
	i := 0
	if n[0] == '-' {
		i++
	}
	if i == len(n) {
		return false
	}
	for _, c := range []byte(n[i:]) {
		if c < '0' || c > '9' {
			_, err := strconv.ParseFloat(n, 64)
			return err == nil
		}
	}
	return true
}

// intValue reads an integer (ids, references) without allocating; ok is
// false for a value that is not a number in int range.
func (r *reader) intValue() (v int, ok bool, err error) {
	if r.i < len(r.b) && (r.b[r.i] == '-' || (r.b[r.i] >= '0' && r.b[r.i] <= '9')) {
		start := r.i
		neg := r.b[r.i] == '-'
		if neg {
			r.i++
		}
		digits := 0
		for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
			if v > 1<<50 {
				r.i = start
				goto slow
			}
			v = v*10 + int(r.b[r.i]-'0')
			r.i++
			digits++
		}
		if digits > 0 && (r.i >= len(r.b) || !isNumberByte(r.b[r.i])) {
			if neg {
				v = -v
			}
			return v, true, nil
		}
		r.i = start
	}
slow:
	x, err := r.value()
	if err != nil {
		return 0, false, err
	}
	if n, isNum := x.(json.Number); isNum {
		i, err := strconv.Atoi(string(n))
		return i, err == nil, nil
	}
	return 0, false, nil
}

func isNumberByte(c byte) bool {
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E'
}

func (r *reader) lit(s string) error {
	if len(r.b)-r.i < len(s) || r.b[r.i:r.i+len(s)] != s {
		return r.errf("bad literal")
	}
	r.i += len(s)
	return nil
}

// str reads a string. Like solc's own reader it is lenient about raw
// control characters inside strings.
func (r *reader) str() (string, error) {
	start := r.i + 1
	j := strings.IndexByte(r.b[start:], '"')
	if j < 0 {
		return "", r.errf("unterminated string")
	}
	if seg := r.b[start : start+j]; strings.IndexByte(seg, '\\') < 0 {
		r.i = start + j + 1
		return seg, nil
	}
	if err := r.skipStr(); err != nil {
		return "", err
	}
	var s string
	if err := json.Unmarshal([]byte(r.b[start-1:r.i]), &s); err != nil {
		return "", r.errf("bad string: %v", err)
	}
	return s, nil
}

// skipStr steps over a string without decoding it: to the first quote
// not escaped by an odd run of backslashes.
func (r *reader) skipStr() error {
	r.i++
	for {
		j := strings.IndexByte(r.b[r.i:], '"')
		if j < 0 {
			return r.errf("unterminated string")
		}
		r.i += j + 1
		bs := 0
		for k := r.i - 2; k >= 0 && r.b[k] == '\\'; k-- {
			bs++
		}
		if bs%2 == 0 {
			return nil
		}
	}
}

// skipScalar steps over a string, number or literal.
func (r *reader) skipScalar() error {
	switch c := r.b[r.i]; {
	case c == '"':
		return r.skipStr()
	case c == 't':
		return r.lit("true")
	case c == 'f':
		return r.lit("false")
	case c == 'n':
		return r.lit("null")
	case c == '-' || (c >= '0' && c <= '9'):
		_, err := r.number()
		return err
	}
	return r.errf("unexpected %q", r.b[r.i])
}

// src decodes a "start:length:file" string in place.
func (r *reader) src(out *Src) error {
	r.i++ // "
	var v [3]int
	for k := 0; k < 3; k++ {
		neg := false
		if r.i < len(r.b) && r.b[r.i] == '-' {
			neg = true
			r.i++
		}
		digits := 0
		for r.i < len(r.b) && r.b[r.i] >= '0' && r.b[r.i] <= '9' {
			if v[k] > 1<<40 {
				return r.errf("src offset too large")
			}
			v[k] = v[k]*10 + int(r.b[r.i]-'0')
			r.i++
			digits++
		}
		if digits == 0 {
			return r.errf("bad src")
		}
		if neg {
			v[k] = -v[k]
		}
		want := byte(':')
		if k == 2 {
			want = '"'
		}
		if r.i >= len(r.b) || r.b[r.i] != want {
			return r.errf("bad src")
		}
		r.i++
	}
	// solc writes -1:-1:-1 for generated nodes; other negatives are junk.
	if (v[0] < 0 || v[1] < 0) && !(v[0] == -1 && v[1] == -1) || v[2] < -1 {
		return r.errf("bad src")
	}
	if v[0] < 0 {
		v[0], v[1] = 0, 0
	}
	*out = Src{Start: v[0], Length: v[1], File: v[2]}
	return nil
}

func (r *reader) enter() error {
	r.depth++
	if r.depth > maxDepth {
		return r.errf("nesting deeper than %d", maxDepth)
	}
	return nil
}

// array reads a list; a list holding nodes is returned as nodeList so
// that its holder files the nodes as children.
func (r *reader) array() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.i++ // [
	base := len(r.elems)
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return []any{}, nil
	}
	nodes := false
	for {
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		if _, ok := v.(*Node); ok {
			nodes = true
		}
		r.elems = append(r.elems, v)
		r.ws()
		if r.i >= len(r.b) {
			return nil, r.errf("unterminated array")
		}
		if r.b[r.i] == ',' {
			r.i++
			continue
		}
		if r.b[r.i] != ']' {
			return nil, r.errf("expected , or ]")
		}
		r.i++
		break
	}
	var out any
	if nodes {
		l := make(nodeList, len(r.elems)-base)
		for i, e := range r.elems[base:] {
			l[i], _ = e.(*Node)
		}
		out = l
	} else {
		out = slices.Clone(r.elems[base:])
	}
	clear(r.elems[base:])
	r.elems = r.elems[:base]
	return out, nil
}

// nodeList is a JSON list with at least one node in it; other entries
// (null holes) are nil.
type nodeList []*Node

// typeDescriptions reads solc's {typeIdentifier, typeString} into n.
func (r *reader) typeDescriptions(n *Node) error {
	if err := r.enter(); err != nil {
		return err
	}
	defer func() { r.depth-- }()
	r.i++ // {
	for {
		r.ws()
		if r.i < len(r.b) && r.b[r.i] == '}' {
			r.i++
			return nil
		}
		if r.i >= len(r.b) || r.b[r.i] != '"' {
			return r.errf("expected key")
		}
		k, err := r.str()
		if err != nil {
			return err
		}
		r.ws()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return r.errf("expected :")
		}
		r.i++
		r.ws()
		if r.i >= len(r.b) {
			return r.errf("unexpected end")
		}
		if (k == "typeString" || k == "typeIdentifier") && r.b[r.i] == '"' {
			s, err := r.str()
			if err != nil {
				return err
			}
			if k == "typeString" {
				n.typeString = s
			} else {
				n.typeIdentifier = s
			}
		} else if _, err := r.value(); err != nil {
			return err
		}
		r.ws()
		if r.i < len(r.b) && r.b[r.i] == ',' {
			r.i++
		}
	}
}

// object reads an object and returns a *Node when it has a nodeType, an
// object otherwise.
func (r *reader) object() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.i++ // {
	base, kbase := len(r.stack), len(r.kids)
	n := r.newNode()
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == '}' {
		r.i++
		return object(nil), nil
	}
	for {
		r.ws()
		if r.i >= len(r.b) || r.b[r.i] != '"' {
			return nil, r.errf("expected key")
		}
		k, err := r.str()
		if err != nil {
			return nil, err
		}
		r.ws()
		if r.i >= len(r.b) || r.b[r.i] != ':' {
			return nil, r.errf("expected :")
		}
		r.i++
		r.ws()
		if r.i >= len(r.b) {
			return nil, r.errf("unexpected end")
		}
		c := r.b[r.i]
		switch {
		case k == "src" && c == '"':
			// Every node has a unique src: decode it in place.
			if err := r.src(&n.Src); err != nil {
				return nil, err
			}
		case k == "id":
			v, ok, err := r.intValue()
			if err != nil {
				return nil, err
			}
			if ok {
				n.ID = v
			}
		case k == "referencedDeclaration":
			v, ok, err := r.intValue()
			if err != nil {
				return nil, err
			}
			n.ref, n.hasRef = v, ok
		case k == "typeDescriptions" && c == '{':
			if err := r.typeDescriptions(n); err != nil {
				return nil, err
			}
		case k == "nodeType" && c == '"':
			if n.Type, err = r.str(); err != nil {
				return nil, err
			}
		case k == "name" && c == '"':
			if n.Name, err = r.str(); err != nil {
				return nil, err
			}
		case c == '{' || c == '[':
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			switch v := v.(type) {
			case *Node:
				r.kids = append(r.kids, kid{k, v})
			case nodeList:
				for _, c := range v {
					r.kids = append(r.kids, kid{k, c})
				}
			default:
				if keptAttr(k) {
					r.stack = append(r.stack, kv{k, v})
				}
			}
		case keptAttr(k):
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			r.stack = append(r.stack, kv{k, v})
		default:
			if err := r.skipScalar(); err != nil {
				return nil, err
			}
		}
		r.ws()
		if r.i >= len(r.b) {
			return nil, r.errf("unterminated object")
		}
		if r.b[r.i] == ',' {
			r.i++
			continue
		}
		if r.b[r.i] != '}' {
			return nil, r.errf("expected , or }")
		}
		r.i++
		break
	}
	if len(r.stack) > base {
		n.attrs = slices.Clone(r.stack[base:])
		clear(r.stack[base:])
		r.stack = r.stack[:base]
	}
	if len(r.kids) > kbase {
		n.setKids(r.kids[kbase:])
		clear(r.kids[kbase:])
		r.kids = r.kids[:kbase]
	}
	if n.Type == "" {
		// Not a node (the root of a legacy AST, or junk): its name and
		// kept attributes are all that is looked at.
		o := n.attrs
		if n.Name != "" {
			o = append(o, kv{"name", n.Name})
		}
		return o, nil
	}
	r.nodes = append(r.nodes, n)
	return n, nil
}

// setKids files the children read in key order as fields, and in source
// order as Children.
func (n *Node) setKids(ks []kid) {
	nf, nn := 0, 0
	for i, k := range ks {
		if i == 0 || ks[i-1].name != k.name {
			nf++
		}
		if k.node != nil {
			nn++
		}
	}
	all := make([]*Node, len(ks)+nn)
	byKey, children := all[:len(ks):len(ks)], all[len(ks):]
	n.kids = make([]field, 0, nf)
	j, start := 0, 0
	for i, k := range ks {
		byKey[i] = k.node
		if i == 0 || ks[i-1].name != k.name {
			n.kids = append(n.kids, field{name: k.name})
			start = i
		}
		n.kids[len(n.kids)-1].nodes = byKey[start : i+1 : i+1]
		if k.node != nil {
			k.node.Parent = n
			children[j] = k.node
			j++
		}
	}
	sorted := true
	for i := 1; i < len(children); i++ {
		if children[i].Src.Start < children[i-1].Src.Start {
			sorted = false
			break
		}
	}
	if !sorted {
		slices.SortStableFunc(children, func(a, b *Node) int { return a.Src.Start - b.Src.Start })
	}
	n.Children = children
}
