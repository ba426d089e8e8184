package progress

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
)

// OpenApproval stores what approvers are shown and moves the deployment to
// AWAITING_APPROVAL, in one transaction; a retry writes the same.
func (a *Activities) OpenApproval(ctx context.Context, r progressapi.ApprovalRequest) error {
	id, err := parseID("deployment", r.DeploymentID)
	if err != nil {
		return err
	}
	summary, err := json.Marshal(r.Summary)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode approval summary", progressapi.ErrTypeEnded, err)
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

// RecordVote stores a vote, its event (watchers see it live) and its
// audit-log row, and the decision it makes, in one transaction. A retry
// finds the vote stored and writes nothing twice.
func (a *Activities) RecordVote(ctx context.Context, v progressapi.VoteRecord) error {
	id, err := parseID("deployment", v.DeploymentID)
	if err != nil {
		return err
	}
	voter, err := parseID("voter", v.VoterID)
	if err != nil {
		return err
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
	id, err := parseID("deployment", deploymentID)
	if err != nil {
		return err
	}
	d := progressapi.DecisionExpired
	return a.inTx(ctx, func(q *db.Queries) error {
		return q.DecideApproval(ctx, db.DecideApprovalParams{DeploymentID: id, Decision: &d})
	})
}

// inTx runs f in a transaction; a deployment that has ended meanwhile is
// progressapi.ErrTypeEnded, which the workflow does not retry.
func (a *Activities) inTx(ctx context.Context, f func(q *db.Queries) error) error {
	err := db.InTx(ctx, a.Pool, f)
	if errors.Is(err, db.ErrDeploymentEnded) {
		return temporal.NewNonRetryableApplicationError(err.Error(), progressapi.ErrTypeEnded, err)
	}
	return err
}
