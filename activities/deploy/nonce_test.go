package deploy_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/spend"
	"github.com/slipway-dev/slipway/internal/status"
)

// checkFiller checks that row is a zero-value self-transfer from the
// signer at nonce k with the 21,000 gas of a plain transfer.
func (s *sim) checkFiller(row db.DeployTx, k uint64) {
	s.t.Helper()
	tx := decodeTx(s.t, row.RawTx)
	if row.Kind != "filler" || row.Nonce != int64(k) || tx.Nonce() != k || tx.To() == nil || *tx.To() != s.from() ||
		tx.Value().Sign() != 0 || tx.Gas() != 21000 || len(tx.Data()) != 0 || !strings.EqualFold(row.TxHash, tx.Hash().Hex()) {
		s.t.Fatalf("filler for nonce %d: kind %s nonce %d/%d to %v value %s gas %d data %x", k, row.Kind, row.Nonce, tx.Nonce(), tx.To(), tx.Value(), tx.Gas(), tx.Data())
	}
}

// Await, finding lower nonces of the signer that nothing on the node
// holds, repairs them before answering "not included": a nonce nobody
// signed for is filled with a zero-value self-transfer, one whose ended
// deployment the chain lost gets its stored bytes again, and one of a
// deployment still running is left to that deployment.
func TestAwaitRepairsNonceGaps(t *testing.T) {
	type gap struct {
		nonce uint64
		// filled: a new self-transfer; resent: this stored transaction
		// again; left: nothing sent.
		filled bool
		resent string
		left   bool
		// notMined: this transaction must not be mined (a failed
		// deployment's contract).
		notMined string
	}
	cases := []struct {
		name string
		// setup leaves the deployment to wait for signed (and broadcast)
		// at a nonce above the gaps.
		setup func(s *sim) (uuid.UUID, []gap)
	}{
		{name: "nothing holds the nonces", setup: func(s *sim) (uuid.UUID, []gap) {
			// Slipway handed out nonces 0 and 1 that the chain never saw
			// (a node reset), and their rows are gone.
			if _, err := s.pool.Exec(s.ctx(), "INSERT INTO signer_nonces (network, address, next_nonce) VALUES ('sim', $1, 2)", strings.ToLower(s.from().Hex())); err != nil {
				s.t.Fatal(err)
			}
			id, res := s.signedDeployment()
			if res.Nonce != 2 {
				s.t.Fatalf("nonce %d, want 2", res.Nonce)
			}
			return id, []gap{{nonce: 0, filled: true}, {nonce: 1, filled: true}}
		}},
		{name: "an ended deployment the chain lost", setup: func(s *sim) (uuid.UUID, []gap) {
			a, ra := s.signedDeployment()
			s.setStatus(a, status.Confirmed) // mined on a chain since reset
			id, _ := s.signedDeployment()
			return id, []gap{{nonce: 0, resent: ra.TxHash}}
		}},
		{name: "a confirmed deployment's mined attempt the chain lost", setup: func(s *sim) (uuid.UUID, []gap) {
			a, ra := s.signedDeployment()
			mustBump(s, a)
			s.back.Rollback() // the node lost its pool
			bumped := s.txs(a, "deploy")[1].TxHash
			// The first attempt was the one mined, on a chain since reset.
			if err := db.InTx(s.ctx(), s.pool, func(q *db.Queries) error {
				_, _, err := db.RecordProgress(s.ctx(), q, a, status.Confirmed, db.Progress{
					Update: db.UpdateDeploymentProgressParams{TxHash: &ra.TxHash}, Message: "test: confirmed",
				})
				return err
			}); err != nil {
				s.t.Fatal(err)
			}
			id, _ := s.signedDeployment()
			return id, []gap{{nonce: 0, resent: ra.TxHash, notMined: bumped}}
		}},
		{name: "a failed deployment's filler the chain lost", setup: func(s *sim) (uuid.UUID, []gap) {
			a, ra := s.signedDeployment()
			if f, err := s.a.FillNonce(s.ctx(), s.in(a)); err != nil || f.FillerHash == "" {
				s.t.Fatalf("fill = %+v, %v", f, err)
			}
			s.back.Rollback() // the node lost its pool
			s.setStatus(a, status.Failed)
			filler := s.txs(a, "filler")[0]
			id, _ := s.signedDeployment()
			return id, []gap{{nonce: 0, resent: filler.TxHash, notMined: ra.TxHash}}
		}},
		{name: "a running deployment's nonce", setup: func(s *sim) (uuid.UUID, []gap) {
			s.signedDeployment() // signed, not sent yet: its own workflow will
			id, _ := s.signedDeployment()
			return id, []gap{{nonce: 0, left: true}}
		}},
		{name: "no gap", setup: func(s *sim) (uuid.UUID, []gap) {
			id, _ := s.signedDeployment()
			return id, nil
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, simNet(fast))
			s.commit(1)
			id, gaps := c.setup(s)
			own := s.txs(id, "deploy")[0]
			if len(gaps) > 0 {
				s.broadcast(id) // queued behind the gaps
			}
			res, err := s.await(id)
			if err != nil || res.Included {
				t.Fatalf("await = %+v, %v; want not included", res, err)
			}
			fillers := s.txs(id, "filler")
			nFilled := 0
			for _, g := range gaps {
				switch {
				case g.filled:
					nFilled++
					var row *db.DeployTx
					for i := range fillers {
						if fillers[i].Nonce == int64(g.nonce) {
							row = &fillers[i]
						}
					}
					if row == nil {
						t.Fatalf("nonce %d not filled (fillers %d)", g.nonce, len(fillers))
					}
					s.checkFiller(*row, g.nonce)
					if row.Attempt != int32(g.nonce) || !s.inPool(row.TxHash) {
						t.Fatalf("filler for %d: attempt %d, in pool %v", g.nonce, row.Attempt, s.inPool(row.TxHash))
					}
				case g.resent != "":
					if !s.inPool(g.resent) {
						t.Fatalf("nonce %d: %s not re-sent", g.nonce, g.resent)
					}
				}
			}
			if len(fillers) != nFilled {
				t.Fatalf("%d fillers, want %d", len(fillers), nFilled)
			}
			wantPending := own.Nonce + 1
			switch {
			case len(gaps) == 0:
				wantPending = own.Nonce // not broadcast: nothing was sent for its own nonce
			case gaps[0].left:
				wantPending = 0
			}
			if got := s.pendingNonce(); got != uint64(wantPending) {
				t.Fatalf("pending nonce %d, want %d", got, wantPending)
			}
			// Whatever was left goes out by its own workflow; then
			// everything mines in one block, the deployment included.
			for _, g := range gaps {
				if g.left {
					s.broadcastNonce(g.nonce)
				}
			}
			if len(gaps) == 0 {
				s.broadcast(id)
			}
			s.commit(1)
			for _, g := range gaps {
				if g.resent != "" && s.receipt(g.resent) == nil {
					t.Fatalf("the re-sent %s was not mined", g.resent)
				}
				if g.notMined != "" && s.receipt(g.notMined) != nil {
					t.Fatalf("gap repair mined %s, the transaction of a failed deployment", g.notMined)
				}
			}
			aw, err := s.await(id)
			if err != nil || !aw.Included {
				t.Fatalf("await after repair = %+v, %v", aw, err)
			}
			if got := s.minedNonce(); got != uint64(own.Nonce)+1 {
				t.Fatalf("chain nonce %d, want %d", got, own.Nonce+1)
			}
		})
	}
}

// broadcastNonce broadcasts whichever deployment holds nonce k.
func (s *sim) broadcastNonce(k uint64) {
	s.t.Helper()
	var id uuid.UUID
	if err := s.pool.QueryRow(s.ctx(), "SELECT deployment_id FROM deploy_txs WHERE nonce = $1 AND kind = 'deploy' LIMIT 1", int64(k)).Scan(&id); err != nil {
		s.t.Fatal(err)
	}
	s.broadcast(id)
}

// FillNonce uses up the nonce of a deployment that failed after signing
// with a self-transfer that outbids whatever the deployment sent, unless
// the deployment's transaction was mined after all or the nonce is used.
func TestFillNonce(t *testing.T) {
	cases := []struct {
		name   string
		before func(s *sim, id uuid.UUID)
		want   deployapi.FillResult
	}{
		{name: "signed, never sent", want: deployapi.FillResult{FillerHash: "sent"}},
		{name: "waiting in the pool", want: deployapi.FillResult{FillerHash: "sent"},
			before: func(s *sim, id uuid.UUID) { s.broadcast(id) }},
		{name: "a bumped replacement waiting", want: deployapi.FillResult{FillerHash: "sent"},
			before: func(s *sim, id uuid.UUID) { s.broadcast(id); mustBump(s, id) }},
		{name: "mined after all", want: deployapi.FillResult{DeployMined: true},
			before: func(s *sim, id uuid.UUID) { s.broadcast(id); s.commit(1) }},
		{name: "nonce used by another sender", want: deployapi.FillResult{},
			before: func(s *sim, id uuid.UUID) { s.mine(s.transfer(s.key, 0, common.Address{3}, 1)) }},
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
			txs := s.txs(id, "deploy")
			last := txs[len(txs)-1]
			got, err := s.a.FillNonce(t.Context(), s.in(id))
			if err != nil || got != c.want {
				t.Fatalf("fill = %+v, %v; want %+v", got, err, c.want)
			}
			fillers := s.txs(id, "filler")
			if c.want.FillerHash == "" {
				if len(fillers) != 0 {
					t.Fatalf("%d fillers signed", len(fillers))
				}
				return
			}
			if len(fillers) != 1 {
				t.Fatalf("%d fillers, want 1", len(fillers))
			}
			f := fillers[0]
			s.checkFiller(f, res.Nonce)
			// It outbids the newest attempt by the bump percent (20 %).
			for _, p := range []struct{ old, new *big.Int }{
				{spend.WeiOf(last.MaxFeePerGas), spend.WeiOf(f.MaxFeePerGas)},
				{spend.WeiOf(last.MaxPriorityFeePerGas), spend.WeiOf(f.MaxPriorityFeePerGas)},
			} {
				if floor := new(big.Int).Div(new(big.Int).Mul(p.old, big.NewInt(120)), big.NewInt(100)); p.new.Cmp(floor) < 0 {
					t.Fatalf("filler fee %s, want at least %s (the replaced %s raised 20 %%)", p.new, floor, p.old)
				}
			}
			if !s.inPool(f.TxHash) || s.inPool(last.TxHash) {
				t.Fatal("the filler does not wait in the pool in place of the deployment")
			}
			s.commit(1)
			if s.receipt(f.TxHash) == nil {
				t.Fatal("the filler was not mined")
			}
			for _, d := range txs {
				if s.receipt(d.TxHash) != nil {
					t.Fatalf("the failed deployment's %s was mined", d.TxHash)
				}
			}
			if len(s.code(res.ContractAddress)) != 0 || s.minedNonce() != 1 {
				t.Fatalf("code at the failed deployment's address, or chain nonce %d", s.minedNonce())
			}
			// A retry after the filler is mined sends nothing more.
			if again, err := s.a.FillNonce(t.Context(), s.in(id)); err != nil || again != (deployapi.FillResult{}) || len(s.txs(id, "filler")) != 1 {
				t.Fatalf("retry = %+v, %v", again, err)
			}
		})
	}
	t.Run("nothing signed", func(t *testing.T) {
		s := newSim(t, simNet())
		got, err := s.a.FillNonce(t.Context(), s.in(s.deployment(s.user("free"))))
		if err != nil || got != (deployapi.FillResult{}) {
			t.Fatalf("fill = %+v, %v", got, err)
		}
	})
}
