package verify

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/generate"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// vaultSrc is a user contract over OpenZeppelin's libraries (SafeERC20,
// Strings, ECDSA, MessageHashUtils, Math through a library of its own in
// another file), with constructor arguments and immutables.
const vaultSrc = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {Strings} from "@openzeppelin/contracts/utils/Strings.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {MessageHashUtils} from "@openzeppelin/contracts/utils/cryptography/MessageHashUtils.sol";
import {Fees} from "./lib/Fees.sol";

/// @title A vault that keeps a fee of every deposit its signer approves.
contract Vault {
    using SafeERC20 for IERC20;
    using Strings for uint256;

    IERC20 public immutable token;
    uint16 public immutable feeBps;
    address public immutable signer;
    string public label;
    mapping(address => uint256) public balances;

    constructor(IERC20 token_, uint16 feeBps_, address signer_, string memory label_) {
        token = token_;
        feeBps = feeBps_;
        signer = signer_;
        label = label_;
    }

    function deposit(uint256 amount, bytes calldata sig) external {
        bytes32 digest = MessageHashUtils.toEthSignedMessageHash(keccak256(abi.encode(msg.sender, amount)));
        require(ECDSA.recover(digest, sig) == signer, "not approved");
        token.safeTransferFrom(msg.sender, address(this), amount);
        balances[msg.sender] += amount - Fees.cut(amount, feeBps);
    }

    function describe() external view returns (string memory) {
        return string.concat(label, " fee ", uint256(feeBps).toString(), " bps");
    }

    function kind() external pure returns (string memory) {
        return "vault-v1";
    }
}
`

const feesSrc = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

library Fees {
    function cut(uint256 amount, uint16 bps) internal pure returns (uint256) {
        return Math.mulDiv(amount, bps, 10_000);
    }
}
`

// env is one anvil and one solc pool for every test of the package.
type env struct {
	acts  *Activities
	pool  *compile.Pool
	ec    *ethclient.Client
	chain *big.Int
	key   *ecdsa.PrivateKey
	from  common.Address
	other common.Address
}

func newEnv(t *testing.T) *env {
	t.Helper()
	node := anvil.NewForTest(t)
	ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
	defer cancel()
	pool, err := compile.NewPool(ctx, compile.Config{Size: 1, InstallDir: t.TempDir()})
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(pool.Close)
	ec, err := ethclient.DialContext(ctx, node.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(ec.Close)
	accts := node.Accounts()
	key, err := accts[0].Key()
	if err != nil {
		t.Fatal(err)
	}
	nets := chain.Config{Networks: []chain.Network{{Name: "dev", ChainID: node.ChainID(), RPCURLs: []string{node.RPCURL()}, Confirmations: 1}}}
	return &env{
		acts: &Activities{Pool: pool, Networks: nets}, // Dial nil: chain.Dial, as a worker does
		pool: pool, ec: ec, chain: new(big.Int).SetUint64(node.ChainID()),
		key: key, from: accts[0].Address, other: accts[1].Address,
	}
}

// deploy compiles req, deploys its contract with args from the first dev
// account and waits for the receipt; it answers the address, the
// transaction hash and the ABI-encoded arguments.
func (e *env) deploy(t *testing.T, req compileapi.Request, args ...any) (common.Address, common.Hash, []byte) {
	t.Helper()
	ctx := t.Context()
	res, err := e.pool.Compile(ctx, req)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	var c *compileapi.Contract
	for i := range res.Contracts {
		if res.Contracts[i].Name == req.ContractName {
			c = &res.Contracts[i]
		}
	}
	if c == nil {
		t.Fatalf("no contract %s in %+v", req.ContractName, res.Contracts)
	}
	parsed, err := abi.JSON(strings.NewReader(c.ABI))
	if err != nil {
		t.Fatal(err)
	}
	enc, err := parsed.Pack("", args...)
	if err != nil {
		t.Fatalf("encode constructor arguments: %v", err)
	}
	data := append(common.FromHex(c.Bytecode), enc...)
	nonce, err := e.ec.PendingNonceAt(ctx, e.from)
	if err != nil {
		t.Fatal(err)
	}
	tip, err := e.ec.SuggestGasTipCap(ctx)
	if err != nil {
		t.Fatal(err)
	}
	head, err := e.ec.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	gas, err := e.ec.EstimateGas(ctx, ethereum.CallMsg{From: e.from, Data: data})
	if err != nil {
		t.Fatalf("estimate gas: %v", err)
	}
	tx, err := types.SignTx(types.NewTx(&types.DynamicFeeTx{
		ChainID: e.chain, Nonce: nonce, GasTipCap: tip, GasFeeCap: new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip),
		Gas: gas * 12 / 10, Data: data,
	}), types.LatestSignerForChainID(e.chain), e.key)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.ec.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("send: %v", err)
	}
	for {
		r, err := e.ec.TransactionReceipt(ctx, tx.Hash())
		if err == nil {
			if r.Status != types.ReceiptStatusSuccessful {
				t.Fatalf("deployment of %s reverted", req.ContractName)
			}
			return r.ContractAddress, tx.Hash(), enc
		}
		if !errors.Is(err, ethereum.NotFound) {
			t.Fatal(err)
		}
		select {
		case <-ctx.Done():
			t.Fatal(ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// template generates an ERC20 as the generate stage does: permit (EIP-712,
// so immutables), mintable and owned, with its compiler pinned.
func template(t *testing.T, opts *slipwayv1.TemplateOptions) (compileapi.Request, []generate.Param) {
	t.Helper()
	g, err := generate.Generate(&slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "Verify Token", Symbol: "VTK", Options: opts})
	if err != nil {
		t.Fatal(err)
	}
	return compileapi.Request{
		Sources:         map[string]string{g.ContractName + ".sol": g.Source},
		ContractName:    g.ContractName,
		CompilerVersion: g.CompilerVersion,
	}, g.ConstructorParams
}

func wantNonRetryable(t *testing.T, err error, typ string) {
	t.Helper()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != typ || !ae.NonRetryable() {
		t.Fatalf("err = %v, want a non-retryable %s application error", err, typ)
	}
}

func TestVerify(t *testing.T) {
	e := newEnv(t)
	ctx := t.Context()

	tokenReq, params := template(t, &slipwayv1.TemplateOptions{Premint: "1000", Mintable: true})
	var tokenArgs []any
	for _, p := range params {
		if p.Type != "address" {
			t.Fatalf("template parameter %s is %s; the test passes addresses only", p.Name, p.Type)
		}
		tokenArgs = append(tokenArgs, e.from)
	}
	token, tokenTx, tokenEnc := e.deploy(t, tokenReq, tokenArgs...)

	vaultReq := compileapi.Request{
		Sources:      map[string]string{"contracts/Vault.sol": vaultSrc, "contracts/lib/Fees.sol": feesSrc},
		ContractName: "Vault",
		Optimizer:    compileapi.Optimizer{Enabled: true, Runs: 10000},
	}
	vault, vaultTx, vaultEnc := e.deploy(t, vaultReq, token, uint16(25), e.other, "Slipway vault")

	verify := func(t *testing.T, in verifyapi.Input) verifyapi.Result {
		t.Helper()
		r, err := e.acts.Verify(ctx, in)
		if err != nil {
			t.Fatalf("Verify: %v", err)
		}
		t.Logf("%s %s: %s", r.Status, r.Match, r.Message)
		return r
	}
	full := func(t *testing.T, r verifyapi.Result, file string, args []byte) {
		t.Helper()
		if r.Status != verifyapi.StatusVerified || r.Match != verifyapi.MatchFull || r.RuntimeMatch != "perfect" || r.ContractFile != file ||
			!strings.HasPrefix(r.CompilerVersion, "0.8.37+commit.") {
			t.Fatalf("result %+v, want VERIFIED with a full match of %s", r, file)
		}
		if args != nil && (r.CreationMatch != "perfect" || r.ConstructorArguments != hexutil.Encode(args)) {
			t.Fatalf("creation match %q, constructor arguments %s; want perfect and %x", r.CreationMatch, r.ConstructorArguments, args)
		}
	}

	t.Run("template full match", func(t *testing.T) {
		r := verify(t, verifyapi.Input{Network: "dev", Address: token.Hex(), CreationTxHash: tokenTx.Hex(), Compile: &tokenReq})
		full(t, r, tokenReq.ContractName+".sol", tokenEnc)
	})

	t.Run("user contract with constructor arguments and OpenZeppelin libraries full match", func(t *testing.T) {
		// No ContractFile: the contract is found among the request's files.
		r := verify(t, verifyapi.Input{Network: "dev", Address: vault.Hex(), CreationTxHash: vaultTx.Hex(), Compile: &vaultReq})
		full(t, r, "contracts/Vault.sol", vaultEnc)
	})

	t.Run("standard JSON input full match", func(t *testing.T) {
		std, err := e.pool.StandardInput(ctx, vaultReq)
		if err != nil {
			t.Fatal(err)
		}
		r := verify(t, verifyapi.Input{Network: "dev", Address: strings.ToLower(vault.Hex()), StandardJSON: std.JSON,
			CompilerVersion: std.CompilerVersion, ContractName: "Vault", ContractFile: "contracts/Vault.sol"})
		full(t, r, "contracts/Vault.sol", nil)
		if r.CreationMatch != "" || r.ConstructorArguments != "" {
			t.Fatalf("without a creation transaction: creation match %q, arguments %q", r.CreationMatch, r.ConstructorArguments)
		}
	})

	t.Run("changed comment partial match", func(t *testing.T) {
		req := tokenReq
		file := req.ContractName + ".sol"
		req.Sources = map[string]string{file: tokenReq.Sources[file] + "\n// A comment the deployed metadata does not have.\n"}
		r := verify(t, verifyapi.Input{Network: "dev", Address: token.Hex(), CreationTxHash: tokenTx.Hex(), Compile: &req})
		if r.Status != verifyapi.StatusVerified || r.Match != verifyapi.MatchPartial || r.RuntimeMatch != "partial" || r.CreationMatch != "partial" ||
			r.ConstructorArguments != hexutil.Encode(tokenEnc) {
			t.Fatalf("result %+v, want VERIFIED with a partial match", r)
		}
	})

	t.Run("different code fails", func(t *testing.T) {
		burnable, _ := template(t, &slipwayv1.TemplateOptions{Premint: "1000", Mintable: true, Burnable: true})
		r := verify(t, verifyapi.Input{Network: "dev", Address: token.Hex(), CreationTxHash: tokenTx.Hex(), Compile: &burnable})
		if r.Status != verifyapi.StatusFailed || r.Match != "" || r.RuntimeMatch != "" || !strings.Contains(r.Message, "length") {
			t.Fatalf("result %+v, want FAILED for a longer bytecode", r)
		}
		// The same length, other bytes.
		v2 := vaultReq
		v2.Sources = map[string]string{"contracts/Vault.sol": strings.Replace(vaultSrc, `"vault-v1"`, `"vault-v2"`, 1), "contracts/lib/Fees.sol": feesSrc}
		r = verify(t, verifyapi.Input{Network: "dev", Address: vault.Hex(), CreationTxHash: vaultTx.Hex(), Compile: &v2})
		if r.Status != verifyapi.StatusFailed || r.Match != "" || !strings.Contains(r.Message, "don't match") {
			t.Fatalf("result %+v, want FAILED for other code", r)
		}
	})

	t.Run("no code fails", func(t *testing.T) {
		r := verify(t, verifyapi.Input{Network: "dev", Address: e.other.Hex(), Compile: &tokenReq})
		if r.Status != verifyapi.StatusFailed || !strings.Contains(r.Message, "no contract code") {
			t.Fatalf("result %+v, want FAILED: no code", r)
		}
	})

	t.Run("bad input", func(t *testing.T) {
		_, err := e.acts.Verify(ctx, verifyapi.Input{Network: "mainnet", Address: token.Hex(), Compile: &tokenReq})
		wantNonRetryable(t, err, verifyapi.ErrTypeConfig)
		_, err = e.acts.Verify(ctx, verifyapi.Input{Network: "dev", Address: token.Hex(), CreationTxHash: vaultTx.Hex(), Compile: &tokenReq})
		wantNonRetryable(t, err, verifyapi.ErrTypeInput) // that transaction created the vault
		_, err = e.acts.Verify(ctx, verifyapi.Input{Network: "dev", Address: "0x1234", Compile: &tokenReq})
		wantNonRetryable(t, err, verifyapi.ErrTypeInput)
		_, err = e.acts.Verify(ctx, verifyapi.Input{Network: "dev", Address: token.Hex(), CreationTxHash: "0x12", Compile: &tokenReq})
		wantNonRetryable(t, err, verifyapi.ErrTypeInput)
		_, err = e.acts.Verify(ctx, verifyapi.Input{Network: "dev", Address: token.Hex(), Compile: &tokenReq, ContractName: "Nope"})
		wantNonRetryable(t, err, verifyapi.ErrTypeInput)
		_, err = e.acts.Verify(ctx, verifyapi.Input{Network: "dev", Address: token.Hex()})
		wantNonRetryable(t, err, verifyapi.ErrTypeInput)
		broken := compileapi.Request{Source: "pragma solidity ^0.8.0; contract X { y }", ContractName: "X"}
		_, err = e.acts.Verify(ctx, verifyapi.Input{Network: "dev", Address: token.Hex(), Compile: &broken})
		wantNonRetryable(t, err, verifyapi.ErrTypeInput) // lib-sourcify's compiler_error
	})
}
