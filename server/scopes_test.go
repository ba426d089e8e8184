package server_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
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
	"github.com/slipway-dev/slipway/server/servertest"
)

// TestAPIKeyScopesAsServed runs the real deployment service behind the
// guard as cmd/slipway wires it (authentication with its scope check, then
// rate limiting): a key with only read lists deployments and opens the
// WebSocket feed but cannot deploy, cancel or compile (403 on REST,
// permission_denied on Connect); a key made without scopes deploys; a key
// with only keys cannot open the feed.
func TestAPIKeyScopesAsServed(t *testing.T) {
	api := newGuardedAPI(t, server.Config{}, ratelimit.Config{FreePerMinute: 1000})
	ctx := context.Background()
	keyc := slipwayv1connect.NewApiKeyServiceClient(http.DefaultClient, api.url)
	newKey := func(scopes ...string) string {
		req := connect.NewRequest(&slipwayv1.CreateApiKeyRequest{Name: "k", Scopes: scopes})
		req.Header().Set("Authorization", "Bearer "+api.token)
		res, err := keyc.CreateApiKey(ctx, req)
		require.NoError(t, err)
		return res.Msg.GetKey()
	}
	readOnly, defaults, keysOnly := newKey("read"), newKey(), newKey("keys")

	rest := func(method, path, key string, body any) (int, map[string]any) {
		t.Helper()
		req, err := http.NewRequestWithContext(ctx, method, api.url+path, servertest.JSONBody(t, body))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-API-Key", key)
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var out map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&out))
		return resp.StatusCode, out
	}
	deploy := map[string]any{"network": "dev", "source": "contract A {}", "contractName": "A"}

	status, body := rest("POST", "/api/v1/contracts/deploy", readOnly, deploy)
	assert.Equal(t, http.StatusForbidden, status, "%v", body)
	assert.Equal(t, float64(connect.CodePermissionDenied), body["code"])
	assert.Contains(t, body["message"], `lacks the "deploy" scope`)
	status, body = rest("POST", "/api/v1/contracts/compile", readOnly, map[string]any{"source": "contract A {}"})
	assert.Equal(t, http.StatusForbidden, status, "%v", body)

	status, body = rest("POST", "/api/v1/contracts/deploy", defaults, deploy)
	require.Equal(t, http.StatusOK, status, "a key made without scopes deploys: %v", body)
	id := body["deployment"].(map[string]any)["id"].(string)

	status, body = rest("POST", "/api/v1/deployments/"+id+"/cancel", readOnly, nil)
	assert.Equal(t, http.StatusForbidden, status, "%v", body)
	status, body = rest("GET", "/api/v1/deployments/"+id, readOnly, nil)
	assert.Equal(t, http.StatusOK, status, "%v", body)
	status, body = rest("GET", "/api/v1/deployments", keysOnly, nil)
	assert.Equal(t, http.StatusForbidden, status, "%v", body)

	depc := slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, api.url)
	req := connect.NewRequest(&slipwayv1.CreateDeploymentRequest{Network: "dev", Source: "contract A {}", ContractName: "A"})
	req.Header().Set("X-API-Key", readOnly)
	_, err := depc.CreateDeployment(ctx, req)
	assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)

	// The WebSocket feed is WatchDeployment: it needs read.
	_, resp, err := dialFeed(t, api.url, id, "", "apikey."+keysOnly)
	require.True(t, errors.Is(err, websocket.ErrBadHandshake), "%v", err)
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	c, _, err := dialFeed(t, api.url, id, "", "apikey."+readOnly)
	require.NoError(t, err)
	require.NoError(t, c.SetReadDeadline(time.Now().Add(5*time.Second)))
	_, msg, err := c.ReadMessage()
	require.NoError(t, err)
	assert.Contains(t, string(msg), `"type":"snapshot"`)
}
