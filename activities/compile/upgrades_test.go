package compile

import (
	"errors"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"strings"
	"testing"
)

// upgradeableTokenSrc is a UUPS token as the OpenZeppelin Wizard writes
// it: its constructor only disables initializers on the implementation,
// and says so.
const upgradeableTokenSrc = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Initializable} from "@openzeppelin/contracts-upgradeable/proxy/utils/Initializable.sol";
import {ERC20Upgradeable} from "@openzeppelin/contracts-upgradeable/token/ERC20/ERC20Upgradeable.sol";
import {OwnableUpgradeable} from "@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol";
import {UUPSUpgradeable} from "@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol";

contract MyToken is Initializable, ERC20Upgradeable, OwnableUpgradeable, UUPSUpgradeable {
    /// @custom:oz-upgrades-unsafe-allow constructor
    constructor() {
        _disableInitializers();
    }

    function initialize(address owner) public initializer {
        __ERC20_init("My Token", "MTK");
        __Ownable_init(owner);
        _mint(owner, 1000 * 10 ** decimals());
    }

    function _authorizeUpgrade(address) internal override onlyOwner {}
}
`

// storeV1 is the previous version of the storage layout tests.
const storeV1 = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract Store {
    uint256 a;
    uint256 b;

    function set(uint256 x) external {
        a = x;
        b = x;
    }
}
`

// namespacedV1 keeps its variables in an ERC-7201 namespace, as
// @openzeppelin/contracts-upgradeable does.
const namespacedV1 = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

contract Store {
    /// @custom:storage-location erc7201:store.main
    struct Main {
        uint256 a;
        uint256 b;
    }

    // keccak256(abi.encode(uint256(keccak256("store.main")) - 1)) & ~bytes32(uint256(0xff))
    bytes32 private constant MAIN = 0x6fe1571aaab80f19c0fe0e3535e2f559a1da1dde5c38695dcc6ee68411ea9300;

    function _main() private pure returns (Main storage $) {
        assembly {
            $.slot := MAIN
        }
    }

    function a() external view returns (uint256) {
        return _main().a;
    }
}
`

// upgradeVersionOf is src's contract name as UpgradeSafety takes it, from
// the standard JSON input a compile of src sends.
func upgradeVersionOf(t *testing.T, p *Pool, src, name string) UpgradeVersion {
	t.Helper()
	std, err := p.StandardInput(ctxT(t), compileapi.Request{Source: src, ContractName: name})
	if err != nil {
		t.Fatal(err)
	}
	return UpgradeVersion{StandardJSON: std.JSON, CompilerVersion: std.CompilerVersion, ContractFile: DefaultFile, ContractName: name}
}

// hasLine reports whether one of lines starts with prefix and contains
// every one of parts.
func hasLine(lines []string, prefix string, parts ...string) bool {
	for _, l := range lines {
		ok := strings.HasPrefix(l, prefix)
		for _, part := range parts {
			ok = ok && strings.Contains(l, part)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestUpgradeSafetyUpgradeableToken: a token written against
// @openzeppelin/contracts-upgradeable, as the Wizard writes one, is safe
// behind a UUPS proxy (its constructor is allowed by its annotation, it has
// upgradeToAndCall), and so is an upgrade of it that appends a variable
// (its parents keep their variables in ERC-7201 namespaces, which are
// compared too). One call checks both: a cold worker's first check of
// OpenZeppelin's sources takes a few seconds.
func TestUpgradeSafetyUpgradeableToken(t *testing.T) {
	p := shared(t)
	v1 := upgradeVersionOf(t, p, upgradeableTokenSrc, "MyToken")
	if !strings.Contains(string(v1.StandardJSON), `"@openzeppelin/contracts-upgradeable/proxy/utils/UUPSUpgradeable.sol"`) ||
		!strings.Contains(string(v1.StandardJSON), `"@openzeppelin/contracts/proxy/ERC1967/ERC1967Utils.sol"`) {
		t.Fatal("standard input lacks the resolved upgradeable imports and the @openzeppelin/contracts files they import")
	}
	v2 := upgradeVersionOf(t, p, strings.Replace(upgradeableTokenSrc, "    /// @custom:oz-upgrades-unsafe-allow constructor",
		"    uint256 public cap;\n\n    /// @custom:oz-upgrades-unsafe-allow constructor", 1), "MyToken")
	r, err := p.UpgradeSafety(ctxT(t), UpgradeSafetyRequest{Kind: ProxyUUPS, New: v2, Previous: &v1})
	if err != nil {
		t.Fatal(err)
	}
	if !r.Safe || len(r.Errors) != 0 {
		t.Fatalf("%+v, want safe", r)
	}
}

// TestUpgradeSafetyUnsafe: what makes an implementation unsafe is found
// and named, in the contract that has it, with the library's explanation.
func TestUpgradeSafetyUnsafe(t *testing.T) {
	p := shared(t)
	cases := []struct {
		name, kind, src string
		line            []string // prefix, then parts of an Errors line
		report          string
	}{
		{"constructor", ProxyTransparent, `pragma solidity ^0.8.24;
contract Vault {
    address public owner;
    constructor() {
        owner = msg.sender;
    }
}
`, []string{"constructor: Vault (Contract.sol:4): ", "has a constructor"}, "Define an initializer instead"},
		{"selfdestruct", ProxyTransparent, `pragma solidity ^0.8.24;
contract Vault {
    address public owner;
    function initialize() external { owner = msg.sender; }
    function close() external { selfdestruct(payable(owner)); }
}
`, []string{"selfdestruct: Vault (Contract.sol:5): ", "selfdestruct is not allowed"}, "https://zpl.in/upgrades/error-003"},
		{"delegatecall", ProxyTransparent, `pragma solidity ^0.8.24;
contract Vault {
    function run(address target, bytes calldata data) external returns (bytes memory) {
        (bool ok, bytes memory out) = target.delegatecall(data);
        require(ok);
        return out;
    }
}
`, []string{"delegatecall: Vault (Contract.sol:", "delegatecall is not allowed"}, "error-002"},
		{"state variable assignment", ProxyTransparent, `pragma solidity ^0.8.24;
contract Vault {
    uint256 public limit = 100;
}
`, []string{"state-variable-assignment: Vault (Contract.sol:3): ", "`limit` is assigned an initial value"}, "Move the assignment to the initializer"},
		{"immutable", ProxyTransparent, `pragma solidity ^0.8.24;
contract Vault {
    uint256 public immutable limit = 100;
}
`, []string{"state-variable-immutable: Vault (Contract.sol:3): ", "`limit` is immutable"}, ""},
		{"uups without upgradeToAndCall", ProxyUUPS, `pragma solidity ^0.8.24;
contract Vault {
    uint256 public x;
    function initialize() external { x = 1; }
}
`, []string{"missing-public-upgradeto: Vault (Contract.sol:2): ", "upgradeToAndCall(address,bytes)"}, "Inherit UUPSUpgradeable"},
		{"inherited constructor", ProxyTransparent, `pragma solidity ^0.8.24;
contract Base {
    uint256 internal x;
    constructor() { x = 1; }
}
contract Vault is Base {
    function get() external view returns (uint256) { return x; }
}
`, []string{"constructor: Base (Contract.sol:4): ", "Contract `Base` has a constructor"}, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, err := p.UpgradeSafety(ctxT(t), UpgradeSafetyRequest{Kind: tc.kind, New: upgradeVersionOf(t, p, tc.src, "Vault")})
			if err != nil {
				t.Fatal(err)
			}
			if r.Safe || !hasLine(r.Errors, tc.line[0], tc.line[1:]...) || !strings.Contains(r.Report, tc.report) {
				t.Fatalf("report %+v\nwant unsafe, an error %q, a report with %q", r, tc.line, tc.report)
			}
			if strings.Contains(r.Report, "\x1b[") {
				t.Errorf("report has colour codes: %q", r.Report)
			}
			t.Logf("errors: %q", r.Errors)
		})
	}
	t.Run("transparent needs no upgradeToAndCall", func(t *testing.T) {
		v := upgradeVersionOf(t, p, "pragma solidity ^0.8.24;\ncontract Vault {\n    uint256 public x;\n    function initialize() external { x = 1; }\n}\n", "Vault")
		r, err := p.UpgradeSafety(ctxT(t), UpgradeSafetyRequest{Kind: ProxyTransparent, New: v})
		if err != nil || !r.Safe || len(r.Errors) != 0 || r.Report != "" {
			t.Fatalf("report %+v, %v; want safe", r, err)
		}
	})
}

// TestUpgradeSafetyStorageLayout: an upgrade may append variables; one that
// reorders, removes or retypes them (also inside an ERC-7201 namespace) is
// refused, naming the variable.
func TestUpgradeSafetyStorageLayout(t *testing.T) {
	p := shared(t)
	cases := []struct {
		name, v1, v2 string
		safe         bool
		line         []string
		report       string
	}{
		{name: "append", v1: storeV1, v2: strings.Replace(storeV1, "uint256 b;", "uint256 b;\n    uint256 c;", 1), safe: true},
		{name: "swap", v1: storeV1, v2: strings.Replace(storeV1, "uint256 a;\n    uint256 b;", "uint256 b;\n    uint256 a;", 1),
			line: []string{"storage-delete: Store (previous Contract.sol:5): ", "Deleted `a`"}, report: "Inserted `a`"},
		{name: "remove", v1: storeV1, v2: strings.Replace(strings.Replace(storeV1, "    uint256 a;\n", "", 1), "a = x;", "", 1),
			line: []string{"storage-delete: Store (previous Contract.sol:5): ", "Deleted `a`"}, report: "Keep the variable even if unused"},
		{name: "retype", v1: storeV1, v2: strings.Replace(strings.Replace(storeV1, "uint256 b;", "address b;", 1), "b = x;", "b = address(uint160(x));", 1),
			line: []string{"storage-typechange: Store (Contract.sol:6): ", "`b`", "incompatible type"}, report: "Bad upgrade from uint256 to address"},
		{name: "namespace append", v1: namespacedV1, v2: strings.Replace(namespacedV1, "uint256 b;", "uint256 b;\n        uint256 c;", 1), safe: true},
		{name: "namespace retype", v1: namespacedV1, v2: strings.Replace(namespacedV1, "uint256 a;", "uint128 a;", 1),
			line: []string{"storage-typechange: Store (Contract.sol:7): ", "`a`"}, report: "Bad upgrade from uint256 to uint128"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prev := upgradeVersionOf(t, p, tc.v1, "Store")
			prev.ContractFile = "" // found among the sources
			r, err := p.UpgradeSafety(ctxT(t), UpgradeSafetyRequest{Kind: ProxyTransparent, New: upgradeVersionOf(t, p, tc.v2, "Store"), Previous: &prev})
			if err != nil {
				t.Fatal(err)
			}
			if tc.safe {
				if !r.Safe || len(r.Errors) != 0 {
					t.Fatalf("report %+v, want safe", r)
				}
				return
			}
			if r.Safe || !hasLine(r.Errors, tc.line[0], tc.line[1:]...) || !strings.Contains(r.Report, tc.report) {
				t.Fatalf("report %+v\nwant unsafe, an error %q, a report with %q", r, tc.line, tc.report)
			}
			t.Logf("errors: %q", r.Errors)
		})
	}
}

// TestUpgradeSafetyRequestErrors: requests that cannot be checked fail as a
// compile of them would, never as a verdict.
func TestUpgradeSafetyRequestErrors(t *testing.T) {
	p := shared(t)
	ctx := ctxT(t)
	good := upgradeVersionOf(t, p, storeV1, "Store")
	broken := upgradeVersionOf(t, p, "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\ncontract Store { uint256 a }\n", "Store")
	diag := func(t *testing.T, err error, code, part string) {
		t.Helper()
		var ce *CompileError
		if !errors.As(err, &ce) || len(ce.Diagnostics) == 0 {
			t.Fatalf("err = %v, want a *CompileError", err)
		}
		for _, d := range ce.Diagnostics {
			if d.Severity == compileapi.SeverityError && (code == "" || d.Code == code) && strings.Contains(d.Message, part) {
				return
			}
		}
		t.Fatalf("diagnostics %v: none with code %q and %q", ce.Diagnostics, code, part)
	}
	t.Run("new does not compile", func(t *testing.T) {
		_, err := p.UpgradeSafety(ctx, UpgradeSafetyRequest{Kind: ProxyUUPS, New: broken})
		diag(t, err, "", "")
		var ce *CompileError
		errors.As(err, &ce)
		if d := ce.Diagnostics[0]; d.File != DefaultFile || d.Line != 3 || d.Type != "ParserError" {
			t.Errorf("diagnostic %+v, want solc's ParserError at Contract.sol:3", d)
		}
	})
	t.Run("previous does not compile", func(t *testing.T) {
		_, err := p.UpgradeSafety(ctx, UpgradeSafetyRequest{Kind: ProxyUUPS, New: good, Previous: &broken})
		diag(t, err, "", "previous version: ")
	})
	t.Run("contract not found", func(t *testing.T) {
		v := good
		v.ContractName = "Nope"
		_, err := p.UpgradeSafety(ctx, UpgradeSafetyRequest{Kind: ProxyUUPS, New: v})
		diag(t, err, compileapi.CodeContract, "Nope is not defined in Contract.sol")
	})
	t.Run("abstract", func(t *testing.T) {
		v := upgradeVersionOf(t, p, "pragma solidity ^0.8.24;\nabstract contract Store { uint256 a; }\n", "Store")
		_, err := p.UpgradeSafety(ctx, UpgradeSafetyRequest{Kind: ProxyTransparent, New: v})
		diag(t, err, compileapi.CodeContract, "abstract")
	})
	for name, mutate := range map[string]func(r *UpgradeSafetyRequest){
		"proxy kind":   func(r *UpgradeSafetyRequest) { r.Kind = "beacon" },
		"unknown file": func(r *UpgradeSafetyRequest) { r.New.ContractFile = "Other.sol" },
		"not JSON":     func(r *UpgradeSafetyRequest) { r.New.StandardJSON = []byte("{") },
		"no version":   func(r *UpgradeSafetyRequest) { r.New.CompilerVersion = "" },
		"bad name":     func(r *UpgradeSafetyRequest) { r.New.ContractName = "a-b" },
		"URL source": func(r *UpgradeSafetyRequest) {
			r.New.StandardJSON = []byte(`{"language":"Solidity","sources":{"A.sol":{"urls":["https://x"]}},"settings":{}}`)
		},
		"previous bad": func(r *UpgradeSafetyRequest) { r.Previous = &UpgradeVersion{ContractName: "Store"} },
	} {
		t.Run(name, func(t *testing.T) {
			r := UpgradeSafetyRequest{Kind: ProxyUUPS, New: good}
			mutate(&r)
			_, err := p.UpgradeSafety(ctx, r)
			diag(t, err, compileapi.CodeInput, "")
		})
	}
	t.Run("uninstalled compiler", func(t *testing.T) {
		v := good
		v.CompilerVersion = "0.4.1"
		if _, err := p.UpgradeSafety(ctx, UpgradeSafetyRequest{Kind: ProxyUUPS, New: v}); !errors.Is(err, ErrNoCompiler) {
			t.Errorf("err = %v, want ErrNoCompiler", err)
		}
	})
	t.Run("upgrades-core not installed", func(t *testing.T) {
		bare := &Pool{cfg: Config{NodeModules: t.TempDir()}}
		_, err := bare.UpgradeSafety(ctx, UpgradeSafetyRequest{Kind: ProxyUUPS, New: good})
		if !errors.Is(err, ErrUpgradesCoreMissing) || Retryable(err) {
			t.Errorf("err = %v, want ErrUpgradesCoreMissing", err)
		}
	})
}

func TestUpgradeVerdictReport(t *testing.T) {
	src := map[string]string{"A.sol": "contract A {\n  x\n}\n"}
	r, err := upgradeVerdict{Safe: false, Errors: []string{"constructor: A (A.sol:1): x"}, Report: "r"}.report(nil)
	if err != nil || r.Safe || len(r.Errors) != 1 || r.Report != "r" {
		t.Fatalf("verdict: %+v, %v", r, err)
	}
	_, err = upgradeVerdict{Code: "compiler_error", Side: "previous", Message: "ParserError",
		SolcErrors: []byte(`[{"severity":"error","type":"ParserError","message":"Expected ';'","sourceLocation":{"file":"A.sol","start":15,"end":16}}]`)}.report(src)
	var ce *CompileError
	if !errors.As(err, &ce) || len(ce.Diagnostics) != 1 || ce.Diagnostics[0].Line != 2 || ce.Diagnostics[0].Column != 3 ||
		ce.Diagnostics[0].Message != "previous version: Expected ';'" {
		t.Fatalf("compiler_error: %v (%+v)", err, ce)
	}
	if _, err := (upgradeVerdict{Code: "compiler_error"}).report(src); !errors.Is(err, ErrUpgradesCore) {
		t.Errorf("compiler_error without errors: %v", err)
	}
	if _, err := (upgradeVerdict{Code: "solc_threw", Message: "Maximum call stack size exceeded"}).report(src); !errors.Is(err, ErrCompiler) {
		t.Errorf("solc_threw: %v", err)
	}
	if _, err := (upgradeVerdict{Code: "internal", Message: "TypeError: x"}).report(src); !errors.Is(err, ErrUpgradesCore) || Retryable(err) {
		t.Errorf("internal: %v", err)
	}
}
