package lint

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/generate"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// The benchmarks time Analyze alone: solc runs once, before the timed
// loop. Each reports, besides ns/op, two ratios measured in the same run
// so that figures from a loaded machine stay comparable:
//
//	x-json  Analyze / encoding/json decoding the same ASTs into any
//	        (the floor of any analysis that reads them that way)
//	x-solc  Analyze / the solc-js compile that produced the ASTs
//
// Targets (issue 4): a generated ERC20 under 10 ms, a 2,000-line contract
// under 100 ms.

// benchERC20 is a Wizard-style token as the generate stage emits it.
func benchERC20(b *testing.B) map[string]string {
	gen, err := generate.Generate(&slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "Token", Symbol: "TKN",
		Options: &slipwayv1.TemplateOptions{Premint: "1000", Mintable: true, Burnable: true, Pausable: true, Access: "ownable"}})
	if err != nil {
		b.Fatalf("generate: %v", err)
	}
	return map[string]string{gen.ContractName + ".sol": gen.Source}
}

// bigContract renders a self-contained contract of about n lines that
// exercises what the detectors look at: state reads and writes, guards,
// loops, low-level and external calls, modifiers and internal calls.
func bigContract(n int) string {
	var s strings.Builder
	s.WriteString("// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\n\n")
	s.WriteString(`interface IToken {
    function transfer(address to, uint256 amount) external returns (bool);
    function balanceOf(address who) external view returns (uint256);
}

contract Big {
    struct Account { uint256 balance; uint256 since; address delegate; bool frozen; }
    address public owner;
    bool private locked;
    IToken public token;
    mapping(address => Account) public accounts;
    mapping(address => mapping(address => uint256)) public allowances;
    address[] public members;
    uint256 public total;

    event Moved(address indexed from, address indexed to, uint256 amount);

    modifier onlyOwner() { require(msg.sender == owner, "owner"); _; }
    modifier nonReentrant() { require(!locked, "locked"); locked = true; _; locked = false; }

    constructor(IToken t) { owner = msg.sender; token = t; }

    receive() external payable { accounts[msg.sender].balance += msg.value; }
`)
	lines := strings.Count(s.String(), "\n")
	for i := 0; lines < n-2; i++ {
		fn := fmt.Sprintf(`
    function deposit%[1]d(address to, uint256 amount) external payable {
        require(to != address(0), "zero");
        require(!accounts[to].frozen, "frozen");
        Account storage acc = accounts[to];
        uint256 fee = amount / 100 + %[1]d;
        acc.balance += msg.value - fee;
        acc.since = block.timestamp;
        total += msg.value;
        emit Moved(msg.sender, to, amount);
    }

    function withdraw%[1]d(uint256 amount) external nonReentrant {
        Account storage acc = accounts[msg.sender];
        require(acc.balance >= amount, "balance");
        acc.balance -= amount;
        (bool ok, ) = msg.sender.call{value: amount}("");
        require(ok, "send");
    }

    function sweep%[1]d(uint256 from, uint256 to) external onlyOwner returns (uint256 sum) {
        for (uint256 i = from; i < to && i < members.length; i++) {
            address m = members[i];
            if (accounts[m].since + 365 days < block.timestamp) {
                sum += _drain%[1]d(m);
            }
        }
        require(token.transfer(owner, sum), "transfer");
    }

    function _drain%[1]d(address m) internal returns (uint256 v) {
        v = accounts[m].balance;
        accounts[m].balance = 0;
        allowances[m][owner] = v;
    }
`, i)
		s.WriteString(fn)
		lines += strings.Count(fn, "\n")
	}
	s.WriteString("}\n")
	return s.String()
}

func benchAnalyze(b *testing.B, sources map[string]string) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	p := testPool(b)
	start := time.Now()
	res, err := p.Compile(ctx, compileapi.Request{Sources: sources})
	if err != nil {
		b.Fatalf("compile: %v", err)
	}
	solc := time.Since(start)
	units := UnitsFromResult(res)
	opts := Options{CompilerVersion: res.CompilerVersion}
	fs, err := Analyze(units, opts)
	if err != nil {
		b.Fatal(err)
	}

	// Baseline: decoding the same ASTs with encoding/json, averaged over
	// at least 200 ms.
	var runs int
	bstart := time.Now()
	for runs == 0 || time.Since(bstart) < 200*time.Millisecond {
		for _, u := range units {
			var v any
			if err := json.Unmarshal(u.AST, &v); err != nil {
				b.Fatal(err)
			}
		}
		runs++
	}
	decode := time.Since(bstart) / time.Duration(runs)

	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Analyze(units, opts); err != nil {
			b.Fatal(err)
		}
	}
	b.StopTimer()
	per := b.Elapsed() / time.Duration(b.N)
	var size int
	for _, u := range units {
		size += len(u.AST)
	}
	b.ReportMetric(float64(per)/float64(decode), "x-json")
	b.ReportMetric(float64(per)/float64(solc), "x-solc")
	b.ReportMetric(float64(size)/1e6, "MB-ast")
	b.Logf("%d units, %.1f MB of AST, %d findings; analyze %v, json decode %v, solc %v", len(units), float64(size)/1e6, len(fs), per, decode, solc)
}

// BenchmarkAnalyzeERC20 is the lint stage of a deployment of a generated
// token (with OpenZeppelin's sources in the AST).
func BenchmarkAnalyzeERC20(b *testing.B) { benchAnalyze(b, benchERC20(b)) }

// BenchmarkAnalyze2000Lines is a 2,000-line contract of the user's own.
func BenchmarkAnalyze2000Lines(b *testing.B) {
	benchAnalyze(b, map[string]string{"Big.sol": bigContract(2000)})
}
