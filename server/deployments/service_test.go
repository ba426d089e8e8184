package deployments_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/servertest"
)

func TestCreateDeploymentOverEveryProtocol(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, bearer := env.newUser(t)

	// REST, with a template whose constructor takes two addresses.
	resp, body := env.do(t, "POST", "/api/v1/contracts/deploy", "application/json",
		strings.NewReader(servertest.TemplateDeployJSON("sepolia", "rest-1")), "Authorization", bearer)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	var rest struct {
		Deployment struct {
			ID                    string `json:"id"`
			Status                string `json:"status"`
			Network               string `json:"network"`
			ContractName          string `json:"contractName"`
			RequiredConfirmations int    `json:"requiredConfirmations"`
			WorkflowID            string `json:"workflowId"`
			IdempotencyKey        string `json:"idempotencyKey"`
			CompilerVersion       string `json:"compilerVersion"`
			LintSummary           struct {
				High int `json:"high"`
			} `json:"lintSummary"`
			CreatedAt string `json:"createdAt"`
		} `json:"deployment"`
	}
	require.NoError(t, json.Unmarshal(body, &rest))
	d := rest.Deployment
	assert.Equal(t, "DEPLOYMENT_STATUS_PENDING", d.Status)
	assert.Equal(t, "sepolia", d.Network)
	assert.Equal(t, "MyToken", d.ContractName)
	assert.Equal(t, 3, d.RequiredConfirmations, "the network's default")
	assert.Equal(t, "deployment-"+d.ID, d.WorkflowID)
	assert.Equal(t, "rest-1", d.IdempotencyKey)
	assert.Equal(t, "0.8.37", d.CompilerVersion)
	assert.NotEmpty(t, d.CreatedAt)
	require.Equal(t, 1, env.wf.Starts())
	started, requests := env.wf.Started()
	assert.Equal(t, "deployment-"+d.ID, started[0].WorkflowID)
	assert.Equal(t, "MTK", requests[0].GetTemplate().GetSymbol())

	// The row has the request and the first event.
	id := uuid.MustParse(d.ID)
	row, err := env.q.GetDeployment(context.Background(), id)
	require.NoError(t, err)
	assert.Contains(t, string(row.Request), `"symbol": "MTK"`)
	evs, err := env.q.ListDeploymentEventsAfter(context.Background(), db.ListDeploymentEventsAfterParams{DeploymentID: id, MaxEvents: 10})
	require.NoError(t, err)
	require.Len(t, evs, 1)
	assert.Equal(t, status.Pending, evs[0].Status)
	assert.Equal(t, "deployment created", evs[0].Message)

	for _, protocol := range []string{"connect", "grpc", "grpc-web"} {
		t.Run(protocol, func(t *testing.T) {
			req := servertest.SourceRequest("")
			req.Confirmations = 5
			res, err := env.client(protocol).CreateDeployment(context.Background(), servertest.Authed(req, bearer))
			require.NoError(t, err)
			got := res.Msg.GetDeployment()
			assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_PENDING, got.GetStatus())
			assert.Equal(t, "Box", got.GetContractName())
			assert.Equal(t, uint32(5), got.GetRequiredConfirmations())
			assert.Equal(t, "", got.GetIdempotencyKey())
		})
	}
	assert.Equal(t, 4, env.wf.Starts())

	// Without credentials: unauthenticated, nothing started.
	_, err = env.client("connect").CreateDeployment(context.Background(), connect.NewRequest(servertest.SourceRequest("")))
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	assert.Equal(t, 4, env.wf.Starts())
}

func TestCreateDeploymentIdempotencyRace(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, bearer := env.newUser(t)
	env.wf.SetDelay(100 * time.Millisecond)
	client := env.client("connect")

	const n = 8
	ids := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			res, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest("same-key"), bearer))
			errs[i] = err
			if err == nil {
				ids[i] = res.Msg.GetDeployment().GetId()
			}
		})
	}
	wg.Wait()
	for i := range n {
		require.NoError(t, errs[i])
		assert.Equal(t, ids[0], ids[i])
	}
	assert.Equal(t, 1, env.wf.Starts(), "one workflow for one key")

	// Another user's same key is another deployment.
	_, other := env.newUser(t)
	res, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest("same-key"), other))
	require.NoError(t, err)
	assert.NotEqual(t, ids[0], res.Msg.GetDeployment().GetId())
	assert.Equal(t, 2, env.wf.Starts())
}

func TestCreateDeploymentStartFailureRecordsNothing(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	user, bearer := env.newUser(t)
	env.wf.SetFailStart(true)
	client := env.client("connect")
	_, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest("k1"), bearer))
	assert.Equal(t, connect.CodeUnavailable, connect.CodeOf(err), "%v", err)
	assert.NotContains(t, err.Error(), "connection refused")
	rows, err := env.q.ListDeploymentsForUser(context.Background(), db.ListDeploymentsForUserParams{UserID: user, PageSize: 10})
	require.NoError(t, err)
	assert.Empty(t, rows, "rolled back with the failed start")

	// The retry with the same key starts it.
	env.wf.SetFailStart(false)
	_, err = client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest("k1"), bearer))
	require.NoError(t, err)
	assert.Equal(t, 1, env.wf.Starts())
}

func TestCreateDeploymentRefusesBadRequests(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, bearer := env.newUser(t)
	owner := "0x" + strings.Repeat("ab", 20)
	tmpl := func(args ...*structpb.Value) *slipwayv1.CreateDeploymentRequest {
		return &slipwayv1.CreateDeploymentRequest{
			Network: "dev",
			Template: &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "MyToken", Symbol: "MTK",
				Options: &slipwayv1.TemplateOptions{Premint: "1000", Mintable: true}},
			ConstructorArgs: args,
		}
	}
	cases := []struct {
		name string
		req  *slipwayv1.CreateDeploymentRequest
		want string
	}{
		{"unknown network", func() *slipwayv1.CreateDeploymentRequest {
			r := servertest.SourceRequest("")
			r.Network = "goerli"
			return r
		}(),
			`network "goerli" is not configured; known networks: dev, mainnet, sepolia`},
		{"bad template", func() *slipwayv1.CreateDeploymentRequest {
			r := tmpl(structpb.NewStringValue(owner), structpb.NewStringValue(owner))
			r.Template.Options.Premint = "lots"
			return r
		}(), "premint"},
		{"unknown contract", func() *slipwayv1.CreateDeploymentRequest {
			r := servertest.SourceRequest("")
			r.ContractName = "Commented"
			return r
		}(),
			`contractName "Commented" is not a contract of the sources; they declare: Base, Box`},
		{"contract in a string", func() *slipwayv1.CreateDeploymentRequest {
			r := servertest.SourceRequest("")
			r.ContractName = "InString"
			return r
		}(),
			`"InString" is not a contract`},
		{"too few args", tmpl(structpb.NewStringValue(owner)),
			"constructorArgs: the constructor takes 2 argument(s) (address recipient, address initialOwner), got 1"},
		{"wrong type", tmpl(structpb.NewStringValue(owner), structpb.NewNumberValue(1)),
			"constructorArgs[1] (address initialOwner): want an address"},
		{"short address", tmpl(structpb.NewStringValue("0x1234"), structpb.NewStringValue(owner)),
			"constructorArgs[0] (address recipient)"},
		{"bad checksum", tmpl(structpb.NewStringValue("0xAbcdef0000000000000000000000000000000000"), structpb.NewStringValue(owner)),
			"EIP-55 checksum"},
		{"template name mismatch", func() *slipwayv1.CreateDeploymentRequest {
			r := tmpl(structpb.NewStringValue(owner), structpb.NewStringValue(owner))
			r.ContractName = "Other"
			return r
		}(), "does not match the template's contract"},
	}
	for _, protocol := range []string{"connect", "grpc"} {
		client := env.client(protocol)
		for _, c := range cases {
			t.Run(protocol+"/"+c.name, func(t *testing.T) {
				_, err := client.CreateDeployment(context.Background(), servertest.Authed(c.req, bearer))
				require.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
				assert.Contains(t, err.Error(), c.want)
			})
		}
	}
	// And over REST, with google.rpc.Status.
	resp, body := env.do(t, "POST", "/api/v1/contracts/deploy", "application/json",
		strings.NewReader(`{"network":"nope","source":"contract A {}","contractName":"A"}`), "Authorization", bearer)
	require.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	code, msg := servertest.RESTError(t, resp.Header, body)
	assert.Equal(t, int(connect.CodeInvalidArgument), code)
	assert.Contains(t, msg, "known networks")
	assert.Equal(t, 0, env.wf.Starts(), "no workflow for a refused request")
}

func TestGetAndListOnlyTheCallersOwn(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, alice := env.newUser(t)
	_, bob := env.newUser(t)
	client := env.client("connect")
	res, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest(""), alice))
	require.NoError(t, err)
	id := res.Msg.GetDeployment().GetId()

	got, err := client.GetDeployment(context.Background(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: id}, alice))
	require.NoError(t, err)
	assert.Equal(t, id, got.Msg.GetDeployment().GetId())

	_, err = client.GetDeployment(context.Background(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: id}, bob))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
	_, unknownErr := client.GetDeployment(context.Background(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: uuid.NewString()}, bob))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(unknownErr))

	resp, body := env.do(t, "GET", "/api/v1/deployments/"+id, "", nil, "Authorization", bob)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
	resp, body = env.do(t, "GET", "/api/v1/deployments/"+id, "", nil, "Authorization", alice)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)

	list, err := client.ListDeployments(context.Background(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{}, bob))
	require.NoError(t, err)
	assert.Empty(t, list.Msg.GetDeployments())
	assert.Empty(t, list.Msg.GetNextPageToken())
	resp, body = env.do(t, "GET", "/api/v1/deployments", "", nil, "Authorization", bob)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.JSONEq(t, `{"deployments":[],"nextPageToken":""}`, string(body))

	// Watching or cancelling another user's deployment finds nothing.
	stream, err := client.WatchDeployment(context.Background(), servertest.Authed(&slipwayv1.WatchDeploymentRequest{Id: id}, bob))
	require.NoError(t, err)
	assert.False(t, stream.Receive(), "a stream of another user's deployment")
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(stream.Err()))
	_ = stream.Close()
	_, err = client.CancelDeployment(context.Background(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: id}, bob))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err))

	// An idempotency key is the caller's own: Bob sending Alice's gets a
	// deployment of his, not hers, and hers is untouched.
	keyed, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest("shared-key"), alice))
	require.NoError(t, err)
	bobs, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest("shared-key"), bob))
	require.NoError(t, err)
	assert.NotEqual(t, keyed.Msg.GetDeployment().GetId(), bobs.Msg.GetDeployment().GetId())
	again, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest("shared-key"), alice))
	require.NoError(t, err)
	assert.Equal(t, keyed.Msg.GetDeployment().GetId(), again.Msg.GetDeployment().GetId())
}

func TestListDeploymentsPagesWithStatusFilter(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, bearer := env.newUser(t)
	client := env.client("connect")
	var ids []string
	for i := range 7 {
		res, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest(fmt.Sprintf("k%d", i)), bearer))
		require.NoError(t, err)
		ids = append(ids, res.Msg.GetDeployment().GetId())
	}
	// Even ones are CONFIRMED (set directly, as the workflow would).
	for i := 0; i < len(ids); i += 2 {
		_, err := env.pool.Exec(context.Background(), `UPDATE deployments SET status = 'CONFIRMED' WHERE id = $1`, ids[i])
		require.NoError(t, err)
	}
	collect := func(status slipwayv1.DeploymentStatus, size int32) []string {
		var out []string
		token := ""
		for page := 0; ; page++ {
			require.Less(t, page, 10)
			res, err := client.ListDeployments(context.Background(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{PageSize: size, PageToken: token, Status: status}, bearer))
			require.NoError(t, err)
			assert.LessOrEqual(t, len(res.Msg.GetDeployments()), max(int(size), 20))
			for _, d := range res.Msg.GetDeployments() {
				out = append(out, d.GetId())
				if status != slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_UNSPECIFIED {
					assert.Equal(t, status, d.GetStatus())
				}
			}
			token = res.Msg.GetNextPageToken()
			if token == "" {
				return out
			}
		}
	}
	reversed := func(s []string) []string {
		out := make([]string, 0, len(s))
		for i := len(s) - 1; i >= 0; i-- {
			out = append(out, s[i])
		}
		return out
	}
	assert.Equal(t, reversed(ids), collect(slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_UNSPECIFIED, 2), "newest first, every one once")
	assert.Equal(t, reversed([]string{ids[0], ids[2], ids[4], ids[6]}), collect(slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED, 3))
	assert.Equal(t, reversed([]string{ids[1], ids[3], ids[5]}), collect(slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_PENDING, 3))
	assert.Len(t, collect(slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_UNSPECIFIED, 0), 7, "page size 0 means 20")

	// A page that ends exactly at the last row has no next token.
	res, err := client.ListDeployments(context.Background(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{PageSize: 7}, bearer))
	require.NoError(t, err)
	assert.Len(t, res.Msg.GetDeployments(), 7)
	assert.Empty(t, res.Msg.GetNextPageToken())

	_, err = client.ListDeployments(context.Background(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{PageToken: "not-a-token"}, bearer))
	assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%v", err)
	resp, body := env.do(t, "GET", "/api/v1/deployments?pageSize=2&status=DEPLOYMENT_STATUS_CONFIRMED&pageToken=AAAA", "", nil, "Authorization", bearer)
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode, "%s", body)
	resp, body = env.do(t, "GET", "/api/v1/deployments?pageSize=2&status=DEPLOYMENT_STATUS_CONFIRMED", "", nil, "Authorization", bearer)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	var page struct {
		Deployments   []struct{ ID string } `json:"deployments"`
		NextPageToken string                `json:"nextPageToken"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	require.Len(t, page.Deployments, 2)
	assert.Equal(t, ids[6], page.Deployments[0].ID)
	assert.NotEmpty(t, page.NextPageToken)
}

func TestCancelDeployment(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, bearer := env.newUser(t)
	_, other := env.newUser(t)
	client := env.client("connect")
	create := func() string {
		res, err := client.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest(""), bearer))
		require.NoError(t, err)
		return res.Msg.GetDeployment().GetId()
	}

	id := create()
	_, err := client.CancelDeployment(context.Background(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: id}, other))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "another user's")

	// Before signing: CANCELLED with its event, and the workflow told.
	resp, body := env.do(t, "POST", "/api/v1/deployments/"+id+"/cancel", "application/json", strings.NewReader(`{}`), "Authorization", bearer)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	assert.Contains(t, string(body), `"status":"DEPLOYMENT_STATUS_CANCELLED"`)
	evs, err := env.q.ListDeploymentEventsAfter(context.Background(), db.ListDeploymentEventsAfterParams{DeploymentID: uuid.MustParse(id), MaxEvents: 10})
	require.NoError(t, err)
	require.Len(t, evs, 2)
	assert.Equal(t, status.Cancelled, evs[1].Status)
	assert.Equal(t, "cancelled by user", evs[1].Message)
	assert.Equal(t, []string{"deployment-" + id}, env.wf.Cancelled())
	// Both actions are compliance records, written with the change.
	var actions []string
	rows, err := env.pool.Query(context.Background(), `SELECT action FROM audit_logs WHERE resource_type = 'deployment' AND resource_id = $1 ORDER BY id`, id)
	require.NoError(t, err)
	for rows.Next() {
		var a string
		require.NoError(t, rows.Scan(&a))
		actions = append(actions, a)
	}
	require.NoError(t, rows.Err())
	assert.Equal(t, []string{"deployment.create", "deployment.cancel"}, actions)

	// Again: answered as it is, no second event.
	res, err := client.CancelDeployment(context.Background(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: id}, bearer))
	require.NoError(t, err)
	assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CANCELLED, res.Msg.GetDeployment().GetStatus())
	evs, err = env.q.ListDeploymentEventsAfter(context.Background(), db.ListDeploymentEventsAfterParams{DeploymentID: uuid.MustParse(id), MaxEvents: 10})
	require.NoError(t, err)
	assert.Len(t, evs, 2)

	// After signing started, and after the end: failed_precondition.
	for status, want := range map[string]string{
		status.Deploying:  "deployment is DEPLOYING: its transaction may already be broadcast",
		status.Confirming: "deployment is CONFIRMING",
		status.Confirmed:  "deployment has ended (CONFIRMED)",
		status.Failed:     "deployment has ended (FAILED)",
	} {
		id := create()
		_, err := env.pool.Exec(context.Background(), `UPDATE deployments SET status = $2 WHERE id = $1`, id, status)
		require.NoError(t, err)
		_, err = client.CancelDeployment(context.Background(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: id}, bearer))
		assert.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err), "%s: %v", status, err)
		assert.ErrorContains(t, err, want)
		d, err := env.q.GetDeployment(context.Background(), uuid.MustParse(id))
		require.NoError(t, err)
		assert.Equal(t, status, d.Status, "unchanged")
	}
	_, err = client.CancelDeployment(context.Background(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: uuid.NewString()}, bearer))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
	assert.Len(t, env.wf.Cancelled(), 2, "only the cancellable one, twice")
}
