package deployapi

import (
	"encoding/hex"
	"encoding/json"
	"strings"
)

// PrepareInput is what the deploy stage signs: the compiled contract and
// its constructor arguments, created by the signer's own transaction, or
// through the deterministic deployment proxy (CREATE2) when Salt is set; or
// a call (To and Data) instead of a creation.
type PrepareInput struct {
	DeploymentID    string            `json:"deploymentId"`
	Network         string            `json:"network"`
	ABI             string            `json:"abi"`
	Bytecode        string            `json:"bytecode"`
	ConstructorArgs []json.RawMessage `json:"constructorArgs"`
	// Salt, when set, deploys through the deterministic deployment proxy
	// (internal/create2): "0x" and 64 hex digits, the salt the proxy
	// receives (already scoped by the API). The contract lands at
	// create2.Address(salt, init code), the same on every network.
	Salt string `json:"salt,omitempty"`
	// DeployedBytecode is the compiled runtime code (hex). A salted
	// deployment whose address already holds code of this length is
	// answered AlreadyDeployed: CREATE2 from the same init code can only
	// have produced this contract (immutables change its bytes, not its
	// length).
	DeployedBytecode string `json:"deployedBytecode,omitempty"`
	// To and Data make the transaction a call to To with Data (hex), not a
	// creation: a proxy's upgrade call. ABI, Bytecode, ConstructorArgs and
	// Salt are then empty. The deployment's contract address is To.
	To   string `json:"to,omitempty"`
	Data string `json:"data,omitempty"`
}

// PrepareResult says what was signed, or why nothing was yet.
type PrepareResult struct {
	// WaitingForFees: the next base fee exceeds the network's cap; the
	// workflow waits on a timer and prepares again.
	WaitingForFees bool `json:"waitingForFees,omitempty"`
	// WaitingForSigner: no signer of the pool can pay for the deployment
	// and keep the network's minimum balance (or every one is draining);
	// the workflow waits the same way. Message says why.
	WaitingForSigner bool   `json:"waitingForSigner,omitempty"`
	Message          string `json:"message,omitempty"`
	TxHash           string `json:"txHash,omitempty"`
	Nonce            uint64 `json:"nonce,omitempty"`
	Signer           string `json:"signer,omitempty"`
	ContractAddress  string `json:"contractAddress,omitempty"`
	// AlreadyDeployed: a salted deployment's address already holds the
	// contract (code of DeployedBytecode's length), deployed before by
	// this or another deployment of the same salt and init code. Nothing
	// was signed (no transaction, nonce or spend reservation); only
	// ContractAddress and Message are set. The deployment is done.
	AlreadyDeployed bool `json:"alreadyDeployed,omitempty"`
}

// TxInput names a deployment on its network.
type TxInput struct {
	DeploymentID string `json:"deploymentId"`
	Network      string `json:"network"`
}

// CodeLength answers the length in bytes of hex code ("0x" optional), as
// ConfirmInput.DeployedCodeLength takes it; 0 when code is empty or not
// hex.
func CodeLength(code string) int {
	code = strings.TrimPrefix(strings.TrimPrefix(code, "0x"), "0X")
	if len(code)%2 != 0 {
		return 0
	}
	if _, err := hex.DecodeString(code); err != nil {
		return 0
	}
	return len(code) / 2
}
