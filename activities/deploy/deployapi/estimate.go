package deployapi

import "github.com/slipway-dev/slipway/internal/ctorargs"

// EstimateResult is what a deployment will be and may cost, before
// anything is signed: what approvers are shown.
type EstimateResult struct {
	// InitCodeHash is keccak256 of the init code: the creation bytecode
	// with the encoded constructor arguments (for a salted deployment what
	// the deterministic deployment proxy creates, not the call to it); for
	// a call (PrepareInput.To), keccak256 of the call's data.
	InitCodeHash string           `json:"initCodeHash"`
	Args         []ctorargs.Named `json:"args,omitempty"`
	// Gas is the gas limit Prepare would sign (the estimate with its
	// margin); MaxFeePerGasWei the fee cap it would sign at today, and
	// MaxCostWei their product: the most the deployment can cost.
	Gas             uint64 `json:"gas"`
	MaxFeePerGasWei string `json:"maxFeePerGasWei"`
	MaxCostWei      string `json:"maxCostWei"`
	// To is where the transaction goes: the deterministic deployment proxy
	// for a salted deployment, the target of a call; empty for a plain
	// creation.
	To string `json:"to,omitempty"`
	// ContractAddress is the salted deployment's CREATE2 address, or the
	// call's target; empty for a plain creation (known once signed).
	ContractAddress string `json:"contractAddress,omitempty"`
	// AlreadyDeployed: the salted deployment's address already holds the
	// contract (see PrepareResult.AlreadyDeployed): nothing will be signed,
	// and Gas and the costs are 0.
	AlreadyDeployed bool `json:"alreadyDeployed,omitempty"`
}
