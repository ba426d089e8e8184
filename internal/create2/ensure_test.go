package create2

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/ethereum/go-ethereum/params"
	"github.com/google/uuid"
)

// answer42 is a contract whose every call returns 42: its init code copies
// the 10 bytes of runtime code after the 12-byte constructor and returns
// them.
var (
	answer42Runtime = common.FromHex("0x602a60005260206000f3")
	answer42Init    = append(common.FromHex("0x600a600c600039600a6000f3"), answer42Runtime...)
)

// simChain is a simulated chain that mines every transaction as it is sent,
// with a funded account to pay from.
type simChain struct {
	sim    *simulated.Backend
	client simulated.Client
	key    *ecdsa.PrivateKey
	from   common.Address
	funded []*big.Int // what fund was asked for, in order
}

// automine is a simulated client that mines a block after every send, as
// anvil does.
type automine struct {
	simulated.Client
	sim *simulated.Backend
}

func (a automine) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	if err := a.Client.SendTransaction(ctx, tx); err != nil {
		return err
	}
	a.sim.Commit()
	return nil
}

// newSimChain starts a simulated chain with alloc besides the funded
// account; allowUnprotected lets it take transactions without EIP-155, as
// geth does with --rpc.allow-unprotected-txs. The simulated backend puts the
// proxy in its genesis (EIP-7997); newSimChain takes it out unless alloc
// has an account at FactoryAddress.
func newSimChain(t *testing.T, allowUnprotected bool, alloc types.GenesisAlloc) *simChain {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	all := types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(100), big.NewInt(params.Ether))}}
	for a, acct := range alloc {
		all[a] = acct
	}
	sim := simulated.NewBackend(all, func(nc *node.Config, ec *ethconfig.Config) {
		// No block-building deadline: on a loaded machine the miner's
		// default 2 s can seal a block without the transaction just sent.
		ec.Miner.Recommit = time.Hour
		nc.AllowUnprotectedTxs = allowUnprotected
		if _, ok := alloc[FactoryAddress]; !ok {
			delete(ec.Genesis.Alloc, FactoryAddress)
		}
	})
	t.Cleanup(func() { _ = sim.Close() })
	return &simChain{sim: sim, client: sim.Client(), key: key, from: from}
}

// backend answers the automining client Ensure talks to.
func (c *simChain) backend() Backend { return automine{Client: c.client, sim: c.sim} }

// send signs and sends a transaction from the funded account and answers
// its receipt; it is mined as it is sent.
func (c *simChain) send(t *testing.T, ctx context.Context, to *common.Address, value *big.Int, data []byte) *types.Receipt {
	t.Helper()
	tx, err := c.sign(ctx, to, value, data)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.backend().SendTransaction(ctx, tx); err != nil {
		t.Fatalf("send: %v", err)
	}
	r, err := c.client.TransactionReceipt(ctx, tx.Hash())
	if err != nil {
		t.Fatalf("receipt: %v", err)
	}
	return r
}

func (c *simChain) sign(ctx context.Context, to *common.Address, value *big.Int, data []byte) (*types.Transaction, error) {
	nonce, err := c.client.PendingNonceAt(ctx, c.from)
	if err != nil {
		return nil, err
	}
	head, err := c.client.HeaderByNumber(ctx, nil)
	if err != nil {
		return nil, err
	}
	id, err := c.client.ChainID(ctx)
	if err != nil {
		return nil, err
	}
	tip := big.NewInt(params.GWei)
	return types.SignNewTx(c.key, types.LatestSignerForChainID(id), &types.DynamicFeeTx{
		ChainID: id, Nonce: nonce, GasTipCap: tip, GasFeeCap: new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip),
		Gas: 1_000_000, To: to, Value: value, Data: data,
	})
}

// fund is an Ensure funder paying from the funded account.
func (c *simChain) fund(ctx context.Context, to common.Address, wei *big.Int) error {
	c.funded = append(c.funded, new(big.Int).Set(wei))
	tx, err := c.sign(ctx, &to, wei, nil)
	if err != nil {
		return err
	}
	return c.backend().SendTransaction(ctx, tx)
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func codeAt(t *testing.T, ctx context.Context, b Backend, addr common.Address) []byte {
	t.Helper()
	code, err := b.CodeAt(ctx, addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// TestEnsureOnEmptyChain deploys the proxy on a chain without it, then
// deploys a contract through it and finds it at Address.
func TestEnsureOnEmptyChain(t *testing.T) {
	ctx := testContext(t)
	c := newSimChain(t, true, nil)
	b := c.backend()

	err := Check(ctx, b)
	if !errors.Is(err, ErrNoFactory) {
		t.Fatalf("Check on an empty chain: %v, want ErrNoFactory", err)
	}
	msg := "network dev has " + err.Error()
	if want := "network dev has no deterministic deployment proxy at 0x4e59b44847b379578588920cA78FbF26c0B4956C; deploy it from its presigned transaction"; !strings.HasPrefix(msg, want) {
		t.Errorf("Check's error reads %q, want it to start %q", msg, want)
	}
	t.Logf("%s", msg)

	if err := Ensure(ctx, b, c.fund); err != nil {
		t.Fatalf("Ensure: %v", err)
	}
	if len(c.funded) != 1 || c.funded[0].Cmp(big.NewInt(1e16)) != 0 {
		t.Errorf("fund asked for %v, want once 0.01 ether", c.funded)
	}
	if code := codeAt(t, ctx, b, FactoryAddress); !bytes.Equal(code, RuntimeCode()) {
		t.Fatalf("code at the factory %x, want the proxy's", code)
	}
	if err := Check(ctx, b); err != nil {
		t.Errorf("Check after Ensure: %v", err)
	}
	if n, err := b.NonceAt(ctx, DeployerAddress, nil); err != nil || n != 1 {
		t.Errorf("deployer nonce %d (%v), want 1: deployed by the presigned transaction", n, err)
	}
	// Again: nothing to do.
	if err := Ensure(ctx, b, c.fund); err != nil || len(c.funded) != 1 {
		t.Errorf("second Ensure: %v, fund asked %d times", err, len(c.funded))
	}

	// A contract through the proxy lands at Address, in both salt scopes.
	raw := [32]byte{31: 7}
	scoped := ScopedSalt(uuid.MustParse("0192f1a4-7c3e-7b5a-9d2c-3e4f5a6b7c8d"), raw)
	for _, s := range [][32]byte{raw, scoped} {
		want := Address(s, answer42Init)
		factory := FactoryAddress
		// The proxy returns the address it created.
		out, err := c.client.CallContract(ctx, ethereum.CallMsg{From: c.from, To: &factory, Data: Calldata(s, answer42Init)}, nil)
		if err != nil {
			t.Fatalf("eth_call the proxy: %v", err)
		}
		if common.BytesToAddress(out) != want || len(out) != 20 {
			t.Errorf("the proxy answers %x, want the 20 bytes of %s", out, want.Hex())
		}
		r := c.send(t, ctx, &factory, nil, Calldata(s, answer42Init))
		if r.Status != types.ReceiptStatusSuccessful {
			t.Fatalf("deploy through the proxy: status %d", r.Status)
		}
		if code := codeAt(t, ctx, b, want); !bytes.Equal(code, answer42Runtime) {
			t.Fatalf("code at Address %s: %x, want %x", want.Hex(), code, answer42Runtime)
		}
		out, err = c.client.CallContract(ctx, ethereum.CallMsg{To: &want}, nil)
		if err != nil || new(big.Int).SetBytes(out).Int64() != 42 {
			t.Errorf("the deployed contract answers %x (%v), want 42", out, err)
		}
		// The same salt and init code again: the address is taken, the
		// proxy reverts.
		if r := c.send(t, ctx, &factory, nil, Calldata(s, answer42Init)); r.Status != types.ReceiptStatusFailed {
			t.Errorf("a second deployment at %s: status %d, want a revert", want.Hex(), r.Status)
		}
	}
	if Address(raw, answer42Init) == Address(scoped, answer42Init) {
		t.Error("raw and scoped salts give the same address")
	}
}

// TestEnsureWhenPresent does nothing on a chain that has the proxy, as the
// simulated backend's default genesis has it (geth's EIP-7997 predeploy,
// the same code at the same address), and anvil's.
func TestEnsureWhenPresent(t *testing.T) {
	ctx := testContext(t)
	if params.DeterministicFactoryAddress != FactoryAddress || !bytes.Equal(params.DeterministicFactoryCode, RuntimeCode()) {
		t.Errorf("go-ethereum's EIP-7997 predeploy %s differs from the proxy", params.DeterministicFactoryAddress.Hex())
	}
	sim := simulated.NewBackend(nil)
	t.Cleanup(func() { _ = sim.Close() })
	called := false
	fund := func(context.Context, common.Address, *big.Int) error { called = true; return nil }
	if err := Ensure(ctx, sim.Client(), fund); err != nil || called {
		t.Errorf("Ensure on a chain with the proxy: %v, funded %v", err, called)
	}
	if err := Check(ctx, sim.Client()); err != nil {
		t.Error(err)
	}
}

// TestEnsureTopsUp funds only what the deployer lacks, and not at all when
// it holds enough.
func TestEnsureTopsUp(t *testing.T) {
	ctx := testContext(t)
	c := newSimChain(t, true, types.GenesisAlloc{DeployerAddress: {Balance: big.NewInt(4e15)}})
	if err := Ensure(ctx, c.backend(), c.fund); err != nil {
		t.Fatal(err)
	}
	if len(c.funded) != 1 || c.funded[0].Cmp(big.NewInt(6e15)) != 0 {
		t.Errorf("fund asked for %v, want once 0.006 ether", c.funded)
	}

	c = newSimChain(t, true, types.GenesisAlloc{DeployerAddress: {Balance: big.NewInt(1e16)}})
	if err := Ensure(ctx, c.backend(), nil); err != nil {
		t.Fatalf("Ensure with a funded deployer and no funder: %v", err)
	}
	if err := Check(ctx, c.backend()); err != nil {
		t.Error(err)
	}
}

func TestEnsureFailures(t *testing.T) {
	ctx := testContext(t)
	failingFund := func(context.Context, common.Address, *big.Int) error { return errors.New("no money") }
	stingyFund := func(context.Context, common.Address, *big.Int) error { return nil }
	for _, tc := range []struct {
		name             string
		allowUnprotected bool
		alloc            types.GenesisAlloc
		fund             func(context.Context, common.Address, *big.Int) error
		noFunder         bool // Ensure gets no funder (else c.fund unless fund)
		noFactory        bool // the error wraps ErrNoFactory
		want             string
	}{
		{name: "refuses unprotected transactions", alloc: nil, want: "refuses transactions without EIP-155 replay protection"},
		{name: "no funder", allowUnprotected: true, noFunder: true, want: "holds 0 wei and needs 10000000000000000: send it 10000000000000000 wei"},
		{name: "funder fails", allowUnprotected: true, fund: failingFund, want: "no money"},
		{name: "funder does not fund", allowUnprotected: true, fund: stingyFund, want: "holds 0 wei after funding"},
		{name: "other code", allowUnprotected: true, alloc: types.GenesisAlloc{FactoryAddress: {Code: []byte{0x00}, Balance: big.NewInt(0)}},
			noFactory: true, want: "holds other code (1 bytes"},
		{name: "deployer nonce used", allowUnprotected: true, alloc: types.GenesisAlloc{DeployerAddress: {Nonce: 1, Balance: big.NewInt(1e18)}},
			noFactory: true, want: "has nonce 1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := newSimChain(t, tc.allowUnprotected, tc.alloc)
			fund := tc.fund
			if fund == nil && !tc.noFunder {
				fund = c.fund
			}
			err := Ensure(ctx, c.backend(), fund)
			if err == nil {
				t.Fatal("Ensure succeeded")
			}
			t.Logf("%v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if errors.Is(err, ErrNoFactory) != tc.noFactory {
				t.Errorf("errors.Is(err, ErrNoFactory) = %v, want %v", !tc.noFactory, tc.noFactory)
			}
		})
	}
}

// TestEnsureHonoursContext: on a chain that never mines, Ensure gives up
// when ctx ends.
func TestEnsureHonoursContext(t *testing.T) {
	c := newSimChain(t, true, types.GenesisAlloc{DeployerAddress: {Balance: big.NewInt(1e16)}})
	ctx, cancel := context.WithTimeout(t.Context(), 200*time.Millisecond)
	defer cancel()
	err := Ensure(ctx, c.client, nil) // the bare client: nothing mines
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Ensure on a stalled chain: %v, want a deadline error", err)
	}
	t.Logf("%v", err)
	// Once it is mined, another Ensure finds the pending transaction
	// already known and waits for it.
	go func() {
		time.Sleep(50 * time.Millisecond)
		c.sim.Commit()
	}()
	if err := Ensure(testContext(t), c.client, nil); err != nil {
		t.Fatalf("Ensure with the transaction pending: %v", err)
	}
}

// TestCheckReadError: a failure to read is not a missing proxy.
func TestCheckReadError(t *testing.T) {
	c := newSimChain(t, true, nil)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	err := Check(ctx, c.client)
	if err == nil || errors.Is(err, ErrNoFactory) {
		t.Errorf("Check with a cancelled context: %v, want a read error", err)
	}
}
