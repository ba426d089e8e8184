package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/auth"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/ratelimit"
	"github.com/slipway-dev/slipway/server/servertest"
)

// streamSessionTTL is the replicas' session cache TTL in these tests: the
// bound within which a revoked credential must end its streams.
const streamSessionTTL = time.Second

// streamEndMargin is what the bound may be exceeded by on a busy machine:
// the query of the re-check and scheduling.
const streamEndMargin = 2 * time.Second

// streamReplica is one API replica with the real authentication, its own
// session and API key caches, and its own hub, on a shared database.
type streamReplica struct {
	url string
	hub *deployments.Hub
}

func newStreamReplica(t *testing.T, pool *pgxpool.Pool, keys *auth.KeySet, maxStreams int) *streamReplica {
	t.Helper()
	svc := newTestAuth(t, pool, keys, auth.Config{SessionCacheTTL: streamSessionTTL})
	hub := deployments.NewHub(pool, nil, deployments.WithMaxStreamsPerUser(maxStreams))
	servertest.Listen(t, "hub", hub.Run, hub.Listening())
	guard := []connect.Interceptor{svc.Interceptor()}
	h, err := server.New(server.Config{Networks: devNetworks}, server.Deps{
		Interceptors: guard,
		// Minute-long heartbeats and re-polls: nothing but the credential
		// check may end these streams.
		Services: guardedServices(svc, pool, hub, guard, nil, deployments.WithWatchTiming(time.Minute, time.Minute)),
	})
	require.NoError(t, err)
	return &streamReplica{url: servertest.NewServer(t, h).URL, hub: hub}
}

// cred is one credential as request headers.
type cred struct{ header, value string }

func bearer(token string) cred { return cred{"Authorization", "Bearer " + token} }
func apiKey(key string) cred   { return cred{"X-Api-Key", key} }

func withCred[T any](msg *T, c cred) *connect.Request[T] {
	r := connect.NewRequest(msg)
	r.Header().Set(c.header, c.value)
	return r
}

// subprotocol is how a browser sends c on a WebSocket.
func (c cred) subprotocol() string {
	if c.header == "X-Api-Key" {
		return "apikey." + c.value
	}
	return "bearer." + strings.TrimPrefix(c.value, "Bearer ")
}

func (r *streamReplica) auth() slipwayv1connect.AuthServiceClient {
	return slipwayv1connect.NewAuthServiceClient(http.DefaultClient, r.url)
}

func (r *streamReplica) deployments() slipwayv1connect.DeploymentServiceClient {
	return slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, r.url)
}

const streamPassword = "correct horse battery staple"

func (r *streamReplica) register(t *testing.T) string {
	t.Helper()
	email := uuid.NewString() + "@example.com"
	_, err := r.auth().Register(context.Background(), connect.NewRequest(&slipwayv1.RegisterRequest{Email: email, Password: streamPassword}))
	require.NoError(t, err)
	return email
}

func (r *streamReplica) login(t *testing.T, email string) *slipwayv1.LoginResponse {
	t.Helper()
	res, err := r.auth().Login(context.Background(), connect.NewRequest(&slipwayv1.LoginRequest{Email: email, Password: streamPassword}))
	require.NoError(t, err)
	return res.Msg
}

func (r *streamReplica) createDeployment(t *testing.T, c cred) string {
	t.Helper()
	res, err := r.deployments().CreateDeployment(context.Background(), withCred(&slipwayv1.CreateDeploymentRequest{
		Network: "dev", Source: "contract A {}", ContractName: "A",
	}, c))
	require.NoError(t, err)
	return res.Msg.GetDeployment().GetId()
}

// openStream opens WatchDeployment after the first event and reads the
// snapshot, so the stream is open when it answers.
func (r *streamReplica) openStream(t *testing.T, id string, c cred) *connect.ServerStreamForClient[slipwayv1.WatchDeploymentResponse] {
	t.Helper()
	stream, err := r.deployments().WatchDeployment(t.Context(), withCred(&slipwayv1.WatchDeploymentRequest{Id: id, AfterSeq: 1}, c))
	require.NoError(t, err)
	t.Cleanup(func() { _ = stream.Close() })
	got := make(chan bool, 1)
	go func() { got <- stream.Receive() }()
	select {
	case ok := <-got:
		require.True(t, ok, "stream refused: %v", stream.Err())
		require.Nil(t, stream.Msg().GetEvent(), "the snapshot comes first")
	case <-time.After(10 * time.Second):
		t.Fatal("no snapshot within 10s")
	}
	return stream
}

// dial opens the WebSocket feed after the first event as a browser does.
func (r *streamReplica) dial(t *testing.T, id string, c cred) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	return dialFeed(t, r.url, id, "?after=1", c.subprotocol())
}

// openWS dials the feed and reads the snapshot.
func (r *streamReplica) openWS(t *testing.T, id string, c cred) *websocket.Conn {
	t.Helper()
	conn, resp, err := r.dial(t, id, c)
	require.NoError(t, err, "%v", resp)
	require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, b, err := conn.ReadMessage()
	require.NoError(t, err)
	require.Contains(t, string(b), `"type":"snapshot"`)
	require.NoError(t, conn.SetReadDeadline(time.Time{}))
	return conn
}

// streamEnd reads a stream until it ends and answers its error.
func streamEnd(stream *connect.ServerStreamForClient[slipwayv1.WatchDeploymentResponse]) <-chan error {
	ch := make(chan error, 1)
	go func() {
		for stream.Receive() {
		}
		ch <- stream.Err()
	}()
	return ch
}

// wsEnd reads a feed until it fails and answers the error (a
// *websocket.CloseError for a close frame).
func wsEnd(conn *websocket.Conn) <-chan error {
	ch := make(chan error, 1)
	go func() {
		for {
			if _, _, err := conn.ReadMessage(); err != nil {
				ch <- err
				return
			}
		}
	}()
	return ch
}

// requireUnauthenticatedWithin waits (generously) for a stream's end and
// requires it be unauthenticated, within the session cache TTL plus a
// margin of start.
func requireStreamUnauthenticated(t *testing.T, end <-chan error, start time.Time, what string) {
	t.Helper()
	select {
	case err := <-end:
		took := time.Since(start)
		require.Error(t, err, what)
		assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "%s: %v", what, err)
		var ce *connect.Error
		require.ErrorAs(t, err, &ce)
		assert.NotEmpty(t, ce.Message(), what)
		assert.Less(t, took, streamSessionTTL+streamEndMargin, "%s ended after %s", what, took)
		t.Logf("%s ended after %s: %v", what, took.Round(time.Millisecond), err)
	case <-time.After(15 * time.Second):
		t.Fatalf("%s still open 15s after its credential ended", what)
	}
}

func requireWSUnauthenticated(t *testing.T, end <-chan error, start time.Time, what, reason string) {
	t.Helper()
	select {
	case err := <-end:
		took := time.Since(start)
		var ce *websocket.CloseError
		require.ErrorAs(t, err, &ce, what)
		assert.Equal(t, deployments.CloseUnauthenticated, ce.Code, what)
		assert.Equal(t, "unauthenticated: "+reason, ce.Text, what)
		assert.Less(t, took, streamSessionTTL+streamEndMargin, "%s ended after %s", what, took)
		t.Logf("%s ended after %s: %d %q", what, took.Round(time.Millisecond), ce.Code, ce.Text)
	case <-time.After(15 * time.Second):
		t.Fatalf("%s still open 15s after its credential ended", what)
	}
}

func requireOpen(t *testing.T, what string, ends ...<-chan error) {
	t.Helper()
	for _, end := range ends {
		select {
		case err := <-end:
			t.Fatalf("%s ended: %v", what, err)
		default:
		}
	}
}

// TestStreamsEndWhenTheirCredentialEnds follows one deployment on replica B
// over WatchDeployment and the WebSocket with three credentials of one user,
// then logs one session out and revokes the API key on replica A: the
// streams of those credentials end with unauthenticated within the session
// cache TTL, while those of the other session go on and get the next event.
func TestStreamsEndWhenTheirCredentialEnds(t *testing.T) {
	pool := dbtest.New(t)
	keys := testKeys(t)
	a := newStreamReplica(t, pool, keys, 0)
	b := newStreamReplica(t, pool, keys, 0)
	ctx := context.Background()

	email := a.register(t)
	s1 := a.login(t, email)
	s2 := b.login(t, email)
	session1, session2 := bearer(s1.GetAccessToken()), bearer(s2.GetAccessToken())
	created, err := slipwayv1connect.NewApiKeyServiceClient(http.DefaultClient, a.url).CreateApiKey(ctx,
		withCred(&slipwayv1.CreateApiKeyRequest{Name: "ci"}, session2))
	require.NoError(t, err)
	key := apiKey(created.Msg.GetKey())
	id := a.createDeployment(t, session2)

	s1Stream, s1WS := streamEnd(b.openStream(t, id, session1)), wsEnd(b.openWS(t, id, session1))
	keyStream, keyWS := streamEnd(b.openStream(t, id, key)), wsEnd(b.openWS(t, id, key))
	s2Stream, s2WS := b.openStream(t, id, session2), b.openWS(t, id, session2)
	user := userOf(t, pool, email)
	require.Equal(t, 6, b.hub.OpenStreams(user), "six watches of one user on B")

	// (a) Logout on replica A.
	_, err = a.auth().Logout(ctx, connect.NewRequest(&slipwayv1.LogoutRequest{RefreshToken: s1.GetRefreshToken()}))
	require.NoError(t, err)
	start := time.Now()
	requireStreamUnauthenticated(t, s1Stream, start, "WatchDeployment of the logged-out session")
	requireWSUnauthenticated(t, s1WS, start, "WebSocket of the logged-out session", "session ended; log in again")
	_, err = b.deployments().GetDeployment(ctx, withCred(&slipwayv1.GetDeploymentRequest{Id: id}, session1))
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "new requests are refused too")
	requireOpen(t, "a watch of the API key", keyStream, keyWS)

	// (b) The API key revoked on replica A.
	_, err = slipwayv1connect.NewApiKeyServiceClient(http.DefaultClient, a.url).DeleteApiKey(ctx,
		withCred(&slipwayv1.DeleteApiKeyRequest{Id: created.Msg.GetApiKey().GetId()}, session2))
	require.NoError(t, err)
	start = time.Now()
	requireStreamUnauthenticated(t, keyStream, start, "WatchDeployment of the revoked key")
	requireWSUnauthenticated(t, keyWS, start, "WebSocket of the revoked key", "api key revoked")

	// The other session's watches stayed open through both: they get
	// the next event.
	require.Eventually(t, func() bool { return b.hub.OpenStreams(user) == 2 }, 10*time.Second, 10*time.Millisecond,
		"the ended watches no longer count")
	require.NoError(t, db.InTx(ctx, pool, func(q *db.Queries) error {
		_, _, err := db.RecordProgress(ctx, q, uuid.MustParse(id), status.Generating, db.Progress{Message: "generating"})
		return err
	}))
	got := make(chan bool, 1)
	go func() { got <- s2Stream.Receive() }()
	select {
	case ok := <-got:
		require.True(t, ok, "the other session's stream ended: %v", s2Stream.Err())
		assert.Equal(t, uint32(2), s2Stream.Msg().GetEvent().GetSeq())
	case <-time.After(10 * time.Second):
		t.Fatal("the other session's stream got no event within 10s")
	}
	require.NoError(t, s2WS.SetReadDeadline(time.Now().Add(10*time.Second)))
	_, msg, err := s2WS.ReadMessage()
	require.NoError(t, err, "the other session's WebSocket")
	assert.Contains(t, string(msg), `"seq":2`)
}

// userOf answers the id of the user with email.
func userOf(t *testing.T, pool *pgxpool.Pool, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	require.NoError(t, pool.QueryRow(context.Background(), `SELECT id FROM users WHERE email = $1`, email).Scan(&id))
	return id
}

// TestStreamsPerUserAreCapped opens the maximum of watches for one user,
// over both transports: one more is refused (resource_exhausted on the
// stream, 429 on the upgrade) while another user opens one, and closing one
// frees its place.
func TestStreamsPerUserAreCapped(t *testing.T) {
	pool := dbtest.New(t)
	r := newStreamReplica(t, pool, testKeys(t), 2)
	ada, bob := r.register(t), r.register(t)
	adaCred, bobCred := bearer(r.login(t, ada).GetAccessToken()), bearer(r.login(t, bob).GetAccessToken())
	adaDep, bobDep := r.createDeployment(t, adaCred), r.createDeployment(t, bobCred)

	r.openStream(t, adaDep, adaCred)
	ws := r.openWS(t, adaDep, adaCred)

	stream, err := r.deployments().WatchDeployment(t.Context(), withCred(&slipwayv1.WatchDeploymentRequest{Id: adaDep, AfterSeq: 1}, adaCred))
	require.NoError(t, err)
	require.False(t, stream.Receive())
	assert.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(stream.Err()), "%v", stream.Err())
	assert.Contains(t, stream.Err().Error(), "at most 2")

	_, resp, err := r.dial(t, adaDep, adaCred)
	require.ErrorIs(t, err, websocket.ErrBadHandshake)
	require.Equal(t, http.StatusTooManyRequests, resp.StatusCode)
	var st struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	assert.Equal(t, int(connect.CodeResourceExhausted), st.Code)
	assert.Contains(t, st.Message, "too many open deployment watches")

	// Another user is not affected; both of bob's transports open.
	r.openStream(t, bobDep, bobCred)
	r.openWS(t, bobDep, bobCred)

	// Closing a watch frees its place.
	require.NoError(t, ws.Close())
	adaID := userOf(t, pool, ada)
	require.Eventually(t, func() bool { return r.hub.OpenStreams(adaID) == 1 }, 10*time.Second, 10*time.Millisecond)
	r.openWS(t, adaDep, adaCred)
}

// TestWebSocketFeedIsGuardedLikeRPCs runs the feed behind the real
// authentication and rate limiting, wired as cmd/slipway wires them: the
// subprotocol token authenticates, a bad one is a 401 with a challenge, and
// an upgrade counts against the caller's limit like an RPC.
func TestWebSocketFeedIsGuardedLikeRPCs(t *testing.T) {
	api := newGuardedAPI(t, server.Config{}, ratelimit.Config{FreePerMinute: 6})
	ctx := context.Background()

	req := connect.NewRequest(&slipwayv1.CreateDeploymentRequest{Network: "dev", Source: "contract A {}", ContractName: "A"})
	req.Header().Set("Authorization", "Bearer "+api.token)
	res, err := slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, api.url).CreateDeployment(ctx, req)
	require.NoError(t, err)
	id := res.Msg.GetDeployment().GetId()

	c, resp, err := dialFeed(t, api.url, id, "", "bearer."+api.token)
	require.NoError(t, err)
	assert.Equal(t, deployments.WebSocketSubprotocol, c.Subprotocol())
	assert.Equal(t, "6", resp.Header.Get(ratelimit.HeaderLimit))
	assert.Equal(t, "4", resp.Header.Get(ratelimit.HeaderRemaining), "login is per address; create and the upgrade count")
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, b, err := c.ReadMessage()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"type":"snapshot"`)
	_ = c.Close()

	_, resp, err = dialFeed(t, api.url, id, "", "bearer.not-a-jwt")
	require.ErrorIs(t, err, websocket.ErrBadHandshake)
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
	assert.Contains(t, resp.Header.Get("WWW-Authenticate"), "Bearer")
	var st struct {
		Code int `json:"code"`
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	assert.Equal(t, int(connect.CodeUnauthenticated), st.Code)

	// Use up the limit: the upgrade is refused with 429 and Retry-After.
	var last *http.Response
	for range 10 {
		_, r, err := dialFeed(t, api.url, id, "", "bearer."+api.token)
		if errors.Is(err, websocket.ErrBadHandshake) {
			last = r
			break
		}
		require.NoError(t, err)
	}
	require.NotNil(t, last, "never limited")
	assert.Equal(t, http.StatusTooManyRequests, last.StatusCode)
	assert.NotEmpty(t, last.Header.Get(ratelimit.HeaderRetryAfter))
}
