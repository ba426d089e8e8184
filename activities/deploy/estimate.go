package deploy

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/ctorargs"
)

// Estimate encodes the constructor arguments and prices the transaction
// Prepare would sign (a salted deployment's call to the deterministic
// deployment proxy, a call to its target), with the same checks, without a
// nonce, a reservation or a signature. Fees above the cap are estimated at
// the cap: the most a signing could pay. A salted deployment whose address
// holds the contract already is answered AlreadyDeployed, at no cost.
func (a *Activities) Estimate(ctx context.Context, in deployapi.PrepareInput) (deployapi.EstimateResult, error) {
	n, err := a.network(in.Network)
	if err != nil {
		return deployapi.EstimateResult{}, err
	}
	p, err := planOf(in)
	if err != nil {
		return deployapi.EstimateResult{}, err
	}
	var args []ctorargs.Named
	if !p.call {
		parsed, err := abi.JSON(strings.NewReader(in.ABI))
		if err != nil {
			return deployapi.EstimateResult{}, permanent(deployapi.ErrTypeInvalidArgs, fmt.Errorf("parse abi: %w", err))
		}
		args = ctorargs.Describe(parsed.Constructor.Inputs, in.ConstructorArgs)
	}
	b, err := a.backend(ctx, n)
	if err != nil {
		return deployapi.EstimateResult{}, err
	}
	res := deployapi.EstimateResult{InitCodeHash: p.initCodeHash().Hex(), Args: args}
	if p.to != nil {
		res.To, res.ContractAddress = p.to.Hex(), p.address.Hex()
	}
	if p.salted() || p.call {
		var promised string
		if p.salted() && in.DeploymentID != "" {
			id, err := uuid.Parse(in.DeploymentID)
			if err != nil {
				return deployapi.EstimateResult{}, permanent(deployapi.ErrTypeConfig, fmt.Errorf("deployment id: %w", err))
			}
			d, err := db.New(a.Pool).GetDeployment(ctx, id)
			if err != nil {
				return deployapi.EstimateResult{}, fmt.Errorf("read deployment: %w", err)
			}
			promised = d.ContractAddress
		}
		already, err := a.check(ctx, n, b, p, promised)
		if err != nil {
			return deployapi.EstimateResult{}, err
		}
		if already {
			res.AlreadyDeployed, res.MaxFeePerGasWei, res.MaxCostWei = true, "0", "0"
			return res, nil
		}
	}
	ms, err := a.members(ctx, n, true)
	if err != nil {
		return deployapi.EstimateResult{}, err
	}
	if len(ms) == 0 {
		return deployapi.EstimateResult{}, permanent(deployapi.ErrTypeConfig, fmt.Errorf("network %s has no signer to estimate with", n.Name))
	}
	gas, fees, aboveCap, _, err := a.quote(ctx, n, b, ms, p)
	if err != nil {
		return deployapi.EstimateResult{}, err
	}
	maxFee := fees.MaxFeePerGas
	if aboveCap {
		maxFee = gweiToWei(n.Gas.MaxFeePerGasGwei)
	}
	res.Gas, res.MaxFeePerGasWei = gas, maxFee.String()
	res.MaxCostWei = new(big.Int).Mul(new(big.Int).SetUint64(gas), maxFee).String()
	return res, nil
}
