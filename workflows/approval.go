package workflows

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/userrole"
)

// UpdateVote is the name of DeploymentWorkflow's update that takes an
// approver's vote while the deployment waits for approval.
const UpdateVote = "vote"

// Application error types of votes the update's validator refuses (the
// API answers them permission_denied or aborted), and of the deployment's
// end when approvers reject it or nobody decides in time.
const (
	ErrTypeNotApprover  = "NotApprover"
	ErrTypeSelfApproval = "SelfApproval"
	ErrTypeAlreadyVoted = "AlreadyVoted"
	ErrTypeDecided      = "ApprovalDecided"
	ErrTypeNotAwaiting  = "NotAwaitingApproval"
	ErrTypeRejected     = "ApprovalRejected"
	ErrTypeExpired      = "ApprovalExpired"
)

// ApprovalPolicy is the network's approval policy, as the API read it from
// the networks file when the deployment was created: the workflow decides
// from its input alone.
type ApprovalPolicy struct {
	Required int           `json:"required"`
	Timeout  time.Duration `json:"timeout"`
}

// Vote is an approver's vote, sent by the API with the caller's identity.
type Vote struct {
	VoterID    string `json:"voterId"`
	VoterEmail string `json:"voterEmail"`
	// Role is the voter's role when the API took the vote.
	Role    string `json:"role"`
	Approve bool   `json:"approve"`
	Comment string `json:"comment,omitempty"`
}

// ApprovalState is what a vote answers: where the approval stands.
type ApprovalState struct {
	Approvals int    `json:"approvals"`
	Required  int    `json:"required"`
	Decision  string `json:"decision,omitempty"`
}

// approvalGate is the deployment's approval as the workflow holds it. The
// validator and the handler change it synchronously before the handler
// records the vote, so that a vote arriving while another is recorded is
// counted against both; decided is set only once the deciding vote is
// recorded, so the pipeline moves on after its event.
type approvalGate struct {
	requester string
	required  int
	open      bool
	voted     map[string]bool
	approvals int
	decision  string // set by the deciding vote at once
	decided   string // set once that vote is recorded
	reason    string // the rejecting vote's, for the failure
}

func (g *approvalGate) validate(v Vote) error {
	switch {
	case g.decision != "":
		return temporal.NewApplicationError("the deployment's approval is already decided: "+g.decision, ErrTypeDecided)
	case !g.open:
		return temporal.NewApplicationError("the deployment is not waiting for approval", ErrTypeNotAwaiting)
	case v.Role != userrole.Approver && v.Role != userrole.Admin:
		return temporal.NewApplicationError("only approvers and admins vote on deployments", ErrTypeNotApprover)
	case v.VoterID == g.requester:
		return temporal.NewApplicationError("the requester cannot vote on their own deployment", ErrTypeSelfApproval)
	case g.voted[v.VoterID]:
		return temporal.NewApplicationError("you have already voted on this deployment", ErrTypeAlreadyVoted)
	}
	return nil
}

// awaitApproval is the approval stage (AWAITING_APPROVAL), run after
// compile and before anything is signed or reserved: it estimates what the
// signing will cost, shows approvers exactly what will be deployed, and
// waits for the policy's approvals. A rejection fails the deployment with
// the approver's reason; no decision within the timeout cancels it;
// cancelling works throughout.
func (r *runner) awaitApproval(ctx workflow.Context, req compileapi.Request, contract *compileapi.Contract, cv string, summary *lint.Summary, prep deployapi.PrepareInput) error {
	in := r.in
	var est deployapi.EstimateResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, chainOptions(in, false)), deployapi.ActivityEstimate, prep).Get(ctx, &est); err != nil {
		return err
	}
	g := r.gate
	g.open = true
	s := progressapi.ApprovalSummary{
		ContractName: req.ContractName, SourceHash: sourceHash(req), CompilerVersion: cv,
		Optimizer: req.Optimizer.Enabled, OptimizerRuns: req.Optimizer.Runs,
		InitCodeHash: est.InitCodeHash, Args: est.Args, Lint: *summary,
		EstimatedGas: est.Gas, MaxFeePerGasWei: est.MaxFeePerGasWei, MaxCostWei: est.MaxCostWei,
		Sources: reviewSources(req),
	}
	open := progressapi.ApprovalRequest{DeploymentID: in.DeploymentID, Required: g.required, ExpiresAt: workflow.Now(ctx).Add(in.Approval.Timeout), Summary: s}
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), progressapi.ActivityOpenApproval, open).Get(ctx, nil); err != nil {
		return err
	}
	r.upsertStatus(ctx, status.AwaitingApproval)
	ok, err := workflow.AwaitWithTimeout(ctx, in.Approval.Timeout, func() bool { return g.decided != "" })
	if err != nil {
		return err
	}
	if !ok {
		g.decision, g.open = progressapi.DecisionExpired, false
		if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), progressapi.ActivityExpireApproval, in.DeploymentID).Get(ctx, nil); err != nil {
			return err
		}
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("no decision within %s", in.Approval.Timeout), ErrTypeExpired, nil)
	}
	if g.decided == progressapi.DecisionRejected {
		return temporal.NewNonRetryableApplicationError(g.reason, ErrTypeRejected, nil)
	}
	return nil
}

// vote is the update handler: it counts the vote at once, records it (the
// vote row, its event and audit row, and the decision it makes), then lets
// the pipeline see the decision.
func (r *runner) vote(ctx workflow.Context, v Vote) (ApprovalState, error) {
	g := r.gate
	g.voted[v.VoterID] = true
	if v.Approve {
		g.approvals++
	}
	decision := ""
	switch {
	case !v.Approve:
		decision = progressapi.DecisionRejected
	case g.approvals >= g.required:
		decision = progressapi.DecisionApproved
	}
	g.decision = decision
	rec := progressapi.VoteRecord{DeploymentID: r.in.DeploymentID, VoterID: v.VoterID, VoterEmail: v.VoterEmail, Approve: v.Approve,
		Comment: v.Comment, Approvals: g.approvals, Required: g.required, Decision: decision}
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), progressapi.ActivityRecordVote, rec).Get(ctx, nil); err != nil {
		// Not recorded: the vote does not count.
		delete(g.voted, v.VoterID)
		if v.Approve {
			g.approvals--
		}
		g.decision = ""
		return ApprovalState{}, err
	}
	if decision == progressapi.DecisionRejected {
		g.reason = "rejected by " + v.VoterEmail
		if v.Comment != "" {
			g.reason += ": " + v.Comment
		}
	}
	if decision != "" {
		g.decided, g.open = decision, false
	}
	return ApprovalState{Approvals: g.approvals, Required: g.required, Decision: decision}, nil
}

// registerVote sets the vote update's handler and validator; runs of
// versions before approvals have none, and refuse votes as unknown.
func (r *runner) registerVote(ctx workflow.Context) error {
	policy := r.in.Approval
	if policy == nil || policy.Required <= 0 {
		r.gate = &approvalGate{requester: r.in.UserID}
	} else {
		r.gate = &approvalGate{requester: r.in.UserID, required: policy.Required, voted: map[string]bool{}}
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateVote, r.vote, workflow.UpdateHandlerOptions{
		Validator: func(ctx workflow.Context, v Vote) error { return r.gate.validate(v) },
	})
}

// needsApproval reports whether this run waits for approvers.
func (r *runner) needsApproval() bool {
	return r.approvals && r.in.Approval != nil && r.in.Approval.Required > 0
}

// reviewSources are the sources approvers review, by path: a single
// source (or a template's generated one) as "<contract name>.sol".
func reviewSources(req compileapi.Request) map[string]string {
	if req.Source != "" {
		return map[string]string{req.ContractName + ".sol": req.Source}
	}
	return req.Sources
}

// sourceHash is sha256 over the sources that were compiled, path by path
// in order, so that approvers can match what they reviewed.
func sourceHash(req compileapi.Request) string {
	h := sha256.New()
	if req.Source != "" {
		h.Write([]byte(req.Source))
	}
	paths := make([]string, 0, len(req.Sources))
	for p := range req.Sources {
		paths = append(paths, p)
	}
	slices.Sort(paths)
	for _, p := range paths {
		h.Write([]byte(p))
		h.Write([]byte{0})
		h.Write([]byte(req.Sources[p]))
		h.Write([]byte{0})
	}
	return "0x" + hex.EncodeToString(h.Sum(nil))
}

// recordRetry retries a recording step until the deployment has ended.
func recordRetry() *temporal.RetryPolicy {
	return &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
		NonRetryableErrorTypes: []string{progressapi.ErrTypeEnded}}
}
