package deploy

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
)

// balanceTimeout bounds reading one network's signer balance, so that one
// slow RPC does not hold up the others' figures.
const balanceTimeout = 10 * time.Second

// RunSignerBalances exports each configured network's signer balance as
// slipway_signer_balance_wei now, every interval, and shortly after each
// confirmed deployment, until ctx ends: a signer running dry fails
// deployments, so operators want to be told before it does. The address
// is derived from the key in the secrets provider at each read, so a
// rotated key shows up by itself; neither the key nor anything derived
// from it but the address leaves this package. Without Metrics it returns
// at once. It is a function rather than a method because Temporal
// registers every exported method of Activities as an activity.
func RunSignerBalances(ctx context.Context, a *Activities, every time.Duration) {
	if a.Metrics == nil {
		return
	}
	kick := make(chan struct{}, 1)
	a.mu.Lock()
	a.balanceKick = kick
	a.mu.Unlock()
	defer func() {
		a.mu.Lock()
		a.balanceKick = nil
		a.mu.Unlock()
	}()
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		UpdateSignerBalances(ctx, a)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-kick:
		}
	}
}

// UpdateSignerBalances reads the balance of every signer of every
// network's pool once, draining ones included (they still pay for the
// bumps of what they signed). A signer or network that fails is logged and
// keeps its last figure.
func UpdateSignerBalances(ctx context.Context, a *Activities) {
	for _, n := range a.Networks.Networks {
		if len(n.SignerPool()) == 0 {
			continue
		}
		if err := a.updateSignerBalances(ctx, n); err != nil && ctx.Err() == nil {
			a.logger().WarnContext(ctx, "signer balances not read", "network", n.Name, "err", err)
		}
	}
}

func (a *Activities) updateSignerBalances(ctx context.Context, n chain.Network) error {
	ctx, cancel := context.WithTimeout(ctx, balanceTimeout)
	defer cancel()
	n.Gas = n.Gas.WithDefaults()
	b, err := a.backend(ctx, n)
	if err != nil {
		return err
	}
	ms, err := a.members(ctx, n, true)
	if err != nil {
		return err
	}
	floor := n.MinSignerBalance()
	a.Metrics.SetSignerMinBalance(n.Name, floor)
	var errs []error
	for _, m := range ms {
		from := m.address()
		bal, err := b.BalanceAt(ctx, from, nil)
		if err != nil {
			errs = append(errs, fmt.Errorf("read balance of %s: %w", from.Hex(), err))
			continue
		}
		a.Metrics.SetSignerBalance(n.Name, from.Hex(), bal)
		if a.Pool == nil {
			continue
		}
		// For the API's readiness, which holds no key to find the address.
		if err := db.New(a.Pool).UpsertSignerBalance(ctx, db.UpsertSignerBalanceParams{
			Network: n.Name, Address: lowerHex(from), BalanceWei: db.Wei(bal), MinBalanceWei: db.Wei(orZero(floor)),
		}); err != nil {
			errs = append(errs, fmt.Errorf("store balance of %s: %w", from.Hex(), err))
		}
	}
	return errors.Join(errs...)
}

func orZero(v *big.Int) *big.Int {
	if v == nil {
		return new(big.Int)
	}
	return v
}

// kickBalances asks RunSignerBalances, if it runs, to read the balances
// now; it never blocks.
func (a *Activities) kickBalances() {
	a.mu.Lock()
	kick := a.balanceKick
	a.mu.Unlock()
	if kick == nil {
		return
	}
	select {
	case kick <- struct{}{}:
	default:
	}
}
