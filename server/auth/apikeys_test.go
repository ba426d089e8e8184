package auth

import (
	"context"
	"github.com/slipway-dev/slipway/server/servertest"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"connectrpc.com/grpchealth"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/identity"
)

var apiKeyPattern = regexp.MustCompile(`^slw_[a-z0-9]{8}_[A-Za-z0-9_-]{43}$`)

func TestAPIKeyLifecycleOverEveryProtocol(t *testing.T) {
	env := newEnv(t, envOptions{})
	for proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			u, pair := env.account(t, "keys-"+proto+"@example.com")
			authc, keyc, netc := env.clients(proto)
			created, err := keyc.CreateApiKey(t.Context(), withHeader(connect.NewRequest(&slipwayv1.CreateApiKeyRequest{Name: "ci deploys"}), bearer(pair.GetAccessToken())...))
			require.NoError(t, err)
			key := created.Msg.GetKey()
			assert.Regexp(t, apiKeyPattern, key)
			k := created.Msg.GetApiKey()
			assert.Equal(t, "ci deploys", k.GetName())
			assert.Equal(t, key[:12], k.GetPrefix())
			assert.NotEmpty(t, uuid.MustParse(k.GetId()))
			assert.Nil(t, k.GetLastUsedAt())

			// The key authenticates as its owner, on any service.
			me, err := authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), "X-API-Key", key))
			require.NoError(t, err)
			assert.Equal(t, u.GetId(), me.Msg.GetUser().GetId())
			_, err = netc.ListNetworks(t.Context(), withHeader(connect.NewRequest(&slipwayv1.ListNetworksRequest{}), "X-API-Key", key))
			require.NoError(t, err)

			list, err := keyc.ListApiKeys(t.Context(), withHeader(connect.NewRequest(&slipwayv1.ListApiKeysRequest{}), "X-API-Key", key))
			require.NoError(t, err)
			require.Len(t, list.Msg.GetApiKeys(), 1)
			assert.Equal(t, k.GetId(), list.Msg.GetApiKeys()[0].GetId())

			_, err = keyc.DeleteApiKey(t.Context(), withHeader(connect.NewRequest(&slipwayv1.DeleteApiKeyRequest{Id: k.GetId()}), bearer(pair.GetAccessToken())...))
			require.NoError(t, err)
			_, err = authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), "X-API-Key", key))
			assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "revoked keys stop at once")
			list, err = keyc.ListApiKeys(t.Context(), withHeader(connect.NewRequest(&slipwayv1.ListApiKeysRequest{}), bearer(pair.GetAccessToken())...))
			require.NoError(t, err)
			assert.Empty(t, list.Msg.GetApiKeys())
		})
	}
}

func TestAPIKeysOverREST(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "rest-keys@example.com")
	auth := bearer(pair.GetAccessToken())

	a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "laptop"}, auth...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	key := a.body["key"].(string)
	k := a.body["apiKey"].(map[string]any)
	assert.Equal(t, "laptop", k["name"])
	assert.Equal(t, key[:12], k["prefix"])
	assert.NotEmpty(t, k["createdAt"])

	a = env.rest(t, "GET", "/api/v1/api-keys", nil, "X-API-Key", key)
	require.Equal(t, 200, a.status, "%s", a.raw)
	keys := a.body["apiKeys"].([]any)
	require.Len(t, keys, 1)
	assert.NotContains(t, string(a.raw), key[13:], "listings never show the secret")
	assert.NotContains(t, keys[0].(map[string]any), "key")

	// Only the hash is stored.
	var stored []byte
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT secret_hash FROM api_keys").Scan(&stored))
	assert.Equal(t, hashSecret(key), stored)

	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+k["id"].(string), nil, auth...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Empty(t, a.body)
	a = env.rest(t, "GET", "/api/v1/api-keys", nil, "X-API-Key", key)
	assert.Equal(t, 401, a.status)
	assert.Equal(t, "invalid or revoked API key", a.body["message"])
	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+k["id"].(string), nil, auth...)
	assert.Equal(t, 200, a.status, "deleting again is idempotent: %s", a.raw)
}

// TestAPIKeyIsolation: a user can neither see nor delete another's keys.
func TestAPIKeyIsolation(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, alice := env.account(t, "alice@example.com")
	_, bob := env.account(t, "bob@example.com")
	a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "alice's"}, bearer(alice.GetAccessToken())...)
	require.Equal(t, 200, a.status)
	aliceKey := a.body["key"].(string)
	aliceKeyID := a.body["apiKey"].(map[string]any)["id"].(string)

	a = env.rest(t, "GET", "/api/v1/api-keys", nil, bearer(bob.GetAccessToken())...)
	require.Equal(t, 200, a.status)
	assert.Empty(t, a.body["apiKeys"])
	for _, id := range []string{aliceKeyID, uuid.NewString()} {
		a = env.rest(t, "DELETE", "/api/v1/api-keys/"+id, nil, bearer(bob.GetAccessToken())...)
		assert.Equal(t, 404, a.status, "%s", a.raw)
		assert.Equal(t, float64(connect.CodeNotFound), a.body["code"])
	}
	_, keyc, _ := env.clients("grpc")
	_, err := keyc.DeleteApiKey(t.Context(), withHeader(connect.NewRequest(&slipwayv1.DeleteApiKeyRequest{Id: aliceKeyID}), bearer(bob.GetAccessToken())...))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
	a = env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", aliceKey)
	assert.Equal(t, 200, a.status, "alice's key survives bob's attempts")
}

// TestRevokedKeyRefusedOnEveryInstance: both instances cache the key's
// lookup; a revocation on one reaches the other's cache through
// LISTEN/NOTIFY as it commits, long before the cache's TTL could, and the
// revoking instance drops its own entry on the spot.
func TestRevokedKeyRefusedOnEveryInstance(t *testing.T) {
	a := newEnv(t, envOptions{})
	b := newEnv(t, envOptions{pool: a.pool, keys: a.svc.tokens.keys})
	waitListening(t, a.svc, b.svc)
	_, pair := a.account(t, "two@example.com")
	r := a.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "x"}, bearer(pair.GetAccessToken())...)
	require.Equal(t, 200, r.status)
	key, id := r.body["key"].(string), r.body["apiKey"].(map[string]any)["id"].(string)
	for _, env := range []*testEnv{a, b} {
		require.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
		require.True(t, cached(env.svc, key), "the lookup is cached")
	}
	revoked := time.Now()
	require.Equal(t, 200, a.rest(t, "DELETE", "/api/v1/api-keys/"+id, nil, bearer(pair.GetAccessToken())...).status)
	assert.False(t, cached(a.svc, key), "the revoking instance forgets the key at once")
	assert.Equal(t, 401, a.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
	// The notification is on its way before the DELETE has answered; allow
	// for scheduling, but far less than the TTL.
	require.Eventually(t, func() bool { return !cached(b.svc, key) }, time.Second, time.Millisecond)
	assert.Less(t, time.Since(revoked), DefaultAPIKeyCacheTTL/2)
	assert.Equal(t, 401, b.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
}

// Every way a key stops being valid notifies, hand-written SQL and the
// deletion of its owner included, because a trigger does it.
func TestKeyInvalidatedByAnyRevokingSQL(t *testing.T) {
	env := newEnv(t, envOptions{})
	waitListening(t, env.svc)
	for name, sql := range map[string]string{
		"update": "UPDATE api_keys SET revoked_at = now() WHERE user_id = $1",
		"delete": "DELETE FROM users WHERE id = $1",
	} {
		t.Run(name, func(t *testing.T) {
			u, pair := env.account(t, name+"@example.com")
			key := env.restAPIKey(t, pair.GetAccessToken(), "x")
			require.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
			require.True(t, cached(env.svc, key))
			_, err := env.pool.Exec(t.Context(), sql, uuid.MustParse(u.GetId()))
			require.NoError(t, err)
			require.Eventually(t, func() bool { return !cached(env.svc, key) }, time.Second, time.Millisecond)
			assert.Equal(t, 401, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
		})
	}
}

// When the listening connection breaks, the cache is emptied and bypassed
// (no notification can be missed unnoticed), and it comes back when the
// listener has reconnected.
func TestAPIKeyCacheOffWhileNotListening(t *testing.T) {
	env := newEnv(t, envOptions{})
	waitListening(t, env.svc)
	_, pair := env.account(t, "listener@example.com")
	key := env.restAPIKey(t, pair.GetAccessToken(), "x")
	require.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
	require.True(t, cached(env.svc, key))

	var n int
	require.NoError(t, env.pool.QueryRow(t.Context(), `
		SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE datname = current_database() AND query = 'LISTEN "' || $1 || '"'`, APIKeyRevokedChannel).Scan(&n))
	require.Equal(t, 1, n, "one listening connection")
	require.Eventually(t, func() bool { return !cached(env.svc, key) }, 5*time.Second, time.Millisecond, "emptied when the connection broke")
	// Until it listens again, lookups are not cached; then they are.
	waitListening(t, env.svc)
	require.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
	assert.True(t, cached(env.svc, key))
	assert.Contains(t, env.logs.String(), "api key revocation listener failed")
}

// With the cache turned off every request queries.
func TestAPIKeyCacheCanBeTurnedOff(t *testing.T) {
	env := newEnv(t, envOptions{cfg: Config{APIKeyCacheTTL: -1}})
	_, pair := env.account(t, "nocache@example.com")
	key := env.restAPIKey(t, pair.GetAccessToken(), "x")
	require.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
	assert.False(t, cached(env.svc, key))
	_, err := NewService(Deps{Pool: env.pool, Keys: env.svc.tokens.keys, Config: Config{APIKeyCacheTTL: 3 * time.Second, Password: fastParams}})
	assert.ErrorContains(t, err, "api key cache ttl")
}

// waitListening waits until each service's revocation listener listens.
func waitListening(t *testing.T, svcs ...*Service) {
	t.Helper()
	for _, s := range svcs {
		require.Eventually(t, s.apiKeys.isLive, 5*time.Second, time.Millisecond, "revocation listener")
	}
}

// cached reports whether s has key's lookup cached and fresh.
func cached(s *Service, key string) bool {
	_, ok := s.apiKeys.get(keyHash(hashSecret(key)), s.now())
	return ok
}

func TestAPIKeyRefusals(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "refuse@example.com")
	key := env.restAPIKey(t, pair.GetAccessToken(), "x")
	other, _, _, err := newAPIKey()
	require.NoError(t, err)
	for name, k := range map[string]string{
		"wrong secret, right prefix": key[:13] + other[13:],
		"unknown prefix":             other,
		"malformed":                  "sk_live_whatever",
		"truncated":                  key[:len(key)-1],
		"upper-cased":                strings.ToUpper(key),
	} {
		a := env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", k)
		assert.Equal(t, 401, a.status, name)
		assert.Equal(t, "invalid or revoked API key", a.body["message"], name)
	}
}

func TestLastUsedIsBatched(t *testing.T) {
	env := newEnv(t, envOptions{cfg: Config{LastUsedFlush: 10 * time.Minute}})
	_, pair := env.account(t, "used@example.com")
	key := env.restAPIKey(t, pair.GetAccessToken(), "x")
	for range 20 {
		require.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
	}
	var lastUsed *time.Time
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT last_used_at FROM api_keys").Scan(&lastUsed))
	assert.Nil(t, lastUsed, "no write per request")

	env.svc.Close() // flushes
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT last_used_at FROM api_keys").Scan(&lastUsed))
	require.NotNil(t, lastUsed)
	assert.WithinDuration(t, time.Now(), *lastUsed, time.Minute)
	env.svc.Close() // twice is harmless
}

func TestLastUsedFlushesPeriodically(t *testing.T) {
	env := newEnv(t, envOptions{cfg: Config{LastUsedFlush: 100 * time.Millisecond}})
	_, pair := env.account(t, "tick@example.com")
	key := env.restAPIKey(t, pair.GetAccessToken(), "x")
	require.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key).status)
	assert.Eventually(t, func() bool {
		var lastUsed *time.Time
		err := env.pool.QueryRow(context.Background(), "SELECT last_used_at FROM api_keys").Scan(&lastUsed)
		return err == nil && lastUsed != nil
	}, 5*time.Second, 50*time.Millisecond)
}

func TestInterceptorCredentials(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "creds@example.com")
	key := env.restAPIKey(t, pair.GetAccessToken(), "x")

	for proto := range protocols {
		_, _, netc := env.clients(proto)
		call := func(kv ...string) error {
			_, err := netc.ListNetworks(t.Context(), withHeader(connect.NewRequest(&slipwayv1.ListNetworksRequest{}), kv...))
			return err
		}
		err := call()
		assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), proto)
		assert.Contains(t, err.Error(), "missing credentials", proto)
		err = call(append(bearer(pair.GetAccessToken()), "X-API-Key", key)...)
		assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%s: both credentials", proto)
		err = call("X-API-Key", key, "X-API-Key", key)
		assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "%s: a header twice", proto)
		assert.NoError(t, call("authorization", "bearer "+pair.GetAccessToken()), "%s: the scheme is case-insensitive", proto)
		assert.NoError(t, call("X-API-Key", key), proto)
		err = call("Authorization", "Bearer")
		assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), proto)
		if proto == "connect" {
			var ce *connect.Error
			require.ErrorAs(t, err, &ce)
			assert.Equal(t, `Bearer realm="slipway", error="invalid_token"`, ce.Meta().Get("WWW-Authenticate"))
		}
	}

	// Public procedures ignore credentials, even broken ones.
	a := env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "creds@example.com", "password": goodPassword}, "Authorization", "Bearer expired.junk.token")
	assert.Equal(t, 200, a.status, "%s", a.raw)
	health := grpchealth.NewClient(servertest.H2CClient(), env.srv.URL, connect.WithGRPC())
	res, err := health.Check(t.Context(), &grpchealth.CheckRequest{})
	require.NoError(t, err)
	assert.Equal(t, grpchealth.StatusServing, res.Status)

	// Server streams are guarded too: without credentials unauthenticated,
	// with them the (not yet implemented) handler runs.
	dep := slipwayv1connect.NewDeploymentServiceClient(servertest.H2CClient(), env.srv.URL, connect.WithGRPC())
	stream, err := dep.WatchDeployment(t.Context(), connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: uuid.NewString()}))
	require.NoError(t, err)
	assert.False(t, stream.Receive())
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(stream.Err()))
	stream, err = dep.WatchDeployment(t.Context(), withHeader(connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: uuid.NewString()}), "X-API-Key", key))
	require.NoError(t, err)
	assert.False(t, stream.Receive())
	assert.NotEqual(t, connect.CodeUnauthenticated, connect.CodeOf(stream.Err()), "%v", stream.Err())
}

// TestAuthenticationFaultIsInternal: a database failure while checking
// credentials is a server fault, answered internal without its text.
func TestAuthenticationFaultIsInternal(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "fault@example.com")
	key := env.restAPIKey(t, pair.GetAccessToken(), "x")
	env.pool.Close()
	a := env.rest(t, "GET", "/api/v1/me", nil, "X-API-Key", key)
	assert.Equal(t, 500, a.status, "%s", a.raw)
	assert.Contains(t, a.body["message"], "internal error (request id ")
	assert.NotContains(t, string(a.raw), "pool")
	found := false
	for _, l := range env.logLines(t) {
		if l["msg"] == "authentication failed" {
			found = true
			assert.NotContains(t, l["err"], key[13:], "no secrets in logs")
		}
	}
	assert.True(t, found)
}

func TestAPIKeyAuditActor(t *testing.T) {
	env := newEnv(t, envOptions{})
	u, pair := env.account(t, "actor@example.com")
	// Only a key with the keys scope may create keys (scopes_test.go).
	r := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "first", "scopes": []string{"read", "deploy", "contracts", "keys"}}, bearer(pair.GetAccessToken())...)
	require.Equal(t, 200, r.status)
	first := r.body["key"].(string)
	r = env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "second"}, "X-API-Key", first)
	require.Equal(t, 200, r.status, "keys act as their owner: %s", r.raw)
	rows, err := env.q.ListAuditLogsByUserSince(t.Context(), db.ListAuditLogsByUserSinceParams{ActorUserID: uuid.MustParse(u.GetId()), MaxRows: 100})
	require.NoError(t, err)
	var kinds []string
	for _, row := range rows {
		if row.Action == ActionAPIKeyCreate {
			kinds = append(kinds, row.ActorKind)
			assert.NotContains(t, string(row.Details), first[13:])
		}
	}
	assert.Equal(t, []string{db.ActorUser, db.ActorAPIKey}, kinds)
}

// TestAuthenticateOutsideConnect covers the helper for plain HTTP routes
// such as the WebSocket feed.
func TestAuthenticateOutsideConnect(t *testing.T) {
	env := newEnv(t, envOptions{})
	u, pair := env.account(t, "ws@example.com")
	p, err := env.svc.Authenticate(t.Context(), http.Header{"Authorization": {"Bearer " + pair.GetAccessToken()}})
	require.NoError(t, err)
	assert.Equal(t, u.GetId(), p.UserID.String())
	assert.Equal(t, identity.MethodBearer, p.Method)
	_, err = env.svc.Authenticate(t.Context(), http.Header{})
	var ce *connect.Error
	require.ErrorAs(t, err, &ce)
	assert.Equal(t, connect.CodeUnauthenticated, ce.Code())
	assert.Equal(t, `Bearer realm="slipway"`, ce.Meta().Get("WWW-Authenticate"))
}
