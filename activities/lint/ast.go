package lint

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"
)

// maxDepth bounds AST nesting so that a hostile or corrupt AST (the audit
// RPC accepts user sources, and solc happily nests expressions thousands
// deep) cannot exhaust the stack of the decoder or of a detector.
const maxDepth = 2000

// ErrBadAST reports an AST that is not solc's compact JSON AST.
var ErrBadAST = errors.New("lint: malformed solc AST")

// Node is one node of solc's compact JSON AST. The AST has ~90 node types
// whose shapes change between compiler versions, so rather than one Go type
// per node type the linter keeps the few fields every node has (and the
// reference and type that most expressions have) as typed fields, the
// scalar attributes detectors read (keptAttr) as decoded JSON, and its
// child nodes by field name; detectors read attributes through the
// helpers, which return zero values for whatever an older compiler did not
// emit.
type Node struct {
	Type string
	ID   int
	Src  Src
	Name string

	Parent *Node
	// Children are all child nodes in source order, for walking.
	Children []*Node

	attrs object
	kids  []field

	ref                        int
	hasRef                     bool
	typeString, typeIdentifier string
}

// field is a child field: few per node, so a slice beats a map.
type field struct {
	name  string
	nodes []*Node
}

func (n *Node) field(name string) []*Node {
	for _, f := range n.kids {
		if f.name == name {
			return f.nodes
		}
	}
	return nil
}

// Str returns a string attribute.
func (n *Node) Str(key string) string {
	if n == nil {
		return ""
	}
	s, _ := n.attrs.get(key).(string)
	return s
}

// Bool returns a boolean attribute.
func (n *Node) Bool(key string) bool {
	if n == nil {
		return false
	}
	b, _ := n.attrs.get(key).(bool)
	return b
}

// Int returns an integer attribute (0 when absent).
func (n *Node) Int(key string) int {
	if n == nil {
		return 0
	}
	switch v := n.attrs.get(key).(type) {
	case json.Number:
		i, _ := strconv.Atoi(v.String())
		return i
	case float64:
		return int(v)
	}
	return 0
}

// Attr returns a raw attribute as decoded by encoding/json (UseNumber).
func (n *Node) Attr(key string) any {
	if n == nil {
		return nil
	}
	return n.attrs.get(key)
}

// Child returns the single node held by a field, or nil.
func (n *Node) Child(key string) *Node {
	if n == nil {
		return nil
	}
	l := n.field(key)
	if len(l) == 0 {
		return nil
	}
	return l[0]
}

// List returns the nodes of a list field (nil entries of the JSON list,
// such as the holes of `(, x) = f()`, are kept as nil).
func (n *Node) List(key string) []*Node {
	if n == nil {
		return nil
	}
	return n.field(key)
}

// TypeString is the expression's type as solc prints it ("address payable",
// "uint256", "bool"…), the linter's only type information.
func (n *Node) TypeString() string {
	if n == nil {
		return ""
	}
	return n.typeString
}

// TypeIdentifier is solc's mangled type ("t_struct$_S_$12_storage_ptr"),
// which unlike TypeString always carries the data location.
func (n *Node) TypeIdentifier() string {
	if n == nil {
		return ""
	}
	return n.typeIdentifier
}

// Ref is the id of the declaration an Identifier, IdentifierPath or
// MemberAccess refers to; negative ids are solc's built-ins, 0 is none.
func (n *Node) Ref() int {
	if n == nil {
		return 0
	}
	return n.ref
}

// Src is a decoded "start:length:fileIndex" location of solc.
type Src struct {
	Start, Length, File int
}

// End is the offset just past the node.
func (s Src) End() int { return s.Start + s.Length }

// ParseSrc decodes solc's "start:length:fileIndex"; fileIndex -1 means the
// node has no source (generated code).
func ParseSrc(s string) (Src, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return Src{}, fmt.Errorf("parse src %q: %w", s, ErrBadAST)
	}
	var v [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || (i < 2 && n < 0) || n < -1 {
			return Src{}, fmt.Errorf("parse src %q: %w", s, ErrBadAST)
		}
		v[i] = n
	}
	return Src{Start: v[0], Length: v[1], File: v[2]}, nil
}

// ParseAST decodes one source unit's compact JSON AST.
func ParseAST(raw []byte) (*Node, error) {
	root, _, err := parseAST(raw)
	return root, err
}

// parseAST decodes an AST and also returns all its nodes in document
// order, so that indexing them needs no walk.
func parseAST(raw []byte) (*Node, []*Node, error) {
	r := &reader{b: string(raw), nodes: make([]*Node, 0, len(raw)/400)}
	v, err := r.value()
	if err != nil {
		return nil, nil, err
	}
	if r.ws(); r.i != len(r.b) {
		return nil, nil, r.errf("trailing data")
	}
	root, ok := v.(*Node)
	if !ok && isLegacyRoot(v) {
		conv, err := convertLegacyAST(raw)
		if err != nil {
			return nil, nil, err
		}
		return parseAST(conv)
	}
	if !ok {
		return nil, nil, fmt.Errorf("decode AST: root is not a node: %w", ErrBadAST)
	}
	if root.Type != "SourceUnit" {
		return nil, nil, fmt.Errorf("decode AST: root is %q, want SourceUnit: %w", root.Type, ErrBadAST)
	}
	return root, r.nodes, nil
}

// Walk visits n and its descendants depth-first in source order; returning
// false from fn skips the node's children.
func Walk(n *Node, fn func(*Node) bool) {
	if n == nil || !fn(n) {
		return
	}
	for _, c := range n.Children {
		Walk(c, fn)
	}
}

// Find returns the descendants of n (n included) satisfying pred, in source
// order.
func Find(n *Node, pred func(*Node) bool) []*Node {
	var out []*Node
	Walk(n, func(x *Node) bool {
		if pred(x) {
			out = append(out, x)
		}
		return true
	})
	return out
}

// Ancestor returns the nearest ancestor of n of the given type, or nil.
func (n *Node) Ancestor(typ string) *Node {
	for p := n.Parent; p != nil; p = p.Parent {
		if p.Type == typ {
			return p
		}
	}
	return nil
}

// Contains tells whether m lies inside n (or is n).
func (n *Node) Contains(m *Node) bool {
	for ; m != nil; m = m.Parent {
		if m == n {
			return true
		}
	}
	return false
}

// LineIndex maps byte offsets of one source text to 1-based lines and
// columns. Columns count characters (UTF-8 runes), as editors and SARIF
// viewers do, not bytes as solc's offsets do.
type LineIndex struct {
	src    string
	starts []int
}

// NewLineIndex indexes the line starts of src.
func NewLineIndex(src string) *LineIndex {
	li := &LineIndex{src: src, starts: []int{0}}
	for i := 0; i < len(src); i++ {
		if src[i] == '\n' {
			li.starts = append(li.starts, i+1)
		}
	}
	return li
}

// Position returns the 1-based line and column of a byte offset; offsets
// outside the text are clamped so that a stale AST never panics.
func (li *LineIndex) Position(off int) (line, col int) {
	if off < 0 {
		off = 0
	}
	if off > len(li.src) {
		off = len(li.src)
	}
	i := sort.Search(len(li.starts), func(i int) bool { return li.starts[i] > off }) - 1
	start := li.starts[i]
	return i + 1, utf8.RuneCountInString(li.src[start:off]) + 1
}
