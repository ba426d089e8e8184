package compile

import (
	"errors"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"strings"
	"testing"
	"time"
)

// Two files importing each other compile (Solidity allows cyclic imports)
// without the resolver looping; expressions nested far deeper than any
// real source get a clear compile error, not a hang, and the pool goes on
// serving.
func TestImportLoopAndDeepNesting(t *testing.T) {
	p := shared(t)
	loop := map[string]string{
		"A.sol": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\nimport \"./B.sol\";\ncontract A { function b() external pure returns (uint) { return 1; } }\n",
		"B.sol": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\nimport \"./A.sol\";\ncontract B { function a() external pure returns (uint) { return 2; } }\n",
	}
	res, err := p.Compile(ctxT(t), compileapi.Request{Sources: loop, ContractName: "A"})
	if err != nil {
		t.Fatalf("import loop: %v", err)
	}
	if len(res.Contracts) != 2 {
		t.Fatalf("import loop compiled %d contracts, want 2", len(res.Contracts))
	}

	for _, depth := range []int{2000, 50000} {
		src := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.0;\ncontract D { function f() external pure returns (uint) { return " +
			strings.Repeat("(", depth) + "1" + strings.Repeat(")", depth) + "; } }\n"
		began := time.Now()
		_, err := p.Compile(ctxT(t), compileapi.Request{Source: src})
		var ce *CompileError
		switch {
		case err == nil:
			// solc may accept it: then it compiled, which is fine too.
		case errors.As(err, &ce), errors.Is(err, ErrCompiler), errors.Is(err, ErrOutputTooLarge):
			if Retryable(err) {
				t.Fatalf("depth %d: %v is retryable", depth, err)
			}
		default:
			t.Fatalf("depth %d: %v, want a compile error the user can act on", depth, err)
		}
		t.Logf("depth %d: %v in %s", depth, err, time.Since(began).Round(time.Millisecond))
	}
	if _, err := p.Compile(ctxT(t), compileapi.Request{Source: counterSrc}); err != nil {
		t.Fatalf("the pool after deep nesting: %v", err)
	}
}
