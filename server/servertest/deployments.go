package servertest

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/userrole"
	"github.com/slipway-dev/slipway/internal/usertier"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/identity"
)

// FakeAuth is an authentication interceptor for tests that do not need the
// real one (server/auth): "Authorization: Bearer <user uuid>" authenticates
// as that user, on the free tier, a deployer; "Bearer <role>.<user uuid>"
// with that role on the principal (NewUserWithRole); anything else is
// refused as the real one refuses, unauthenticated with a challenge.
type FakeAuth struct{}

func fakePrincipal(h http.Header) (identity.Principal, error) {
	v := h.Get("Authorization")
	token := strings.TrimPrefix(v, "Bearer ")
	role := userrole.Deployer
	if r, rest, ok := strings.Cut(token, "."); ok {
		role, token = r, rest
	}
	id, err := uuid.Parse(token)
	if !strings.HasPrefix(v, "Bearer ") || err != nil || !userrole.Valid(role) {
		ce := connect.NewError(connect.CodeUnauthenticated, errors.New("bad test token"))
		ce.Meta().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
		return identity.Principal{}, ce
	}
	return identity.Principal{UserID: id, Tier: usertier.Free, Role: role, Method: identity.MethodBearer}, nil
}

func (FakeAuth) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		p, err := fakePrincipal(req.Header())
		if err != nil {
			return nil, err
		}
		return next(identity.NewContext(ctx, p), req)
	}
}

func (FakeAuth) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (FakeAuth) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		p, err := fakePrincipal(conn.RequestHeader())
		if err != nil {
			return err
		}
		return next(identity.NewContext(ctx, p), conn)
	}
}

// NewUser inserts a user and answers its id and FakeAuth's Authorization
// value for it.
func NewUser(t testing.TB, q *db.Queries) (uuid.UUID, string) {
	t.Helper()
	u, err := q.CreateUser(context.Background(), db.CreateUserParams{Email: uuid.NewString() + "@example.com", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID, "Bearer " + u.ID.String()
}

// NewUserWithRole inserts a user holding role and answers its id and
// FakeAuth's Authorization value for it, which carries the role too.
func NewUserWithRole(t testing.TB, q *db.Queries, role string) (uuid.UUID, string) {
	t.Helper()
	id, _ := NewUser(t, q)
	u, err := q.GetUserByID(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := q.SetUserRoleByEmail(context.Background(), db.SetUserRoleByEmailParams{Email: u.Email, Role: role}); err != nil {
		t.Fatal(err)
	}
	return id, "Bearer " + role + "." + id.String()
}

// Workflows stands in for the deployment workflows (deployments.Workflows):
// it records Start and Cancel calls; Start fails while SetFailStart says so
// and takes SetDelay's time, which widens races.
type Workflows struct {
	mu        sync.Mutex
	started   []db.Deployment
	requests  []*slipwayv1.CreateDeploymentRequest
	trees     []deployments.Tree
	cancelled []string
	votes     []deployments.Vote
	votedTo   []string
	voteErr   error
	failStart bool
	delay     time.Duration
}

func (f *Workflows) Start(_ context.Context, t deployments.Tree, req *slipwayv1.CreateDeploymentRequest) error {
	d := t.Row
	f.mu.Lock()
	fail, delay := f.failStart, f.delay
	f.mu.Unlock()
	time.Sleep(delay)
	if fail {
		return errors.New("temporal: connection refused")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	f.started = append(f.started, d)
	f.requests = append(f.requests, req)
	f.trees = append(f.trees, t)
	return nil
}

// Trees answers the rows each Start was given, in order.
func (f *Workflows) Trees() []deployments.Tree {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]deployments.Tree(nil), f.trees...)
}

func (f *Workflows) Cancel(_ context.Context, workflowID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.cancelled = append(f.cancelled, workflowID)
	return nil
}

// Vote records the vote and its workflow id, or answers SetVoteError's
// error.
func (f *Workflows) Vote(_ context.Context, workflowID string, v deployments.Vote) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.voteErr != nil {
		return f.voteErr
	}
	f.votes = append(f.votes, v)
	f.votedTo = append(f.votedTo, workflowID)
	return nil
}

// SetVoteError makes Vote answer err (nil: record votes again).
func (f *Workflows) SetVoteError(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.voteErr = err
}

// Votes answers the votes handed to workflows so far.
func (f *Workflows) Votes() []deployments.Vote {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]deployments.Vote(nil), f.votes...)
}

// VotedWorkflows answers the workflow ids of Votes' votes, in order.
func (f *Workflows) VotedWorkflows() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.votedTo...)
}

// SetFailStart makes Start fail (or succeed again).
func (f *Workflows) SetFailStart(fail bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.failStart = fail
}

// SetDelay makes each Start take d.
func (f *Workflows) SetDelay(d time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.delay = d
}

// Started answers the deployments started so far, with their requests.
func (f *Workflows) Started() ([]db.Deployment, []*slipwayv1.CreateDeploymentRequest) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]db.Deployment(nil), f.started...), append([]*slipwayv1.CreateDeploymentRequest(nil), f.requests...)
}

// Starts answers how many workflows were started.
func (f *Workflows) Starts() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return len(f.started)
}

// Cancelled answers the workflow ids cancelled so far.
func (f *Workflows) Cancelled() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.cancelled...)
}

// Authed answers a request of msg carrying bearer as its Authorization.
func Authed[T any](msg *T, bearer string) *connect.Request[T] {
	r := connect.NewRequest(msg)
	r.Header().Set("Authorization", bearer)
	return r
}

// DeploymentClient is a DeploymentService client of the server at baseURL
// speaking protocol: "grpc" (h2c), "grpc-web", or Connect (anything else),
// the latter two over HTTP/1.1.
func DeploymentClient(baseURL, protocol string) slipwayv1connect.DeploymentServiceClient {
	h1 := &http.Client{Transport: &http.Transport{}}
	switch protocol {
	case "grpc":
		return slipwayv1connect.NewDeploymentServiceClient(H2CClient(), baseURL, connect.WithGRPC())
	case "grpc-web":
		return slipwayv1connect.NewDeploymentServiceClient(h1, baseURL, connect.WithGRPCWeb())
	}
	return slipwayv1connect.NewDeploymentServiceClient(h1, baseURL)
}

// TestSource declares Box (whose constructor takes one uint256) and the
// abstract Base, and mentions other contracts only in comments and a
// string.
const TestSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
// contract Commented {}
/* contract AlsoCommented {} */
abstract contract Base { }
contract Box is Base { uint256 v; constructor(uint256 x) { v = x; } string s = "contract InString"; }
`

// SourceRequest deploys TestSource's Box to dev with the idempotency key
// key ("" for none).
func SourceRequest(key string) *slipwayv1.CreateDeploymentRequest {
	return &slipwayv1.CreateDeploymentRequest{
		Network: "dev", Source: TestSource, ContractName: "Box", IdempotencyKey: key,
		ConstructorArgs: []*structpb.Value{structpb.NewNumberValue(7)},
	}
}

// TemplateDeployJSON is the REST body (POST /api/v1/contracts/deploy) of
// an ERC20 template MyToken (MTK, premint 1000, mintable) on network, whose
// constructor's two addresses are the same owner, with idempotency key key.
func TemplateDeployJSON(network, key string) string {
	owner := "0x" + strings.Repeat("ab", 20)
	return `{
		"network": "` + network + `",
		"template": {"kind": "ERC20", "name": "MyToken", "symbol": "MTK", "options": {"premint": "1000", "mintable": true}},
		"constructorArgs": ["` + owner + `", "` + owner + `"],
		"idempotencyKey": "` + key + `"}`
}

// Record moves deployment id to status with an event, as a worker does,
// on its own transaction.
func Record(t testing.TB, pool *pgxpool.Pool, id uuid.UUID, status, msg string, upd db.UpdateDeploymentProgressParams) db.DeploymentEvent {
	t.Helper()
	var ev db.DeploymentEvent
	if err := db.InTx(context.Background(), pool, func(q *db.Queries) error {
		var err error
		_, ev, err = db.RecordProgress(context.Background(), q, id, status, db.Progress{Update: upd, Message: msg})
		return err
	}); err != nil {
		t.Fatal(err)
	}
	return ev
}

// FeedURL is the WebSocket URL of deployment id's updates feed on the
// server at baseURL (http://…), with query ("" or "?after=N").
func FeedURL(baseURL, id, query string) string {
	return "ws" + strings.TrimPrefix(baseURL, "http") + "/api/v1/deployments/" + id + "/updates" + query
}

// DialFeed opens deployment id's updates feed on the server at baseURL with
// header, offering subprotocols (a browser offers "slipway.v1" and its
// credential, such as "bearer.<token>"); the connection is closed when the
// test ends.
func DialFeed(t testing.TB, baseURL, id, query string, header http.Header, subprotocols ...string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	d := websocket.Dialer{HandshakeTimeout: 10 * time.Second, Subprotocols: subprotocols}
	c, resp, err := d.Dial(FeedURL(baseURL, id, query), header)
	if c != nil {
		t.Cleanup(func() { _ = c.Close() })
	}
	return c, resp, err
}
