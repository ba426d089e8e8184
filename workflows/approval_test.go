package workflows

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/userrole"
)

const requester = "00000000-0000-4000-8000-0000000000aa"

// approvalEnv is a deployEnv on a network requiring two approvals within
// an hour, with the approval activities mocked and the votes recorded.
type approvalEnv struct {
	*deployEnv
	mu       sync.Mutex
	recorded []progressapi.VoteRecord
	prepared bool
	expired  bool
}

func newApprovalEnv(t *testing.T) *approvalEnv {
	t.Helper()
	e := &approvalEnv{deployEnv: newDeployEnv(t, "Compile")}
	// Compiling takes 30 s, so that a vote can arrive before the wait.
	e.OnActivity(compileapi.ActivityCompile, mock.Anything, mock.Anything).After(30*time.Second).Return(compileapi.Result{CompilerVersion: "0.8.37",
		Contracts: []compileapi.Contract{{Name: "Store", ABI: "[]", Bytecode: "0x6000"}}}, nil)
	e.OnActivity(deployapi.ActivityEstimate, mock.Anything, mock.Anything).Return(deployapi.EstimateResult{Gas: 120000, MaxFeePerGasWei: "2", MaxCostWei: "240000", InitCodeHash: "0xab"}, nil).Maybe()
	e.OnActivity(progressapi.ActivityOpenApproval, mock.Anything, mock.Anything).Return(func(_ context.Context, r progressapi.ApprovalRequest) error {
		if r.Required != 2 || r.Summary.EstimatedGas != 120000 || r.Summary.ContractName != "Store" || !strings.HasPrefix(r.Summary.SourceHash, "0x") ||
			r.Summary.Sources["Store.sol"] != "contract Store {}" {
			return temporal.NewNonRetryableApplicationError("unexpected approval request", "Test", nil)
		}
		return nil
	}).Maybe()
	e.OnActivity(progressapi.ActivityRecordVote, mock.Anything, mock.Anything).Return(func(_ context.Context, v progressapi.VoteRecord) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.recorded = append(e.recorded, v)
		return nil
	}).Maybe()
	e.OnActivity(progressapi.ActivityExpireApproval, mock.Anything, mock.Anything).Return(func(context.Context, string) error {
		e.expired = true
		return nil
	}).Maybe()
	// Signing takes a minute, so that a vote can arrive after the decision.
	e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).After(time.Minute).Return(func(context.Context, deployapi.PrepareInput) (deployapi.PrepareResult, error) {
		e.prepared = true
		return deployapi.PrepareResult{TxHash: "0x01"}, nil
	}).Maybe()
	e.OnActivity(deployapi.ActivityAwait, mock.Anything, mock.Anything).Return(deployapi.AwaitResult{Included: true}, nil).Maybe()
	e.OnActivity(deployapi.ActivityConfirm, mock.Anything, mock.Anything).Return(deployapi.ConfirmResult{Confirmed: true}, nil).Maybe()
	return e
}

func approvalInput() DeploymentInput {
	in := input()
	in.UserID = requester
	in.Approval = &ApprovalPolicy{Required: 2, Timeout: time.Hour}
	return in
}

// voteAt sends v as an update at the given time into the run; into
// receives the validator's refusal (nil when accepted).
func (e *approvalEnv) voteAt(at time.Duration, v Vote, into *error) {
	e.RegisterDelayedCallback(func() {
		e.UpdateWorkflow(UpdateVote, fmt.Sprintf("%s@%s", v.VoterID, at), &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { *into = err },
			OnAccept:   func() {},
			OnComplete: func(any, error) {},
		}, v)
	}, at)
}

func approver(id string, approve bool) Vote {
	return Vote{VoterID: id, VoterEmail: id + "@example.com", Role: userrole.Approver, Approve: approve, Comment: "looks " + map[bool]string{true: "good", false: "risky"}[approve]}
}

func refusal(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		return ae.Type()
	}
	return ""
}

// Two approvers' votes let the deployment sign; votes that do not apply
// (before the wait, by the requester, by a deployer, twice by one approver)
// are refused by the validator and never recorded.
func TestApprovalTwoVotesLetItSign(t *testing.T) {
	e := newApprovalEnv(t)
	var early, self, deployer, twice, first, second, late error
	e.voteAt(10*time.Second, approver("a", true), &early)
	e.voteAt(time.Minute, Vote{VoterID: requester, VoterEmail: "me@example.com", Role: userrole.Admin, Approve: true}, &self)
	e.voteAt(2*time.Minute, Vote{VoterID: "c", VoterEmail: "c@example.com", Role: userrole.Deployer, Approve: true}, &deployer)
	e.voteAt(3*time.Minute, approver("a", true), &first)
	e.voteAt(4*time.Minute, approver("a", true), &twice)
	e.voteAt(5*time.Minute, Vote{VoterID: "b", VoterEmail: "b@example.com", Role: userrole.Admin, Approve: true}, &second)
	e.voteAt(5*time.Minute+30*time.Second, approver("d", true), &late)
	var upserted []string
	e.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		if v, ok := args.Get(0).(temporal.SearchAttributes).GetKeyword(SearchAttrStatus); ok {
			upserted = append(upserted, v)
		}
	}).Return(nil)
	in := approvalInput()
	in.UpsertStatus = true
	e.ExecuteWorkflow(DeploymentWorkflow, in)
	if err := e.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct {
		err  error
		want string
	}{"before the wait": {early, ErrTypeNotAwaiting}, "requester": {self, ErrTypeSelfApproval}, "deployer": {deployer, ErrTypeNotApprover},
		"twice": {twice, ErrTypeAlreadyVoted}, "first": {first, ""}, "second": {second, ""}, "after the decision": {late, ErrTypeDecided}} {
		if got := refusal(c.err); got != c.want || (c.want == "") != (c.err == nil) {
			t.Errorf("%s: %v, want %q", name, c.err, c.want)
		}
	}
	if !e.prepared {
		t.Fatal("not signed after two approvals")
	}
	if len(e.recorded) != 2 || e.recorded[0].Decision != "" || e.recorded[1].Decision != progressapi.DecisionApproved || e.recorded[1].Approvals != 2 {
		t.Fatalf("recorded votes %+v", e.recorded)
	}
	if !slices.Contains(upserted, status.AwaitingApproval) {
		t.Fatalf("SlipwayStatus upserts %v lack %s", upserted, status.AwaitingApproval)
	}
}

// One rejection ends the deployment FAILED with the approver's reason,
// before anything is signed.
func TestApprovalRejectionFails(t *testing.T) {
	e := newApprovalEnv(t)
	var first, reject error
	e.voteAt(time.Minute, approver("a", true), &first)
	e.voteAt(2*time.Minute, approver("b", false), &reject)
	e.ExecuteWorkflow(DeploymentWorkflow, approvalInput())
	err := e.GetWorkflowError()
	if refusal(err) != ErrTypeRejected || !strings.Contains(err.Error(), "rejected by b@example.com: looks risky") {
		t.Fatalf("error %v, want the rejection", err)
	}
	if first != nil || reject != nil || e.prepared {
		t.Fatalf("votes %v %v, prepared %v", first, reject, e.prepared)
	}
	last := e.steps[len(e.steps)-1]
	if last.Status != status.Failed || last.Error == nil || !strings.Contains(*last.Error, "rejected by b@example.com") {
		t.Fatalf("last step %+v", last)
	}
	if e.recorded[1].Decision != progressapi.DecisionRejected {
		t.Fatalf("recorded %+v", e.recorded)
	}
}

// No decision within the policy's timeout cancels the deployment; so does
// the user's cancel while it waits.
func TestApprovalTimeoutAndCancelEndIt(t *testing.T) {
	t.Run("timeout", func(t *testing.T) {
		e := newApprovalEnv(t)
		var one error
		e.voteAt(time.Minute, approver("a", true), &one)
		e.ExecuteWorkflow(DeploymentWorkflow, approvalInput())
		if err := e.GetWorkflowError(); !temporal.IsCanceledError(err) {
			t.Fatalf("error %v, want cancelled", err)
		}
		last := e.steps[len(e.steps)-1]
		if last.Status != status.Cancelled || !strings.Contains(last.Message, "no approval decision within 1h0m0s") || !e.expired || e.prepared {
			t.Fatalf("last step %+v, expired %v, prepared %v", last, e.expired, e.prepared)
		}
	})
	t.Run("cancel", func(t *testing.T) {
		e := newApprovalEnv(t)
		e.RegisterDelayedCallback(e.CancelWorkflow, 10*time.Minute)
		e.ExecuteWorkflow(DeploymentWorkflow, approvalInput())
		if err := e.GetWorkflowError(); !temporal.IsCanceledError(err) {
			t.Fatalf("error %v, want cancelled", err)
		}
		if last := e.steps[len(e.steps)-1]; last.Status != status.Cancelled || e.prepared {
			t.Fatalf("last step %+v, prepared %v", last, e.prepared)
		}
	})
}

// A run on a network without a policy takes no vote.
func TestApprovalNotRequired(t *testing.T) {
	e := newApprovalEnv(t)
	var v error
	e.voteAt(10*time.Second, approver("a", true), &v)
	e.ExecuteWorkflow(DeploymentWorkflow, input())
	if err := e.GetWorkflowError(); err != nil || !e.prepared {
		t.Fatalf("error %v, prepared %v", err, e.prepared)
	}
	if refusal(v) != ErrTypeNotAwaiting {
		t.Fatalf("vote: %v", v)
	}
}
