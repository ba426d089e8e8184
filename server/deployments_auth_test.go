package server_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/auth"
	"github.com/slipway-dev/slipway/server/ratelimit"
	"github.com/slipway-dev/slipway/server/servertest"
)

// nopWorkflows starts and cancels nothing; what matters here is the guard.
type nopWorkflows struct{}

func (nopWorkflows) Start(context.Context, db.Deployment, *slipwayv1.CreateDeploymentRequest) error {
	return nil
}

func (nopWorkflows) Cancel(context.Context, string) error { return nil }

// TestWebSocketFeedIsGuardedLikeRPCs runs the feed behind the real
// authentication and rate limiting, wired as cmd/slipway wires them: the
// subprotocol token authenticates, a bad one is a 401 with a challenge, and
// an upgrade counts against the caller's limit like an RPC.
func TestWebSocketFeedIsGuardedLikeRPCs(t *testing.T) {
	pool := dbtest.New(t)
	_, priv, err := ed25519.GenerateKey(nil)
	require.NoError(t, err)
	keys, err := auth.NewKeySet(priv)
	require.NoError(t, err)
	svc, err := auth.NewService(auth.Deps{Pool: pool, Keys: keys, Config: auth.Config{
		Password: auth.PasswordParams{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32},
	}})
	require.NoError(t, err)
	t.Cleanup(svc.Close)
	lim, err := ratelimit.New(pool, ratelimit.Config{FreePerMinute: 6}, nil, nil)
	require.NoError(t, err)
	t.Cleanup(lim.Close)
	networks := []server.Network{{Name: "dev", ChainID: 31337, Confirmations: 1}}
	h, err := server.New(server.Config{Networks: networks}, server.Deps{
		Interceptors: []connect.Interceptor{svc.Interceptor(), lim.Interceptor()},
		Services: server.Services{
			Auth: svc.AuthHandler(), APIKeys: svc.APIKeyHandler(),
			Deployments: server.NewDeploymentServiceWith(pool, nopWorkflows{}, networks, nil, nil),
		},
	})
	require.NoError(t, err)
	srv := servertest.NewServer(t, h)
	ctx := context.Background()

	authClient := slipwayv1connect.NewAuthServiceClient(http.DefaultClient, srv.URL)
	_, err = authClient.Register(ctx, connect.NewRequest(&slipwayv1.RegisterRequest{Email: "ada@example.com", Password: "correct horse battery staple"}))
	require.NoError(t, err)
	login, err := authClient.Login(ctx, connect.NewRequest(&slipwayv1.LoginRequest{Email: "ada@example.com", Password: "correct horse battery staple"}))
	require.NoError(t, err)
	token := login.Msg.GetAccessToken()

	req := connect.NewRequest(&slipwayv1.CreateDeploymentRequest{Network: "dev", Source: "contract A {}", ContractName: "A"})
	req.Header().Set("Authorization", "Bearer "+token)
	res, err := slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, srv.URL).CreateDeployment(ctx, req)
	require.NoError(t, err)
	id := res.Msg.GetDeployment().GetId()
	url := "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/deployments/" + id + "/updates"

	dial := func(protocols ...string) (*websocket.Conn, *http.Response, error) {
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, Subprotocols: protocols}
		c, resp, err := d.Dial(url, nil)
		if c != nil {
			t.Cleanup(func() { _ = c.Close() })
		}
		return c, resp, err
	}

	c, resp, err := dial(server.WebSocketSubprotocol, "bearer."+token)
	require.NoError(t, err)
	assert.Equal(t, server.WebSocketSubprotocol, c.Subprotocol())
	assert.Equal(t, "6", resp.Header.Get(ratelimit.HeaderLimit))
	assert.Equal(t, "4", resp.Header.Get(ratelimit.HeaderRemaining), "login is per address; create and the upgrade count")
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, b, err := c.ReadMessage()
	require.NoError(t, err)
	assert.Contains(t, string(b), `"type":"snapshot"`)
	_ = c.Close()

	_, resp, err = dial(server.WebSocketSubprotocol, "bearer.not-a-jwt")
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
		_, r, err := dial(server.WebSocketSubprotocol, "bearer."+token)
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
