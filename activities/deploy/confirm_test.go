package deploy_test

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/spend"
	"github.com/slipway-dev/slipway/internal/status"
)

func (s *sim) broadcast(id uuid.UUID) {
	s.t.Helper()
	if err := s.a.Broadcast(s.ctx(), s.in(id)); err != nil {
		s.t.Fatalf("broadcast: %v", err)
	}
}

// bounded gives ctx a deadline of 10 s unless it has one: a wait that no
// longer ends fails its test instead of hanging it for minutes.
func bounded(ctx context.Context) (context.Context, context.CancelFunc) {
	if _, ok := ctx.Deadline(); ok {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, 10*time.Second)
}

func (s *sim) confirm(ctx context.Context, id uuid.UUID, required uint32) (deployapi.ConfirmResult, error) {
	ctx, cancel := bounded(ctx)
	defer cancel()
	return s.a.Confirm(ctx, deployapi.ConfirmInput{TxInput: s.in(id), Required: required})
}

func (s *sim) await(id uuid.UUID) (deployapi.AwaitResult, error) {
	ctx, cancel := bounded(s.ctx())
	defer cancel()
	return s.a.Await(ctx, s.in(id))
}

// commit mines n blocks and waits for the pool to catch up with them.
func (s *sim) commit(n int) {
	for range n {
		s.back.Commit()
	}
	s.settle()
}

// Await answers the deployment's mined transaction (the newest attempt's
// when a bump was mined), and otherwise gives up after the bump interval,
// counted in blocks or in wall time scaled by the block time.
func TestAwait(t *testing.T) {
	cases := []struct {
		name   string
		net    func(n *chain.Network)
		before func(s *sim, id uuid.UUID)
		// during runs beside Await until it returns (stop closes).
		during     func(s *sim, stop <-chan struct{})
		included   bool
		bumped     bool   // the newest attempt is the one mined
		block      uint64 // the block it is in, when included
		minBlocks  uint64 // BlocksWaited at least, when not included
		maxElapsed time.Duration
	}{
		{name: "included", included: true, block: 2, maxElapsed: 3 * time.Second,
			before: func(s *sim, id uuid.UUID) { s.broadcast(id); s.commit(1) }},
		{name: "replacement included", included: true, bumped: true, block: 2, maxElapsed: 3 * time.Second,
			before: func(s *sim, id uuid.UUID) { s.broadcast(id); mustBump(s, id); s.commit(1) }},
		{name: "mined while waiting", included: true, block: 2, maxElapsed: 3 * time.Second,
			net:    func(n *chain.Network) { n.BlockTimeSeconds = 0.4 }, // 100 ms polls, 1.6 s wall time
			before: func(s *sim, id uuid.UUID) { s.broadcast(id) },
			during: func(s *sim, stop <-chan struct{}) {
				select {
				case <-time.After(150 * time.Millisecond):
					s.back.Commit()
				case <-stop:
				}
			}},
		{name: "not included in the wall time", net: fast, maxElapsed: 3 * time.Second},
		{name: "not included in the bump interval's blocks", minBlocks: 2, maxElapsed: 2500 * time.Millisecond,
			// 250 ms polls and 3 s of wall time: only the blocks end it early.
			net: func(n *chain.Network) { n.BlockTimeSeconds = 1; n.Gas.BumpIntervalBlocks = 2 },
			during: func(s *sim, stop <-chan struct{}) {
				for {
					select {
					case <-time.After(20 * time.Millisecond):
						s.back.Commit()
					case <-stop:
						return
					}
				}
			}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			net := simNet()
			if c.net != nil {
				net = simNet(c.net)
			}
			s := newSim(t, net)
			s.commit(1)
			id, _ := s.signedDeployment()
			if c.before != nil {
				c.before(s, id)
			}
			stop, done := make(chan struct{}), make(chan struct{})
			if c.during != nil {
				go func() { defer close(done); c.during(s, stop) }()
			} else {
				close(done)
			}
			start := time.Now()
			res, err := s.await(id)
			elapsed := time.Since(start)
			close(stop)
			<-done
			if err != nil {
				t.Fatalf("await: %v", err)
			}
			if elapsed > c.maxElapsed {
				t.Fatalf("await took %s, want under %s", elapsed, c.maxElapsed)
			}
			txs := s.txs(id, "deploy")
			want := txs[0]
			if c.bumped {
				want = txs[len(txs)-1]
			}
			if res.Included != c.included {
				t.Fatalf("await = %+v, want included %v", res, c.included)
			}
			if c.included {
				if !strings.EqualFold(res.TxHash, want.TxHash) || res.BlockNumber != c.block {
					t.Fatalf("await = %+v, want %s in block %d", res, want.TxHash, c.block)
				}
				return
			}
			if res.BlocksWaited < c.minBlocks || res.TxHash != "" {
				t.Fatalf("await = %+v, want at least %d blocks waited", res, c.minBlocks)
			}
		})
	}
	t.Run("nothing signed", func(t *testing.T) {
		s := newSim(t, simNet())
		_, err := s.await(s.deployment(s.user("free")))
		if appErrType(err) != deployapi.ErrTypeEnded {
			t.Fatalf("await = %v", err)
		}
	})
}

// An RPC that stays down longer than the outage window fails the wait for
// good; a shorter outage is waited out.
func TestOutage(t *testing.T) {
	t.Run("longer than the window", func(t *testing.T) {
		s := newSim(t, simNet(fast)) // a window of 1 s
		g := s.gate()
		s.commit(1)
		id, _ := s.signedDeployment()
		g.down.Store(true)
		start := time.Now()
		_, err := s.await(id)
		if appErrType(err) != deployapi.ErrTypeUnreachable || !strings.Contains(err.Error(), "network sim unreachable") {
			t.Fatalf("await = %v", err)
		}
		if d := time.Since(start); d < time.Second || d > 3*time.Second {
			t.Fatalf("gave up after %s, want just over the 1 s window", d)
		}
	})
	t.Run("shorter than the window", func(t *testing.T) {
		s := newSim(t, simNet(fast))
		g := s.gate()
		s.commit(1)
		id, _ := s.signedDeployment()
		s.broadcast(id)
		s.commit(1)
		g.down.Store(true)
		time.AfterFunc(300*time.Millisecond, func() { g.down.Store(false) })
		start := time.Now()
		res, err := s.confirm(t.Context(), id, 1)
		if err != nil || !res.Confirmed {
			t.Fatalf("confirm = %+v, %v", res, err)
		}
		if d := time.Since(start); d < 300*time.Millisecond {
			t.Fatalf("confirmed after %s, while the RPC was down", d)
		}
	})
}

// Confirm follows the mined transaction to the required depth on the
// canonical chain and records what it paid; a revert on chain or a
// contract without code fails for good.
func TestConfirm(t *testing.T) {
	cases := []struct {
		name     string
		bytecode string
		required uint32
		blocks   int           // committed after the one that mines it
		timeout  time.Duration // of the Confirm call; 0 for none
		before   func(s *sim, id uuid.UUID)
		conf     uint32 // confirmations recorded
		typ      string // error type; "ctx" for the call's deadline
	}{
		{name: "at the required depth", required: 3, blocks: 2, conf: 3},
		{name: "deeper than required", required: 1, blocks: 4, conf: 5},
		{name: "short of the depth waits", required: 3, blocks: 0, conf: 1, timeout: 600 * time.Millisecond, typ: "ctx"},
		{name: "no code at the address", bytecode: noCodeInitCode, required: 1, typ: deployapi.ErrTypeNoCode},
		{name: "deployment ended meanwhile", required: 1, typ: deployapi.ErrTypeEnded,
			before: func(s *sim, id uuid.UUID) { s.setStatus(id, status.Failed) }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, simNet())
			s.commit(1)
			id := s.deployment(s.user("free"))
			code := tinyInitCode
			if c.bytecode != "" {
				code = c.bytecode
			}
			res, err := s.prepare(id, code)
			if err != nil {
				t.Fatal(err)
			}
			s.broadcast(id)
			s.commit(1 + c.blocks)
			if c.before != nil {
				c.before(s, id)
			}
			ctx := t.Context()
			if c.timeout > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, c.timeout)
				defer cancel()
			}
			got, err := s.confirm(ctx, id, c.required)
			switch c.typ {
			case "":
				if err != nil {
					t.Fatalf("confirm: %v", err)
				}
			case "ctx":
				if !errors.Is(err, context.DeadlineExceeded) {
					t.Fatalf("confirm = %+v, %v; want it still waiting at the deadline", got, err)
				}
			default:
				if appErrType(err) != c.typ {
					t.Fatalf("confirm = %+v, %v; want %s", got, err, c.typ)
				}
				return
			}
			r := s.receipt(res.TxHash)
			d := s.row(id)
			if d.Status != status.Confirming || d.Confirmations != int32(c.conf) || d.BlockNumber != r.BlockNumber.Int64() || d.GasUsed != int64(r.GasUsed) {
				t.Fatalf("deployment = %s conf %d block %d gas %d; receipt block %d gas %d", d.Status, d.Confirmations, d.BlockNumber, d.GasUsed, r.BlockNumber, r.GasUsed)
			}
			if msg := fmt.Sprintf("%d of %d confirmations (block %d)", min(c.conf, c.required), c.required, r.BlockNumber); !s.hasEvent(id, msg) {
				t.Fatalf("events = %q", s.events(id))
			}
			if c.typ == "ctx" {
				// More blocks, and a new call reaches the depth.
				s.commit(int(c.required - c.conf))
				if got, err = s.confirm(t.Context(), id, c.required); err != nil || !got.Confirmed || got.Confirmations != c.required {
					t.Fatalf("confirm after more blocks = %+v, %v", got, err)
				}
				return
			}
			fee := new(big.Int).Mul(r.EffectiveGasPrice, new(big.Int).SetUint64(r.GasUsed))
			want := deployapi.ConfirmResult{
				Confirmed: true, TxHash: res.TxHash, ContractAddress: res.ContractAddress, BlockNumber: r.BlockNumber.Uint64(),
				Confirmations: c.conf, GasUsed: r.GasUsed, EffectiveGasPrice: r.EffectiveGasPrice.String(), FeePaid: fee.String(),
			}
			if got != want {
				t.Fatalf("confirm = %+v\nwant %+v", got, want)
			}
			if r.GasUsed < 53_000 || r.EffectiveGasPrice.Sign() <= 0 {
				t.Fatalf("implausible receipt: gas %d price %s", r.GasUsed, r.EffectiveGasPrice)
			}
			if spend.WeiOf(d.FeePaid).Cmp(fee) != 0 || spend.WeiOf(d.EffectiveGasPrice).Cmp(r.EffectiveGasPrice) != 0 {
				t.Fatalf("recorded fee %s price %s, want %s %s", db.WeiString(d.FeePaid), db.WeiString(d.EffectiveGasPrice), fee, r.EffectiveGasPrice)
			}
		})
	}
}

// A constructor that estimates fine but reverts on chain (it reverts once
// an address holds ether, which happens between signing and mining) fails
// for good, and its reservation settles to the gas it burnt.
func TestConfirmRevertedOnChain(t *testing.T) {
	key, other := mustKey(t, ""), mustKey(t, "")
	s := newSimWith(t, simNet(), key, types.GenesisAlloc{addr(key): {Balance: ether}, addr(other): {Balance: ether}})
	s.commit(1)
	trip := common.Address{0xee}
	// PUSH20 trip BALANCE ISZERO PUSH1 0x1e JUMPI PUSH1 0 DUP1 REVERT JUMPDEST STOP
	code := "0x73" + hex.EncodeToString(trip[:]) + "3115601e576000" + "80fd5b00"
	id := s.deployment(s.user("free"))
	res, err := s.prepare(id, code)
	if err != nil {
		t.Fatalf("prepare (the constructor succeeds for now): %v", err)
	}
	s.mine(s.transfer(other, 0, trip, 1))
	s.broadcast(id)
	s.commit(1)
	r := s.receipt(res.TxHash)
	if r == nil || r.Status != types.ReceiptStatusFailed {
		t.Fatalf("receipt = %+v, want a revert", r)
	}
	_, err = s.confirm(t.Context(), id, 1)
	if appErrType(err) != deployapi.ErrTypeReverted || !strings.Contains(err.Error(), "reverted on chain") {
		t.Fatalf("confirm = %v", err)
	}
	fee := new(big.Int).Mul(r.EffectiveGasPrice, new(big.Int).SetUint64(r.GasUsed))
	if rv := s.reservation(id); rv.State != "settled" || spend.WeiOf(rv.SpentWei).Cmp(fee) != 0 || fee.Sign() <= 0 {
		t.Fatalf("reservation = %s spent %s, want settled at %s", rv.State, db.WeiString(rv.SpentWei), fee)
	}
}

// A reorg that takes the transaction's block answers Dropped; the stored
// bytes re-broadcast, and once mined again the deployment confirms in its
// new block.
func TestConfirmDroppedByAReorg(t *testing.T) {
	s := newSim(t, simNet(fast))
	s.commit(1)
	parent, err := s.client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	id, res := s.signedDeployment()
	s.broadcast(id)
	s.commit(1)
	first := s.receipt(res.TxHash)
	if c, err := s.confirm(t.Context(), id, 1); err != nil || !c.Confirmed || c.BlockNumber != 2 {
		t.Fatalf("confirm before the reorg = %+v, %v", c, err)
	}
	// The chain goes back to block 1: the transaction is in no block.
	if err := s.back.Fork(parent.Hash()); err != nil {
		t.Fatal(err)
	}
	if s.receipt(res.TxHash) != nil {
		t.Fatal("the simulated chain kept the receipt")
	}
	c, err := s.confirm(t.Context(), id, 1)
	if err != nil || !c.Dropped || c.Confirmed {
		t.Fatalf("confirm after the reorg = %+v, %v; want dropped", c, err)
	}
	if d := s.row(id); d.Confirmations != 0 || !s.hasEvent(id, "reorg: the deployment's block left the canonical chain") {
		t.Fatalf("confirmations %d, events %q", d.Confirmations, s.events(id))
	}
	aw, err := s.await(id)
	if err == nil && aw.Included {
		t.Fatalf("await after the reorg = %+v", aw)
	}
	s.broadcast(id) // the same bytes: the node knows them already or takes them again
	s.commit(2)
	c, err = s.confirm(t.Context(), id, 2)
	if err != nil || !c.Confirmed || c.TxHash != res.TxHash || c.Confirmations != 2 {
		t.Fatalf("confirm after re-mining = %+v, %v", c, err)
	}
	again := s.receipt(res.TxHash)
	if again.BlockHash == first.BlockHash || c.BlockNumber != again.BlockNumber.Uint64() {
		t.Fatalf("confirmed in block %d, receipt in %s (first %s)", c.BlockNumber, again.BlockHash, first.BlockHash)
	}
	if len(s.txs(id, "")) != 1 {
		t.Fatal("a reorg made the deployment sign again")
	}
}

// A reorg that moves the transaction to another block (here: another
// height) while Confirm waits is followed there, with an event, and the
// depth is counted from the new block.
func TestConfirmFollowsAMovedTransaction(t *testing.T) {
	s := newSim(t, simNet())
	g := s.gate()
	s.commit(1)
	base, err := s.client().HeaderByNumber(t.Context(), nil)
	if err != nil {
		t.Fatal(err)
	}
	s.commit(1)
	id, res := s.signedDeployment()
	s.broadcast(id)
	s.commit(1) // mined in block 3
	if r := s.receipt(res.TxHash); r == nil || r.BlockNumber.Uint64() != 3 {
		t.Fatalf("receipt = %+v", r)
	}
	type out struct {
		res deployapi.ConfirmResult
		err error
	}
	done := make(chan out, 1)
	go func() {
		r, err := s.confirm(t.Context(), id, 3)
		done <- out{r, err}
	}()
	waitFor(t, "the first confirmation", func() bool { return s.hasEvent(id, "1 of 3 confirmations (block 3)") })
	// While Confirm is held off the RPC: back to block 1, where the
	// transaction lands in the new block 2, then two blocks on top.
	g.mu.Lock()
	err = s.back.Fork(base.Hash())
	if err == nil {
		s.commit(3)
	}
	g.mu.Unlock()
	if err != nil {
		t.Fatal(err)
	}
	r := s.receipt(res.TxHash)
	if r == nil || r.BlockNumber.Uint64() != 2 {
		t.Fatalf("after the reorg the receipt is %+v, want block 2", r)
	}
	var o out
	select {
	case o = <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Confirm did not follow the transaction")
	}
	if o.err != nil || !o.res.Confirmed || o.res.BlockNumber != 2 || o.res.Confirmations != 3 || o.res.TxHash != res.TxHash {
		t.Fatalf("confirm = %+v, %v; want confirmed 3 deep in block 2", o.res, o.err)
	}
	if !s.hasEvent(id, "reorg: the transaction is now in block 2") {
		t.Fatalf("events = %q", s.events(id))
	}
	if d := s.row(id); d.BlockNumber != 2 || d.Confirmations != 3 {
		t.Fatalf("deployment block %d confirmations %d", d.BlockNumber, d.Confirmations)
	}
}
