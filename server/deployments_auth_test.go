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
	"github.com/gorilla/websocket"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/ratelimit"
)

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
	url := "ws" + strings.TrimPrefix(api.url, "http") + "/api/v1/deployments/" + id + "/updates"

	dial := func(protocols ...string) (*websocket.Conn, *http.Response, error) {
		d := websocket.Dialer{HandshakeTimeout: 5 * time.Second, Subprotocols: protocols}
		c, resp, err := d.Dial(url, nil)
		if c != nil {
			t.Cleanup(func() { _ = c.Close() })
		}
		return c, resp, err
	}

	c, resp, err := dial(server.WebSocketSubprotocol, "bearer."+api.token)
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
		_, r, err := dial(server.WebSocketSubprotocol, "bearer."+api.token)
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
