package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/devstack/verifier"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/userrole"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/workflows"
)

// A network requiring two approvals, on the real stack (Postgres,
// temporaltest, anvil): the deployment stops in AWAITING_APPROVAL with
// what will be signed, nothing signed or reserved; votes go through the
// workflow's update (the requester's and a repeated vote refused), two
// approvals sign and confirm it, each vote an event and an audit row; a
// rejection fails the next one with the approver's reason.
func TestPipelineWaitsForApprovals(t *testing.T) {
	s := startPipelineWith(t, pipelineOptions{anvil: anvil.Options{}, worker: true,
		networks: func(_ *anvil.Node, nets *chain.Config, _ secrets.Static) {
			nets.Networks[0].Approval = &chain.ApprovalPolicy{Required: 2, Timeout: chain.Duration(time.Hour)}
		}})
	ctx := context.Background()
	q := db.New(s.pool)
	voter := func(role string) deployments.Vote {
		u, err := q.CreateUser(ctx, db.CreateUserParams{Email: uuid.NewString() + "@example.com", PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := q.SetUserRole(ctx, db.SetUserRoleParams{ID: u.ID, Role: role}); err != nil {
			t.Fatal(err)
		}
		return deployments.Vote{VoterID: u.ID, VoterEmail: u.Email, Role: role}
	}
	a, b := voter(userrole.Approver), voter(userrole.Admin)
	nonce0 := s.nonce(t)

	d := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "42", s.signer.Hex())})
	s.until(t, d, 2*time.Minute, "AWAITING_APPROVAL", func(d db.Deployment) bool { return d.Status == status.AwaitingApproval })
	ap, err := q.GetApproval(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var sum progressapi.ApprovalSummary
	if err := json.Unmarshal(ap.Summary, &sum); err != nil {
		t.Fatal(err)
	}
	if ap.Required != 2 || sum.ContractName != "Store" || sum.EstimatedGas == 0 || sum.MaxCostWei == "" || len(sum.Args) != 2 ||
		sum.Args[0].Type != "uint256" || string(sum.Args[0].Value) != `"42"` || !strings.HasPrefix(sum.InitCodeHash, "0x") {
		t.Fatalf("approval %+v summary %+v", ap, sum)
	}
	if _, err := q.GetSpendReservation(ctx, d.ID); !db.IsNotFound(err) {
		t.Fatalf("reserved before approval: %v", err)
	}
	s.wantNonce(t, nonce0, "nothing is signed before approval")

	self := deployments.Vote{VoterID: s.user, VoterEmail: "ada@example.com", Role: userrole.Admin, Approve: true}
	if err := s.wf.Vote(ctx, d.WorkflowID, self); !errors.Is(err, deployments.ErrVoteForbidden) {
		t.Fatalf("requester's vote: %v", err)
	}
	a.Approve, a.Comment = true, "reviewed"
	if err := s.wf.Vote(ctx, d.WorkflowID, a); err != nil {
		t.Fatalf("first approval: %v", err)
	}
	if err := s.wf.Vote(ctx, d.WorkflowID, a); !errors.Is(err, deployments.ErrVoteRepeated) {
		t.Fatalf("second vote of one approver: %v", err)
	}
	b.Approve = true
	if err := s.wf.Vote(ctx, d.WorkflowID, b); err != nil {
		t.Fatalf("second approval: %v", err)
	}
	if err := s.wf.Vote(ctx, d.WorkflowID, voter(userrole.Approver)); !errors.Is(err, deployments.ErrVoteDecided) {
		t.Fatalf("vote after the decision: %v", err)
	}
	s.waitConfirmed(t, d, 2*time.Minute)
	s.wantNonce(t, nonce0+1, "one deployment signed once")
	if !s.hasEvent(t, d, "approved by "+a.VoterEmail+" (1 of 2 approvals): reviewed") || !s.hasEvent(t, d, "approved by "+b.VoterEmail+" (2 of 2") {
		t.Fatalf("vote events missing: %v", s.events(t, d.ID))
	}
	var audited int
	if err := s.pool.QueryRow(ctx, "SELECT count(*) FROM audit_logs WHERE action = 'deployment.approved' AND resource_id = $1", d.ID.String()).Scan(&audited); err != nil || audited != 2 {
		t.Fatalf("audit rows %d, %v", audited, err)
	}
	if ap, err := q.GetApproval(ctx, d.ID); err != nil || ap.Decision == nil || *ap.Decision != progressapi.DecisionApproved {
		t.Fatalf("approval after the votes: %+v %v", ap, err)
	}
	if dir := os.Getenv("SLIPWAY_RECORD_HISTORY"); dir != "" {
		recordHistory(t, s.tc, d.WorkflowID, filepath.Join(dir, fmt.Sprintf("deployment_v%d_approvals.json", workflows.PipelineVersion)))
	}

	r := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "7", s.signer.Hex())})
	s.until(t, r, 2*time.Minute, "AWAITING_APPROVAL", func(d db.Deployment) bool { return d.Status == status.AwaitingApproval })
	a.Approve, a.Comment = false, "not this week"
	if err := s.wf.Vote(ctx, r.WorkflowID, a); err != nil {
		t.Fatalf("rejection: %v", err)
	}
	got := s.wait(t, r, 2*time.Minute)
	if got.Status != status.Failed || !strings.Contains(got.Error, "rejected by "+a.VoterEmail+": not this week") {
		t.Fatalf("rejected deployment: %s %q", got.Status, got.Error)
	}
	s.wantNonce(t, nonce0+1, "a rejected deployment signs nothing")
}

// A network that publishes verified sources: after the local match, the
// worker submits the source to a Sourcify server and an Etherscan-style
// explorer (the harness's local verifier, whose matching is lib-sourcify's
// against the same anvil), rides out "not yet indexed" answers and rate
// limits on durable timers, and the deployment's verification lists each
// service VERIFIED with its link.
func TestPipelinePublishesVerifiedSources(t *testing.T) {
	ctx := context.Background()
	pool, err := compile.NewPool(ctx, compile.Config{Size: 1, InstallDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	var vs *verifier.Server
	s := startPipelineWith(t, pipelineOptions{anvil: anvil.Options{}, worker: true,
		networks: func(node *anvil.Node, nets *chain.Config, sp secrets.Static) {
			vs, err = verifier.Start(ctx, verifier.Options{Pool: pool, RPCURL: node.RPCURL(), ChainID: node.ChainID(), APIKey: "explorer-key",
				NotIndexedFirst: 1, RateLimitEvery: 3})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(vs.Close)
			sp["env:EXPLORER_KEY"] = secrets.NewSecretString("explorer-key")
			nets.Networks[0].Verify = &chain.VerifyServices{
				Sourcify:  &chain.SourcifyService{URL: vs.SourcifyURL()},
				Etherscan: &chain.EtherscanService{URL: vs.EtherscanURL(), APIKey: "env:EXPLORER_KEY"},
			}
		}})
	d := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "42", s.signer.Hex())})
	s.waitConfirmed(t, d, 5*time.Minute)
	v, err := db.New(s.pool).GetVerification(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	var services []progressapi.VerificationService
	if err := json.Unmarshal(v.Services, &services); err != nil {
		t.Fatal(err)
	}
	if v.Status != progressapi.VerificationVerified || v.Match != "full" || len(services) != 3 {
		t.Fatalf("verification %+v, services %+v", v, services)
	}
	for _, sv := range services[1:] {
		if sv.Status != progressapi.VerificationVerified || !strings.HasPrefix(sv.URL, "http://") {
			t.Fatalf("service %+v not verified with a link; all %+v", sv, services)
		}
	}
	if services[1].Name != chain.VerifyServiceSourcify || services[2].Name != chain.VerifyServiceEtherscan {
		t.Fatalf("services %+v", services)
	}
}
