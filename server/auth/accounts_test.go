package auth

import (
	"context"
	"encoding/json"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/clientip"
)

// TestAccountFlowOverEveryProtocol registers, logs in, reads me, refreshes
// and logs out over Connect, gRPC and gRPC-Web.
func TestAccountFlowOverEveryProtocol(t *testing.T) {
	env := newEnv(t, envOptions{})
	for proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			authc, _, _ := env.clients(proto)
			email := proto + "@Example.com"
			reg, err := authc.Register(t.Context(), connect.NewRequest(&slipwayv1.RegisterRequest{Email: email, Password: goodPassword}))
			require.NoError(t, err)
			u := reg.Msg.GetUser()
			assert.Equal(t, strings.ToLower(email), u.GetEmail(), "emails are stored normalised")
			assert.Equal(t, "free", u.GetTier())
			assert.NotEmpty(t, uuid.MustParse(u.GetId()))
			assert.WithinDuration(t, time.Now(), u.GetCreatedAt().AsTime(), time.Minute)

			login, err := authc.Login(t.Context(), connect.NewRequest(&slipwayv1.LoginRequest{Email: "  " + strings.ToUpper(email), Password: goodPassword}))
			require.NoError(t, err)
			assert.Equal(t, "Bearer", login.Msg.GetTokenType())
			assert.Equal(t, int32(900), login.Msg.GetExpiresIn())
			assert.Len(t, login.Msg.GetRefreshToken(), 43)

			me, err := authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(login.Msg.GetAccessToken())...))
			require.NoError(t, err)
			assert.Equal(t, u.GetId(), me.Msg.GetUser().GetId())
			assert.Equal(t, u.GetEmail(), me.Msg.GetUser().GetEmail())

			ref, err := authc.Refresh(t.Context(), connect.NewRequest(&slipwayv1.RefreshRequest{RefreshToken: login.Msg.GetRefreshToken()}))
			require.NoError(t, err)
			assert.NotEqual(t, login.Msg.GetRefreshToken(), ref.Msg.GetRefreshToken())
			assert.Equal(t, "Bearer", ref.Msg.GetTokenType())
			assert.Equal(t, int32(900), ref.Msg.GetExpiresIn())
			_, err = authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(ref.Msg.GetAccessToken())...))
			require.NoError(t, err)

			_, err = authc.Logout(t.Context(), connect.NewRequest(&slipwayv1.LogoutRequest{RefreshToken: ref.Msg.GetRefreshToken()}))
			require.NoError(t, err)
			_, err = authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(ref.Msg.GetAccessToken())...))
			assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
		})
	}
}

// TestAccountFlowOverREST follows API.md's REST paths and JSON names.
func TestAccountFlowOverREST(t *testing.T) {
	env := newEnv(t, envOptions{})
	a := env.rest(t, "POST", "/api/v1/auth/register", map[string]any{"email": "Rest@Example.com", "password": goodPassword})
	require.Equal(t, 200, a.status, "%s", a.raw)
	user := a.body["user"].(map[string]any)
	assert.Equal(t, "rest@example.com", user["email"])
	assert.Equal(t, "free", user["tier"])
	assert.NotEmpty(t, user["id"])
	assert.NotEmpty(t, user["createdAt"])

	a = env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "rest@example.com", "password": goodPassword})
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Equal(t, "Bearer", a.body["tokenType"])
	assert.Equal(t, float64(900), a.body["expiresIn"])
	access, refresh := a.body["accessToken"].(string), a.body["refreshToken"].(string)

	a = env.rest(t, "GET", "/api/v1/me", nil, bearer(access)...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Equal(t, user["id"], a.body["user"].(map[string]any)["id"])

	a = env.rest(t, "POST", "/api/v1/auth/refresh", map[string]any{"refresh_token": refresh}) // snake_case accepted in
	require.Equal(t, 200, a.status, "%s", a.raw)
	newRefresh := a.body["refreshToken"].(string)
	assert.NotEqual(t, refresh, newRefresh)

	a = env.rest(t, "POST", "/api/v1/auth/logout", map[string]any{"refreshToken": newRefresh})
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Empty(t, a.body)
	a = env.rest(t, "POST", "/api/v1/auth/refresh", map[string]any{"refreshToken": newRefresh})
	assert.Equal(t, 401, a.status, "%s", a.raw)

	// Without credentials: 401 with the bearer hint.
	a = env.rest(t, "GET", "/api/v1/me", nil)
	assert.Equal(t, 401, a.status)
	assert.Equal(t, float64(connect.CodeUnauthenticated), a.body["code"])
	assert.Contains(t, a.body["message"], "missing credentials")
	assert.Equal(t, `Bearer realm="slipway"`, a.header.Get("WWW-Authenticate"))
	a = env.rest(t, "GET", "/api/v1/me", nil, "Authorization", "Basic dXNlcjpwYXNz")
	assert.Equal(t, 401, a.status)
}

func TestRegisterDuplicateEmail(t *testing.T) {
	env := newEnv(t, envOptions{})
	env.register(t, "dup@example.com", goodPassword)
	for _, email := range []string{"dup@example.com", "DUP@Example.COM", " dup@example.com"} {
		a := env.rest(t, "POST", "/api/v1/auth/register", map[string]any{"email": email, "password": "another-fine-passphrase"})
		if strings.HasPrefix(email, " ") && a.status == 400 {
			continue // the email validator may refuse the space before we trim it
		}
		assert.Equal(t, 409, a.status, "%s: %s", email, a.raw)
		assert.Equal(t, float64(connect.CodeAlreadyExists), a.body["code"])
		assert.Contains(t, a.body["message"], "already exists")
	}
	authc, _, _ := env.clients("grpc")
	_, err := authc.Register(t.Context(), connect.NewRequest(&slipwayv1.RegisterRequest{Email: "Dup@example.com", Password: goodPassword}))
	assert.Equal(t, connect.CodeAlreadyExists, connect.CodeOf(err))
	assert.Equal(t, []string{ActionRegister}, env.auditActions(t), "failed registrations change nothing and audit nothing")
}

func TestRegisterWeakPassword(t *testing.T) {
	env := newEnv(t, envOptions{})
	for _, pw := range []string{"passwordpassword", "123456789012", "Password2024!", "weak@example.com", "weakweakweak1"} {
		a := env.rest(t, "POST", "/api/v1/auth/register", map[string]any{"email": "weak@example.com", "password": pw})
		assert.Equal(t, 400, a.status, "%q: %s", pw, a.raw)
		assert.Equal(t, float64(connect.CodeInvalidArgument), a.body["code"])
		assert.Contains(t, a.body["message"], "password too weak")
		assert.NotContains(t, string(a.raw), pw, "the answer must not echo the password")
	}
	// Too short and malformed email are refused by validation, before the
	// handler: no row of any kind.
	for _, body := range []map[string]any{
		{"email": "weak@example.com", "password": "short"},
		{"email": "not-an-email", "password": goodPassword},
		{"email": "", "password": goodPassword},
	} {
		a := env.rest(t, "POST", "/api/v1/auth/register", body)
		assert.Equal(t, 400, a.status, "%v: %s", body, a.raw)
	}
	var users int
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT count(*) FROM users").Scan(&users))
	assert.Zero(t, users)
	assert.Empty(t, env.auditActions(t))
}

func TestLoginFailures(t *testing.T) {
	env := newEnv(t, envOptions{})
	u := env.register(t, "known@example.com", goodPassword)
	wrong := env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "known@example.com", "password": "not-the-password"})
	unknown := env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "nobody@example.com", "password": "not-the-password"})
	for _, a := range []restAnswer{wrong, unknown} {
		assert.Equal(t, 401, a.status)
		assert.Equal(t, "invalid email or password", a.body["message"])
	}
	assert.Equal(t, wrong.raw, unknown.raw, "the same answer for unknown email and wrong password")

	authc, _, _ := env.clients("grpc")
	_, err := authc.Login(t.Context(), connect.NewRequest(&slipwayv1.LoginRequest{Email: "known@example.com", Password: "nope-nope-nope"}))
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	// Each failure is audited: anonymous actor, the normalised email, never
	// the password; filed under the account when there is one.
	rows, err := env.q.ListAuditLogsForUser(t.Context(), db.ListAuditLogsForUserParams{UserID: uuid.MustParse(u.GetId()), MaxRows: 100})
	require.NoError(t, err)
	var failed []db.AuditLog
	for _, r := range rows {
		if r.Action == ActionLoginFailed {
			failed = append(failed, r)
		}
	}
	require.Len(t, failed, 2)
	for _, r := range failed {
		assert.Equal(t, db.ActorAnonymous, r.ActorKind)
		assert.Nil(t, r.ActorUserID)
		assert.JSONEq(t, `{"email":"known@example.com"}`, string(r.Details))
	}
	var all string
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT string_agg(details::text || user_agent, ' ') FROM audit_logs").Scan(&all))
	assert.NotContains(t, all, "not-the-password")
	assert.NotContains(t, all, "nope-nope-nope")
	assert.Contains(t, all, "nobody@example.com")
}

// TestLoginRehashes: a hash made with older parameters is replaced on the
// next successful login, and the new one verifies.
func TestLoginRehashes(t *testing.T) {
	pool := newEnv(t, envOptions{}).pool
	oldEnv := newEnv(t, envOptions{pool: pool, cfg: Config{Password: fastParams}})
	oldEnv.register(t, "rehash@example.com", goodPassword)
	before, err := oldEnv.q.GetUserByEmail(t.Context(), "rehash@example.com")
	require.NoError(t, err)
	assert.Contains(t, before.PasswordHash, "m=1024,t=1,p=1")

	stronger := PasswordParams{Memory: 2048, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}
	newEnv := newEnv(t, envOptions{pool: pool, cfg: Config{Password: stronger}})
	newEnv.login(t, "rehash@example.com", goodPassword)
	after, err := newEnv.q.GetUserByEmail(t.Context(), "rehash@example.com")
	require.NoError(t, err)
	assert.Contains(t, after.PasswordHash, "m=2048,t=2,p=1")
	assert.False(t, NeedsRehash(after.PasswordHash, stronger))
	ok, err := VerifyPassword(goodPassword, after.PasswordHash)
	require.NoError(t, err)
	assert.True(t, ok)

	// Again with the same parameters: nothing to do.
	newEnv.login(t, "rehash@example.com", goodPassword)
	again, err := newEnv.q.GetUserByEmail(t.Context(), "rehash@example.com")
	require.NoError(t, err)
	assert.Equal(t, after.PasswordHash, again.PasswordHash)
}

func TestRefreshRotationAndReuse(t *testing.T) {
	env := newEnv(t, envOptions{})
	u, first := env.account(t, "rotate@example.com")
	authc, _, _ := env.clients("connect")
	refresh := func(tok string) (*slipwayv1.RefreshResponse, error) {
		res, err := authc.Refresh(t.Context(), connect.NewRequest(&slipwayv1.RefreshRequest{RefreshToken: tok}))
		if err != nil {
			return nil, err
		}
		return res.Msg, nil
	}
	me := func(access string) error {
		_, err := authc.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(access)...))
		return err
	}

	second, err := refresh(first.GetRefreshToken())
	require.NoError(t, err)
	third, err := refresh(second.GetRefreshToken())
	require.NoError(t, err)
	require.NoError(t, me(third.GetAccessToken()))
	require.NoError(t, me(first.GetAccessToken()), "earlier access tokens of a live session stay valid until exp")

	// The same session throughout, a chain of parents.
	var sessions, tokens int
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT count(DISTINCT session_id), count(*) FROM refresh_tokens").Scan(&sessions, &tokens))
	assert.Equal(t, 1, sessions)
	assert.Equal(t, 3, tokens)

	// An attacker replays the first token: refused, and the whole session
	// is revoked, including the newest pair the victim holds.
	_, err = refresh(first.GetRefreshToken())
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	_, err = refresh(third.GetRefreshToken())
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err), "the newest refresh token dies with its family")
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(me(third.GetAccessToken())), "and its access token too, at once on this instance")

	var reason string
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT revoke_reason FROM sessions").Scan(&reason))
	assert.Equal(t, "refresh_token_reuse", reason)
	rows, err := env.q.ListAuditLogsForUser(t.Context(), db.ListAuditLogsForUserParams{UserID: uuid.MustParse(u.GetId()), MaxRows: 100})
	require.NoError(t, err)
	var actions []string
	for _, r := range rows {
		actions = append(actions, r.Action)
	}
	assert.Equal(t, []string{ActionRegister, ActionLogin, ActionRefresh, ActionRefresh, ActionRefreshReuse}, actions)

	// Garbage and unknown tokens: unauthenticated, nothing written.
	_, err = refresh("not-a-token")
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	unknown, _, err := newRefreshToken()
	require.NoError(t, err)
	_, err = refresh(unknown)
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	assert.Len(t, env.auditActions(t), 5)
}

// TestConcurrentRefresh: of many refreshes racing with one token, exactly
// one wins; the losers are reuse, which revokes the session.
func TestConcurrentRefresh(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "race@example.com")
	authc, _, _ := env.clients("connect")
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 8 {
		wg.Go(func() {
			_, err := authc.Refresh(context.Background(), connect.NewRequest(&slipwayv1.RefreshRequest{RefreshToken: pair.GetRefreshToken()}))
			if err == nil {
				mu.Lock()
				wins++
				mu.Unlock()
			} else {
				assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
			}
		})
	}
	wg.Wait()
	assert.LessOrEqual(t, wins, 1)
	var used int
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT count(*) FROM refresh_tokens WHERE used_at IS NOT NULL").Scan(&used))
	assert.Equal(t, 1, used)
}

func TestRefreshExpiry(t *testing.T) {
	cfg := Config{RefreshIdleTTL: time.Hour, RefreshAbsoluteTTL: 3 * time.Hour}
	env := newEnv(t, envOptions{cfg: cfg})
	authc, _, _ := env.clients("connect")
	refresh := func(tok string) (string, error) {
		res, err := authc.Refresh(t.Context(), connect.NewRequest(&slipwayv1.RefreshRequest{RefreshToken: tok}))
		if err != nil {
			return "", err
		}
		return res.Msg.GetRefreshToken(), nil
	}

	// Idle: unused for longer than the idle TTL.
	_, pair := env.account(t, "idle@example.com")
	env.clock.advance(time.Hour + time.Second)
	_, err := refresh(pair.GetRefreshToken())
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	// Absolute: refreshed diligently, still over after 3 hours.
	_, pair = env.account(t, "busy@example.com")
	tok := pair.GetRefreshToken()
	for range 4 {
		env.clock.advance(40 * time.Minute)
		tok, err = refresh(tok)
		require.NoError(t, err, "refreshing within the idle ttl keeps the session")
	}
	env.clock.advance(40 * time.Minute) // 3h20m after login, past the absolute ttl
	_, err = refresh(tok)
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
}

// TestLogout: the refresh token and the session's access tokens are refused
// at once on the instance that logged out, and within SessionCacheTTL on
// another; logout is idempotent.
func TestLogout(t *testing.T) {
	a := newEnv(t, envOptions{})
	b := newEnv(t, envOptions{pool: a.pool, keys: a.svc.tokens.keys})
	u, pair := a.account(t, "leaving@example.com")
	authA, _, _ := a.clients("connect")
	authB, _, _ := b.clients("connect")
	me := func(c interface {
		GetMe(context.Context, *connect.Request[slipwayv1.GetMeRequest]) (*connect.Response[slipwayv1.GetMeResponse], error)
	},
	) error {
		_, err := c.GetMe(t.Context(), withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), bearer(pair.GetAccessToken())...))
		return err
	}
	require.NoError(t, me(authA))
	require.NoError(t, me(authB)) // B now caches the session as active

	_, err := authA.Logout(t.Context(), connect.NewRequest(&slipwayv1.LogoutRequest{RefreshToken: pair.GetRefreshToken()}))
	require.NoError(t, err)
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(me(authA)), "refused at once where the logout happened")
	_, err = authA.Refresh(t.Context(), connect.NewRequest(&slipwayv1.RefreshRequest{RefreshToken: pair.GetRefreshToken()}))
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))

	// B's cached check is at most SessionCacheTTL old: still accepted
	// within the bound, refused once it has passed.
	assert.NoError(t, me(authB), "within the documented bound")
	b.clock.advance(DefaultSessionCacheTTL)
	err = me(authB)
	assert.Equal(t, connect.CodeUnauthenticated, connect.CodeOf(err))
	assert.Contains(t, err.Error(), "session")

	// Idempotent: again, and with unknown or malformed tokens.
	for _, tok := range []string{pair.GetRefreshToken(), "garbage", strings.Repeat("A", 43)} {
		_, err := authA.Logout(t.Context(), connect.NewRequest(&slipwayv1.LogoutRequest{RefreshToken: tok}))
		assert.NoError(t, err)
	}
	rows, err := a.q.ListAuditLogsByUserSince(t.Context(), db.ListAuditLogsByUserSinceParams{ActorUserID: uuid.MustParse(u.GetId()), MaxRows: 100})
	require.NoError(t, err)
	var logouts int
	for _, r := range rows {
		if r.Action == ActionLogout {
			logouts++
		}
	}
	assert.Equal(t, 1, logouts, "one logout row however often it is repeated")
}

// TestTierChangeReachesBearerRequests: the principal's tier comes from the
// session check, so a tier change reaches bearer requests within the cache
// bound (and API-key requests at once).
func TestTierChangeReachesBearerRequests(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "upgrade@example.com")
	p, err := env.svc.authenticateBearer(t.Context(), pair.GetAccessToken())
	require.NoError(t, err)
	assert.Equal(t, "free", p.Tier)
	_, err = env.q.SetUserTierByEmail(t.Context(), db.SetUserTierByEmailParams{Email: "upgrade@example.com", Tier: "paid"})
	require.NoError(t, err)
	env.clock.advance(DefaultSessionCacheTTL)
	p, err = env.svc.authenticateBearer(t.Context(), pair.GetAccessToken())
	require.NoError(t, err)
	assert.Equal(t, "paid", p.Tier)
}

// TestAuditRows: one row per action, with request id, client IP (through
// the trusted proxy) and user agent.
func TestAuditRows(t *testing.T) {
	resolver, err := clientip.NewResolver([]string{"127.0.0.1/32", "::1/128"})
	require.NoError(t, err)
	env := newEnv(t, envOptions{resolver: resolver})
	hdr := []string{"User-Agent", "audit-test/1.0", "X-Forwarded-For", "198.51.100.7", "X-Request-Id", "req-audit-1"}

	a := env.rest(t, "POST", "/api/v1/auth/register", map[string]any{"email": "audit@example.com", "password": goodPassword}, hdr...)
	require.Equal(t, 200, a.status)
	a = env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "audit@example.com", "password": "wrong-password-here"}, hdr...)
	require.Equal(t, 401, a.status)
	a = env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "audit@example.com", "password": goodPassword}, hdr...)
	require.Equal(t, 200, a.status)
	access, refresh := a.body["accessToken"].(string), a.body["refreshToken"].(string)
	a = env.rest(t, "POST", "/api/v1/auth/refresh", map[string]any{"refreshToken": refresh}, hdr...)
	require.Equal(t, 200, a.status)
	a = env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "ci"}, append(hdr, bearer(access)...)...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	keyID := a.body["apiKey"].(map[string]any)["id"].(string)
	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+keyID, nil, append(hdr, bearer(access)...)...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	a = env.rest(t, "POST", "/api/v1/auth/refresh", map[string]any{"refreshToken": refresh}, hdr...) // reuse
	require.Equal(t, 401, a.status)
	// The session is gone; log in again to log out.
	a = env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "audit@example.com", "password": goodPassword}, hdr...)
	require.Equal(t, 200, a.status)
	a = env.rest(t, "POST", "/api/v1/auth/logout", map[string]any{"refreshToken": a.body["refreshToken"].(string)}, hdr...)
	require.Equal(t, 200, a.status)

	// Requests refused by validation write nothing.
	before := len(env.auditActions(t))
	a = env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": ""}, append(hdr, bearer(access)...)...)
	assert.Equal(t, 401, a.status, "the session was revoked by the reuse; %s", a.raw)
	a = env.rest(t, "POST", "/api/v1/auth/register", map[string]any{"email": "x@example.com", "password": "short"}, hdr...)
	assert.Equal(t, 400, a.status)
	a = env.rest(t, "POST", "/api/v1/auth/login", map[string]any{"email": "", "password": ""}, hdr...)
	assert.Equal(t, 400, a.status)
	a = env.rest(t, "POST", "/api/v1/auth/refresh", map[string]any{"refreshToken": ""}, hdr...)
	assert.Equal(t, 400, a.status)
	assert.Len(t, env.auditActions(t), before)

	assert.Equal(t, []string{
		ActionRegister, ActionLoginFailed, ActionLogin, ActionRefresh,
		ActionAPIKeyCreate, ActionAPIKeyRevoke, ActionRefreshReuse, ActionLogin, ActionLogout,
	}, env.auditActions(t))

	rows, err := env.pool.Query(t.Context(), "SELECT action, client_ip, user_agent, request_id, details FROM audit_logs")
	require.NoError(t, err)
	defer rows.Close()
	for rows.Next() {
		var (
			action, ua, rid string
			ip              *netip.Addr
			details         []byte
		)
		require.NoError(t, rows.Scan(&action, &ip, &ua, &rid, &details))
		require.NotNil(t, ip, action)
		assert.Equal(t, "198.51.100.7", ip.String(), action)
		assert.Equal(t, "audit-test/1.0", ua, action)
		assert.Equal(t, "req-audit-1", rid, action)
		assert.True(t, json.Valid(details))
		assert.NotContains(t, string(details), goodPassword)
	}
	require.NoError(t, rows.Err())
}

// TestValidationWritesNoAuditRow runs validation failures on every audited
// procedure for an authenticated caller.
func TestValidationWritesNoAuditRow(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "valid@example.com")
	before := env.auditActions(t)
	a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "\x01bad"}, bearer(pair.GetAccessToken())...)
	assert.Equal(t, 400, a.status, "%s", a.raw)
	a = env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": ""}, bearer(pair.GetAccessToken())...)
	assert.Equal(t, 400, a.status, "%s", a.raw)
	a = env.rest(t, "DELETE", "/api/v1/api-keys/not-a-uuid", nil, bearer(pair.GetAccessToken())...)
	assert.Equal(t, 400, a.status, "%s", a.raw)
	a = env.rest(t, "POST", "/api/v1/auth/logout", map[string]any{"refreshToken": ""})
	assert.Equal(t, 400, a.status)
	assert.Equal(t, before, env.auditActions(t))
}
