package deployapi

// ErrTypeUnreachable: the network's RPC did not answer for longer than
// its outage window.
const ErrTypeUnreachable = "NetworkUnreachable"

// AwaitResult says whether one of the deployment's transactions is mined.
type AwaitResult struct {
	Included    bool   `json:"included"`
	TxHash      string `json:"txHash,omitempty"`
	BlockNumber uint64 `json:"blockNumber,omitempty"`
	// BlocksWaited is how many blocks passed without inclusion.
	BlocksWaited uint64 `json:"blocksWaited,omitempty"`
}

// BumpResult says whether the deployment's transaction was replaced.
type BumpResult struct {
	Replaced bool   `json:"replaced"`
	TxHash   string `json:"txHash,omitempty"`
	// Message says why not, for the deployment's events.
	Message string `json:"message,omitempty"`
}

// ConfirmInput is a deployment waiting for its confirmation depth.
type ConfirmInput struct {
	TxInput
	Required uint32 `json:"required"`
	// DeployedCodeLength is the length in bytes of the compiled runtime
	// code (CodeLength of PrepareInput.DeployedBytecode) of a salted
	// deployment. When its transaction reverted because the address was
	// taken meanwhile by the same init code (a concurrent deployment of the
	// same salt and code), an address holding code of this length confirms
	// the deployment; 0 (unknown) leaves such a revert a failure.
	DeployedCodeLength int `json:"deployedCodeLength,omitempty"`
}

// ConfirmResult is where the deployment's transaction stands.
type ConfirmResult struct {
	Confirmed bool `json:"confirmed"`
	// Dropped: no transaction of the deployment is on the canonical chain
	// any more (a reorg took its block); the workflow re-broadcasts.
	Dropped           bool   `json:"dropped,omitempty"`
	TxHash            string `json:"txHash,omitempty"`
	ContractAddress   string `json:"contractAddress,omitempty"`
	BlockNumber       uint64 `json:"blockNumber,omitempty"`
	Confirmations     uint32 `json:"confirmations,omitempty"`
	GasUsed           uint64 `json:"gasUsed,omitempty"`
	EffectiveGasPrice string `json:"effectiveGasPrice,omitempty"`
	FeePaid           string `json:"feePaid,omitempty"`
}

// FillResult says how the deployment's nonce ended up used.
type FillResult struct {
	// DeployMined: the deployment's own transaction was mined after all.
	DeployMined bool   `json:"deployMined,omitempty"`
	FillerHash  string `json:"fillerHash,omitempty"`
}
