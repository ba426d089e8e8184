package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum/common"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/deploy/signer"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
)

// member is a resolved member of a network's signer pool.
type member struct {
	ref chain.SignerRef
	s   signer.Signer
}

func (m member) address() common.Address { return m.s.Address() }

// candidate is a member that can pay for the deployment at hand: its
// balance covers the worst case and leaves the network's minimum.
type candidate struct {
	member
	balance *big.Int
}

func (a *Activities) resolver() *signer.Resolver {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.Signers == nil {
		a.Signers = &signer.Resolver{Secrets: a.Secrets, Logger: a.Logger}
	}
	return a.Signers
}

// members resolves the network's signer pool, the draining members too
// when withDraining (to finish what they signed). A member that cannot be
// resolved is left out with a warning while others can; when none can, the
// errors are answered, permanent when every one is a configuration error.
// No members and no error means every member is draining.
func (a *Activities) members(ctx context.Context, n chain.Network, withDraining bool) ([]member, error) {
	pool := n.SignerPool()
	if len(pool) == 0 {
		return nil, permanent(deployapi.ErrTypeConfig, fmt.Errorf("network %s has no signer configured", n.Name))
	}
	var out []member
	var errs []error
	allConfig := true
	for _, r := range pool {
		if r.Draining && !withDraining {
			continue
		}
		s, err := a.resolveSigner(ctx, n, r)
		if err != nil {
			errs = append(errs, err)
			allConfig = allConfig && errors.Is(err, signer.ErrConfig)
			continue
		}
		out = append(out, member{ref: r, s: s})
	}
	switch {
	case len(out) > 0:
		for _, err := range errs {
			a.logger().WarnContext(ctx, "signer left out of the pool", "network", n.Name, "err", err)
		}
		return out, nil
	case len(errs) == 0:
		return nil, nil
	case allConfig:
		return nil, permanent(deployapi.ErrTypeConfig, errors.Join(errs...))
	default:
		return nil, errors.Join(errs...)
	}
}

// resolveSigner resolves one member. The public test keys of anvil and
// Hardhat are refused on any chain but the dev chain: whatever is sent
// from them elsewhere is anyone's to take.
func (a *Activities) resolveSigner(ctx context.Context, n chain.Network, r chain.SignerRef) (signer.Signer, error) {
	if a.Secrets == nil && !r.IsKMS() {
		return nil, fmt.Errorf("read signer of %s: no secrets provider on this worker: %w", n.Name, signer.ErrConfig)
	}
	s, err := a.resolver().Resolve(ctx, r.Ref, n.ChainID == anvil.DevChainID)
	if err != nil {
		return nil, fmt.Errorf("read signer of %s (chain %d): %w", n.Name, n.ChainID, err)
	}
	return s, nil
}

// signerFor answers the pool member with address from, draining or not:
// a deployment's bumps and nonce repairs are signed by the signer it was
// bound to, whatever the pool has become since.
func (a *Activities) signerFor(ctx context.Context, n chain.Network, from common.Address) (signer.Signer, error) {
	var transient []error
	for _, r := range n.SignerPool() {
		s, err := a.resolveSigner(ctx, n, r)
		if err != nil {
			if !errors.Is(err, signer.ErrConfig) {
				transient = append(transient, err)
			}
			continue
		}
		if s.Address() == from {
			return s, nil
		}
	}
	if len(transient) > 0 {
		// The member that failed may be the one.
		return nil, errors.Join(transient...)
	}
	return nil, permanent(deployapi.ErrTypeConfig, fmt.Errorf("signer %s, which signed this deployment, is no longer in the signer pool of %s: keep it listed (draining) until its deployments end", from.Hex(), n.Name))
}

// candidates answers the members that can pay worst and keep the
// network's minimum balance, with their balances; when there are none, why
// not.
func (a *Activities) candidates(ctx context.Context, n chain.Network, b chain.Backend, ms []member, worst *big.Int) ([]candidate, string, error) {
	floor := n.MinSignerBalance()
	var out []candidate
	var short []string
	for _, m := range ms {
		from := m.address()
		bal, err := b.BalanceAt(ctx, from, nil)
		if err != nil {
			return nil, "", fmt.Errorf("read balance of signer %s: %w", from.Hex(), err)
		}
		left := new(big.Int).Sub(bal, worst)
		switch {
		case left.Sign() < 0:
			short = append(short, fmt.Sprintf("%s holds %s wei, the deployment may cost up to %s wei", from.Hex(), bal, worst))
			continue
		case floor != nil && left.Cmp(floor) < 0:
			short = append(short, fmt.Sprintf("%s holds %s wei; after this deployment's worst case of %s wei it would be below the network's minimum of %s wei", from.Hex(), bal, worst, floor))
			continue
		}
		out = append(out, candidate{member: m, balance: bal})
	}
	if len(out) > 0 {
		return out, "", nil
	}
	a.kickBalances()
	return nil, fmt.Sprintf("no signer of %s can pay for the deployment (%s); waiting for a top-up", n.Name, strings.Join(short, "; ")), nil
}

// choose picks the candidate with the fewest deployments in flight, then
// the highest balance, then the first in the pool: load spreads over the
// pool, and an idle pool drains its richest signer first.
func choose(cs []candidate, pending map[string]int64) candidate {
	return slices.MinFunc(cs, func(x, y candidate) int {
		return cmp.Or(
			cmp.Compare(pending[lowerHex(x.address())], pending[lowerHex(y.address())]),
			y.balance.Cmp(x.balance),
		)
	})
}

// bind picks the signer of a deployment inside its signing transaction.
// With more than one candidate it takes the network's pool lock first, so
// that concurrent signings each count the deployments bound before them;
// the choice becomes durable with the signed transaction (and its spend
// reservation) in the same commit, so a retry or a crash never switches
// signers.
func (a *Activities) bind(ctx context.Context, q *db.Queries, n chain.Network, cs []candidate) (candidate, error) {
	if len(cs) == 1 {
		return cs[0], nil
	}
	if err := q.LockSignerPool(ctx, n.Name); err != nil {
		return candidate{}, fmt.Errorf("lock signer pool: %w", err)
	}
	rows, err := q.CountPendingBySigner(ctx, n.Name)
	if err != nil {
		return candidate{}, fmt.Errorf("count pending by signer: %w", err)
	}
	pending := make(map[string]int64, len(rows))
	for _, r := range rows {
		pending[r.Signer] = r.Pending
	}
	return choose(cs, pending), nil
}

// signError classifies a failed signing: a key KMS refuses to use (disabled,
// wrong usage, access denied) fails the deployment; anything else (KMS
// unreachable or throttled) is retried.
func signError(from common.Address, err error) error {
	err = fmt.Errorf("sign with %s: %w", from.Hex(), err)
	if errors.Is(err, signer.ErrConfig) {
		return permanent(deployapi.ErrTypeConfig, err)
	}
	return err
}

// CheckSigners resolves every signer of every network, draining ones
// included, and answers what cannot be resolved: workers refuse to start
// with a reference that would fail deployments later, rather than fall
// back to anything. It is a function rather than a method because Temporal
// registers every exported method of Activities as an activity.
func CheckSigners(ctx context.Context, a *Activities) error {
	var errs []error
	for _, n := range a.Networks.Networks {
		for _, r := range n.SignerPool() {
			if _, err := a.resolveSigner(ctx, n, r); err != nil {
				errs = append(errs, fmt.Errorf("signer %q: %w", r.Ref, err))
			}
		}
	}
	return errors.Join(errs...)
}

// SignerState is one signer of a network as `slipway signers` shows it.
type SignerState struct {
	Network string
	// Ref is the signer's reference (a secret's name or a KMS key), never
	// key material.
	Ref      string
	Address  common.Address
	Draining bool
	// Balance and MinBalance are in wei; MinBalance is nil without a
	// network minimum.
	Balance, MinBalance *big.Int
	// InFlight counts the deployments bound to the signer that have not
	// ended; PendingNonces the chain's pending nonce minus its latest.
	InFlight      int64
	PendingNonces uint64
	// State is "active", "draining", "below-minimum" or "error"; Err says
	// what failed for "error".
	State string
	Err   error
}

// SignerStates reads every signer of every network: its address, balance,
// nonces and the deployments bound to it. A signer or network that fails
// is answered with State "error" rather than stopping the listing.
func SignerStates(ctx context.Context, a *Activities) []SignerState {
	var out []SignerState
	for _, n := range a.Networks.Networks {
		pool := n.SignerPool()
		if len(pool) == 0 {
			continue
		}
		n.Gas = n.Gas.WithDefaults()
		inFlight := map[string]int64{}
		if a.Pool != nil {
			rows, err := db.New(a.Pool).CountPendingBySigner(ctx, n.Name)
			for _, r := range rows {
				inFlight[r.Signer] = r.Pending
			}
			if err != nil {
				a.logger().WarnContext(ctx, "deployments in flight not counted", "network", n.Name, "err", err)
			}
		}
		b, berr := a.backend(ctx, n)
		for _, r := range pool {
			st := SignerState{Network: n.Name, Ref: r.Ref, Draining: r.Draining, MinBalance: n.MinSignerBalance()}
			st.Err = func() error {
				s, err := a.resolveSigner(ctx, n, r)
				if err != nil {
					return err
				}
				st.Address = s.Address()
				st.InFlight = inFlight[lowerHex(st.Address)]
				if berr != nil {
					return berr
				}
				if st.Balance, err = b.BalanceAt(ctx, st.Address, nil); err != nil {
					return fmt.Errorf("read balance: %w", err)
				}
				pending, err := b.PendingNonceAt(ctx, st.Address)
				if err != nil {
					return fmt.Errorf("read pending nonce: %w", err)
				}
				latest, err := b.NonceAt(ctx, st.Address, nil)
				if err != nil {
					return fmt.Errorf("read nonce: %w", err)
				}
				st.PendingNonces = pending - min(latest, pending)
				return nil
			}()
			switch {
			case st.Err != nil:
				st.State = "error"
			case r.Draining:
				st.State = "draining"
			case st.MinBalance != nil && st.Balance.Cmp(st.MinBalance) < 0:
				st.State = "below-minimum"
			default:
				st.State = "active"
			}
			out = append(out, st)
		}
	}
	return out
}
