package anvil

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slipway-dev/slipway/internal/create2"
)

func nonceAt(t *testing.T, ctx context.Context, c *ethclient.Client, addr common.Address) uint64 {
	t.Helper()
	n, err := c.NonceAt(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func codeAt(t *testing.T, ctx context.Context, c *ethclient.Client, addr common.Address) []byte {
	t.Helper()
	code, err := c.CodeAt(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestCreate2FactoryByDefault: anvil has the proxy from genesis, so
// EnsureCreate2Factory (run by NewForTest, as by the dev stack) sends
// nothing.
func TestCreate2FactoryByDefault(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	n := NewForTest(t)
	c := dial(t, n)
	if err := create2.Check(ctx, c); err != nil {
		t.Fatal(err)
	}
	if err := n.EnsureCreate2Factory(ctx); err != nil {
		t.Fatal(err)
	}
	if d, a := nonceAt(t, ctx, c, create2.DeployerAddress), nonceAt(t, ctx, c, n.Accounts()[0].Address); d != 0 || a != 0 {
		t.Errorf("nonces: deployer %d, first dev account %d; want 0 and 0 (nothing sent)", d, a)
	}
}

// TestEnsureCreate2FactoryWithoutDefault: started without anvil's default
// proxy, the chain lacks it until EnsureCreate2Factory deploys it from its
// presigned transaction (which anvil accepts without EIP-155); a contract
// deployed through it then lands at create2.Address.
func TestEnsureCreate2FactoryWithoutDefault(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	n := startForTest(t, Options{NoDefaultCreate2Deployer: true})
	c := dial(t, n)
	if err := create2.Check(ctx, c); !errors.Is(err, create2.ErrNoFactory) {
		t.Fatalf("Check with --disable-default-create2-deployer: %v, want ErrNoFactory", err)
	}

	if err := n.EnsureCreate2Factory(ctx); err != nil {
		t.Fatal(err)
	}
	if code := codeAt(t, ctx, c, create2.FactoryAddress); !bytes.Equal(code, create2.RuntimeCode()) {
		t.Fatalf("code at the factory %x, want the proxy's", code)
	}
	first := n.Accounts()[0].Address
	if d, a := nonceAt(t, ctx, c, create2.DeployerAddress), nonceAt(t, ctx, c, first); d != 1 || a != 1 {
		t.Errorf("nonces: deployer %d, first dev account %d; want 1 and 1 (funded, then deployed)", d, a)
	}
	// Again: nothing to do.
	if err := n.EnsureCreate2Factory(ctx); err != nil {
		t.Fatal(err)
	}
	if a := nonceAt(t, ctx, c, first); a != 1 {
		t.Errorf("first dev account nonce %d after a second Ensure, want 1", a)
	}

	// A contract through the proxy: PUSH1 42 … RETURN, with its 12-byte
	// constructor.
	runtime := common.FromHex("0x602a60005260206000f3")
	initCode := append(common.FromHex("0x600a600c600039600a6000f3"), runtime...)
	salt, err := create2.ParseSalt("0x00000000000000000000000000000000000000000000000000000000000000a1")
	if err != nil {
		t.Fatal(err)
	}
	key, err := n.Accounts()[1].Key()
	if err != nil {
		t.Fatal(err)
	}
	// signTransfer's transaction gives the nonce and fees.
	tx := signTransfer(t, ctx, c, n.ChainID(), key, create2.FactoryAddress, new(big.Int))
	factory := create2.FactoryAddress
	inner := &types.DynamicFeeTx{
		ChainID: tx.ChainId(), Nonce: tx.Nonce(), GasTipCap: tx.GasTipCap(), GasFeeCap: tx.GasFeeCap(),
		Gas: 200_000, To: &factory, Data: create2.Calldata(salt, initCode),
	}
	tx, err = types.SignNewTx(key, types.LatestSignerForChainID(tx.ChainId()), inner)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.SendTransaction(ctx, tx); err != nil {
		t.Fatal(err)
	}
	if r := waitReceipt(t, ctx, c, tx.Hash()); r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("deploy through the proxy: status %d", r.Status)
	}
	want := create2.Address(salt, initCode)
	if code := codeAt(t, ctx, c, want); !bytes.Equal(code, runtime) {
		t.Fatalf("code at create2.Address %s: %x, want %x", want.Hex(), code, runtime)
	}
	out, err := c.CallContract(ctx, ethereum.CallMsg{To: &want}, nil)
	if err != nil || new(big.Int).SetBytes(out).Int64() != 42 {
		t.Errorf("the deployed contract answers %x (%v), want 42", out, err)
	}
}

// TestEnsureCreate2FactoryWithBlockTime: on a chain that mines every
// 200 ms, NewForTestWith's EnsureCreate2Factory waits for the funding and
// the deployment to be mined.
func TestEnsureCreate2FactoryWithBlockTime(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	began := time.Now()
	n := NewForTestWith(t, Options{NoDefaultCreate2Deployer: true, BlockTime: 200 * time.Millisecond})
	t.Logf("start and ensure took %s", time.Since(began))
	c := dial(t, n)
	if err := create2.Check(ctx, c); err != nil {
		t.Fatal(err)
	}
	if d := nonceAt(t, ctx, c, create2.DeployerAddress); d != 1 {
		t.Errorf("deployer nonce %d, want 1", d)
	}
}
