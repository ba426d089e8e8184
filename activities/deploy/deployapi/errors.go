package deployapi

// Application error types of the deploy stage. Each is non-retryable:
// retrying cannot fix it, so the deployment fails at once with the message,
// and nothing more is signed.
const (
	// ErrTypeInvalidArgs: constructor arguments do not fit the ABI, or the
	// salt, runtime code, call target or call data is malformed.
	ErrTypeInvalidArgs = "InvalidConstructorArgs"
	// ErrTypeReverted: the constructor (or a call's target) reverts (in
	// eth_estimateGas, before anything is signed, or on chain, where the
	// gas is spent).
	ErrTypeReverted = "ConstructorReverted"
	// ErrTypeInsufficientFunds: the signer cannot pay for the deployment,
	// after a few attempts in case a top-up is on its way.
	ErrTypeInsufficientFunds = "InsufficientFunds"
	// ErrTypeConfig: the network, its signer or its RPC is misconfigured
	// (unknown network, no signer, a public test key on a real chain, an
	// RPC serving another chain id).
	ErrTypeConfig = "NetworkConfig"
	// ErrTypeCancelled: the user cancelled before signing began.
	ErrTypeCancelled = "DeploymentCancelled"
	// ErrTypeEnded: the deployment had already ended (a late retry).
	ErrTypeEnded = "DeploymentEnded"
	// ErrTypeNoCode: the receipt is successful but no code is at the
	// contract address.
	ErrTypeNoCode = "NoCodeAtAddress"
	// ErrTypeNonceTaken: the signer's nonce was used by a transaction that
	// Slipway did not sign (the key is shared with another sender).
	ErrTypeNonceTaken = "NonceTaken"
	// ErrTypeRejected: the node refuses the transaction for good
	// (intrinsic gas too low, over the block gas limit, …).
	ErrTypeRejected = "TransactionRejected"
	// ErrTypeGasCeiling: the deployment needs more gas than its user's
	// tier or the network allows per deployment, or than a block holds.
	ErrTypeGasCeiling = "GasCeiling"
	// ErrTypeBudget: the deployment's worst-case fee does not fit in what
	// is left of its user's spend budget on the network.
	ErrTypeBudget = "BudgetExceeded"
	// ErrTypeNoFactory: a salted deployment's network has no deterministic
	// deployment proxy (internal/create2) to CREATE2 it through.
	ErrTypeNoFactory = "NoCreate2Factory"
	// ErrTypeAddressMismatch: a salted deployment's compiled code and salt
	// give another address than the one its deployment was promised when
	// it was created: the compiled code differs from what the address was
	// computed from.
	ErrTypeAddressMismatch = "AddressMismatch"
	// ErrTypeAddressTaken: a salted deployment's address already holds
	// other code (not of the contract's runtime length).
	ErrTypeAddressTaken = "AddressTaken"
)

// NonRetryableErrorTypes are the types above, for retry policies
// (ErrTypeUnreachable is not among them: it ends a chain stage's outage
// window, and the workflow adds it where that applies).
var NonRetryableErrorTypes = []string{
	ErrTypeInvalidArgs, ErrTypeReverted, ErrTypeInsufficientFunds, ErrTypeConfig,
	ErrTypeCancelled, ErrTypeEnded, ErrTypeNoCode, ErrTypeNonceTaken, ErrTypeRejected,
	ErrTypeGasCeiling, ErrTypeBudget, ErrTypeNoFactory, ErrTypeAddressMismatch, ErrTypeAddressTaken,
}
