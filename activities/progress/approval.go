package progress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/ctorargs"
	"github.com/slipway-dev/slipway/internal/status"
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

// OpenApproval stores what approvers are shown and moves the deployment to
// AWAITING_APPROVAL, in one transaction; a retry writes the same.
func (a *Activities) OpenApproval(ctx context.Context, r ApprovalRequest) error {
	id, err := uuid.Parse(r.DeploymentID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("bad deployment id", ErrTypeEnded, err)
	}
	summary, err := json.Marshal(r.Summary)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode approval summary", ErrTypeEnded, err)
	}
	msg := fmt.Sprintf("waiting for %d approval(s) until %s", r.Required, r.ExpiresAt.UTC().Format(time.RFC3339))
	return a.inTx(ctx, func(q *db.Queries) error {
		if err := q.OpenApproval(ctx, db.OpenApprovalParams{DeploymentID: id, Required: int32(r.Required), Summary: summary, ExpiresAt: r.ExpiresAt}); err != nil {
			return fmt.Errorf("open approval: %w", err)
		}
		_, _, err := db.RecordProgress(ctx, q, id, status.AwaitingApproval, db.Progress{Message: msg, Details: summary})
		return err
	})
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

// RecordVote stores a vote, its event (watchers see it live) and its
// audit-log row, and the decision it makes, in one transaction. A retry
// finds the vote stored and writes nothing twice.
func (a *Activities) RecordVote(ctx context.Context, v VoteRecord) error {
	id, err := uuid.Parse(v.DeploymentID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("bad deployment id", ErrTypeEnded, err)
	}
	voter, err := uuid.Parse(v.VoterID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("bad voter id", ErrTypeEnded, err)
	}
	verb := "approved"
	if !v.Approve {
		verb = "rejected"
	}
	msg := fmt.Sprintf("%s by %s (%d of %d approvals)", verb, v.VoterEmail, v.Approvals, v.Required)
	if v.Comment != "" {
		msg += ": " + v.Comment
	}
	details, _ := json.Marshal(map[string]any{"voter": v.VoterEmail, "approve": v.Approve, "comment": v.Comment, "decision": v.Decision})
	return a.inTx(ctx, func(q *db.Queries) error {
		n, err := q.InsertApprovalVote(ctx, db.InsertApprovalVoteParams{DeploymentID: id, VoterID: voter, Approve: v.Approve, Comment: v.Comment})
		if err != nil {
			return fmt.Errorf("store vote: %w", err)
		}
		if n == 0 {
			return nil // a retry of a vote already stored
		}
		if v.Decision != "" {
			if err := q.DecideApproval(ctx, db.DecideApprovalParams{DeploymentID: id, Decision: &v.Decision}); err != nil {
				return fmt.Errorf("decide approval: %w", err)
			}
		}
		if _, _, err := db.RecordProgress(ctx, q, id, status.AwaitingApproval, db.Progress{Message: msg, Details: details}); err != nil {
			return err
		}
		_, err = q.InsertAuditLog(ctx, db.InsertAuditLogParams{
			ActorUserID: &voter, ActorKind: db.ActorUser, Action: "deployment." + verb,
			ResourceType: "deployment", ResourceID: id.String(), Details: details,
		})
		if err != nil {
			return fmt.Errorf("audit vote: %w", err)
		}
		return nil
	})
}

// ExpireApproval closes an approval nobody decided in time.
func (a *Activities) ExpireApproval(ctx context.Context, deploymentID string) error {
	id, err := uuid.Parse(deploymentID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("bad deployment id", ErrTypeEnded, err)
	}
	d := DecisionExpired
	return a.inTx(ctx, func(q *db.Queries) error {
		return q.DecideApproval(ctx, db.DecideApprovalParams{DeploymentID: id, Decision: &d})
	})
}

// inTx runs f in a transaction; a deployment that has ended meanwhile is
// ErrTypeEnded, which the workflow does not retry.
func (a *Activities) inTx(ctx context.Context, f func(q *db.Queries) error) error {
	err := db.InTx(ctx, a.Pool, f)
	if errors.Is(err, db.ErrDeploymentEnded) {
		return temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeEnded, err)
	}
	return err
}
