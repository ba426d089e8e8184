package deployments_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/servertest"
)

// otherPool is a second pool on env's database: a worker or another
// replica, whose appends reach watchers only through the database.
func otherPool(t *testing.T, pool *pgxpool.Pool) *pgxpool.Pool {
	t.Helper()
	p, err := pgxpool.New(context.Background(), pool.Config().ConnString())
	require.NoError(t, err)
	t.Cleanup(p.Close)
	return p
}

// watchSetup is a watch test's setting: an env, the bearer of a
// deployment's owner and another user's, a pool of the worker's own (its
// NOTIFYs reach the hub as a worker's would) and the owner's deployment id.
func watchSetup(t *testing.T) (env *depEnv, bearer, other string, worker *pgxpool.Pool, id uuid.UUID) {
	t.Helper()
	env = newDepEnv(t, depOptions{})
	_, bearer = env.newUser(t)
	_, other = env.newUser(t)
	worker = otherPool(t, env.pool)
	return env, bearer, other, worker, env.createDeployment(t, bearer)
}

func (e *depEnv) createDeployment(t *testing.T, bearer string) uuid.UUID {
	t.Helper()
	res, err := e.client("connect").CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest(""), bearer))
	require.NoError(t, err)
	return uuid.MustParse(res.Msg.GetDeployment().GetId())
}

// watchAfter opens WatchDeployment of id on e after seq after, and reads
// the snapshot that comes first.
func (e *depEnv) watchAfter(t *testing.T, id uuid.UUID, after uint32, bearer string) *connect.ServerStreamForClient[slipwayv1.WatchDeploymentResponse] {
	t.Helper()
	stream, err := e.client("connect").WatchDeployment(t.Context(), servertest.Authed(&slipwayv1.WatchDeploymentRequest{Id: id.String(), AfterSeq: after}, bearer))
	require.NoError(t, err)
	require.Nil(t, receive(t, stream).GetEvent(), "the snapshot comes first")
	return stream
}

// receiveWithin answers stream's next Receive, failing the test with
// timeout when five seconds pass without one.
func receiveWithin(t *testing.T, stream *connect.ServerStreamForClient[slipwayv1.WatchDeploymentResponse], timeout string) bool {
	t.Helper()
	got := make(chan bool, 1)
	go func() { got <- stream.Receive() }()
	select {
	case ok := <-got:
		return ok
	case <-time.After(5 * time.Second):
		t.Fatal(timeout)
	}
	return false
}

// receive answers the next message of a watch, failing after a few seconds.
func receive(t *testing.T, stream *connect.ServerStreamForClient[slipwayv1.WatchDeploymentResponse]) *slipwayv1.WatchDeploymentResponse {
	t.Helper()
	require.True(t, receiveWithin(t, stream, "no message within 5s"), "stream ended: %v", stream.Err())
	return stream.Msg()
}

func requireEnded(t *testing.T, stream *connect.ServerStreamForClient[slipwayv1.WatchDeploymentResponse]) {
	t.Helper()
	require.False(t, receiveWithin(t, stream, "stream did not end within 5s"), "another message: %v", stream.Msg())
	require.NoError(t, stream.Err())
}

var confirmedUpdate = db.UpdateDeploymentProgressParams{
	TxHash:          ptr("0x" + strings.Repeat("1f", 32)),
	ContractAddress: ptr("0x" + strings.Repeat("2e", 20)),
	Confirmations:   ptr(int32(1)),
}

func ptr[T any](v T) *T { return &v }

func TestWatchDeploymentStreamsHistoryThenLiveEventsUntilTheEnd(t *testing.T) {
	// A minute's re-poll: live events must come through the hub.
	env, bearer, other, worker, id := watchSetup(t)
	servertest.Record(t, worker, id, status.Generating, "generating", db.UpdateDeploymentProgressParams{})

	for _, protocol := range []string{"connect", "grpc"} {
		t.Run(protocol, func(t *testing.T) {
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			stream, err := env.client(protocol).WatchDeployment(ctx, servertest.Authed(&slipwayv1.WatchDeploymentRequest{Id: uuid.NewString()}, bearer))
			require.NoError(t, err)
			require.False(t, stream.Receive())
			assert.Equal(t, connect.CodeNotFound, connect.CodeOf(stream.Err()))

			stream, err = env.client(protocol).WatchDeployment(ctx, servertest.Authed(&slipwayv1.WatchDeploymentRequest{Id: id.String()}, other))
			require.NoError(t, err)
			require.False(t, stream.Receive())
			assert.Equal(t, connect.CodeNotFound, connect.CodeOf(stream.Err()), "another user's")

			stream, err = env.client(protocol).WatchDeployment(ctx, servertest.Authed(&slipwayv1.WatchDeploymentRequest{Id: id.String()}, bearer))
			require.NoError(t, err)
			m := receive(t, stream)
			assert.Nil(t, m.GetEvent(), "the snapshot comes first")
			assert.Equal(t, id.String(), m.GetDeployment().GetId())
			m = receive(t, stream)
			assert.Equal(t, uint32(1), m.GetEvent().GetSeq())
			assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_PENDING, m.GetEvent().GetStatus())
			assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_PENDING, m.GetDeployment().GetStatus(), "as of the event")
			m = receive(t, stream)
			assert.Equal(t, uint32(2), m.GetEvent().GetSeq())
			assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_GENERATING, m.GetDeployment().GetStatus())
			cancel()
		})
	}

	// Live, then the end.
	stream := env.watchAfter(t, id, 2, bearer)
	servertest.Record(t, worker, id, status.Linting, "linting", db.UpdateDeploymentProgressParams{})
	m := receive(t, stream)
	assert.Equal(t, uint32(3), m.GetEvent().GetSeq())
	assert.Equal(t, "linting", m.GetEvent().GetMessage())
	servertest.Record(t, worker, id, status.Confirmed, "confirmed", confirmedUpdate)
	m = receive(t, stream)
	assert.Equal(t, uint32(4), m.GetEvent().GetSeq())
	assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED, m.GetEvent().GetStatus())
	assert.Equal(t, *confirmedUpdate.TxHash, m.GetEvent().GetTxHash())
	assert.Equal(t, *confirmedUpdate.ContractAddress, m.GetDeployment().GetContractAddress())
	requireEnded(t, stream)

	// Resuming an ended deployment: the snapshot, what is left, the end.
	stream = env.watchAfter(t, id, 3, bearer)
	assert.Equal(t, uint32(4), receive(t, stream).GetEvent().GetSeq())
	requireEnded(t, stream)
}

func TestWatchSeesEventsAppendedThroughAnotherReplica(t *testing.T) {
	a := newDepEnv(t, depOptions{})
	b := newDepEnv(t, depOptions{pool: otherPool(t, a.pool)})
	_, bearer := a.newUser(t)
	id := a.createDeployment(t, bearer)

	stream := b.watchAfter(t, id, 1, bearer)
	// Cancelled on replica A; the watcher on B hears of it through NOTIFY
	// (its re-poll is a minute away) and the stream ends.
	start := time.Now()
	_, err := a.client("connect").CancelDeployment(context.Background(), servertest.Authed(&slipwayv1.CancelDeploymentRequest{Id: id.String()}, bearer))
	require.NoError(t, err)
	m := receive(t, stream)
	assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CANCELLED, m.GetEvent().GetStatus())
	assert.Equal(t, "cancelled by user", m.GetEvent().GetMessage())
	assert.Less(t, time.Since(start), 5*time.Second)
	requireEnded(t, stream)
}

func TestHubReconnectsAfterItsConnectionDies(t *testing.T) {
	env := newDepEnv(t, depOptions{})
	_, bearer := env.newUser(t)
	id := env.createDeployment(t, bearer)
	stream := env.watchAfter(t, id, 1, bearer)

	ctx := context.Background()
	var oldPID int
	require.NoError(t, env.pool.QueryRow(ctx, `SELECT pid FROM pg_stat_activity WHERE application_name = 'slipway-watch' AND datname = current_database()`).Scan(&oldPID))
	_, err := env.pool.Exec(ctx, `SELECT pg_terminate_backend($1)`, oldPID)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var n int
		err := env.pool.QueryRow(ctx, `SELECT count(*) FROM pg_stat_activity
			WHERE application_name = 'slipway-watch' AND datname = current_database() AND pid <> $1 AND query LIKE 'LISTEN%'`, oldPID).Scan(&n)
		return err == nil && n == 1
	}, 10*time.Second, 20*time.Millisecond, "hub did not listen again")
	// Listening since its query is LISTEN; give the notification path a
	// moment to be the one that answers.
	<-env.hub.Listening()
	servertest.Record(t, otherPool(t, env.pool), id, status.Compiling, "compiling", db.UpdateDeploymentProgressParams{})
	m := receive(t, stream)
	assert.Equal(t, uint32(2), m.GetEvent().GetSeq())
}

func TestWatchWithoutHubRepolls(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true, repoll: 50 * time.Millisecond})
	_, bearer := env.newUser(t)
	id := env.createDeployment(t, bearer)
	stream := env.watchAfter(t, id, 1, bearer)
	servertest.Record(t, env.pool, id, status.Failed, "compile failed", db.UpdateDeploymentProgressParams{Error: ptr("boom")})
	m := receive(t, stream)
	assert.Equal(t, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_FAILED, m.GetEvent().GetStatus())
	assert.Equal(t, "boom", m.GetDeployment().GetError())
	requireEnded(t, stream)
}

func TestWatchHeartbeatIsASnapshot(t *testing.T) {
	env := newDepEnv(t, depOptions{heartbeat: 100 * time.Millisecond})
	_, bearer := env.newUser(t)
	id := env.createDeployment(t, bearer)
	stream := env.watchAfter(t, id, 1, bearer)
	start := time.Now()
	m := receive(t, stream)
	assert.Nil(t, m.GetEvent())
	assert.Equal(t, id.String(), m.GetDeployment().GetId())
	assert.GreaterOrEqual(t, time.Since(start), 80*time.Millisecond)
}

// dialWS opens deployment id's feed on env as a browser does: the token
// (when there is one) as a subprotocol.
func (e *depEnv) dialWS(t *testing.T, id uuid.UUID, query, bearer string, header http.Header) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	var protocols []string
	if bearer != "" {
		protocols = []string{deployments.WebSocketSubprotocol, "bearer." + strings.TrimPrefix(bearer, "Bearer ")}
	}
	return servertest.DialFeed(t, e.url, id.String(), query, header, protocols...)
}

type wsMsg struct {
	Type            string `json:"type"`
	Seq             uint32 `json:"seq"`
	Status          string `json:"status"`
	Message         string `json:"message"`
	At              string `json:"at"`
	TxHash          string `json:"txHash"`
	ContractAddress string `json:"contractAddress"`
	Confirmations   uint32 `json:"confirmations"`
	Deployment      struct {
		ID     string `json:"id"`
		Status string `json:"status"`
	} `json:"deployment"`
}

func readWS(t *testing.T, c *websocket.Conn) wsMsg {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	typ, b, err := c.ReadMessage()
	require.NoError(t, err)
	require.Equal(t, websocket.TextMessage, typ)
	var m wsMsg
	require.NoError(t, json.Unmarshal(b, &m), "%s", b)
	return m
}

func requireWSClosed(t *testing.T, c *websocket.Conn, code int) {
	t.Helper()
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, b, err := c.ReadMessage()
	require.Error(t, err, "message %s", b)
	assert.True(t, websocket.IsCloseError(err, code), "%v", err)
}

func TestWebSocketFeed(t *testing.T) {
	env, bearer, other, worker, id := watchSetup(t)

	c, resp, err := env.dialWS(t, id, "", bearer, http.Header{"Origin": {allowedOrigin}})
	require.NoError(t, err)
	assert.Equal(t, deployments.WebSocketSubprotocol, resp.Header.Get("Sec-WebSocket-Protocol"), "never the token")
	assert.NotEmpty(t, resp.Header.Get(callctx.RequestIDHeader))
	m := readWS(t, c)
	assert.Equal(t, "snapshot", m.Type)
	assert.Equal(t, id.String(), m.Deployment.ID)
	m = readWS(t, c)
	assert.Equal(t, wsMsg{Type: "event", Seq: 1, Status: "PENDING", Message: "deployment created", At: m.At, Deployment: m.Deployment}, m)
	assert.Equal(t, "DEPLOYMENT_STATUS_PENDING", m.Deployment.Status)
	_, err = time.Parse(time.RFC3339Nano, m.At)
	require.NoError(t, err)

	servertest.Record(t, worker, id, status.Generating, "generating", db.UpdateDeploymentProgressParams{})
	m = readWS(t, c)
	assert.Equal(t, uint32(2), m.Seq)
	assert.Equal(t, "GENERATING", m.Status)
	servertest.Record(t, worker, id, status.Confirmed, "confirmed", confirmedUpdate)
	m = readWS(t, c)
	assert.Equal(t, uint32(3), m.Seq)
	assert.Equal(t, "CONFIRMED", m.Status)
	assert.Equal(t, *confirmedUpdate.TxHash, m.TxHash)
	assert.Equal(t, *confirmedUpdate.ContractAddress, m.ContractAddress)
	assert.Equal(t, uint32(1), m.Confirmations)
	assert.Equal(t, "DEPLOYMENT_STATUS_CONFIRMED", m.Deployment.Status)
	requireWSClosed(t, c, websocket.CloseNormalClosure)

	// Resume after seq 1, with the header credentials of a non-browser.
	c, _, err = env.dialWS(t, id, "?after=1", "", http.Header{"Authorization": {bearer}})
	require.NoError(t, err)
	assert.Equal(t, "snapshot", readWS(t, c).Type)
	assert.Equal(t, uint32(2), readWS(t, c).Seq)
	assert.Equal(t, uint32(3), readWS(t, c).Seq)
	requireWSClosed(t, c, websocket.CloseNormalClosure)

	refused := func(t *testing.T, id uuid.UUID, query, bearer string, header http.Header, status int, code connect.Code) string {
		t.Helper()
		_, resp, err := env.dialWS(t, id, query, bearer, header)
		require.ErrorIs(t, err, websocket.ErrBadHandshake)
		require.Equal(t, status, resp.StatusCode)
		var st struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		}
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
		assert.Equal(t, int(code), st.Code)
		assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))
		return st.Message
	}
	t.Run("bad token", func(t *testing.T) {
		refused(t, id, "", "Bearer not-a-token", nil, http.StatusUnauthorized, connect.CodeUnauthenticated)
	})
	t.Run("no credentials", func(t *testing.T) {
		refused(t, id, "", "", nil, http.StatusUnauthorized, connect.CodeUnauthenticated)
	})
	t.Run("another user's", func(t *testing.T) {
		refused(t, id, "", other, nil, http.StatusNotFound, connect.CodeNotFound)
	})
	t.Run("unknown", func(t *testing.T) {
		refused(t, uuid.New(), "", bearer, nil, http.StatusNotFound, connect.CodeNotFound)
	})
	t.Run("foreign origin", func(t *testing.T) {
		refused(t, id, "", bearer, http.Header{"Origin": {"https://evil.example"}}, http.StatusForbidden, connect.CodePermissionDenied)
	})
	t.Run("token in the URL", func(t *testing.T) {
		msg := refused(t, id, "?access_token=x", bearer, nil, http.StatusBadRequest, connect.CodeInvalidArgument)
		assert.Contains(t, msg, "credentials in the URL")
	})
	t.Run("bad after", func(t *testing.T) {
		refused(t, id, "?after=-1", bearer, nil, http.StatusBadRequest, connect.CodeInvalidArgument)
	})
	t.Run("no upgrade", func(t *testing.T) {
		resp, body := env.do(t, "GET", "/api/v1/deployments/"+id.String()+"/updates", "", nil, "Authorization", bearer)
		assert.Equal(t, http.StatusUpgradeRequired, resp.StatusCode, "%s", body)
		resp, body = env.do(t, "GET", "/api/v1/deployments/"+id.String()+"/updates", "", nil)
		assert.Equal(t, http.StatusUnauthorized, resp.StatusCode, "%s", body)
		assert.NotEmpty(t, resp.Header.Get("WWW-Authenticate"))
	})
}

func TestWebSocketPingsWhileIdle(t *testing.T) {
	env := newDepEnv(t, depOptions{heartbeat: 50 * time.Millisecond})
	_, bearer := env.newUser(t)
	id := env.createDeployment(t, bearer)
	c, _, err := env.dialWS(t, id, "?after=1", bearer, nil)
	require.NoError(t, err)
	assert.Equal(t, "snapshot", readWS(t, c).Type)
	var pings atomic.Int32
	c.SetPingHandler(func(data string) error {
		pings.Add(1)
		return c.WriteControl(websocket.PongMessage, []byte(data), time.Now().Add(time.Second))
	})
	go func() {
		for {
			if _, _, err := c.NextReader(); err != nil {
				return
			}
		}
	}()
	require.Eventually(t, func() bool { return pings.Load() >= 3 }, 5*time.Second, 10*time.Millisecond)
}
