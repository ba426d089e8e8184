package compile

import (
	"context"
	"encoding/json"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"os"
	"strings"
	"sync"
	"testing"
	"time"
)

// The old-compiler tests share one install folder so that each release is
// downloaded once per test run (~8 MB each); SLIPWAY_TEST_SOLC_CACHE keeps
// the folder across runs.
var (
	legacyCacheOnce sync.Once
	legacyCacheDir  string
	legacyCacheTemp string // removed by TestMain
	legacyCacheErr  error
)

func legacyInstallDir(t *testing.T) string {
	t.Helper()
	legacyCacheOnce.Do(func() {
		if d := os.Getenv("SLIPWAY_TEST_SOLC_CACHE"); d != "" {
			legacyCacheDir = d
			return
		}
		legacyCacheTemp, legacyCacheErr = os.MkdirTemp("", "slipway-solc-")
		legacyCacheDir = legacyCacheTemp
	})
	if legacyCacheErr != nil {
		t.Fatal(legacyCacheErr)
	}
	return legacyCacheDir
}

// legacySources use each generation's deprecated constructs, which the
// audit input of public vulnerable-contract corpora is full of.
var legacySources = []struct {
	version, src string
}{
	{"0.4.24", `pragma solidity ^0.4.24;
contract Old {
    mapping(address => uint) balances;
    address owner;
    function Old() public { owner = msg.sender; }
    function bal(address a) public constant returns (uint) { return balances[a]; }
    function withdraw(uint x) public {
        if (balances[msg.sender] < x) throw;
        var h = sha3(x);
        h;
        require(msg.sender.call.value(x)());
        balances[msg.sender] -= x;
    }
    function kill() public { suicide(msg.sender); }
}
`},
	// 0.4.11 has only the legacy AST, handed back as "ast".
	{"0.4.11", `pragma solidity 0.4.11;
contract Oldest {
    address owner;
    function Oldest() { owner = msg.sender; }
    function kill() { if (msg.sender != owner) throw; suicide(owner); }
}
`},
	{"0.5.17", `pragma solidity ^0.5.17;
contract Bank {
    mapping(address => uint) balances;
    function withdraw(uint x) public {
        (bool ok, ) = msg.sender.call.value(x)("");
        require(ok);
        balances[msg.sender] -= x;
        if (now > 0) selfdestruct(msg.sender);
    }
}
`},
	{"0.6.12", `pragma solidity ^0.6.12;
contract Bank {
    mapping(address => uint) balances;
    receive() external payable { balances[msg.sender] += msg.value; }
    function withdraw(uint x) public {
        (bool ok, ) = msg.sender.call.value(x)("");
        require(ok);
        balances[msg.sender] -= x;
    }
}
`},
	{"0.7.6", `pragma solidity ^0.7.6;
contract Bank {
    mapping(address => uint) balances;
    receive() external payable { balances[msg.sender] += msg.value; }
    function withdraw(uint x) public {
        (bool ok, ) = msg.sender.call{value: x}("");
        require(ok);
        balances[msg.sender] -= x;
    }
}
`},
}

// Compiles with 0.4.24, 0.5.17, 0.6.12 and 0.7.6, each auto-installed from
// npm, through the same worker pool as 0.8: every solc-js API generation
// must answer standard JSON with an AST per source.
func TestOldCompilersThroughPool(t *testing.T) {
	needNPM(t)
	nm, _ := nodeModulesWithout(t)
	p := newTestPool(t, Config{NodeModules: nm, InstallDir: legacyInstallDir(t), AutoInstall: true})
	for _, tc := range legacySources {
		t.Run(tc.version, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 5*time.Minute)
			defer cancel()
			r, err := p.Compile(ctx, compileapi.Request{Source: tc.src})
			if err != nil {
				t.Fatalf("compile: %v", err)
			}
			// The newest release satisfying the caret pragma is installed.
			if minor := tc.version[:strings.LastIndexByte(tc.version, '.')+1]; !strings.HasPrefix(r.CompilerVersion, minor) {
				t.Fatalf("compiled with %s, want %sx", r.CompilerVersion, minor)
			}
			if len(r.Contracts) != 1 || len(r.Contracts[0].Bytecode) < 10 {
				t.Fatalf("contracts: %+v", r.Contracts)
			}
			if len(r.ASTs) != 1 {
				t.Fatalf("ASTs for %d sources, want 1", len(r.ASTs))
			}
			for name, ast := range r.ASTs {
				var head struct {
					NodeType string `json:"nodeType"`
					Name     string `json:"name"`
				}
				if err := json.Unmarshal(ast, &head); err != nil {
					t.Fatalf("AST of %s: %v", name, err)
				}
				if head.NodeType != "SourceUnit" && head.Name != "SourceUnit" {
					t.Fatalf("AST of %s is not a source unit: %.200s", name, ast)
				}
			}
			if tc.version == "0.4.24" && !strings.Contains(strings.Join(warningTexts(r), "\n"), "constructor") {
				t.Errorf("want the deprecated-constructor warning, got %v", r.Warnings)
			}
		})
	}
}

func warningTexts(r compileapi.Result) []string {
	var out []string
	for _, w := range r.Warnings {
		out = append(out, w.Message)
	}
	return out
}
