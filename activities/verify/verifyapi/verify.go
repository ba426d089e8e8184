package verifyapi

import (
	"encoding/json"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// Result.Status values.
const (
	// StatusVerified: the sources produce the deployed code (Match says
	// how closely).
	StatusVerified = "VERIFIED"
	// StatusFailed: they do not, or there is no code to match.
	StatusFailed = "FAILED"
)

// Result.Match values, Sourcify's perfect and partial match.
const (
	MatchFull    = "full"
	MatchPartial = "partial"
)

// Application error types of the verify activity. Both are non-retryable:
// the same input fails the same way, so Temporal should not spend retries
// (or keep a solc worker busy) on it.
const (
	// ErrTypeInput: the input cannot be verified as given: malformed
	// fields, sources that do not compile or lack the contract, a
	// transaction that did not create the contract.
	ErrTypeInput = "VerifyInput"
	// ErrTypeConfig: the network is not configured on this worker, or its
	// RPC serves another chain.
	ErrTypeConfig = "VerifyNetworkConfig"
)

// NonRetryableErrorTypes are the verify activity's error types that
// retrying cannot fix, for its retry policy: the two above and the compile
// errors that recompiling can raise (compileapi.NonRetryableErrorTypes).
var NonRetryableErrorTypes = append([]string{ErrTypeInput, ErrTypeConfig}, compileapi.NonRetryableErrorTypes...)

// Input says what to verify: where the contract is, and the sources it was
// compiled from, as a compile request (Compile) or as the standard JSON
// input itself (StandardJSON and CompilerVersion).
type Input struct {
	// Network is a configured network's name.
	Network string `json:"network"`
	// Address is the contract's, 0x-hex.
	Address string `json:"address"`
	// CreationTxHash is the mined transaction that created the contract
	// (the receipt's, not one a fee bump replaced). Optional: without it
	// only the runtime bytecode is matched and no constructor arguments
	// are recovered.
	CreationTxHash string `json:"creationTxHash,omitempty"`
	// Compile is the compile request the contract was compiled from; its
	// standard JSON input is rebuilt by the compile stage's own code
	// (compile.Pool.StandardInput). Pin its CompilerVersion (or set
	// CompilerVersion below) to the compile's: left empty, the compiler is
	// selected from the pragmas again, which may pick a newer one
	// installed since.
	Compile *compileapi.Request `json:"compile,omitempty"`
	// StandardJSON is solc's standard JSON input, every source as
	// content (compile.StandardInput.JSON); exclusive with Compile.
	StandardJSON json.RawMessage `json:"standardJson,omitempty"`
	// CompilerVersion is the solc release ("0.8.37"): required with
	// StandardJSON, and overrides Compile.CompilerVersion when set.
	CompilerVersion string `json:"compilerVersion,omitempty"`
	// ContractName is the deployed contract; defaults to
	// Compile.ContractName.
	ContractName string `json:"contractName,omitempty"`
	// ContractFile is the source unit that defines it. Optional: the
	// contract is looked up among the compile request's own files (all
	// files of StandardJSON) and must be defined in exactly one.
	ContractFile string `json:"contractFile,omitempty"`
}

// Result is the verification's verdict. A mismatch is a Result with
// Status FAILED, not an error: the stage ran and the answer is no.
type Result struct {
	// Status is StatusVerified or StatusFailed.
	Status string `json:"status"`
	// Match is MatchFull or MatchPartial when verified, else "".
	Match string `json:"match,omitempty"`
	// Message is lib-sourcify's (its reason for a mismatch, or both
	// matches), or why there was nothing to match.
	Message string `json:"message"`
	// RuntimeMatch and CreationMatch are lib-sourcify's statuses of the
	// two bytecodes: "perfect", "partial" or "" (no match, not checked).
	RuntimeMatch  string `json:"runtimeMatch,omitempty"`
	CreationMatch string `json:"creationMatch,omitempty"`
	// ContractFile is the source unit that defines the contract.
	ContractFile string `json:"contractFile,omitempty"`
	// CompilerVersion is the compiler's long version from the metadata,
	// "0.8.37+commit.…".
	CompilerVersion string `json:"compilerVersion,omitempty"`
	// ConstructorArguments are the ABI-encoded constructor arguments from
	// the creation transaction, 0x-hex, when the creation bytecode matched
	// and there are any.
	ConstructorArguments string `json:"constructorArguments,omitempty"`
	// Libraries maps linked libraries to their addresses.
	Libraries map[string]string `json:"libraries,omitempty"`
}
