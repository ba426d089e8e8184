package deploy

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/spend"
)

// withHeadroom adds a fifth to a gas estimate for state that changes before
// inclusion, but never past the latest block's gas limit: a transaction
// above it is refused by every node ("intrinsic gas too high", "exceeds
// block gas limit") and would hold its nonce, and every later deployment of
// the signer, until the outage window ran out. A constructor whose estimate
// alone passes the block limit can never be mined and fails before signing.
func withHeadroom(ctx context.Context, b chain.Backend, estimate uint64) (uint64, error) {
	gas := estimate + estimate/5
	head, err := b.HeaderByNumber(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("read the latest block: %w", err)
	}
	limit := head.GasLimit
	switch {
	case limit == 0 || gas <= limit:
		return gas, nil
	case estimate > limit:
		return 0, permanent(deployapi.ErrTypeGasCeiling, fmt.Errorf("the deployment needs %d gas, more than a block holds (%d)", estimate, limit))
	default:
		return limit, nil
	}
}

// reserve holds the deployment's worst-case fee against its user's budget
// on n, on q's signing (or fee bump) transaction, whose
// LockDeploymentForDeploy holds the user's spend lock: concurrent
// deployments on any number of workers never reserve more than the budget,
// and the reservation commits with the signed bytes and the nonce or not at
// all. A refusal says why, naming the budget.
func (a *Activities) reserve(ctx context.Context, q *db.Queries, d db.Deployment, tier string, n chain.Network, worst *big.Int) error {
	limit, period := spend.Defaults(a.Networks, tier, n)
	r, err := q.ReserveSpend(ctx, db.ReserveSpendParams{
		DefaultLimitWei: limit, DefaultPeriodSeconds: period,
		UserID: d.UserID, Network: n.Name, DeploymentID: d.ID, Amount: db.Wei(worst),
	})
	if err != nil {
		return fmt.Errorf("reserve spend: %w", err)
	}
	if r.Admitted {
		return nil
	}
	return a.overBudget(ctx, q, d.UserID, tier, n, worst, time.Duration(r.PeriodSeconds)*time.Second)
}

// errOverBudget is a reservation the budget refused (errors.Is matches the
// worded refusals of overBudget).
var errOverBudget = errors.New("over the spend budget")

// overBudgetError words a refusal for the user.
type overBudgetError string

func (e overBudgetError) Error() string        { return string(e) }
func (e overBudgetError) Is(target error) bool { return target == errOverBudget }

// overBudget words a refusal by the budget.
func (a *Activities) overBudget(ctx context.Context, q *db.Queries, user uuid.UUID, tier string, n chain.Network, worst *big.Int, period time.Duration) error {
	st, err := spend.Lookup(ctx, q, a.Networks, user, tier, n)
	if err != nil {
		a.logger().WarnContext(ctx, "read spend budget for a refusal", "err", err)
		return overBudgetError(fmt.Sprintf("the deployment may cost up to %s wei, more than is left of the spend budget per %s on %s", worst, period, n.Name))
	}
	return overBudgetError(fmt.Sprintf("the deployment may cost up to %s wei, more than is left of its %s", worst, st.Describe()))
}

// settleReceipt settles a deployment's reservation to what its mined
// transaction paid (a revert on chain spends the gas all the same).
func (a *Activities) settleReceipt(ctx context.Context, id uuid.UUID, r *types.Receipt) error {
	price := r.EffectiveGasPrice
	if price == nil {
		price = new(big.Int)
	}
	fee := new(big.Int).Mul(price, new(big.Int).SetUint64(r.GasUsed))
	if err := db.New(a.Pool).SettleSpend(ctx, db.SettleSpendParams{DeploymentID: id, SpentWei: db.Wei(fee)}); err != nil {
		return fmt.Errorf("settle spend: %w", err)
	}
	return nil
}
