package anvil

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/params"
)

// Published keys of TestMnemonic (anvil's and hardhat's banners) and of
// ganache's deterministic mnemonic, to check the derivation against.
var publishedKeys = map[string][]struct {
	index   int
	address string
	key     string
}{
	TestMnemonic: {
		{0, "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266", "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"},
		{1, "0x70997970C51812dc3A010C7d01b50e0d17dc79C8", "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"},
		{2, "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC", "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a"},
		{9, "0xa0Ee7A142d267C1f36714E4a8F75612F20a79720", "0x2a871d0798f97d79848a013d4936a73bf4cc922c825d33c1cf7073dff6d409c6"},
		{19, "0x8626f6940E2eb28930eFb4CeF49B2d1F2C9C1199", "0xdf57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e"},
	},
	ganacheMnemonic: {
		{0, "0x90F8bf6A479f320ead074411a4B0e7944Ea8c9C1", "0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d"},
	},
}

func testContext(t *testing.T) context.Context {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func dial(t *testing.T, n *Node) *ethclient.Client {
	t.Helper()
	c, err := ethclient.Dial(n.RPCURL())
	if err != nil {
		t.Fatalf("dial %s: %v", n.RPCURL(), err)
	}
	t.Cleanup(c.Close)
	return c
}

// transfer sends value wei from the account to to and waits for its receipt.
func transfer(t *testing.T, ctx context.Context, c *ethclient.Client, chainID uint64, from Account, to common.Address, value *big.Int) *types.Receipt {
	t.Helper()
	key, err := from.Key()
	if err != nil {
		t.Fatal(err)
	}
	tx := signTransfer(t, ctx, c, chainID, key, to, value)
	if err := c.SendTransaction(ctx, tx); err != nil {
		t.Fatalf("send transaction: %v", err)
	}
	return waitReceipt(t, ctx, c, tx.Hash())
}

func signTransfer(t *testing.T, ctx context.Context, c *ethclient.Client, chainID uint64, key *ecdsa.PrivateKey, to common.Address, value *big.Int) *types.Transaction {
	t.Helper()
	from := crypto.PubkeyToAddress(key.PublicKey)
	nonce, err := c.PendingNonceAt(ctx, from)
	if err != nil {
		t.Fatalf("nonce: %v", err)
	}
	tip, err := c.SuggestGasTipCap(ctx)
	if err != nil {
		t.Fatalf("tip: %v", err)
	}
	head, err := c.HeaderByNumber(ctx, nil)
	if err != nil {
		t.Fatalf("head: %v", err)
	}
	feeCap := new(big.Int).Add(new(big.Int).Mul(head.BaseFee, big.NewInt(2)), tip)
	id := new(big.Int).SetUint64(chainID)
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(id), &types.DynamicFeeTx{
		ChainID: id, Nonce: nonce, GasTipCap: tip, GasFeeCap: feeCap, Gas: params.TxGas, To: &to, Value: value,
	})
	if err != nil {
		t.Fatalf("sign: %v", err)
	}
	return tx
}

func waitReceipt(t *testing.T, ctx context.Context, c *ethclient.Client, hash common.Hash) *types.Receipt {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for {
		r, err := c.TransactionReceipt(ctx, hash)
		if err == nil {
			return r
		}
		if !errors.Is(err, ethereum.NotFound) {
			t.Fatalf("receipt of %s: %v", hash, err)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("no receipt for %s: %v", hash, ctx.Err())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

func TestStartDefaults(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	began := time.Now()
	n := NewForTest(t)
	t.Logf("anvil start took %s (rpc %s)", time.Since(began), n.RPCURL())

	u, err := url.Parse(n.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	if u.Hostname() != "127.0.0.1" || u.Port() == "" || u.Port() == "0" {
		t.Errorf("RPCURL %q: want a concrete loopback port", n.RPCURL())
	}
	c := dial(t, n)
	id, err := c.ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Uint64() != DevChainID || n.ChainID() != DevChainID {
		t.Errorf("chain id: eth_chainId %s, ChainID() %d, want %d", id, n.ChainID(), DevChainID)
	}

	accounts := n.Accounts()
	if len(accounts) != defaultAccounts {
		t.Fatalf("got %d accounts, want %d", len(accounts), defaultAccounts)
	}
	derived, err := deriveAccountKeys(TestMnemonic, len(accounts))
	if err != nil {
		t.Fatal(err)
	}
	want := new(big.Int).Mul(big.NewInt(10000), big.NewInt(params.Ether))
	for i, a := range accounts {
		if got := common.HexToHash(a.PrivateKey); got != common.Hash(derived[i]) {
			t.Errorf("account %d: anvil key %s, derived %x", i, a.PrivateKey, derived[i])
		}
		if !IsKnownTestKey(a.PrivateKey) {
			t.Errorf("account %d: IsKnownTestKey(%s) = false", i, a.PrivateKey)
		}
		bal, err := c.BalanceAt(ctx, a.Address, nil)
		if err != nil {
			t.Fatal(err)
		}
		if bal.Cmp(want) != 0 {
			t.Errorf("balance of %s = %s, want %s", a.Address, bal, want)
		}
	}
	if accounts[0].Address != common.HexToAddress("0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266") {
		t.Errorf("first account %s", accounts[0].Address)
	}
	// Accounts hands out a copy.
	accounts[0].PrivateKey = "changed"
	if n.Accounts()[0].PrivateKey == "changed" {
		t.Error("Accounts exposes the node's own slice")
	}
}

func TestAutomineTransaction(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	n := NewForTest(t)
	c := dial(t, n)

	before, err := c.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	to := common.HexToAddress("0x000000000000000000000000000000000000dEaD")
	value := big.NewInt(1_000_000_007)
	r := transfer(t, ctx, c, n.ChainID(), n.Accounts()[0], to, value)
	if r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("receipt status %d", r.Status)
	}
	if r.BlockNumber.Uint64() != before+1 {
		t.Errorf("mined in block %s, want %d (one block per transaction)", r.BlockNumber, before+1)
	}
	block, err := c.BlockByNumber(ctx, r.BlockNumber)
	if err != nil {
		t.Fatal(err)
	}
	if len(block.Transactions()) != 1 || block.Transactions()[0].Hash() != r.TxHash {
		t.Errorf("block %s holds %d transactions, want just ours", r.BlockNumber, len(block.Transactions()))
	}
	bal, err := c.BalanceAt(ctx, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bal.Cmp(value) != 0 {
		t.Errorf("recipient balance %s, want %s", bal, value)
	}
}

func TestBlockTimeMinesEmptyBlocks(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	n := NewForTestWith(t, Options{BlockTime: time.Second})
	c := dial(t, n)

	deadline := time.After(10 * time.Second)
	for {
		bn, err := c.BlockNumber(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if bn >= 3 {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("only %d blocks after 10s with a 1s block time", bn)
		case <-time.After(100 * time.Millisecond):
		}
	}
	var prev uint64
	for i := int64(1); i <= 3; i++ {
		b, err := c.BlockByNumber(ctx, big.NewInt(i))
		if err != nil {
			t.Fatal(err)
		}
		if len(b.Transactions()) != 0 {
			t.Errorf("block %d has %d transactions, want an empty block", i, len(b.Transactions()))
		}
		if i > 1 && b.Time() != prev+1 {
			t.Errorf("block %d at %d, previous at %d: want 1s apart", i, b.Time(), prev)
		}
		prev = b.Time()
	}
}

func TestStatePathKeepsChainAcrossRestart(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	state := filepath.Join(t.TempDir(), "chain", "state.json") // folder made by Start
	to := common.HexToAddress("0x1234567890123456789012345678901234567890")
	value := big.NewInt(424242)

	first, err := Start(ctx, Options{StatePath: state})
	if err != nil {
		t.Fatal(err)
	}
	c1 := dial(t, first)
	r := transfer(t, ctx, c1, first.ChainID(), first.Accounts()[0], to, value)
	if err := first.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if fi, err := os.Stat(state); err != nil || fi.Size() == 0 {
		t.Fatalf("state file after stop: %v", err)
	}

	second := NewForTestWith(t, Options{StatePath: state})
	c2 := dial(t, second)
	bal, err := c2.BalanceAt(ctx, to, nil)
	if err != nil {
		t.Fatal(err)
	}
	if bal.Cmp(value) != 0 {
		t.Errorf("balance after restart %s, want %s", bal, value)
	}
	bn, err := c2.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if bn < r.BlockNumber.Uint64() {
		t.Errorf("block number after restart %d, want at least %s", bn, r.BlockNumber)
	}
	nonce, err := c2.NonceAt(ctx, second.Accounts()[0].Address, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nonce != 1 {
		t.Errorf("deployer nonce after restart %d, want 1", nonce)
	}
	// The restarted chain keeps working.
	transfer(t, ctx, c2, second.ChainID(), second.Accounts()[0], to, value)
}

func TestStopLeavesNoProcess(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	n, err := Start(ctx, Options{})
	if err != nil {
		t.Fatal(err)
	}
	pid := n.proc.Pid()
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("anvil pid %d not running after start: %v", pid, err)
	}
	if err := n.Stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(%d, 0) after stop = %v, want ESRCH", pid, err)
	}
	if err := syscall.Kill(-pid, 0); !errors.Is(err, syscall.ESRCH) {
		t.Errorf("kill(-%d, 0) after stop = %v, want ESRCH (process group gone)", pid, err)
	}
	select {
	case <-n.Done():
	default:
		t.Error("Done not closed after Stop")
	}
	if err := n.Stop(); err != nil {
		t.Errorf("second stop: %v", err)
	}
	if _, err := os.Stat(n.tmpDir); !os.IsNotExist(err) {
		t.Errorf("temp folder %s left behind: %v", n.tmpDir, err)
	}
	c, err := ethclient.Dial(n.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if _, err := c.ChainID(cctx); err == nil {
		t.Error("RPC still answers after Stop")
	}
}

func TestTwoNodesSideBySide(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	a, b := NewForTest(t), NewForTest(t)
	if a.RPCURL() == b.RPCURL() {
		t.Fatalf("both nodes at %s", a.RPCURL())
	}
	ca, cb := dial(t, a), dial(t, b)
	transfer(t, ctx, ca, a.ChainID(), a.Accounts()[0], common.Address{1}, big.NewInt(1))
	na, err := ca.NonceAt(ctx, a.Accounts()[0].Address, nil)
	if err != nil {
		t.Fatal(err)
	}
	nb, err := cb.NonceAt(ctx, b.Accounts()[0].Address, nil)
	if err != nil {
		t.Fatal(err)
	}
	if na != 1 || nb != 0 {
		t.Errorf("nonces: a %d (want 1), b %d (want 0): the chains are not separate", na, nb)
	}
}

func TestCustomOptions(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()

	n := NewForTestWith(t, Options{Host: "0.0.0.0", Port: port, ChainID: 1337, Accounts: 3})
	if want := "http://127.0.0.1:" + strconv.Itoa(port); n.RPCURL() != want {
		t.Errorf("RPCURL %q, want %q", n.RPCURL(), want)
	}
	id, err := dial(t, n).ChainID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if id.Uint64() != 1337 || n.ChainID() != 1337 {
		t.Errorf("chain id %s / %d, want 1337", id, n.ChainID())
	}
	if len(n.Accounts()) != 3 {
		t.Errorf("%d accounts, want 3", len(n.Accounts()))
	}
}

func TestStartFailures(t *testing.T) {
	t.Parallel()
	ctx := testContext(t)
	busy := NewForTest(t)
	u, _ := url.Parse(busy.RPCURL())
	busyPort, _ := strconv.Atoi(u.Port())

	corrupt := filepath.Join(t.TempDir(), "state.json")
	if err := os.WriteFile(corrupt, []byte(`{"block":{"numb`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		opts Options
		want string
	}{
		{"port in use", Options{Port: busyPort}, "Address already in use"},
		{"corrupt state", Options{StatePath: corrupt}, corrupt},
		{"negative port", Options{Port: -1}, "port"},
		{"port too big", Options{Port: 70000}, "port"},
		{"host name", Options{Host: "example.com"}, "not an IP address"},
		{"negative block time", Options{BlockTime: -time.Second}, "block time"},
		{"negative accounts", Options{Accounts: -1}, "account"},
		{"missing binary", Options{Bin: filepath.Join(t.TempDir(), "anvil")}, "no such file"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Start(ctx, tc.opts)
			if err == nil {
				n.Stop()
				t.Fatal("Start succeeded")
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
			if errors.Is(err, ErrBinaryNotFound) {
				t.Errorf("error %q claims the binary is not installed", err)
			}
		})
	}
}

func TestStartHonoursContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	n, err := Start(ctx, Options{})
	if err == nil {
		n.Stop()
		t.Fatal("Start succeeded with a cancelled context")
	}
	if !errors.Is(err, context.Canceled) {
		t.Errorf("error %v, want context.Canceled", err)
	}
}

func TestLocate(t *testing.T) {
	t.Parallel()
	noPath := func(string) (string, error) { return "", errors.New("not on PATH") }
	mk := func(t *testing.T, p string) string {
		t.Helper()
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte("#!/bin/sh\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		return p
	}
	root := t.TempDir()
	native := mk(t, filepath.Join(root, "node_modules", "@foundry-rs", platformPackage(), "bin", "anvil"))
	deep := filepath.Join(root, "a", "b", "c")
	if err := os.MkdirAll(deep, 0o755); err != nil {
		t.Fatal(err)
	}

	if got, err := locate("", []string{t.TempDir(), deep}, noPath); err != nil || got != native {
		t.Errorf("upward search: got %q, %v; want %q", got, err, native)
	}
	env := mk(t, filepath.Join(t.TempDir(), "my-anvil"))
	if got, err := locate(env, []string{deep}, noPath); err != nil || got != env {
		t.Errorf("env override: got %q, %v; want %q", got, err, env)
	}
	if _, err := locate(filepath.Join(root, "missing"), []string{deep}, noPath); err == nil || errors.Is(err, ErrBinaryNotFound) {
		t.Errorf("env pointing nowhere: %v, want an error that is not ErrBinaryNotFound", err)
	}
	if _, err := locate("", []string{t.TempDir()}, noPath); !errors.Is(err, ErrBinaryNotFound) {
		t.Errorf("nothing installed: %v, want ErrBinaryNotFound", err)
	}

	// PATH holding npm's node wrapper (.bin/anvil → bin.mjs): use the native
	// binary it wraps.
	other := t.TempDir()
	nm := filepath.Join(other, "node_modules")
	mk(t, filepath.Join(nm, "@foundry-rs", "anvil", "bin.mjs"))
	wrapped := mk(t, filepath.Join(nm, "@foundry-rs", platformPackage(), "bin", "anvil"))
	if err := os.MkdirAll(filepath.Join(nm, ".bin"), 0o755); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(nm, ".bin", "anvil")
	if err := os.Symlink("../@foundry-rs/anvil/bin.mjs", link); err != nil {
		t.Fatal(err)
	}
	onPath := func(string) (string, error) { return link, nil }
	if got, err := locate("", []string{t.TempDir()}, onPath); err != nil || got != wrapped {
		t.Errorf("wrapper on PATH: got %q, %v; want %q", got, err, wrapped)
	}
}

func TestDeriveMatchesPublishedKeys(t *testing.T) {
	t.Parallel()
	for mnemonic, published := range publishedKeys {
		keys, err := deriveAccountKeys(mnemonic, 20)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range published {
			if got := common.Hash(keys[p.index]); got != common.HexToHash(p.key) {
				t.Errorf("%q/%d: derived %s, published %s", mnemonic, p.index, got, p.key)
			}
			k, err := crypto.ToECDSA(keys[p.index][:])
			if err != nil {
				t.Fatal(err)
			}
			if got := crypto.PubkeyToAddress(k.PublicKey); got != common.HexToAddress(p.address) {
				t.Errorf("%q/%d: address %s, published %s", mnemonic, p.index, got, p.address)
			}
		}
	}
}

func TestIsKnownTestKey(t *testing.T) {
	t.Parallel()
	anvil0 := "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
	hardhat19 := "df57089febbacf7ba0bc227dafbffa9fc08a93fdc68e1e42411a14efcf23656e"
	fresh, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	freshHex := common.Bytes2Hex(crypto.FromECDSA(fresh))
	deep, err := deriveAccountKeys(TestMnemonic, knownKeysPerMnemonic)
	if err != nil {
		t.Fatal(err)
	}
	beyond, err := deriveAccountKeys(TestMnemonic, knownKeysPerMnemonic+1)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		key  string
		want bool
	}{
		{anvil0, true},
		{strings.TrimPrefix(anvil0, "0x"), true},
		{strings.ToUpper(anvil0[2:]), true},
		{"0X" + strings.ToUpper(anvil0[2:]), true},
		{"  " + anvil0 + "\n", true},
		{hardhat19, true},
		{"0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d", true}, // ganache -d #0
		{common.Bytes2Hex(deep[knownKeysPerMnemonic-1][:]), true},
		{common.Bytes2Hex(beyond[knownKeysPerMnemonic][:]), false},
		{freshHex, false},
		{"0x" + freshHex, false},
		{"", false},
		{"0x", false},
		{"zz", false},
		{anvil0 + "00", false},
		{anvil0[:len(anvil0)-2], false},
		{"0x01", false},
	} {
		if got := IsKnownTestKey(tc.key); got != tc.want {
			t.Errorf("IsKnownTestKey(%q) = %v, want %v", tc.key, got, tc.want)
		}
	}
}

func FuzzIsKnownTestKey(f *testing.F) {
	f.Add("0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80")
	f.Add("0x")
	f.Add("not hex at all")
	f.Fuzz(func(t *testing.T, s string) {
		got := IsKnownTestKey(s)
		if got && !IsKnownTestKey("0x"+strings.TrimPrefix(strings.TrimSpace(s), "0x")) {
			t.Errorf("%q is known but its 0x form is not", s)
		}
	})
}

// BenchmarkStartStop measures a full node lifecycle, the fixed cost each
// integration test pays for a private chain, against the baseline of merely
// executing the same binary (anvil --version) in the same run.
func BenchmarkStartStop(b *testing.B) {
	bin, err := Locate()
	if err != nil {
		b.Skip(err)
	}
	ctx := context.Background()
	b.Run("baseline-exec", func(b *testing.B) {
		for b.Loop() {
			if err := exec.CommandContext(ctx, bin, "--version").Run(); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("start-stop", func(b *testing.B) {
		var start, stop time.Duration
		for b.Loop() {
			t0 := time.Now()
			n, err := Start(ctx, Options{Bin: bin})
			if err != nil {
				b.Fatal(err)
			}
			t1 := time.Now()
			if err := n.Stop(); err != nil {
				b.Fatal(err)
			}
			start += t1.Sub(t0)
			stop += time.Since(t1)
		}
		b.ReportMetric(float64(start)/float64(time.Millisecond)/float64(b.N), "start-ms/op")
		b.ReportMetric(float64(stop)/float64(time.Millisecond)/float64(b.N), "stop-ms/op")
	})
}
