package deploy

import (
	"context"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slipway-dev/slipway/internal/ctorargs"
)

// EstimateResult is what a deployment will be and may cost, before
// anything is signed: what approvers are shown.
type EstimateResult struct {
	// InitCodeHash is keccak256 of the transaction's data: the creation
	// bytecode with the encoded constructor arguments.
	InitCodeHash string           `json:"initCodeHash"`
	Args         []ctorargs.Named `json:"args,omitempty"`
	// Gas is the gas limit Prepare would sign (the estimate with its
	// margin); MaxFeePerGasWei the fee cap it would sign at today, and
	// MaxCostWei their product: the most the deployment can cost.
	Gas             uint64 `json:"gas"`
	MaxFeePerGasWei string `json:"maxFeePerGasWei"`
	MaxCostWei      string `json:"maxCostWei"`
}

// Estimate encodes the constructor arguments and prices the deployment as
// Prepare would, without a nonce, a reservation or a signature. Fees above
// the cap are estimated at the cap: the most a signing could pay.
func (a *Activities) Estimate(ctx context.Context, in PrepareInput) (EstimateResult, error) {
	n, err := a.network(in.Network)
	if err != nil {
		return EstimateResult{}, err
	}
	data, err := EncodeConstructor(in.ABI, in.Bytecode, in.ConstructorArgs)
	if err != nil {
		return EstimateResult{}, permanent(ErrTypeInvalidArgs, err)
	}
	parsed, err := abi.JSON(strings.NewReader(in.ABI))
	if err != nil {
		return EstimateResult{}, permanent(ErrTypeInvalidArgs, fmt.Errorf("parse abi: %w", err))
	}
	b, err := a.backend(ctx, n)
	if err != nil {
		return EstimateResult{}, err
	}
	ms, err := a.members(ctx, n, true)
	if err != nil {
		return EstimateResult{}, err
	}
	if len(ms) == 0 {
		return EstimateResult{}, permanent(ErrTypeConfig, fmt.Errorf("network %s has no signer to estimate with", n.Name))
	}
	gas, fees, aboveCap, err := a.quote(ctx, n, b, ms[0].address(), data)
	if err != nil {
		return EstimateResult{}, err
	}
	maxFee := fees.MaxFeePerGas
	if aboveCap {
		maxFee = gweiToWei(n.Gas.MaxFeePerGasGwei)
	}
	return EstimateResult{
		InitCodeHash: crypto.Keccak256Hash(data).Hex(),
		Args:         ctorargs.Describe(parsed.Constructor.Inputs, in.ConstructorArgs),
		Gas:          gas, MaxFeePerGasWei: maxFee.String(),
		MaxCostWei: new(big.Int).Mul(new(big.Int).SetUint64(gas), maxFee).String(),
	}, nil
}
