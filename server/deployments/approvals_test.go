package deployments_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/ctorargs"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/userrole"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/servertest"
)

// approvalExpiry is when the test approvals expire: whole seconds, so that
// it reads back from Postgres and REST exactly.
var approvalExpiry = time.Date(2031, 3, 14, 15, 9, 26, 0, time.UTC)

// boxSummary is what approvers of servertest.SourceRequest's Box (one
// uint256, 7) are shown, as the workflow's OpenApproval stores it.
func boxSummary() progressapi.ApprovalSummary {
	return progressapi.ApprovalSummary{
		ContractName:    "Box",
		SourceHash:      "0x" + strings.Repeat("1f", 32),
		CompilerVersion: "0.8.37",
		Optimizer:       true,
		OptimizerRuns:   200,
		InitCodeHash:    "0x" + strings.Repeat("a7", 32),
		Args:            []ctorargs.Named{{Name: "x", Type: "uint256", Value: json.RawMessage(`7`)}},
		Lint:            lint.Summary{Low: 1, Info: 2},
		EstimatedGas:    118422,
		MaxFeePerGasWei: "30000000000",
		MaxCostWei:      "3552660000000000", // 118422 × 30 gwei
	}
}

// openApproval stores deployment id's approval (2 required) as the
// workflow's OpenApproval does.
func (e *depEnv) openApproval(t *testing.T, id uuid.UUID, sum progressapi.ApprovalSummary) {
	t.Helper()
	raw, err := json.Marshal(sum)
	require.NoError(t, err)
	require.NoError(t, e.q.OpenApproval(t.Context(), db.OpenApprovalParams{DeploymentID: id, Required: 2, Summary: raw, ExpiresAt: approvalExpiry}))
}

// awaitingApproval creates a deployment of bearer's and leaves it where the
// workflow leaves one on a network that requires approvals: an open
// approval showing sum, and AWAITING_APPROVAL.
func (e *depEnv) awaitingApproval(t *testing.T, bearer string, sum progressapi.ApprovalSummary) uuid.UUID {
	t.Helper()
	id := e.createDeployment(t, bearer)
	e.openApproval(t, id, sum)
	servertest.Record(t, e.pool, id, status.AwaitingApproval, "waiting for 2 approval(s)", db.UpdateDeploymentProgressParams{})
	return id
}

// voteResult is what a vote was answered: the deployment, or the error's
// Connect code (and over REST its HTTP status).
type voteResult struct {
	d          *slipwayv1.Deployment
	code       connect.Code // 0 when the vote was accepted
	httpStatus int          // REST only
	msg        string
	body       []byte // REST only
}

// vote sends bearer's vote (approve or reject) on id with comment over
// transport: "connect", "grpc" or "rest".
func (e *depEnv) vote(t *testing.T, transport string, approve bool, id, comment, bearer string) voteResult {
	t.Helper()
	if transport == "rest" {
		verb := "reject"
		if approve {
			verb = "approve"
		}
		reqBody, err := json.Marshal(map[string]string{"comment": comment})
		require.NoError(t, err)
		resp, body := e.do(t, "POST", "/api/v1/deployments/"+id+"/"+verb, "application/json", bytes.NewReader(reqBody), "Authorization", bearer)
		r := voteResult{httpStatus: resp.StatusCode, body: body}
		if resp.StatusCode != http.StatusOK {
			code, msg := servertest.RESTError(t, resp.Header, body)
			r.code, r.msg = connect.Code(code), msg
			return r
		}
		// The REST answer is the proto's JSON: decoding it strictly
		// checks its field names too.
		var res slipwayv1.ApproveDeploymentResponse
		require.NoError(t, protojson.Unmarshal(body, &res), "%s", body)
		r.d = res.GetDeployment()
		return r
	}
	client := e.client(transport)
	var (
		d   *slipwayv1.Deployment
		err error
	)
	if approve {
		var res *connect.Response[slipwayv1.ApproveDeploymentResponse]
		res, err = client.ApproveDeployment(t.Context(), servertest.Authed(&slipwayv1.ApproveDeploymentRequest{Id: id, Comment: comment}, bearer))
		if err == nil {
			d = res.Msg.GetDeployment()
		}
	} else {
		var res *connect.Response[slipwayv1.RejectDeploymentResponse]
		res, err = client.RejectDeployment(t.Context(), servertest.Authed(&slipwayv1.RejectDeploymentRequest{Id: id, Comment: comment}, bearer))
		if err == nil {
			d = res.Msg.GetDeployment()
		}
	}
	if err != nil {
		return voteResult{code: connect.CodeOf(err), msg: err.Error()}
	}
	return voteResult{d: d}
}

// requireBoxApproval checks that a is boxSummary's approval as openApproval
// stored it.
func requireBoxApproval(t *testing.T, a *slipwayv1.Approval) {
	t.Helper()
	require.NotNil(t, a, "the deployment's approval")
	assert.Equal(t, uint32(2), a.GetRequired())
	assert.Empty(t, a.GetDecision(), "still waiting")
	assert.True(t, approvalExpiry.Equal(a.GetExpiresAt().AsTime()), "expiresAt %v", a.GetExpiresAt().AsTime())
	s := a.GetSummary()
	require.NotNil(t, s, "the approval's summary")
	assert.Equal(t, "Box", s.GetContractName())
	assert.Equal(t, "0x"+strings.Repeat("1f", 32), s.GetSourceHash())
	assert.Equal(t, "0.8.37", s.GetCompilerVersion())
	assert.True(t, s.GetOptimizer())
	assert.Equal(t, uint32(200), s.GetOptimizerRuns())
	assert.Equal(t, "0x"+strings.Repeat("a7", 32), s.GetInitCodeHash())
	require.Len(t, s.GetConstructorArgs(), 1)
	arg := s.GetConstructorArgs()[0]
	assert.Equal(t, "x", arg.GetName())
	assert.Equal(t, "uint256", arg.GetType())
	assert.Equal(t, float64(7), arg.GetValue().GetNumberValue(), "the value as the request gave it: %v", arg.GetValue())
	assert.Equal(t, uint32(1), s.GetLintSummary().GetLow())
	assert.Equal(t, uint32(2), s.GetLintSummary().GetInfo())
	assert.Equal(t, uint64(118422), s.GetEstimatedGas())
	assert.Equal(t, "30000000000", s.GetMaxFeePerGas())
	assert.Equal(t, "3552660000000000", s.GetMaxCost())
}

// TestVoteHandsTheVoteToTheWorkflow: approving and rejecting hand the
// caller's vote to the deployment's workflow, with who they are as the
// database says now (not as their token says), and answer the deployment
// with what its approvers are shown.
func TestVoteHandsTheVoteToTheWorkflow(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, alice := env.newUser(t)
	approverID, _ := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	adminID, _ := servertest.NewUserWithRole(t, env.q, userrole.Admin)
	// A deployer promoted after their token was issued.
	promotedID, promoted := env.newUser(t)
	_, err := env.q.SetUserRole(t.Context(), db.SetUserRoleParams{ID: promotedID, Role: userrole.Approver})
	require.NoError(t, err)

	cases := []struct {
		name      string
		transport string
		approve   bool
		voter     uuid.UUID
		bearer    string
		wantRole  string
		comment   string
	}{
		{"approve/connect", "connect", true, approverID, "Bearer approver." + approverID.String(), userrole.Approver, "init code hash matches the audit"},
		{"approve/grpc, token says deployer", "grpc", true, promotedID, promoted, userrole.Approver, "ok"},
		{"approve/rest, admin whose token says approver", "rest", true, adminID, "Bearer approver." + adminID.String(), userrole.Admin, "LGTM: ünïcödé ✓"},
		{"approve/rest, no comment", "rest", true, approverID, "Bearer approver." + approverID.String(), userrole.Approver, ""},
		{"reject/connect", "connect", false, approverID, "Bearer approver." + approverID.String(), userrole.Approver, "max cost is too high"},
		{"reject/grpc-web, admin", "grpc-web", false, adminID, "Bearer admin." + adminID.String(), userrole.Admin, "wrong network"},
		{"reject/rest, token says deployer", "rest", false, promotedID, promoted, userrole.Approver, "constructor argument should be 8"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			id := env.awaitingApproval(t, alice, boxSummary())
			voter, err := env.q.GetUserByID(t.Context(), c.voter)
			require.NoError(t, err)
			before := len(env.wf.Votes())

			r := env.vote(t, c.transport, c.approve, id.String(), c.comment, c.bearer)
			require.Zero(t, r.code, "%s %s", r.msg, r.body)

			votes, to := env.wf.Votes(), env.wf.VotedWorkflows()
			require.Len(t, votes, before+1, "exactly one vote")
			assert.Equal(t, deployments.Vote{VoterID: c.voter, VoterEmail: voter.Email, Role: c.wantRole, Approve: c.approve, Comment: c.comment}, votes[before])
			assert.Equal(t, "deployment-"+id.String(), to[before], "to the deployment's workflow")

			d := r.d
			require.NotNil(t, d)
			assert.Equal(t, id.String(), d.GetId())
			assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_AWAITING_APPROVAL, d.GetStatus())
			assert.Equal(t, "Box", d.GetContractName())
			requireBoxApproval(t, d.GetApproval())
			assert.Empty(t, d.GetApproval().GetVotes(), "the fake workflow stores no vote")
			assert.Nil(t, d.GetVerification())

			if c.transport == "rest" {
				// The wire format the console reads.
				var body struct {
					Deployment struct {
						Status   string `json:"status"`
						Approval struct {
							Required  int    `json:"required"`
							ExpiresAt string `json:"expiresAt"`
							Summary   struct {
								ContractName    string `json:"contractName"`
								ConstructorArgs []struct {
									Name  string `json:"name"`
									Type  string `json:"type"`
									Value any    `json:"value"`
								} `json:"constructorArgs"`
								EstimatedGas string `json:"estimatedGas"`
								MaxFeePerGas string `json:"maxFeePerGas"`
								MaxCost      string `json:"maxCost"`
							} `json:"summary"`
						} `json:"approval"`
					} `json:"deployment"`
				}
				require.NoError(t, json.Unmarshal(r.body, &body), "%s", r.body)
				a := body.Deployment.Approval
				assert.Equal(t, "DEPLOYMENT_STATUS_AWAITING_APPROVAL", body.Deployment.Status)
				assert.Equal(t, 2, a.Required)
				assert.Equal(t, "2031-03-14T15:09:26Z", a.ExpiresAt)
				assert.Equal(t, "Box", a.Summary.ContractName)
				require.Len(t, a.Summary.ConstructorArgs, 1)
				assert.Equal(t, "x", a.Summary.ConstructorArgs[0].Name)
				assert.Equal(t, "uint256", a.Summary.ConstructorArgs[0].Type)
				assert.Equal(t, float64(7), a.Summary.ConstructorArgs[0].Value)
				assert.Equal(t, "118422", a.Summary.EstimatedGas)
				assert.Equal(t, "30000000000", a.Summary.MaxFeePerGas)
				assert.Equal(t, "3552660000000000", a.Summary.MaxCost)
			}
		})
	}
}

// TestVoteRefusalsOfTheWorkflow: the workflow's refusals reach the client
// with their codes, over every transport, for approving and rejecting
// alike; any other failure is an internal error that tells nothing.
func TestVoteRefusalsOfTheWorkflow(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, alice := env.newUser(t)
	_, approver := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	id := env.awaitingApproval(t, alice, boxSummary())

	cases := []struct {
		name       string
		err        error
		code       connect.Code
		httpStatus int
		wantMsg    string
	}{
		{"forbidden", deployments.ErrVoteForbidden, connect.CodePermissionDenied, http.StatusForbidden, deployments.ErrVoteForbidden.Error()},
		{"decided", deployments.ErrVoteDecided, connect.CodeAborted, http.StatusConflict, deployments.ErrVoteDecided.Error()},
		{"repeated", deployments.ErrVoteRepeated, connect.CodeAlreadyExists, http.StatusConflict, deployments.ErrVoteRepeated.Error()},
		{"temporal down", errors.New("temporal: connection refused to 10.0.0.7:7233"), connect.CodeInternal, http.StatusInternalServerError, "internal error"},
	}
	for _, c := range cases {
		for _, transport := range []string{"connect", "grpc", "rest"} {
			for _, approve := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/approve=%v", c.name, transport, approve), func(t *testing.T) {
					// Wrapped, as the real Workflows wraps them.
					env.wf.SetVoteError(fmt.Errorf("signal workflow deployment-%s: %w", id, c.err))
					t.Cleanup(func() { env.wf.SetVoteError(nil) })
					r := env.vote(t, transport, approve, id.String(), "comment", approver)
					assert.Equal(t, c.code, r.code, "%s %s", r.msg, r.body)
					assert.Contains(t, r.msg, c.wantMsg)
					assert.NotContains(t, r.msg, "10.0.0.7")
					if transport == "rest" {
						assert.Equal(t, c.httpStatus, r.httpStatus, "%s", r.body)
					}
					assert.Nil(t, r.d)
				})
			}
		}
	}
	assert.Empty(t, env.wf.Votes())
}

// TestVoteWithoutAnApproval: a deployment that does not wait for approval
// is aborted for those who may see or vote on it, and not found, exactly as
// for GetDeployment, for anyone else; unknown and malformed ids are
// answered as GetDeployment answers them. The workflow hears of none.
func TestVoteWithoutAnApproval(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, alice := env.newUser(t)
	bobID, bob := env.newUser(t)
	_, approver := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	_, admin := servertest.NewUserWithRole(t, env.q, userrole.Admin)
	dep := env.createDeployment(t, alice)
	// Bob's token says approver; the database says deployer.
	bobAsApprover := "Bearer approver." + bobID.String()

	// A malformed id is refused by the requests' validation (id is a
	// uuid) before any handler runs, for GetDeployment and votes alike.
	const malformedCode, malformedStatus = connect.CodeInvalidArgument, http.StatusBadRequest
	_, err := env.client("connect").GetDeployment(t.Context(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: "not-a-uuid"}, alice))
	require.Equal(t, malformedCode, connect.CodeOf(err), "GetDeployment: %v", err)
	resp, body := env.do(t, "GET", "/api/v1/deployments/not-a-uuid", "", nil, "Authorization", alice)
	require.Equal(t, malformedStatus, resp.StatusCode, "GetDeployment: %s", body)

	cases := []struct {
		name       string
		id         string
		bearer     string
		code       connect.Code
		httpStatus int
		wantMsg    string
	}{
		{"owner", dep.String(), alice, connect.CodeAborted, http.StatusConflict, "is not waiting for approval: it is PENDING"},
		{"approver", dep.String(), approver, connect.CodeAborted, http.StatusConflict, "it is PENDING"},
		{"admin", dep.String(), admin, connect.CodeAborted, http.StatusConflict, "it is PENDING"},
		{"another deployer", dep.String(), bob, connect.CodeNotFound, http.StatusNotFound, "not found"},
		{"another deployer whose token says approver", dep.String(), bobAsApprover, connect.CodeNotFound, http.StatusNotFound, "not found"},
		{"unknown id", uuid.NewString(), approver, connect.CodeNotFound, http.StatusNotFound, "not found"},
		{"malformed id", "not-a-uuid", approver, malformedCode, malformedStatus, "id"},
	}
	for _, c := range cases {
		for _, transport := range []string{"connect", "rest"} {
			for _, approve := range []bool{true, false} {
				t.Run(fmt.Sprintf("%s/%s/approve=%v", c.name, transport, approve), func(t *testing.T) {
					r := env.vote(t, transport, approve, c.id, "", c.bearer)
					assert.Equal(t, c.code, r.code, "%s %s", r.msg, r.body)
					assert.Contains(t, r.msg, c.wantMsg)
					if transport == "rest" {
						assert.Equal(t, c.httpStatus, r.httpStatus, "%s", r.body)
					}
				})
			}
		}
	}
	// Another user's deployment is not found by GetDeployment either.
	_, err = env.client("connect").GetDeployment(t.Context(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: dep.String()}, bob))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
	assert.Empty(t, env.wf.Votes())

	// Without credentials: unauthenticated.
	_, err = env.client("connect").ApproveDeployment(t.Context(), connect.NewRequest(&slipwayv1.ApproveDeploymentRequest{Id: dep.String()}))
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "%v", err)
}

// TestListApprovals: an approver's (or admin's) inbox is other users'
// deployments waiting for approval that they have not voted on, oldest wait
// first; a deployer's is empty.
func TestListApprovals(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, alice := env.newUser(t)
	_, bob := env.newUser(t)
	aID, a := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	_, b := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	_, admin := servertest.NewUserWithRole(t, env.q, userrole.Admin)
	// Carol's token says approver; the database says deployer.
	carolID, _ := env.newUser(t)
	carol := "Bearer approver." + carolID.String()

	// Created in this order, but Bob's wait opened before Alice's.
	alices := env.createDeployment(t, alice)
	bobs := env.createDeployment(t, bob)
	env.openApproval(t, bobs, boxSummary())
	env.openApproval(t, alices, boxSummary())
	for _, id := range []uuid.UUID{alices, bobs} {
		servertest.Record(t, env.pool, id, status.AwaitingApproval, "waiting", db.UpdateDeploymentProgressParams{})
	}
	// A's own.
	aOwn := env.awaitingApproval(t, a, boxSummary())
	// A voted on it already.
	votedByA := env.awaitingApproval(t, alice, boxSummary())
	n, err := env.q.InsertApprovalVote(t.Context(), db.InsertApprovalVoteParams{DeploymentID: votedByA, VoterID: aID, Approve: true, Comment: "fine"})
	require.NoError(t, err)
	require.Equal(t, int64(1), n)
	// Decided, but the workflow has not moved it on yet.
	decided := env.awaitingApproval(t, bob, boxSummary())
	require.NoError(t, env.q.DecideApproval(t.Context(), db.DecideApprovalParams{DeploymentID: decided, Decision: ptr(progressapi.DecisionRejected)}))
	// Cancelled while waiting: its approval is still open.
	cancelled := env.awaitingApproval(t, alice, boxSummary())
	servertest.Record(t, env.pool, cancelled, status.Cancelled, "cancelled by user", db.UpdateDeploymentProgressParams{})
	// Not (yet) waiting: no approval.
	_ = env.createDeployment(t, alice)

	ids := func(ds []*slipwayv1.Deployment) []string {
		out := []string{}
		for _, d := range ds {
			out = append(out, d.GetId())
		}
		return out
	}
	strs := func(us ...uuid.UUID) []string {
		out := []string{}
		for _, u := range us {
			out = append(out, u.String())
		}
		return out
	}
	cases := []struct {
		name     string
		bearer   string
		pageSize int32
		want     []string
	}{
		{"approver", a, 0, strs(bobs, alices)},
		{"approver, page of 1", a, 1, strs(bobs)},
		{"approver, page of 2", a, 2, strs(bobs, alices)},
		{"another approver", b, 0, strs(bobs, alices, aOwn, votedByA)},
		{"another approver, page of 3", b, 3, strs(bobs, alices, aOwn)},
		{"admin", admin, 0, strs(bobs, alices, aOwn, votedByA)},
		{"deployer", alice, 0, []string{}},
		{"deployer whose token says approver", carol, 0, []string{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			res, err := env.client("connect").ListApprovals(t.Context(), servertest.Authed(&slipwayv1.ListApprovalsRequest{PageSize: c.pageSize}, c.bearer))
			require.NoError(t, err)
			assert.Equal(t, c.want, ids(res.Msg.GetDeployments()))
			for _, d := range res.Msg.GetDeployments() {
				assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_AWAITING_APPROVAL, d.GetStatus())
				requireBoxApproval(t, d.GetApproval())
			}

			path := "/api/v1/approvals"
			if c.pageSize != 0 {
				path += "?pageSize=" + strconv.Itoa(int(c.pageSize))
			}
			resp, body := env.do(t, "GET", path, "", nil, "Authorization", c.bearer)
			require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
			var rest slipwayv1.ListApprovalsResponse
			require.NoError(t, protojson.Unmarshal(body, &rest), "%s", body)
			assert.Equal(t, c.want, ids(rest.GetDeployments()))
			if len(c.want) == 0 {
				assert.JSONEq(t, `{"deployments":[]}`, string(body), "an empty list, not an error")
			}
		})
	}

	// The votes so far come with each deployment: B sees A's.
	res, err := env.client("connect").ListApprovals(t.Context(), servertest.Authed(&slipwayv1.ListApprovalsRequest{}, b))
	require.NoError(t, err)
	require.Len(t, res.Msg.GetDeployments(), 4)
	voted := res.Msg.GetDeployments()[3]
	require.Equal(t, votedByA.String(), voted.GetId())
	require.Len(t, voted.GetApproval().GetVotes(), 1)
	assert.True(t, voted.GetApproval().GetVotes()[0].GetApprove())
	assert.Equal(t, "fine", voted.GetApproval().GetVotes()[0].GetComment())
	assert.Equal(t, uint32(1), voted.GetApproval().GetApprovals())

	// Out of range page sizes are refused.
	for _, size := range []int32{-1, 101} {
		_, err := env.client("connect").ListApprovals(t.Context(), servertest.Authed(&slipwayv1.ListApprovalsRequest{PageSize: size}, a))
		assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "page size %d: %v", size, err)
	}
	_, err = env.client("connect").ListApprovals(t.Context(), connect.NewRequest(&slipwayv1.ListApprovalsRequest{}))
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "%v", err)
}

// TestGetDeploymentAnswersApprovalAndVerification: GetDeployment carries
// the deployment's approval with its votes once it waits, and its
// verification once the verify stage recorded one; neither before.
func TestGetDeploymentAnswersApprovalAndVerification(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, alice := env.newUser(t)
	approverID, _ := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	approver, err := env.q.GetUserByID(t.Context(), approverID)
	require.NoError(t, err)
	id := env.createDeployment(t, alice)

	type got struct {
		connect *slipwayv1.Deployment
		rest    map[string]json.RawMessage
	}
	get := func(t *testing.T) got {
		t.Helper()
		res, err := env.client("connect").GetDeployment(t.Context(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: id.String()}, alice))
		require.NoError(t, err)
		resp, body := env.do(t, "GET", "/api/v1/deployments/"+id.String(), "", nil, "Authorization", alice)
		require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
		var rest struct {
			Deployment map[string]json.RawMessage `json:"deployment"`
		}
		require.NoError(t, json.Unmarshal(body, &rest), "%s", body)
		var fromREST slipwayv1.GetDeploymentResponse
		require.NoError(t, protojson.Unmarshal(body, &fromREST), "%s", body)
		assert.True(t, proto.Equal(res.Msg.GetDeployment(), fromREST.GetDeployment()), "REST and Connect answer the same:\n%v\n%v", res.Msg.GetDeployment(), fromREST.GetDeployment())
		return got{connect: res.Msg.GetDeployment(), rest: rest.Deployment}
	}

	// REST writes unset fields too: an absent message is null.
	absent := func(t *testing.T, g got, field string) {
		t.Helper()
		if raw, ok := g.rest[field]; ok {
			assert.Equal(t, "null", string(raw), "REST %s", field)
		}
	}
	g := get(t)
	assert.Nil(t, g.connect.GetApproval())
	assert.Nil(t, g.connect.GetVerification())
	absent(t, g, "approval")
	absent(t, g, "verification")

	// Waiting for approval, with one vote of two.
	env.openApproval(t, id, boxSummary())
	servertest.Record(t, env.pool, id, status.AwaitingApproval, "waiting for 2 approval(s)", db.UpdateDeploymentProgressParams{})
	_, err = env.q.InsertApprovalVote(t.Context(), db.InsertApprovalVoteParams{DeploymentID: id, VoterID: approverID, Approve: true, Comment: "checked"})
	require.NoError(t, err)
	g = get(t)
	requireBoxApproval(t, g.connect.GetApproval())
	require.Len(t, g.connect.GetApproval().GetVotes(), 1)
	v := g.connect.GetApproval().GetVotes()[0]
	assert.Equal(t, approver.Email, v.GetVoterEmail())
	assert.True(t, v.GetApprove())
	assert.Equal(t, "checked", v.GetComment())
	assert.NotNil(t, v.GetAt())
	assert.Equal(t, uint32(1), g.connect.GetApproval().GetApprovals())
	assert.Contains(t, string(g.rest["approval"]), `"contractName":"Box"`)
	assert.Nil(t, g.connect.GetVerification())
	absent(t, g, "verification")

	// Approved and confirmed: the decision, then verification.
	require.NoError(t, env.q.DecideApproval(t.Context(), db.DecideApprovalParams{DeploymentID: id, Decision: ptr(progressapi.DecisionApproved)}))
	servertest.Record(t, env.pool, id, status.Confirmed, "confirmed", db.UpdateDeploymentProgressParams{})
	g = get(t)
	assert.Equal(t, progressapi.DecisionApproved, g.connect.GetApproval().GetDecision())
	assert.Nil(t, g.connect.GetVerification())

	services := func(s []progressapi.VerificationService) []byte {
		raw, err := json.Marshal(s)
		require.NoError(t, err)
		return raw
	}
	steps := []struct {
		name     string
		params   db.UpsertVerificationParams
		want     *slipwayv1.Verification
		wantJSON string
	}{
		{
			name: "pending",
			params: db.UpsertVerificationParams{DeploymentID: id, Status: progressapi.VerificationPending, Message: "verifying",
				Services: services([]progressapi.VerificationService{})},
			want:     &slipwayv1.Verification{Status: "PENDING", Message: "verifying"},
			wantJSON: `{"status":"PENDING","match":"","message":"verifying","services":[]}`,
		},
		{
			name: "verified",
			params: db.UpsertVerificationParams{DeploymentID: id, Status: progressapi.VerificationVerified, Match: "full", Message: "bytecode matches",
				Services: services([]progressapi.VerificationService{
					{Name: "local", Status: progressapi.VerificationVerified, Message: "full match"},
					{Name: "sourcify", Status: progressapi.VerificationFailed, URL: "https://sourcify.example/lookup/0x1", Message: "HTTP 503"},
				})},
			want: &slipwayv1.Verification{Status: "VERIFIED", Match: "full", Message: "bytecode matches", Services: []*slipwayv1.VerificationService{
				{Name: "local", Status: "VERIFIED", Message: "full match"},
				{Name: "sourcify", Status: "FAILED", Url: "https://sourcify.example/lookup/0x1", Message: "HTTP 503"},
			}},
			wantJSON: `{"status":"VERIFIED","match":"full","message":"bytecode matches","services":[
				{"name":"local","status":"VERIFIED","url":"","message":"full match"},
				{"name":"sourcify","status":"FAILED","url":"https://sourcify.example/lookup/0x1","message":"HTTP 503"}]}`,
		},
	}
	for _, s := range steps {
		t.Run(s.name, func(t *testing.T) {
			require.NoError(t, env.q.UpsertVerification(t.Context(), s.params))
			g := get(t)
			ver := g.connect.GetVerification()
			require.NotNil(t, ver)
			assert.NotNil(t, ver.GetUpdatedAt())
			ver = proto.CloneOf(ver)
			ver.UpdatedAt = nil
			assert.True(t, proto.Equal(s.want, ver), "want %v\ngot  %v", s.want, ver)
			var rest map[string]json.RawMessage
			require.NoError(t, json.Unmarshal(g.rest["verification"], &rest), "%s", g.rest["verification"])
			assert.Contains(t, rest, "updatedAt")
			delete(rest, "updatedAt")
			restJSON, err := json.Marshal(rest)
			require.NoError(t, err)
			assert.JSONEq(t, s.wantJSON, string(restJSON))
			// The approval stays with it.
			assert.Equal(t, progressapi.DecisionApproved, g.connect.GetApproval().GetDecision())
		})
	}
}

// A deployment waiting for approval carries its sources and, when the same
// contract was deployed on the network through approval before, that
// deployment's id and sources, for the approvers' diff; an unconfirmed or
// other contract's deployment is not "previous".
func TestApprovalShowsThePreviousSources(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, alice := env.newUser(t)
	_, approver := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	withSources := func(src string) progressapi.ApprovalSummary {
		s := boxSummary()
		s.Sources = map[string]string{"Box.sol": src}
		return s
	}
	first := env.awaitingApproval(t, alice, withSources("contract Box { uint x; }"))
	servertest.Record(t, env.pool, first, status.Confirmed, "confirmed", db.UpdateDeploymentProgressParams{})
	failed := env.awaitingApproval(t, alice, withSources("contract Box { uint y; }"))
	servertest.Record(t, env.pool, failed, status.Failed, "failed", db.UpdateDeploymentProgressParams{})
	next := env.awaitingApproval(t, alice, withSources("contract Box { uint x; uint z; }"))

	res, err := env.client("connect").ListApprovals(t.Context(), servertest.Authed(&slipwayv1.ListApprovalsRequest{}, approver))
	require.NoError(t, err)
	require.Len(t, res.Msg.GetDeployments(), 1)
	got := res.Msg.GetDeployments()[0]
	require.Equal(t, next.String(), got.GetId())
	sum := got.GetApproval().GetSummary()
	assert.Equal(t, map[string]string{"Box.sol": "contract Box { uint x; uint z; }"}, sum.GetSources())
	assert.Equal(t, first.String(), sum.GetPreviousDeploymentId(), "the last CONFIRMED one, not the FAILED one after it")
	assert.Equal(t, map[string]string{"Box.sol": "contract Box { uint x; }"}, sum.GetPreviousSources())

	d, err := env.client("connect").GetDeployment(t.Context(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: first.String()}, alice))
	require.NoError(t, err)
	assert.Empty(t, d.Msg.GetDeployment().GetApproval().GetSummary().GetPreviousDeploymentId(), "the first has no previous")
}
