package deploy_test

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/ethereum/go-ethereum/node"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/spend"
	"github.com/slipway-dev/slipway/internal/status"
)

// anvilKey0 is anvil's and Hardhat's first public test key.
const anvilKey0 = "ac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"

// revertingInitCode is a constructor that always reverts (PUSH1 0 PUSH1 0
// REVERT).
const revertingInitCode = "0x60006000fd"

// noCodeInitCode is a constructor that succeeds and leaves no code (STOP).
const noCodeInitCode = "0x00"

var ether = new(big.Int).Exp(big.NewInt(10), big.NewInt(18), nil)

// simNet is the simulated network, changed by mods.
func simNet(mods ...func(n *chain.Network)) chain.Config {
	n := chain.Network{Name: "sim", ChainID: 1337, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 1}
	for _, m := range mods {
		m(&n)
	}
	return chain.Config{Networks: []chain.Network{n}}
}

// fast waits for inclusion for one block or 50 ms, whichever ends first,
// polls every 50 ms and fails after one second of outage: the waits of a
// chain that mines on demand, in milliseconds.
func fast(n *chain.Network) {
	n.BlockTimeSeconds = 0.05
	n.Gas.BumpIntervalBlocks = 1
	n.Gas.OutageWindowSeconds = 1
}

// newSimWith is a deploy stage on a simulated chain with alloc as genesis
// and key as the signer.
func newSimWith(t *testing.T, cfg chain.Config, key *ecdsa.PrivateKey, alloc types.GenesisAlloc) *sim {
	t.Helper()
	return newSimOn(t, cfg, simBackend(t, alloc), key)
}

// simBackend is a simulated chain with alloc as genesis, a 30M block gas
// limit (opts may change it) and no block-building deadline: go-ethereum's
// miner stops filling a block after Recommit (2 s), which a loaded CI
// machine running the race detector can reach, sealing a block without
// the transaction a test just sent.
func simBackend(t testing.TB, alloc types.GenesisAlloc, opts ...func(*node.Config, *ethconfig.Config)) *simulated.Backend {
	t.Helper()
	opts = append([]func(*node.Config, *ethconfig.Config){
		simulated.WithBlockGasLimit(30_000_000),
		func(_ *node.Config, ec *ethconfig.Config) { ec.Miner.Recommit = time.Hour },
	}, opts...)
	back := simulated.NewBackend(alloc, opts...)
	t.Cleanup(func() { _ = back.Close() })
	return back
}

func mustKey(t *testing.T, hexKey string) *ecdsa.PrivateKey {
	t.Helper()
	if hexKey == "" {
		k, err := crypto.GenerateKey()
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	k, err := crypto.HexToECDSA(hexKey)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func addr(k *ecdsa.PrivateKey) common.Address { return crypto.PubkeyToAddress(k.PublicKey) }

func (s *sim) from() common.Address     { return addr(s.key) }
func (s *sim) ctx() context.Context     { return s.t.Context() }
func (s *sim) client() simulated.Client { return s.back.Client() }

func (s *sim) in(id uuid.UUID) deployapi.TxInput {
	return deployapi.TxInput{DeploymentID: id.String(), Network: "sim"}
}

// signedDeployment creates a deployment of a new free user and signs it.
func (s *sim) signedDeployment() (uuid.UUID, deployapi.PrepareResult) {
	s.t.Helper()
	id := s.deployment(s.user("free"))
	res, err := s.prepare(id, tinyInitCode)
	if err != nil {
		s.t.Fatalf("prepare: %v", err)
	}
	return id, res
}

// txs lists the deployment's stored transactions of kind ("" for all).
func (s *sim) txs(id uuid.UUID, kind string) []db.DeployTx {
	s.t.Helper()
	all, err := db.New(s.pool).ListDeployTxs(s.ctx(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	var out []db.DeployTx
	for _, t := range all {
		if kind == "" || t.Kind == kind {
			out = append(out, t)
		}
	}
	return out
}

func (s *sim) countTxs() int {
	s.t.Helper()
	var n int
	if err := s.pool.QueryRow(s.ctx(), "SELECT count(*) FROM deploy_txs").Scan(&n); err != nil {
		s.t.Fatal(err)
	}
	return n
}

func (s *sim) row(id uuid.UUID) db.Deployment {
	s.t.Helper()
	d, err := db.New(s.pool).GetDeployment(s.ctx(), id)
	if err != nil {
		s.t.Fatal(err)
	}
	return d
}

func (s *sim) events(id uuid.UUID) []string {
	s.t.Helper()
	evs, err := db.New(s.pool).ListDeploymentEventsAfter(s.ctx(), db.ListDeploymentEventsAfterParams{DeploymentID: id, AfterSeq: 0, MaxEvents: 1000})
	if err != nil {
		s.t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Message)
	}
	return out
}

func (s *sim) hasEvent(id uuid.UUID, sub string) bool {
	return slices.ContainsFunc(s.events(id), func(m string) bool { return strings.Contains(m, sub) })
}

// nextNonce is the signer's next nonce in signer_nonces, -1 when none was
// ever allocated.
func (s *sim) nextNonce() int64 {
	s.t.Helper()
	var n int64 = -1
	err := s.pool.QueryRow(s.ctx(), "SELECT next_nonce FROM signer_nonces WHERE network = 'sim' AND address = $1", strings.ToLower(s.from().Hex())).Scan(&n)
	if err != nil && !db.IsNotFound(err) {
		s.t.Fatal(err)
	}
	return n
}

func (s *sim) setStatus(id uuid.UUID, status string) {
	s.t.Helper()
	if err := db.InTx(s.ctx(), s.pool, func(q *db.Queries) error {
		_, _, err := db.RecordProgress(s.ctx(), q, id, status, db.Progress{Message: "test: " + status})
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
}

// receipt answers the receipt of hash on the canonical chain, nil when
// there is none.
func (s *sim) receipt(hash string) *types.Receipt {
	s.t.Helper()
	r, err := s.client().TransactionReceipt(s.ctx(), common.HexToHash(hash))
	if errors.Is(err, ethereum.NotFound) {
		return nil
	}
	if err != nil {
		s.t.Fatalf("receipt of %s: %v", hash, err)
	}
	return r
}

// inPool reports whether hash waits in the node's pool.
func (s *sim) inPool(hash string) bool {
	s.t.Helper()
	_, pending, err := s.client().TransactionByHash(s.ctx(), common.HexToHash(hash))
	if errors.Is(err, ethereum.NotFound) {
		return false
	}
	if err != nil {
		s.t.Fatal(err)
	}
	return pending
}

func (s *sim) pendingNonce() uint64 {
	s.t.Helper()
	n, err := s.client().PendingNonceAt(s.ctx(), s.from())
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

func (s *sim) minedNonce() uint64 {
	s.t.Helper()
	n, err := s.client().NonceAt(s.ctx(), s.from(), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return n
}

func (s *sim) code(a string) []byte {
	s.t.Helper()
	c, err := s.client().CodeAt(s.ctx(), common.HexToAddress(a), nil)
	if err != nil {
		s.t.Fatal(err)
	}
	return c
}

// transfer signs and sends a plain transfer from key outside Slipway.
func (s *sim) transfer(key *ecdsa.PrivateKey, nonce uint64, to common.Address, value int64) *types.Transaction {
	s.t.Helper()
	tx, err := types.SignNewTx(key, types.LatestSignerForChainID(big.NewInt(1337)), &types.DynamicFeeTx{
		ChainID: big.NewInt(1337), Nonce: nonce, GasTipCap: big.NewInt(1e9), GasFeeCap: big.NewInt(50e9),
		Gas: 21000, To: &to, Value: big.NewInt(value),
	})
	if err != nil {
		s.t.Fatal(err)
	}
	if err := s.client().SendTransaction(s.ctx(), tx); err != nil {
		s.t.Fatalf("send transfer: %v", err)
	}
	return tx
}

// mine commits a block and fails the test unless tx is in it.
func (s *sim) mine(tx *types.Transaction) {
	s.t.Helper()
	s.commit(1)
	if s.receipt(tx.Hash().Hex()) == nil {
		s.t.Fatalf("transaction %s not mined", tx.Hash())
	}
}

// settle waits until the node's transaction pool has caught up with the
// head. go-ethereum resets its pool for a new block in the background, and
// until it has, the pool validates against the previous state: it still
// holds the transactions the block mined and accepts another transaction
// with one of their nonces (as a replacement), so a test that sends right
// after a block would see a used nonce succeed. Caught up means no pooled
// transaction has a nonce below its sender's mined nonce.
func (s *sim) settle() {
	s.t.Helper()
	// The simulated client embeds *ethclient.Client in a field named Client,
	// which hides the method that reaches the RPC client.
	rc := reflect.ValueOf(s.back.Client()).FieldByName("Client").Interface().(*ethclient.Client).Client()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(5 * time.Millisecond) {
		var content map[string]map[common.Address]map[string]json.RawMessage
		if err := rc.CallContext(s.ctx(), &content, "txpool_content"); err != nil {
			s.t.Fatalf("read the pool: %v", err)
		}
		if s.poolCurrent(content) {
			return
		}
		if time.Now().After(deadline) {
			s.t.Fatal("the pool did not catch up with the head in 10 s")
		}
	}
}

func (s *sim) poolCurrent(content map[string]map[common.Address]map[string]json.RawMessage) bool {
	s.t.Helper()
	for _, byAddr := range content {
		for from, byNonce := range byAddr {
			mined, err := s.back.Client().NonceAt(s.ctx(), from, nil)
			if err != nil {
				s.t.Fatal(err)
			}
			for n := range byNonce {
				if v, err := strconv.ParseUint(n, 10, 64); err != nil || v < mined {
					return false
				}
			}
		}
	}
	return true
}

func decodeTx(t *testing.T, raw []byte) *types.Transaction {
	t.Helper()
	var tx types.Transaction
	if err := tx.UnmarshalBinary(raw); err != nil {
		t.Fatal(err)
	}
	return &tx
}

func isRetryable(err error) bool {
	return err != nil && strings.HasPrefix(appErrType(err), "not an application error")
}

// gated is a backend whose calls can be held (while a test rearranges the
// chain, so that a wait never sees it half done) or failed (an outage).
type gated struct {
	b    chain.Backend
	mu   sync.RWMutex
	down atomic.Bool
}

// gate routes s's activities through a gated backend; call it before the
// first activity (the stage keeps the backend it dialled).
func (s *sim) gate() *gated {
	g := &gated{b: s.back.Client()}
	s.a.Dial = func(context.Context, chain.Network) (chain.Backend, error) { return g, nil }
	return g
}

var errOutage = errors.New("dial tcp 127.0.0.1:8545: connect: connection refused")

func call[T any](g *gated, f func() (T, error)) (T, error) {
	g.mu.RLock()
	defer g.mu.RUnlock()
	if g.down.Load() {
		var zero T
		return zero, errOutage
	}
	return f()
}

func (g *gated) ChainID(ctx context.Context) (*big.Int, error) {
	return call(g, func() (*big.Int, error) { return g.b.ChainID(ctx) })
}
func (g *gated) BlockNumber(ctx context.Context) (uint64, error) {
	return call(g, func() (uint64, error) { return g.b.BlockNumber(ctx) })
}
func (g *gated) HeaderByNumber(ctx context.Context, n *big.Int) (*types.Header, error) {
	return call(g, func() (*types.Header, error) { return g.b.HeaderByNumber(ctx, n) })
}
func (g *gated) PendingNonceAt(ctx context.Context, a common.Address) (uint64, error) {
	return call(g, func() (uint64, error) { return g.b.PendingNonceAt(ctx, a) })
}
func (g *gated) NonceAt(ctx context.Context, a common.Address, n *big.Int) (uint64, error) {
	return call(g, func() (uint64, error) { return g.b.NonceAt(ctx, a, n) })
}
func (g *gated) BalanceAt(ctx context.Context, a common.Address, n *big.Int) (*big.Int, error) {
	return call(g, func() (*big.Int, error) { return g.b.BalanceAt(ctx, a, n) })
}
func (g *gated) CodeAt(ctx context.Context, a common.Address, n *big.Int) ([]byte, error) {
	return call(g, func() ([]byte, error) { return g.b.CodeAt(ctx, a, n) })
}
func (g *gated) EstimateGas(ctx context.Context, m ethereum.CallMsg) (uint64, error) {
	return call(g, func() (uint64, error) { return g.b.EstimateGas(ctx, m) })
}
func (g *gated) FeeHistory(ctx context.Context, c uint64, last *big.Int, p []float64) (*ethereum.FeeHistory, error) {
	return call(g, func() (*ethereum.FeeHistory, error) { return g.b.FeeHistory(ctx, c, last, p) })
}
func (g *gated) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	_, err := call(g, func() (struct{}, error) { return struct{}{}, g.b.SendTransaction(ctx, tx) })
	return err
}
func (g *gated) TransactionReceipt(ctx context.Context, h common.Hash) (*types.Receipt, error) {
	return call(g, func() (*types.Receipt, error) { return g.b.TransactionReceipt(ctx, h) })
}

// waitFor polls cond every 10 ms for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Prepare signs the deployment once: the nonce, the signed bytes and
// DEPLOYING land together, nothing is broadcast, and every retry answers
// the stored transaction without signing or allocating again.
func TestPrepareSignsOnce(t *testing.T) {
	s := newSim(t, simNet())
	id, res := s.signedDeployment()

	from := s.from()
	want := deployapi.PrepareResult{TxHash: res.TxHash, Nonce: 0, Signer: from.Hex(), ContractAddress: crypto.CreateAddress(from, 0).Hex()}
	if res != want {
		t.Fatalf("prepare = %+v, want %+v", res, want)
	}
	txs := s.txs(id, "")
	if len(txs) != 1 {
		t.Fatalf("%d stored transactions, want 1", len(txs))
	}
	st := txs[0]
	tx := decodeTx(t, st.RawTx)
	sender, err := types.Sender(types.LatestSignerForChainID(big.NewInt(1337)), tx)
	switch {
	case err != nil || sender != from:
		t.Fatalf("signed by %s, %v; want %s", sender.Hex(), err, from.Hex())
	case tx.Hash().Hex() != res.TxHash || !strings.EqualFold(st.TxHash, res.TxHash):
		t.Fatalf("stored %s (row %s), answered %s", tx.Hash().Hex(), st.TxHash, res.TxHash)
	case tx.ChainId().Uint64() != 1337 || tx.Nonce() != 0 || tx.To() != nil || tx.Type() != types.DynamicFeeTxType:
		t.Fatalf("signed transaction: chain %s nonce %d to %v type %d", tx.ChainId(), tx.Nonce(), tx.To(), tx.Type())
	case hexutil.Encode(tx.Data()) != tinyInitCode:
		t.Fatalf("data = %x, want the init code", tx.Data())
	case int64(tx.Gas()) != st.GasLimit || tx.GasFeeCap().Cmp(spend.WeiOf(st.MaxFeePerGas)) != 0 || tx.GasTipCap().Cmp(spend.WeiOf(st.MaxPriorityFeePerGas)) != 0:
		t.Fatalf("row and signed fields disagree: gas %d/%d, fee cap %s/%s", tx.Gas(), st.GasLimit, tx.GasFeeCap(), db.WeiString(st.MaxFeePerGas))
	case tx.Gas() <= 53_000 || tx.GasTipCap().Sign() <= 0 || tx.GasFeeCap().Cmp(tx.GasTipCap()) < 0:
		t.Fatalf("implausible gas %d, tip %s, fee cap %s", tx.Gas(), tx.GasTipCap(), tx.GasFeeCap())
	case st.Kind != "deploy" || st.Attempt != 0 || st.ContractAddress != want.ContractAddress || st.BroadcastAt != nil:
		t.Fatalf("row = kind %s attempt %d address %s broadcast %v", st.Kind, st.Attempt, st.ContractAddress, st.BroadcastAt)
	}
	d := s.row(id)
	if d.Status != status.Deploying || d.TxHash != res.TxHash || d.ContractAddress != want.ContractAddress {
		t.Fatalf("deployment = %s %s %s", d.Status, d.TxHash, d.ContractAddress)
	}
	if !s.hasEvent(id, "signed the deployment (signer "+s.from().Hex()+", nonce 0") {
		t.Fatalf("events = %q", s.events(id))
	}
	if n := s.pendingNonce(); n != 0 {
		t.Fatalf("Prepare broadcast something: pending nonce %d", n)
	}

	// Retries, after the fee market moved and even with other bytecode and
	// after the deployment moved on, answer the stored transaction.
	for range 3 {
		s.commit(1)
	}
	for _, moved := range []string{"", status.Confirming} {
		if moved != "" {
			s.setStatus(id, moved)
		}
		again, err := s.prepare(id, revertingInitCode)
		if err != nil || again != res {
			t.Fatalf("retry (%s) = %+v, %v; want %+v", moved, again, err, res)
		}
	}
	if got := s.txs(id, ""); len(got) != 1 || !bytes.Equal(got[0].RawTx, st.RawTx) {
		t.Fatalf("retries stored %d transactions", len(got))
	}
	if n := s.nextNonce(); n != 1 {
		t.Fatalf("next nonce = %d after retries, want 1", n)
	}
}

// Concurrent deployments from one key get consecutive nonces with no gap
// and no reuse: all of them mine together.
func TestPrepareConcurrentNoncesAreConsecutive(t *testing.T) {
	s := newSim(t, simNet())
	s.commit(1)
	user := s.user("paid")
	const n = 6
	ids := make([]uuid.UUID, n)
	res := make([]deployapi.PrepareResult, n)
	errs := make([]error, n)
	for i := range ids {
		ids[i] = s.deployment(user)
	}
	var wg sync.WaitGroup
	for i := range ids {
		wg.Go(func() { res[i], errs[i] = s.prepare(ids[i], tinyInitCode) })
	}
	wg.Wait()
	var nonces []uint64
	for i := range ids {
		if errs[i] != nil {
			t.Fatalf("prepare %d: %v", i, errs[i])
		}
		nonces = append(nonces, res[i].Nonce)
		if tx := decodeTx(t, s.txs(ids[i], "")[0].RawTx); tx.Nonce() != res[i].Nonce {
			t.Fatalf("deployment %d: signed nonce %d, answered %d", i, tx.Nonce(), res[i].Nonce)
		}
		if want := crypto.CreateAddress(s.from(), res[i].Nonce).Hex(); res[i].ContractAddress != want {
			t.Fatalf("deployment %d: address %s, want %s", i, res[i].ContractAddress, want)
		}
	}
	slices.Sort(nonces)
	if !slices.Equal(nonces, []uint64{0, 1, 2, 3, 4, 5}) {
		t.Fatalf("nonces = %v", nonces)
	}
	for _, id := range ids {
		if err := s.a.Broadcast(s.ctx(), s.in(id)); err != nil {
			t.Fatal(err)
		}
	}
	s.commit(1)
	for i := range ids {
		if s.receipt(res[i].TxHash) == nil || len(s.code(res[i].ContractAddress)) == 0 {
			t.Fatalf("deployment %d (nonce %d) not mined with the others", i, res[i].Nonce)
		}
	}
	if got := s.minedNonce(); got != n {
		t.Fatalf("chain nonce = %d, want %d", got, n)
	}
}

// A key used outside Slipway: the first allocation starts at the chain's
// pending nonce rather than reusing a mined one.
func TestPrepareStartsAtTheChainNonce(t *testing.T) {
	s := newSim(t, simNet())
	s.mine(s.transfer(s.key, 0, common.Address{1}, 1))
	s.transfer(s.key, 1, common.Address{1}, 1) // pending, not mined
	_, res := s.signedDeployment()
	if res.Nonce != 2 {
		t.Fatalf("nonce = %d, want 2 (the chain's pending nonce)", res.Nonce)
	}
}

// What Prepare refuses, it refuses before signing: no transaction, no
// nonce, no reservation, the deployment's status untouched.
func TestPrepareRefusesBeforeSigning(t *testing.T) {
	type setup struct {
		s        *sim
		id       uuid.UUID
		in       deployapi.PrepareInput
		statusIn string // the deployment's status before Prepare
	}
	tiny := func(t *testing.T, s *sim) setup {
		id := s.deployment(s.user("free"))
		return setup{s: s, id: id, in: deployapi.PrepareInput{DeploymentID: id.String(), Network: "sim", ABI: "[]", Bytecode: tinyInitCode}, statusIn: status.Pending}
	}
	std := func(t *testing.T) *sim { return newSim(t, simNet()) }
	cases := []struct {
		name string
		sim  func(t *testing.T) *sim
		mod  func(t *testing.T, st *setup)
		// typ is the application error type; "retry" is an error Temporal
		// retries, "wait" a result that waits for lower fees, "wait-signer"
		// one that waits for a signer that can pay.
		typ, msg string
	}{
		{name: "cancelled", typ: deployapi.ErrTypeCancelled, msg: "cancelled before signing",
			mod: func(t *testing.T, st *setup) {
				st.s.setStatus(st.id, status.Cancelled)
				st.statusIn = status.Cancelled
			}},
		{name: "failed already", typ: deployapi.ErrTypeEnded, msg: "has ended (FAILED)",
			mod: func(t *testing.T, st *setup) { st.s.setStatus(st.id, status.Failed); st.statusIn = status.Failed }},
		{name: "reverting constructor", typ: deployapi.ErrTypeReverted, msg: "the constructor reverts",
			mod: func(t *testing.T, st *setup) { st.in.Bytecode = revertingInitCode }},
		{name: "arguments that do not fit", typ: deployapi.ErrTypeInvalidArgs, msg: "takes 1",
			mod: func(t *testing.T, st *setup) {
				st.in.ABI = `[{"type":"constructor","inputs":[{"name":"x","type":"uint256"}]}]`
			}},
		{name: "unknown network", typ: deployapi.ErrTypeConfig, msg: `network "mainnet" is not configured`,
			mod: func(t *testing.T, st *setup) { st.in.Network = "mainnet" }},
		{name: "insufficient funds", typ: "wait-signer", msg: "holds 1000000000000 wei, the deployment may cost up to",
			sim: func(t *testing.T) *sim {
				k := mustKey(t, "")
				return newSimWith(t, simNet(), k, types.GenesisAlloc{addr(k): {Balance: big.NewInt(1e12)}})
			}},
		{name: "below the signer floor", typ: "wait-signer", msg: "below the network's minimum",
			sim: func(t *testing.T) *sim {
				return newSim(t, simNet(func(n *chain.Network) {
					w := &chain.Wei{}
					w.Mul(big.NewInt(1000), ether)
					n.MinSignerBalanceWei = w
				}))
			}},
		{name: "public test key off the dev chain", typ: deployapi.ErrTypeConfig, msg: "public test key",
			sim: func(t *testing.T) *sim {
				k := mustKey(t, anvilKey0)
				return newSimWith(t, simNet(), k, types.GenesisAlloc{addr(k): {Balance: ether}})
			}},
		{name: "signer missing from the secrets", typ: deployapi.ErrTypeConfig, msg: "read signer of sim",
			mod: func(t *testing.T, st *setup) { st.s.a.Secrets = secrets.Static{} }},
		{name: "rpc serves another chain", typ: deployapi.ErrTypeConfig, msg: "chain id mismatch",
			mod: func(t *testing.T, st *setup) {
				st.s.a.Dial = func(_ context.Context, n chain.Network) (chain.Backend, error) {
					return nil, fmt.Errorf("rpc 0 of %s: %w: configured %d, endpoint answers 1", n.Name, chain.ErrChainIDMismatch, n.ChainID)
				}
			}},
		{name: "rpc unreachable", typ: "retry", msg: "connect to sim",
			mod: func(t *testing.T, st *setup) {
				st.s.a.Dial = func(context.Context, chain.Network) (chain.Backend, error) { return nil, errOutage }
			}},
		{name: "base fee above the cap", typ: "wait", msg: "above the cap of 1e-09 gwei",
			sim: func(t *testing.T) *sim {
				return newSim(t, simNet(func(n *chain.Network) { n.Gas.MaxFeePerGasGwei = 1e-9 }))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			mk := std
			if c.sim != nil {
				mk = c.sim
			}
			s := mk(t)
			st := tiny(t, s)
			if c.mod != nil {
				c.mod(t, &st)
			}
			res, err := s.a.Prepare(t.Context(), st.in)
			switch c.typ {
			case "wait":
				if err != nil || !res.WaitingForFees || res.TxHash != "" || !strings.Contains(res.Message, c.msg) {
					t.Fatalf("prepare = %+v, %v; want waiting for fees", res, err)
				}
			case "wait-signer":
				if err != nil || !res.WaitingForSigner || res.TxHash != "" || !strings.Contains(res.Message, c.msg) {
					t.Fatalf("prepare = %+v, %v; want waiting for a signer with %q", res, err, c.msg)
				}
			case "retry":
				if !isRetryable(err) || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("prepare = %+v, %v; want a retryable error with %q", res, err, c.msg)
				}
			default:
				if appErrType(err) != c.typ || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("prepare = %+v, %v; want %s with %q", res, err, c.typ, c.msg)
				}
			}
			if n := s.countTxs(); n != 0 {
				t.Fatalf("%d transactions signed", n)
			}
			if n := s.nextNonce(); n != -1 {
				t.Fatalf("a nonce was allocated (next %d)", n)
			}
			if _, err := db.New(s.pool).GetSpendReservation(t.Context(), st.id); !db.IsNotFound(err) {
				t.Fatalf("a reservation was made: %v", err)
			}
			if d := s.row(st.id); d.Status != st.statusIn || d.TxHash != "" {
				t.Fatalf("deployment is %s (tx %q), want %s", d.Status, d.TxHash, st.statusIn)
			}
		})
	}
}

// The public test keys sign on the dev chain id (31337), and only there.
func TestPreparePublicTestKeyOnTheDevChain(t *testing.T) {
	k := mustKey(t, anvilKey0)
	s := newSimWith(t, simNet(func(n *chain.Network) { n.ChainID = 31337 }), k, types.GenesisAlloc{addr(k): {Balance: ether}})
	_, res := s.signedDeployment()
	if res.Signer != "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266" {
		t.Fatalf("signer = %s", res.Signer)
	}
}

// Broadcast sends the stored bytes, the same on every retry; the node's
// "already known", and "nonce too low" once the deployment's own
// transaction is mined, are success, while a nonce another sender used is
// not.
func TestBroadcast(t *testing.T) {
	cases := []struct {
		name   string
		before func(s *sim, id uuid.UUID)
		typ    string // "" success, "retry", or an application error type
		msg    string
		// mined: the deployment's transaction is in a block afterwards;
		// else it waits in the pool.
		mined bool
	}{
		{name: "first send"},
		{name: "re-send is already known", before: func(s *sim, id uuid.UUID) {
			if err := s.a.Broadcast(s.ctx(), s.in(id)); err != nil {
				s.t.Fatal(err)
			}
		}},
		{name: "re-send after mined", mined: true, before: func(s *sim, id uuid.UUID) {
			if err := s.a.Broadcast(s.ctx(), s.in(id)); err != nil {
				s.t.Fatal(err)
			}
			s.commit(1)
		}},
		{name: "nonce used by another sender", typ: "retry", msg: "none of the deployment's transactions is mined",
			before: func(s *sim, id uuid.UUID) {
				s.mine(s.transfer(s.key, 0, common.Address{2}, 1))
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, simNet())
			s.commit(1)
			id, res := s.signedDeployment()
			if c.before != nil {
				c.before(s, id)
			}
			err := s.a.Broadcast(t.Context(), s.in(id))
			switch c.typ {
			case "":
				if err != nil {
					t.Fatalf("broadcast: %v", err)
				}
			case "wait-signer":
				if err != nil || !res.WaitingForSigner || res.TxHash != "" || !strings.Contains(res.Message, c.msg) {
					t.Fatalf("prepare = %+v, %v; want waiting for a signer with %q", res, err, c.msg)
				}
			case "retry":
				if !isRetryable(err) || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("broadcast = %v; want a retryable error with %q", err, c.msg)
				}
				if s.receipt(res.TxHash) != nil || s.inPool(res.TxHash) {
					t.Fatal("the deployment's transaction went out")
				}
				return
			}
			st := s.txs(id, "")[0]
			if st.BroadcastAt == nil {
				t.Fatal("not marked broadcast")
			}
			if c.mined {
				if s.receipt(res.TxHash) == nil {
					t.Fatal("not mined")
				}
				return
			}
			// Exactly the stored bytes wait in the pool, once.
			tx, pending, err := s.client().TransactionByHash(t.Context(), common.HexToHash(res.TxHash))
			if err != nil || !pending {
				t.Fatalf("pool: %v pending %v", err, pending)
			}
			if raw, _ := tx.MarshalBinary(); !bytes.Equal(raw, st.RawTx) {
				t.Fatal("the pool holds other bytes than the stored ones")
			}
			if n := s.pendingNonce(); n != 1 {
				t.Fatalf("pending nonce %d, want 1", n)
			}
			s.commit(1)
			if r := s.receipt(res.TxHash); r == nil || r.Status != types.ReceiptStatusSuccessful {
				t.Fatalf("receipt = %+v", r)
			}
		})
	}
	t.Run("nothing signed", func(t *testing.T) {
		s := newSim(t, simNet())
		id := s.deployment(s.user("free"))
		if err := s.a.Broadcast(t.Context(), s.in(id)); appErrType(err) != deployapi.ErrTypeEnded {
			t.Fatalf("broadcast = %v", err)
		}
	})
}

// Bump replaces a transaction that is not included with the same nonce,
// gas and data and both fees raised, stores the replacement before sending
// it, and makes no replacement at the bump limit, at the fee cap or once a
// transaction is mined.
func TestBump(t *testing.T) {
	cases := []struct {
		name     string
		net      func(n *chain.Network)
		before   func(s *sim, id uuid.UUID)
		replaced bool
		msg      string
		stored   int // deploy transactions stored afterwards
	}{
		{name: "pending is replaced", replaced: true, stored: 2},
		{name: "a replacement is replaced in turn", replaced: true, stored: 3,
			before: func(s *sim, id uuid.UUID) { mustBump(s, id) }},
		{name: "at the bump limit", net: func(n *chain.Network) { n.Gas.MaxBumps = 1 }, stored: 2,
			before: func(s *sim, id uuid.UUID) { mustBump(s, id) }, msg: "not included after 1 fee bumps"},
		{name: "at the fee cap", net: func(n *chain.Network) { n.Gas.MaxFeePerGasGwei = 1.2 }, stored: 1,
			msg: "fees are at the cap of 1.2 gwei"},
		{name: "already mined", stored: 1, msg: "already mined",
			before: func(s *sim, id uuid.UUID) { s.commit(1) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			net := simNet()
			if c.net != nil {
				net = simNet(c.net)
			}
			s := newSim(t, net)
			s.commit(1) // receipts answer once a block is indexed
			id, _ := s.signedDeployment()
			if err := s.a.Broadcast(t.Context(), s.in(id)); err != nil {
				t.Fatal(err)
			}
			if c.before != nil {
				c.before(s, id)
			}
			prev := s.txs(id, "deploy")
			last := prev[len(prev)-1]
			b, err := s.a.Bump(t.Context(), s.in(id))
			if err != nil {
				t.Fatalf("bump: %v", err)
			}
			if b.Replaced != c.replaced || !strings.Contains(b.Message, c.msg) {
				t.Fatalf("bump = %+v, want replaced %v with %q", b, c.replaced, c.msg)
			}
			txs := s.txs(id, "deploy")
			if len(txs) != c.stored {
				t.Fatalf("%d transactions stored, want %d", len(txs), c.stored)
			}
			newest := txs[len(txs)-1]
			if d := s.row(id); !strings.EqualFold(d.TxHash, newest.TxHash) {
				t.Fatalf("deployment shows %s, newest is %s", d.TxHash, newest.TxHash)
			}
			if !c.replaced {
				if b.TxHash != "" {
					t.Fatalf("no replacement, yet hash %s", b.TxHash)
				}
				return
			}
			old, repl := decodeTx(t, last.RawTx), decodeTx(t, newest.RawTx)
			if b.TxHash != repl.Hash().Hex() || newest.Attempt != last.Attempt+1 {
				t.Fatalf("answered %s, stored %s attempt %d", b.TxHash, repl.Hash().Hex(), newest.Attempt)
			}
			if repl.Nonce() != old.Nonce() || repl.Gas() != old.Gas() || !bytes.Equal(repl.Data(), old.Data()) || repl.To() != nil ||
				newest.ContractAddress != last.ContractAddress || newest.Nonce != last.Nonce {
				t.Fatalf("replacement changed more than the fees: nonce %d/%d gas %d/%d", repl.Nonce(), old.Nonce(), repl.Gas(), old.Gas())
			}
			// Both fees up by the bump percent (20 %), rounded up.
			for _, f := range []struct {
				name     string
				old, new *big.Int
			}{{"max fee", old.GasFeeCap(), repl.GasFeeCap()}, {"tip", old.GasTipCap(), repl.GasTipCap()}} {
				floor := new(big.Int).Div(new(big.Int).Mul(f.old, big.NewInt(120)), big.NewInt(100))
				if f.new.Cmp(floor) < 0 {
					t.Fatalf("%s raised from %s to %s, want at least %s", f.name, f.old, f.new, floor)
				}
			}
			if !s.hasEvent(id, fmt.Sprintf("replaced with higher fees (bump %d", newest.Attempt)) {
				t.Fatalf("events = %q", s.events(id))
			}
			// Sent: the replacement waits in the pool in place of the old.
			if !s.inPool(newest.TxHash) || s.inPool(last.TxHash) || newest.BroadcastAt == nil {
				t.Fatalf("pool: replacement %v, replaced %v", s.inPool(newest.TxHash), s.inPool(last.TxHash))
			}
			s.commit(1)
			if s.receipt(newest.TxHash) == nil || s.receipt(last.TxHash) != nil {
				t.Fatal("the replacement was not what got mined")
			}
			aw, err := s.await(id)
			if err != nil || !aw.Included || aw.TxHash != b.TxHash {
				t.Fatalf("await = %+v, %v", aw, err)
			}
		})
	}
	t.Run("stored before it is sent", func(t *testing.T) {
		// A node that refuses the send: the replacement is stored all the
		// same, and the next Broadcast sends exactly it.
		s := newSim(t, simNet())
		g := s.gate()
		s.commit(1)
		id, _ := s.signedDeployment()
		g.b = refuseSend{g.b}
		b, err := s.a.Bump(t.Context(), s.in(id))
		if err == nil || !b.Replaced {
			t.Fatalf("bump = %+v, %v; want replaced and a send error", b, err)
		}
		txs := s.txs(id, "deploy")
		if len(txs) != 2 || txs[1].BroadcastAt != nil {
			t.Fatalf("stored %d, newest broadcast %v", len(txs), txs[len(txs)-1].BroadcastAt)
		}
		g.b = s.back.Client()
		if err := s.a.Broadcast(t.Context(), s.in(id)); err != nil {
			t.Fatal(err)
		}
		if !s.inPool(txs[1].TxHash) || s.inPool(txs[0].TxHash) {
			t.Fatal("Broadcast did not send the newest replacement")
		}
	})
}

func mustBump(s *sim, id uuid.UUID) {
	s.t.Helper()
	b, err := s.a.Bump(s.ctx(), s.in(id))
	if err != nil || !b.Replaced {
		s.t.Fatalf("bump = %+v, %v", b, err)
	}
}

// refuseSend is a node that drops the connection on every send.
type refuseSend struct{ chain.Backend }

func (refuseSend) SendTransaction(context.Context, *types.Transaction) error { return errOutage }
