package progressapi

import (
	"time"

	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/internal/ctorargs"
)

// Decisions of an approval, as deployment_approvals.decision stores them.
const (
	DecisionApproved = "approved"
	DecisionRejected = "rejected"
	DecisionExpired  = "expired"
)

// ApprovalSummary is what approvers are shown: exactly what will be
// signed once they approve, and what it may cost. It is stored as the
// approval's JSON and served by the API as it is.
type ApprovalSummary struct {
	ContractName    string `json:"contractName"`
	SourceHash      string `json:"sourceHash"`
	CompilerVersion string `json:"compilerVersion"`
	OptimizerRuns   int    `json:"optimizerRuns,omitempty"`
	Optimizer       bool   `json:"optimizer"`
	// InitCodeHash is keccak256 of the creation bytecode with the encoded
	// constructor arguments: the transaction's data.
	InitCodeHash string `json:"initCodeHash"`
	// Args are the constructor arguments as the ABI reads them.
	Args            []ctorargs.Named `json:"args,omitempty"`
	Lint            lint.Summary     `json:"lint"`
	EstimatedGas    uint64           `json:"estimatedGas"`
	MaxFeePerGasWei string           `json:"maxFeePerGasWei"`
	MaxCostWei      string           `json:"maxCostWei"`
	// Sources are the compiled sources by path, for review and for the
	// next deployment's diff.
	Sources map[string]string `json:"sources,omitempty"`
}

// ApprovalRequest opens a deployment's wait for approvals.
type ApprovalRequest struct {
	DeploymentID string          `json:"deploymentId"`
	Required     int             `json:"required"`
	ExpiresAt    time.Time       `json:"expiresAt"`
	Summary      ApprovalSummary `json:"summary"`
}

// VoteRecord is one approver's vote as the workflow accepted it, and the
// decision it makes ("" while more votes are needed).
type VoteRecord struct {
	DeploymentID string `json:"deploymentId"`
	VoterID      string `json:"voterId"`
	VoterEmail   string `json:"voterEmail"`
	Approve      bool   `json:"approve"`
	Comment      string `json:"comment,omitempty"`
	// Approvals and Required count the approvals so far, this one
	// included, for the event's message.
	Approvals int    `json:"approvals"`
	Required  int    `json:"required"`
	Decision  string `json:"decision,omitempty"`
}
