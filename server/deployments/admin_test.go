package deployments_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/userrole"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/servertest"
)

// TestAdminReadsEveryUsersDeployments: an admin gets, watches (stream and
// WebSocket) and lists (all_users) any user's deployments, but cannot
// cancel them; approvers and deployers still see only their own.
func TestAdminReadsEveryUsersDeployments(t *testing.T) {
	env := newDepEnv(t, depOptions{})
	_, alice := env.newUser(t)
	_, bob := env.newUser(t)
	_, admin := servertest.NewUserWithRole(t, env.q, userrole.Admin)
	_, approver := servertest.NewUserWithRole(t, env.q, userrole.Approver)
	aliceDep := env.createDeployment(t, alice)
	bobDep := env.createDeployment(t, bob)
	adminDep := env.createDeployment(t, admin)
	client := env.client("connect")

	for _, protocol := range []string{"connect", "grpc", "grpc-web"} {
		got, err := env.client(protocol).GetDeployment(t.Context(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: aliceDep.String()}, admin))
		require.NoError(t, err, protocol)
		assert.Equal(t, aliceDep.String(), got.Msg.GetDeployment().GetId())
	}
	resp, body := env.do(t, "GET", "/api/v1/deployments/"+bobDep.String(), "", nil, "Authorization", admin)
	assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	resp, body = env.do(t, "GET", "/api/v1/deployments/"+uuid.NewString(), "", nil, "Authorization", admin)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode, "%s", body)
	for _, other := range []string{approver, bob} {
		_, err := client.GetDeployment(t.Context(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: aliceDep.String()}, other))
		assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)
		_, err = client.GetDeployment(t.Context(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: adminDep.String()}, other))
		assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "an admin's deployment is theirs: %v", err)
	}

	// Listing: an admin's own by default, everyone's with all_users.
	ids := func(res *connect.Response[slipwayv1.ListDeploymentsResponse]) []string {
		var out []string
		for _, d := range res.Msg.GetDeployments() {
			out = append(out, d.GetId())
		}
		return out
	}
	own, err := client.ListDeployments(t.Context(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{}, admin))
	require.NoError(t, err)
	assert.Equal(t, []string{adminDep.String()}, ids(own))
	all, err := client.ListDeployments(t.Context(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{AllUsers: true}, admin))
	require.NoError(t, err)
	assert.Equal(t, []string{adminDep.String(), bobDep.String(), aliceDep.String()}, ids(all), "newest first")
	// Paged, and with the status filter.
	first, err := client.ListDeployments(t.Context(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{AllUsers: true, PageSize: 2}, admin))
	require.NoError(t, err)
	require.NotEmpty(t, first.Msg.GetNextPageToken())
	second, err := client.ListDeployments(t.Context(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{AllUsers: true, PageSize: 2, PageToken: first.Msg.GetNextPageToken()}, admin))
	require.NoError(t, err)
	assert.Equal(t, ids(all), append(ids(first), ids(second)...))
	assert.Empty(t, second.Msg.GetNextPageToken())
	_, err = env.pool.Exec(t.Context(), `UPDATE deployments SET status = 'CONFIRMED' WHERE id = $1`, bobDep)
	require.NoError(t, err)
	confirmed, err := client.ListDeployments(t.Context(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{AllUsers: true, Status: slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED}, admin))
	require.NoError(t, err)
	assert.Equal(t, []string{bobDep.String()}, ids(confirmed))
	// REST: ?allUsers=true.
	resp, body = env.do(t, "GET", "/api/v1/deployments?allUsers=true", "", nil, "Authorization", admin)
	require.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	var page struct {
		Deployments []struct{ ID string } `json:"deployments"`
	}
	require.NoError(t, json.Unmarshal(body, &page))
	assert.Len(t, page.Deployments, 3)

	// Others may not ask for everyone's.
	for _, other := range []string{approver, bob} {
		_, err := client.ListDeployments(t.Context(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{AllUsers: true}, other))
		assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)
		resp, body := env.do(t, "GET", "/api/v1/deployments?allUsers=true", "", nil, "Authorization", other)
		assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s", body)
		resp, body = env.do(t, "GET", "/api/v1/deployments?allUsers=false", "", nil, "Authorization", other)
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%s", body)
	}

	// Watching another user's deployment: the stream and the WebSocket.
	stream := env.watchAfter(t, aliceDep, 0, admin)
	m := receive(t, stream)
	assert.Equal(t, uint32(1), m.GetEvent().GetSeq())
	_ = stream.Close()
	c, resp, err := env.dialWS(t, aliceDep, "", admin, nil)
	require.NoError(t, err, "%v", resp)
	assert.Equal(t, aliceDep.String(), readWS(t, c).Deployment.ID)
	_ = c.Close()
	_, resp, err = env.dialWS(t, aliceDep, "", bob, nil)
	require.ErrorIs(t, err, websocket.ErrBadHandshake)
	assert.Equal(t, http.StatusNotFound, resp.StatusCode)

	// Reading is all: cancelling another user's deployment is refused,
	// and it stays as it was.
	_, err = client.CancelDeployment(t.Context(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: aliceDep.String()}, admin))
	assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)
	resp, body = env.do(t, "POST", "/api/v1/deployments/"+aliceDep.String()+"/cancel", "application/json", strings.NewReader(`{}`), "Authorization", admin)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode, "%s", body)
	_, err = client.CancelDeployment(t.Context(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: uuid.NewString()}, admin))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)
	row, err := env.q.GetDeployment(t.Context(), aliceDep)
	require.NoError(t, err)
	assert.Equal(t, status.Pending, row.Status)
	assert.Empty(t, env.wf.Cancelled())
	_, err = client.CancelDeployment(t.Context(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: adminDep.String()}, admin))
	require.NoError(t, err, "their own, as anyone")
}

// TestDemotedAdminIsCutOffAtOnce: a principal that still says admin (a
// cached one) reads nothing of others once the role is gone: the queries
// read the role themselves, and an open watch ends at its next read.
func TestDemotedAdminIsCutOffAtOnce(t *testing.T) {
	env := newDepEnv(t, depOptions{})
	_, alice := env.newUser(t)
	adminID, admin := servertest.NewUserWithRole(t, env.q, userrole.Admin)
	dep := env.createDeployment(t, alice)
	client := env.client("connect")
	stream := env.watchAfter(t, dep, 1, admin)
	c, resp, err := env.dialWS(t, dep, "?after=1", admin, nil)
	require.NoError(t, err, "%v", resp)
	assert.Equal(t, dep.String(), readWS(t, c).Deployment.ID)

	u, err := env.q.GetUserByID(t.Context(), adminID)
	require.NoError(t, err)
	_, err = env.q.SetUserRoleByEmail(t.Context(), db.SetUserRoleByEmailParams{Email: u.Email, Role: userrole.Deployer})
	require.NoError(t, err)

	_, err = client.GetDeployment(context.Background(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: dep.String()}, admin))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)
	list, err := client.ListDeployments(context.Background(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{AllUsers: true}, admin))
	require.NoError(t, err)
	assert.Empty(t, list.Msg.GetDeployments())

	// The next event wakes both watches, whose re-read is refused.
	servertest.Record(t, otherPool(t, env.pool), dep, status.Generating, "generating", db.UpdateDeploymentProgressParams{})
	got := make(chan bool, 1)
	go func() { got <- stream.Receive() }()
	select {
	case ok := <-got:
		require.False(t, ok, "a message after the demotion: %v", stream.Msg())
		assert.Equal(t, connect.CodeNotFound, connect.CodeOf(stream.Err()), "%v", stream.Err())
	case <-time.After(5 * time.Second):
		t.Fatal("the watch did not end within 5s")
	}
	requireWSClosed(t, c, websocket.ClosePolicyViolation)
}
