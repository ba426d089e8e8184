package deployments

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/userrole"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/identity"
)

// Vote is an approver's vote as the API hands it to the deployment's
// workflow, which decides whether it counts.
type Vote struct {
	VoterID    uuid.UUID
	VoterEmail string
	Role       string
	Approve    bool
	Comment    string
}

// Refusals of a vote, which Workflows.Vote answers (wrapped) for the
// workflow's own refusals, mapped to Connect codes in codes.
var (
	// ErrVoteForbidden: the caller may not vote on this deployment (not an
	// approver or admin, or its requester).
	ErrVoteForbidden = errors.New("vote not allowed")
	// ErrVoteDecided: the deployment is not waiting for approval (any
	// more, or not yet).
	ErrVoteDecided = errors.New("deployment is not waiting for approval")
	// ErrVoteRepeated: the caller has voted on this deployment already.
	ErrVoteRepeated = errors.New("already voted")
)

// defaultApprovalsPage is what a ListApprovals page_size of 0 means.
const defaultApprovalsPage = 50

func (s *service) ApproveDeployment(ctx context.Context, req *connect.Request[slipwayv1.ApproveDeploymentRequest]) (*connect.Response[slipwayv1.ApproveDeploymentResponse], error) {
	d, err := s.vote(ctx, req.Msg.GetId(), true, req.Msg.GetComment())
	if err != nil {
		return nil, deploymentError(err)
	}
	return connect.NewResponse(&slipwayv1.ApproveDeploymentResponse{Deployment: d}), nil
}

func (s *service) RejectDeployment(ctx context.Context, req *connect.Request[slipwayv1.RejectDeploymentRequest]) (*connect.Response[slipwayv1.RejectDeploymentResponse], error) {
	d, err := s.vote(ctx, req.Msg.GetId(), false, req.Msg.GetComment())
	if err != nil {
		return nil, deploymentError(err)
	}
	return connect.NewResponse(&slipwayv1.RejectDeploymentResponse{Deployment: d}), nil
}

// vote sends the caller's vote to the deployment's workflow and answers the
// deployment as it stands after the vote was recorded. Deployments the
// caller may not see are not found, as for GetDeployment; a deployment with
// no approval of its own is not waiting for one.
func (s *service) vote(ctx context.Context, rawID string, approve bool, comment string) (*slipwayv1.Deployment, error) {
	p, ok := identity.FromContext(ctx)
	if !ok || p.UserID == uuid.Nil {
		return nil, errUnauthenticated
	}
	id, err := uuid.Parse(rawID)
	if err != nil {
		return nil, fmt.Errorf("%w: %s", errDeploymentNotFound, rawID)
	}
	d, err := s.q.GetDeployment(ctx, id)
	if db.IsNotFound(err) {
		return nil, fmt.Errorf("%w: %s", errDeploymentNotFound, id)
	}
	if err != nil {
		return nil, fmt.Errorf("get deployment %s: %w", id, err)
	}
	// The voter's role as it is now, not as their token was issued.
	u, err := s.q.GetUserByID(ctx, p.UserID)
	if err != nil {
		return nil, fmt.Errorf("get voter: %w", err)
	}
	if d.UserID != p.UserID && !mayVote(u.Role) {
		// Deployments the caller may not see are not found, approvals or
		// not, as for GetDeployment.
		return nil, fmt.Errorf("%w: %s", errDeploymentNotFound, id)
	}
	if _, err := s.q.GetApproval(ctx, id); db.IsNotFound(err) {
		return nil, fmt.Errorf("%w: it is %s", ErrVoteDecided, d.Status)
	} else if err != nil {
		return nil, fmt.Errorf("get approval of %s: %w", id, err)
	}
	if err := s.wf.Vote(ctx, d.WorkflowID, Vote{VoterID: p.UserID, VoterEmail: u.Email, Role: u.Role, Approve: approve, Comment: comment}); err != nil {
		return nil, err
	}
	d, err = s.q.GetDeployment(ctx, id)
	if err != nil {
		return nil, fmt.Errorf("get deployment %s: %w", id, err)
	}
	return s.withDetails(ctx, d)
}

// mayVote reports whether role votes on deployments at all.
func mayVote(role string) bool { return role == userrole.Approver || role == userrole.Admin }

func (s *service) ListApprovals(ctx context.Context, req *connect.Request[slipwayv1.ListApprovalsRequest]) (*connect.Response[slipwayv1.ListApprovalsResponse], error) {
	p, ok := identity.FromContext(ctx)
	if !ok || p.UserID == uuid.Nil {
		return nil, deploymentError(errUnauthenticated)
	}
	res := &slipwayv1.ListApprovalsResponse{Deployments: []*slipwayv1.Deployment{}}
	u, err := s.q.GetUserByID(ctx, p.UserID)
	if err != nil {
		return nil, deploymentError(fmt.Errorf("get caller: %w", err))
	}
	if !mayVote(u.Role) {
		return connect.NewResponse(res), nil
	}
	size := req.Msg.GetPageSize()
	if size <= 0 {
		size = defaultApprovalsPage
	}
	rows, err := s.q.ListAwaitingApproval(ctx, db.ListAwaitingApprovalParams{VoterID: p.UserID, MaxRows: size})
	if err != nil {
		return nil, deploymentError(fmt.Errorf("list approvals: %w", err))
	}
	for _, d := range rows {
		pd, err := s.withDetails(ctx, d)
		if err != nil {
			return nil, deploymentError(err)
		}
		res.Deployments = append(res.Deployments, pd)
	}
	return connect.NewResponse(res), nil
}

// withDetails answers d for the API with what single-deployment answers
// carry beyond the row: its approval (what approvers are shown, the votes
// so far) and its verification, when it has them.
func (s *service) withDetails(ctx context.Context, d db.Deployment) (*slipwayv1.Deployment, error) {
	out := ToProto(d)
	a, err := s.q.GetApproval(ctx, d.ID)
	switch {
	case db.IsNotFound(err):
	case err != nil:
		return nil, fmt.Errorf("get approval of %s: %w", d.ID, err)
	default:
		votes, err := s.q.ListApprovalVotes(ctx, d.ID)
		if err != nil {
			return nil, fmt.Errorf("list votes of %s: %w", d.ID, err)
		}
		out.Approval = approvalToProto(a, votes)
		if err := s.withPrevious(ctx, d, out.Approval.GetSummary()); err != nil {
			return nil, err
		}
	}
	if err := s.withParts(ctx, d, out); err != nil {
		return nil, err
	}
	out.Verification, err = s.verification(ctx, d.ID)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// verification answers deployment id's verification; nil before it has one.
func (s *service) verification(ctx context.Context, id uuid.UUID) (*slipwayv1.Verification, error) {
	v, err := s.q.GetVerification(ctx, id)
	switch {
	case db.IsNotFound(err):
		return nil, nil
	case err != nil:
		return nil, fmt.Errorf("get verification of %s: %w", id, err)
	}
	return verificationToProto(v), nil
}

// withPrevious adds to sum the sources of the last CONFIRMED deployment of
// the same contract on the same network that went through approval, so
// that approvers see what changed.
func (s *service) withPrevious(ctx context.Context, d db.Deployment, sum *slipwayv1.ApprovalSummary) error {
	if sum == nil {
		return nil
	}
	prev, err := s.q.PreviousApprovedSummary(ctx, db.PreviousApprovedSummaryParams{Network: d.Network, ContractName: d.ContractName, Before: d.CreatedAt})
	if db.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("find the previous deployment of %s: %w", d.ContractName, err)
	}
	var ps progressapi.ApprovalSummary
	if json.Unmarshal(prev.Summary, &ps) == nil {
		sum.PreviousDeploymentId, sum.PreviousSources = prev.DeploymentID.String(), ps.Sources
	}
	return nil
}

// verificationToProto converts a verification row for the API.
func verificationToProto(v db.DeploymentVerification) *slipwayv1.Verification {
	out := &slipwayv1.Verification{Status: v.Status, Match: v.Match, Message: v.Message, UpdatedAt: timestamppb.New(v.UpdatedAt)}
	var services []progressapi.VerificationService
	if json.Unmarshal(v.Services, &services) == nil {
		for _, sv := range services {
			out.Services = append(out.Services, &slipwayv1.VerificationService{Name: sv.Name, Status: sv.Status, Url: sv.URL, Message: sv.Message})
		}
	}
	return out
}

// approvalToProto converts an approval and its votes for the API.
func approvalToProto(a db.DeploymentApproval, votes []db.ListApprovalVotesRow) *slipwayv1.Approval {
	out := &slipwayv1.Approval{Required: nonNegative32(a.Required), ExpiresAt: timestamppb.New(a.ExpiresAt)}
	if a.Decision != nil {
		out.Decision = *a.Decision
	}
	for _, v := range votes {
		if v.Approve {
			out.Approvals++
		}
		out.Votes = append(out.Votes, &slipwayv1.ApprovalVote{VoterEmail: v.VoterEmail, Approve: v.Approve, Comment: v.Comment, At: timestamppb.New(v.CreatedAt)})
	}
	var sum progressapi.ApprovalSummary
	if json.Unmarshal(a.Summary, &sum) == nil {
		ps := &slipwayv1.ApprovalSummary{
			ContractName: sum.ContractName, SourceHash: sum.SourceHash, CompilerVersion: sum.CompilerVersion,
			Optimizer: sum.Optimizer, OptimizerRuns: uint32(max(sum.OptimizerRuns, 0)), InitCodeHash: sum.InitCodeHash,
			LintSummary: &slipwayv1.FindingSummary{High: uint32(max(sum.Lint.High, 0)), Medium: uint32(max(sum.Lint.Medium, 0)),
				Low: uint32(max(sum.Lint.Low, 0)), Info: uint32(max(sum.Lint.Info, 0))},
			EstimatedGas: sum.EstimatedGas, MaxFeePerGas: sum.MaxFeePerGasWei, MaxCost: sum.MaxCostWei,
			Sources: sum.Sources,
		}
		for _, arg := range sum.Args {
			v := &structpb.Value{}
			if protojson.Unmarshal(arg.Value, v) != nil {
				v = structpb.NewStringValue(string(arg.Value))
			}
			ps.ConstructorArgs = append(ps.ConstructorArgs, &slipwayv1.ConstructorArgument{Name: arg.Name, Type: arg.Type, Value: v})
		}
		out.Summary = ps
	}
	return out
}
