package lint

// solc before 0.5 emits a compact AST that differs from the later one in
// ways the detectors would otherwise have to know about one by one: global
// identifiers (msg, tx, block, now, suicide…) refer to positive ids of
// declarations no source unit holds instead of negative ones, function
// calls carry isTypeConversion / isStructConstructorCall instead of kind,
// and function definitions carry isConstructor (or the contract's name)
// instead of kind. normalize rewrites those attributes into the 0.5+ form
// once, after the units are indexed, so that public corpora of 0.4.x
// contracts are analyzed by the same detectors.

// globals are the names solc declares outside any source unit.
var globals = map[string]bool{
	"msg": true, "tx": true, "block": true, "now": true, "this": true, "super": true,
	"selfdestruct": true, "suicide": true, "sha3": true, "keccak256": true, "sha256": true,
	"ripemd160": true, "ecrecover": true, "require": true, "assert": true, "revert": true,
	"addmod": true, "mulmod": true, "blockhash": true, "gasleft": true, "abi": true,
	"log0": true, "log1": true, "log2": true, "log3": true, "log4": true, "type": true,
}

func (n *Node) setAttr(key string, v any) {
	for i := range n.attrs {
		if n.attrs[i].k == key {
			n.attrs[i].v = v
			return
		}
	}
	n.attrs = append(n.attrs, kv{k: key, v: v})
}

// normalize brings pre-0.5 AST attributes into the 0.5+ form in place.
func (a *analysis) normalize(nodes [][]*Node) {
	for _, l := range nodes {
		for _, n := range l {
			switch n.Type {
			case "Identifier":
				if r := n.Ref(); r > 0 && globals[n.Name] && a.declOf(r) == nil {
					n.ref = -r
				}
			case "FunctionCall":
				if n.Attr("kind") == nil {
					kind := "functionCall"
					if n.Bool("isTypeConversion") {
						kind = "typeConversion"
					} else if n.Bool("isStructConstructorCall") {
						kind = "structConstructorCall"
					}
					n.setAttr("kind", kind)
				}
			case "FunctionDefinition":
				if n.Attr("kind") == nil {
					kind := "function"
					if isConstructor(n) {
						kind = "constructor"
					} else if n.Name == "" {
						kind = "fallback"
					}
					n.setAttr("kind", kind)
				}
			}
		}
	}
}
