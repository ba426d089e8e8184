package auth

import (
	"context"
	"errors"
	"net/http"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/callctx"
)

// TestStreamRecheck: a stream's re-check holds while the session stands,
// past its access token's expiry, and ends with the session's own expiry,
// its logout or the API key's revocation; a fault is no end.
func TestStreamRecheck(t *testing.T) {
	e := newEnv(t, envOptions{})
	ctx := context.Background()
	_, login := e.account(t, "streams@example.com")
	p, err := e.svc.authenticate(ctx, http.Header{"Authorization": {"Bearer " + login.GetAccessToken()}})
	require.NoError(t, err)
	every := e.svc.cfg.SessionCacheTTL / 2

	require.NoError(t, e.svc.recheckSession(ctx, p, every))
	e.clock.advance(e.svc.cfg.AccessTTL + time.Minute)
	require.NoError(t, e.svc.recheckSession(ctx, p, every), "bound to the session, not the token's exp")
	e.clock.advance(e.svc.cfg.RefreshIdleTTL)
	var ended *callctx.CredentialEnded
	require.ErrorAs(t, e.svc.recheckSession(ctx, p, every), &ended, "the session expired")
	assert.Equal(t, "session ended; log in again", ended.Reason)

	// Logout, then an API key's revocation, on a fresh account.
	_, login = e.account(t, "streams2@example.com")
	h := http.Header{"Authorization": {"Bearer " + login.GetAccessToken()}}
	p, err = e.svc.authenticate(ctx, h)
	require.NoError(t, err)
	_, keys, _ := e.clients("connect")
	created, err := keys.CreateApiKey(ctx, withHeader(connect.NewRequest(&slipwayv1.CreateApiKeyRequest{Name: "ci"}), bearer(login.GetAccessToken())...))
	require.NoError(t, err)
	kp, err := e.svc.authenticate(ctx, http.Header{"X-Api-Key": {created.Msg.GetKey()}})
	require.NoError(t, err)
	require.NoError(t, e.svc.recheckAPIKey(ctx, kp, created.Msg.GetKey(), every))

	// Revoked behind the service's back, as another replica would: the
	// cache entry is younger than the TTL but not than the interval.
	_, err = e.pool.Exec(ctx, `UPDATE sessions SET revoked_at = now(), revoke_reason = 'logout' WHERE id = $1`, p.SessionID)
	require.NoError(t, err)
	_, err = e.pool.Exec(ctx, `UPDATE api_keys SET revoked_at = now() WHERE id = $1`, kp.APIKeyID)
	require.NoError(t, err)
	e.clock.advance(every)
	require.ErrorAs(t, e.svc.recheckSession(ctx, p, every), &ended)
	require.ErrorAs(t, e.svc.recheckAPIKey(ctx, kp, created.Msg.GetKey(), every), &ended)
	assert.Equal(t, "api key revoked", ended.Reason)

	// A fault says nothing about the credential.
	_, login = e.account(t, "streams3@example.com")
	p, err = e.svc.authenticate(ctx, http.Header{"Authorization": {"Bearer " + login.GetAccessToken()}})
	require.NoError(t, err)
	e.clock.advance(every)
	cancelled, cancel := context.WithCancel(ctx)
	cancel()
	err = e.svc.recheckSession(cancelled, p, every)
	require.Error(t, err)
	assert.False(t, isEnded(err))
}

func isEnded(err error) bool {
	var ended *callctx.CredentialEnded
	return errors.As(err, &ended)
}
