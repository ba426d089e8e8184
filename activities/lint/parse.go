package lint

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
)

// A hand-written JSON reader builds the Node tree in one pass: decoding an
// OpenZeppelin token's 25 ASTs (~3 MB) through encoding/json into
// interface{} values and converting them cost ~40 ms, most of the lint
// stage's budget (10 ms).

// object is a JSON object that is not an AST node (typeDescriptions…),
// kept as ordered pairs: they have a handful of keys.
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

type reader struct {
	b     []byte
	i     int
	depth int
	// stack holds the pairs of the objects being read, so that each
	// object allocates its pairs once, at their final size.
	stack []kv
	// keys interns object keys and short values (node types, operators).
	keys map[string]string
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
		start := r.i
		for r.i < len(r.b) {
			c := r.b[r.i]
			if (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E' {
				r.i++
				continue
			}
			break
		}
		n := string(r.b[start:r.i])
		if _, err := strconv.ParseFloat(n, 64); err != nil {
			return nil, r.errf("bad number %q", n)
		}
		return json.Number(n), nil
	default:
		return nil, r.errf("unexpected %q", c)
	}
}

func (r *reader) lit(s string) error {
	if len(r.b)-r.i < len(s) || string(r.b[r.i:r.i+len(s)]) != s {
		return r.errf("bad literal")
	}
	r.i += len(s)
	return nil
}

func (r *reader) str() (string, error) {
	start := r.i
	r.i++
	escaped := false
	for r.i < len(r.b) {
		switch c := r.b[r.i]; {
		case c == '\\':
			escaped = true
			r.i += 2
			continue
		case c == '"':
			r.i++
			if !escaped {
				raw := r.b[start+1 : r.i-1]
				if len(raw) > 24 {
					return string(raw), nil
				}
				if k, ok := r.keys[string(raw)]; ok {
					return k, nil
				}
				k := string(raw)
				if r.keys == nil {
					r.keys = map[string]string{}
				}
				r.keys[k] = k
				return k, nil
			}
			var s string
			if err := json.Unmarshal(r.b[start:r.i], &s); err != nil {
				return "", r.errf("bad string: %v", err)
			}
			return s, nil
		case c < 0x20:
			return "", r.errf("control character in string")
		}
		r.i++
	}
	return "", r.errf("unterminated string")
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

func (r *reader) array() ([]any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.i++ // [
	out := []any{}
	r.ws()
	if r.i < len(r.b) && r.b[r.i] == ']' {
		r.i++
		return out, nil
	}
	for {
		v, err := r.value()
		if err != nil {
			return nil, err
		}
		out = append(out, v)
		r.ws()
		if r.i >= len(r.b) {
			return nil, r.errf("unterminated array")
		}
		switch r.b[r.i] {
		case ',':
			r.i++
		case ']':
			r.i++
			return out, nil
		default:
			return nil, r.errf("expected , or ]")
		}
	}
}

// object reads an object and returns a *Node when it has a nodeType.
func (r *reader) object() (any, error) {
	if err := r.enter(); err != nil {
		return nil, err
	}
	defer func() { r.depth-- }()
	r.i++ // {
	base := len(r.stack)
	var src Src
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
		if k == "src" && r.i < len(r.b) && r.b[r.i] == '"' {
			// Every node has a unique src: decode it in place rather than
			// allocating a string and boxing it.
			if err := r.src(&src); err != nil {
				return nil, err
			}
		} else {
			v, err := r.value()
			if err != nil {
				return nil, err
			}
			r.stack = append(r.stack, kv{k, v})
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
	pairs := make(object, len(r.stack)-base)
	copy(pairs, r.stack[base:])
	clear(r.stack[base:])
	r.stack = r.stack[:base]
	if t, ok := pairs.get("nodeType").(string); ok {
		return r.node(t, pairs, src)
	}
	return pairs, nil
}

func (r *reader) node(typ string, pairs object, src Src) (*Node, error) {
	n := &Node{Type: typ, Src: src}
	for _, p := range pairs {
		switch p.k {
		case "nodeType":
			continue
		case "id":
			if id, ok := p.v.(json.Number); ok {
				n.ID, _ = strconv.Atoi(string(id))
			}
			continue
		case "name":
			n.Name, _ = p.v.(string)
		}
		switch v := p.v.(type) {
		case *Node:
			n.addKid(p.k, v)
			continue
		case []any:
			if nodeList(v) {
				for _, e := range v {
					c, _ := e.(*Node)
					n.addKid(p.k, c)
				}
				continue
			}
		}
		n.attrs = append(n.attrs, p)
	}
	sort.SliceStable(n.Children, func(i, j int) bool { return n.Children[i].Src.Start < n.Children[j].Src.Start })
	return n, nil
}

func nodeList(arr []any) bool {
	for _, e := range arr {
		if _, ok := e.(*Node); ok {
			return true
		}
	}
	return false
}
