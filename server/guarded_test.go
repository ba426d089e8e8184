package server_test

import (
	"context"
	"crypto/ed25519"
	"net/http"
	"testing"

	"connectrpc.com/connect"
	"github.com/gorilla/websocket"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/auth"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/ratelimit"
	"github.com/slipway-dev/slipway/server/servertest"
)

// devNetworks is the one network the guarded APIs serve.
var devNetworks = []server.Network{{Name: "dev", ChainID: 31337, Confirmations: 1}}

// guardedServices are the real authentication service svc's, and the real
// deployment service and its WebSocket feed on pool, behind guard and
// admitting origins, as cmd/slipway wires them. The workflows start and
// cancel nothing: what matters here is the guard.
func guardedServices(svc *auth.Service, pool *pgxpool.Pool, hub *deployments.Hub, guard []connect.Interceptor, origins []string, opts ...deployments.Option) server.Services {
	return server.Services{
		Auth: svc.AuthHandler(), APIKeys: svc.APIKeyHandler(), Users: svc.UserHandler(),
		Deployments:       deployments.NewService(pool, &servertest.Workflows{}, devNetworks, hub, nil, opts...),
		DeploymentUpdates: deployments.NewUpdatesHandler(pool, hub, guard, origins, nil, opts...),
	}
}

// guardedEmail and guardedPassword are the account newGuardedAPI registers
// and logs in.
const (
	guardedEmail    = "ada@example.com"
	guardedPassword = "correct horse battery staple"
)

// testKeys answers a fresh signing key set.
func testKeys(t *testing.T) *auth.KeySet {
	t.Helper()
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keys, err := auth.NewKeySet(priv)
	require.NoError(t, err)
	return keys
}

// newTestAuth is the real authentication service with cfg and password
// hashing cheap enough for tests, closed when the test ends.
func newTestAuth(t *testing.T, pool *pgxpool.Pool, keys *auth.KeySet, cfg auth.Config) *auth.Service {
	t.Helper()
	cfg.Password = auth.PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}
	svc, err := auth.NewService(auth.Deps{Pool: pool, Keys: keys, Config: cfg})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	return svc
}

// guardedAPI is the API as cmd/slipway wires it: real authentication (with
// its scope check) then rate limiting, on a real database.
type guardedAPI struct {
	url   string
	pool  *pgxpool.Pool
	reg   *prometheus.Registry
	token string // guardedEmail's access token
}

// newGuardedAPI starts the guarded API with cfg (serving devNetworks) and
// limits, and registers and logs in guardedEmail.
func newGuardedAPI(t *testing.T, cfg server.Config, limits ratelimit.Config) *guardedAPI {
	t.Helper()
	pool := dbtest.New(t)
	svc := newTestAuth(t, pool, testKeys(t), auth.Config{})
	lim, err := ratelimit.New(pool, limits, nil, nil)
	require.NoError(t, err)
	t.Cleanup(lim.Close)
	reg := prometheus.NewRegistry()
	cfg.Networks = devNetworks
	guard := []connect.Interceptor{svc.Interceptor(), lim.Interceptor()}
	h, err := server.New(cfg, server.Deps{
		Registry:     reg,
		Interceptors: guard,
		Services:     guardedServices(svc, pool, nil, guard, cfg.AllowedOrigins),
	})
	require.NoError(t, err)
	srv := servertest.NewServer(t, h)

	ctx := context.Background()
	authClient := slipwayv1connect.NewAuthServiceClient(http.DefaultClient, srv.URL)
	_, err = authClient.Register(ctx, connect.NewRequest(&slipwayv1.RegisterRequest{Email: guardedEmail, Password: guardedPassword}))
	require.NoError(t, err)
	login, err := authClient.Login(ctx, connect.NewRequest(&slipwayv1.LoginRequest{Email: guardedEmail, Password: guardedPassword}))
	require.NoError(t, err)
	return &guardedAPI{url: srv.URL, pool: pool, reg: reg, token: login.Msg.GetAccessToken()}
}

// dialFeed opens deployment id's WebSocket feed as a browser does, offering
// the feed's subprotocol and credential (such as "bearer.<token>").
func dialFeed(t *testing.T, url, id, query, credential string) (*websocket.Conn, *http.Response, error) {
	t.Helper()
	return servertest.DialFeed(t, url, id, query, nil, deployments.WebSocketSubprotocol, credential)
}
