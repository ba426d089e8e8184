package deploy

import (
	"context"
	"fmt"
	"math/big"
	"sort"

	"github.com/slipway-dev/slipway/activities/chain"
)

var gwei = big.NewFloat(1e9)

func gweiToWei(g float64) *big.Int {
	w, _ := new(big.Float).Mul(big.NewFloat(g), gwei).Int(nil)
	return w
}

// Fees are the EIP-1559 fee fields of one transaction.
type Fees struct {
	MaxFeePerGas         *big.Int
	MaxPriorityFeePerGas *big.Int
	// BaseFee is the next block's base fee as eth_feeHistory predicts it.
	BaseFee *big.Int
}

// suggestFees prices a new transaction from eth_feeHistory: the tip is the
// policy's or the median reward of the last blocks, the fee cap twice the
// next base fee plus the tip (room for six full blocks of base fee rises),
// both within the policy's cap. aboveCap says the next base fee alone
// exceeds the cap: such a transaction would not be included, so callers
// wait instead of signing it.
func suggestFees(ctx context.Context, b chain.Backend, p chain.GasPolicy) (f Fees, aboveCap bool, err error) {
	h, err := b.FeeHistory(ctx, 5, nil, []float64{50})
	if err != nil {
		return Fees{}, false, fmt.Errorf("eth_feeHistory: %w", err)
	}
	if len(h.BaseFee) == 0 {
		return Fees{}, false, fmt.Errorf("eth_feeHistory: no base fees (is this an EIP-1559 chain?)")
	}
	base := new(big.Int).Set(h.BaseFee[len(h.BaseFee)-1])
	tip := gweiToWei(p.PriorityFeeGwei)
	if p.PriorityFeeGwei == 0 {
		var rewards []*big.Int
		for _, r := range h.Reward {
			if len(r) > 0 && r[0] != nil {
				rewards = append(rewards, r[0])
			}
		}
		tip = big.NewInt(0)
		if len(rewards) > 0 {
			sort.Slice(rewards, func(i, j int) bool { return rewards[i].Cmp(rewards[j]) < 0 })
			tip = new(big.Int).Set(rewards[len(rewards)/2])
		}
		if lo := gweiToWei(chain.MinPriorityFeeGwei); tip.Cmp(lo) < 0 {
			tip = lo
		}
	}
	limit := gweiToWei(p.MaxFeePerGasGwei)
	maxFee := new(big.Int).Add(new(big.Int).Mul(base, big.NewInt(2)), tip)
	if maxFee.Cmp(limit) > 0 {
		maxFee = limit
	}
	if tip.Cmp(maxFee) > 0 {
		tip = new(big.Int).Set(maxFee)
	}
	return Fees{MaxFeePerGas: maxFee, MaxPriorityFeePerGas: tip, BaseFee: base}, base.Cmp(limit) > 0, nil
}

// bumpFees raises both fee fields by at least pct percent (nodes refuse a
// replacement that raises either by less than 10 %), and to at least what
// the market asks now. It answers false when the cap leaves no room for
// such a raise: the transaction then keeps waiting as it is.
func bumpFees(old Fees, now Fees, pct int, capWei *big.Int) (Fees, bool) {
	// At least one wei more: a zero fee (a chain whose base fee fell to
	// zero, a zero tip) raised by a percentage stays zero, and the
	// replacement would be the very transaction it replaces.
	raise := func(v *big.Int) *big.Int {
		r := new(big.Int).Mul(v, big.NewInt(int64(100+pct)))
		r.Add(r, big.NewInt(99))
		r.Div(r, big.NewInt(100))
		if r.Cmp(v) <= 0 {
			r.Add(v, big.NewInt(1))
		}
		return r
	}
	tip := raise(old.MaxPriorityFeePerGas)
	if now.MaxPriorityFeePerGas != nil && now.MaxPriorityFeePerGas.Cmp(tip) > 0 {
		tip = new(big.Int).Set(now.MaxPriorityFeePerGas)
	}
	maxFee := raise(old.MaxFeePerGas)
	if now.BaseFee != nil {
		if want := new(big.Int).Add(new(big.Int).Mul(now.BaseFee, big.NewInt(2)), tip); want.Cmp(maxFee) > 0 {
			maxFee = want
		}
	}
	if maxFee.Cmp(capWei) > 0 {
		maxFee = new(big.Int).Set(capWei)
	}
	if tip.Cmp(maxFee) > 0 {
		tip = new(big.Int).Set(maxFee)
	}
	minRaise := func(v *big.Int) *big.Int { // the node's 10 % rule
		r := new(big.Int).Mul(v, big.NewInt(110))
		r.Add(r, big.NewInt(99))
		return r.Div(r, big.NewInt(100))
	}
	if maxFee.Cmp(minRaise(old.MaxFeePerGas)) < 0 || tip.Cmp(minRaise(old.MaxPriorityFeePerGas)) < 0 ||
		(maxFee.Cmp(old.MaxFeePerGas) == 0 && tip.Cmp(old.MaxPriorityFeePerGas) == 0) {
		return old, false
	}
	return Fees{MaxFeePerGas: maxFee, MaxPriorityFeePerGas: tip, BaseFee: now.BaseFee}, true
}
