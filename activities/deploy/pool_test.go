package deploy_test

import (
	"crypto/ecdsa"
	"encoding/hex"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/internal/secrets"
)

// poolSim is a simulated network whose signer pool has one key per
// balance (in ether), referenced as env:SIGNER, env:SIGNER1, ….
type poolSim struct {
	*sim
	refs  []string
	addrs []string
}

func newPoolSim(t *testing.T, ethers []int64, mods ...func(n *chain.Network)) *poolSim {
	t.Helper()
	return newPoolSimWith(t, ethers, nil, mods...)
}

// newPoolSimWith is newPoolSim with extra accounts in the genesis, given
// the signers' addresses.
func newPoolSimWith(t *testing.T, ethers []int64, extra func(signers []common.Address) types.GenesisAlloc, mods ...func(n *chain.Network)) *poolSim {
	t.Helper()
	alloc := types.GenesisAlloc{}
	static := secrets.Static{}
	p := &poolSim{}
	var keys []*ecdsa.PrivateKey
	for i, e := range ethers {
		k := mustKey(t, "")
		keys = append(keys, k)
		alloc[addr(k)] = types.Account{Balance: new(big.Int).Mul(big.NewInt(e), ether)}
		ref := "env:SIGNER"
		if i > 0 {
			ref += string(rune('0' + i))
		}
		static[ref] = secrets.NewSecretString(hex.EncodeToString(crypto.FromECDSA(k)))
		p.refs = append(p.refs, ref)
		p.addrs = append(p.addrs, addr(k).Hex())
	}
	if extra != nil {
		var signers []common.Address
		for _, k := range keys {
			signers = append(signers, addr(k))
		}
		for a, acct := range extra(signers) {
			alloc[a] = acct
		}
	}
	p.sim = newSimOn(t, simNet(mods...), simBackend(t, alloc), keys[0])
	n := &p.a.Networks.Networks[0]
	for _, ref := range p.refs[1:] {
		n.Signers = append(n.Signers, chain.SignerRef{Ref: ref})
	}
	p.a.Secrets = static
	if err := p.a.Networks.Validate(); err != nil {
		t.Fatal(err)
	}
	return p
}

// drain marks the i-th signer draining.
func (p *poolSim) drain(i int) {
	n := &p.a.Networks.Networks[0]
	if i == 0 {
		// The first member is Signer: move it into Signers to mark it.
		n.Signer = ""
		n.Signers = append([]chain.SignerRef{{Ref: p.refs[0], Draining: true}}, n.Signers...)
		return
	}
	for j := range n.Signers {
		if n.Signers[j].Ref == p.refs[i] {
			n.Signers[j].Draining = true
		}
	}
}

func (p *poolSim) signWith(id uuid.UUID) string {
	p.t.Helper()
	res, err := p.prepare(id, tinyInitCode)
	if err != nil || res.TxHash == "" {
		p.t.Fatalf("prepare = %+v, %v", res, err)
	}
	return res.Signer
}

// Concurrent deployments spread over the pool: each is bound to the signer
// with the fewest in flight, so n deployments on k signers give each n/k,
// with consecutive nonces per signer.
func TestPoolSpreadsConcurrentDeployments(t *testing.T) {
	p := newPoolSim(t, []int64{100, 100, 100})
	const n = 9
	var mu sync.Mutex
	count := map[string]int{}
	nonces := map[string][]uint64{}
	var wg sync.WaitGroup
	for range n {
		id := p.deployment(p.user("paid"))
		wg.Go(func() {
			res, err := p.prepare(id, tinyInitCode)
			if err != nil || res.TxHash == "" {
				t.Errorf("prepare = %+v, %v", res, err)
				return
			}
			mu.Lock()
			count[res.Signer]++
			nonces[res.Signer] = append(nonces[res.Signer], res.Nonce)
			mu.Unlock()
		})
	}
	wg.Wait()
	for _, a := range p.addrs {
		if count[a] != n/3 {
			t.Fatalf("per signer %v, want %d each", count, n/3)
		}
		seen := map[uint64]bool{}
		for _, k := range nonces[a] {
			seen[k] = true
		}
		for k := range uint64(n / 3) {
			if !seen[k] {
				t.Fatalf("signer %s nonces %v: %d missing", a, nonces[a], k)
			}
		}
	}
}

// An idle pool binds to its best-funded signer; a signer whose balance
// would fall below the network's minimum is passed over; when none can
// pay, the deployment waits with the reason and nothing is signed.
func TestPoolChoosesBySigner(t *testing.T) {
	t.Run("idle pool takes the richest", func(t *testing.T) {
		p := newPoolSim(t, []int64{10, 100})
		if got := p.signWith(p.deployment(p.user("paid"))); got != p.addrs[1] {
			t.Fatalf("signer %s, want the richer %s", got, p.addrs[1])
		}
	})
	floor := func(e int64) func(n *chain.Network) {
		return func(n *chain.Network) {
			w := &chain.Wei{}
			w.Mul(big.NewInt(e), ether)
			n.MinSignerBalanceWei = w
		}
	}
	t.Run("below the minimum is passed over", func(t *testing.T) {
		p := newPoolSim(t, []int64{50, 5}, floor(10))
		for range 3 {
			if got := p.signWith(p.deployment(p.user("paid"))); got != p.addrs[0] {
				t.Fatalf("signer %s, want %s (the other is below the minimum)", got, p.addrs[0])
			}
		}
	})
	t.Run("none can pay: wait", func(t *testing.T) {
		p := newPoolSim(t, []int64{5, 5}, floor(10))
		id := p.deployment(p.user("paid"))
		res, err := p.prepare(id, tinyInitCode)
		if err != nil || !res.WaitingForSigner || res.TxHash != "" {
			t.Fatalf("prepare = %+v, %v; want waiting for a signer", res, err)
		}
		for _, a := range p.addrs {
			if !strings.Contains(res.Message, a) {
				t.Fatalf("message %q does not name %s", res.Message, a)
			}
		}
		if p.countTxs() != 0 {
			t.Fatal("signed while waiting")
		}
	})
}

// Draining takes a signer out of rotation for new deployments, while what
// it signed is still bumped with it; a retry of Prepare answers the bound
// signer whatever the pool has become; a signer removed while its
// deployment is in flight fails the bump clearly.
func TestPoolDrainAndDurableBinding(t *testing.T) {
	p := newPoolSim(t, []int64{100, 10}, fast)
	p.commit(1) // the simulated chain indexes receipts from its first block on
	id := p.deployment(p.user("paid"))
	bound := p.signWith(id)
	if bound != p.addrs[0] {
		t.Fatalf("bound to %s, want %s", bound, p.addrs[0])
	}
	p.drain(0)
	for range 2 {
		if got := p.signWith(p.deployment(p.user("paid"))); got != p.addrs[1] {
			t.Fatalf("new deployment bound to %s, want %s (the other drains)", got, p.addrs[1])
		}
	}
	if again := p.signWith(id); again != bound {
		t.Fatalf("retry bound to %s, want %s", again, bound)
	}
	b, err := p.a.Bump(p.ctx(), p.in(id))
	if err != nil || !b.Replaced {
		t.Fatalf("bump = %+v, %v", b, err)
	}
	txs := p.txs(id, "deploy")
	if got := txs[len(txs)-1].Signer; !strings.EqualFold(got, bound) {
		t.Fatalf("replacement signed by %s, want %s", got, bound)
	}

	p.drain(1)
	res, err := p.prepare(p.deployment(p.user("paid")), tinyInitCode)
	if err != nil || !res.WaitingForSigner || !strings.Contains(res.Message, "every signer of sim is draining") {
		t.Fatalf("prepare with the whole pool draining = %+v, %v", res, err)
	}

	p.a.Networks.Networks[0].Signers = p.a.Networks.Networks[0].Signers[1:] // remove the bound signer
	if _, err := p.a.Bump(p.ctx(), p.in(id)); appErrType(err) != deployapi.ErrTypeConfig || !strings.Contains(err.Error(), "no longer in the signer pool") {
		t.Fatalf("bump after removing the signer: %v", err)
	}
}

// CheckSigners names every reference a worker could not sign with;
// SignerStates lists each signer with its state.
func TestCheckSignersAndStates(t *testing.T) {
	p := newPoolSim(t, []int64{100, 1}, func(n *chain.Network) {
		w := &chain.Wei{}
		w.Mul(big.NewInt(2), ether)
		n.MinSignerBalanceWei = w
	})
	if err := deploy.CheckSigners(p.ctx(), p.a); err != nil {
		t.Fatalf("check: %v", err)
	}
	id := p.deployment(p.user("paid"))
	p.signWith(id)
	p.broadcast(id)
	states := deploy.SignerStates(p.ctx(), p.a)
	if len(states) != 2 || states[0].State != "active" || states[0].InFlight != 1 || states[0].PendingNonces != 1 ||
		states[1].State != "below-minimum" || states[1].Address.Hex() != p.addrs[1] {
		t.Fatalf("states %+v", states)
	}
	n := &p.a.Networks.Networks[0]
	n.Signers = append(n.Signers, chain.SignerRef{Ref: "env:MISSING"})
	if err := deploy.CheckSigners(p.ctx(), p.a); err == nil || !strings.Contains(err.Error(), `signer "env:MISSING"`) {
		t.Fatalf("check with a missing secret: %v", err)
	}
}
