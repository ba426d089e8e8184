package deployments_test

import (
	"io"
	"log/slog"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/servertest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// testNetworks are deliberately out of order, as a configuration may list
// them.
var testNetworks = []deployments.Network{
	{Name: "sepolia", ChainID: 11155111, Confirmations: 3},
	{Name: "dev", ChainID: 31337, Confirmations: 1},
	{Name: "mainnet", ChainID: 1, Confirmations: 12},
}

const allowedOrigin = "https://console.example.com"

type depEnv struct {
	url  string
	pool *pgxpool.Pool
	q    *db.Queries
	wf   *servertest.Workflows
	hub  *deployments.Hub
}

type depOptions struct {
	pool      *pgxpool.Pool
	heartbeat time.Duration
	repoll    time.Duration
	noHub     bool
}

// newDepEnv starts the whole API (server.New) with the real DeploymentService
// and its WebSocket feed on a fresh database (or o.pool), behind
// servertest.FakeAuth, with a running hub (unless o.noHub) and test
// workflows.
func newDepEnv(t *testing.T, o depOptions) *depEnv {
	t.Helper()
	pool := o.pool
	if pool == nil {
		pool = dbtest.New(t)
	}
	if o.heartbeat == 0 {
		o.heartbeat = time.Minute
	}
	if o.repoll == 0 {
		o.repoll = time.Minute
	}
	wf := &servertest.Workflows{}
	var hub *deployments.Hub
	if !o.noHub {
		hub = deployments.NewHub(pool, nil)
		servertest.Listen(t, "hub", hub.Run, hub.Listening())
	}
	logger := slog.New(slog.DiscardHandler)
	guard := []connect.Interceptor{servertest.FakeAuth{}}
	timing := deployments.WithWatchTiming(o.heartbeat, o.repoll)
	h, err := server.New(server.Config{Networks: testNetworks, AllowedOrigins: []string{allowedOrigin}}, server.Deps{
		Logger:       logger,
		Interceptors: guard,
		Services: server.Services{
			Deployments:       deployments.NewService(pool, wf, testNetworks, hub, logger, timing),
			DeploymentUpdates: deployments.NewUpdatesHandler(pool, hub, guard, []string{allowedOrigin}, logger, timing),
		},
	})
	require.NoError(t, err)
	return &depEnv{url: servertest.NewServer(t, h).URL, pool: pool, q: db.New(pool), wf: wf, hub: hub}
}

// newUser inserts a user and answers the test bearer header value.
func (e *depEnv) newUser(t *testing.T) (uuid.UUID, string) {
	t.Helper()
	return servertest.NewUser(t, e.q)
}

func (e *depEnv) client(protocol string) slipwayv1connect.DeploymentServiceClient {
	return servertest.DeploymentClient(e.url, protocol)
}

// h1Client speaks HTTP/1.1, as browsers do over plain HTTP.
var h1Client = &http.Client{Transport: &http.Transport{}}

// do sends one plain HTTP request to path with header, name and value
// pairs, and answers the response and its body.
func (e *depEnv) do(t *testing.T, method, path, contentType string, body io.Reader, header ...string) (*http.Response, []byte) {
	t.Helper()
	return servertest.Do(t, h1Client, servertest.NewRequest(t, method, e.url+path, contentType, body, header...))
}
