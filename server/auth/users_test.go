package auth

import (
	"encoding/json"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/userrole"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// userClient answers a UserService client of one protocol.
func (e *testEnv) userClient(protocol string) slipwayv1connect.UserServiceClient {
	c, opts := protocols[protocol](e.srv.URL)
	return slipwayv1connect.NewUserServiceClient(c, e.srv.URL, opts...)
}

// setRole gives email role in the database, as `slipway users set-role`
// does, and moves the clock past the caches so that requests see it.
func (e *testEnv) setRole(t testing.TB, email, role string) {
	t.Helper()
	_, err := e.q.SetUserRoleByEmail(t.Context(), db.SetUserRoleByEmailParams{Email: email, Role: role})
	require.NoError(t, err)
	e.clock.advance(max(DefaultSessionCacheTTL, DefaultAPIKeyCacheTTL))
}

// roleOf answers id's role as stored.
func (e *testEnv) roleOf(t testing.TB, id string) string {
	t.Helper()
	u, err := e.q.GetUserByID(t.Context(), uuid.MustParse(id))
	require.NoError(t, err)
	return u.Role
}

func setRoleReq(userID, role string, cred ...string) *connect.Request[slipwayv1.SetUserRoleRequest] {
	return withHeader(connect.NewRequest(&slipwayv1.SetUserRoleRequest{UserId: userID, Role: role}), cred...)
}

// TestNewAccountsAreDeployers: every account starts a deployer, and GetMe
// and Register say so.
func TestNewAccountsAreDeployers(t *testing.T) {
	env := newEnv(t, envOptions{})
	u, pair := env.account(t, "new@example.com")
	assert.Equal(t, userrole.Deployer, u.GetRole())
	a := env.rest(t, "GET", "/api/v1/me", nil, bearer(pair.GetAccessToken())...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Equal(t, "deployer", a.body["user"].(map[string]any)["role"])

	env.setRole(t, "new@example.com", userrole.Approver)
	a = env.rest(t, "GET", "/api/v1/me", nil, bearer(pair.GetAccessToken())...)
	assert.Equal(t, "approver", a.body["user"].(map[string]any)["role"])
}

// TestAdminSetsRolesOverEveryProtocol: an admin changes roles over
// Connect, gRPC, gRPC-Web and REST, by id or by email; each change is
// audited with the admin as the actor; the user's next requests carry it.
func TestAdminSetsRolesOverEveryProtocol(t *testing.T) {
	env := newEnv(t, envOptions{})
	admin, adminPair := env.account(t, "admin@example.com")
	env.setRole(t, "admin@example.com", userrole.Admin)
	target, targetPair := env.account(t, "dev@example.com")
	cred := bearer(adminPair.GetAccessToken())

	roles := []string{userrole.Approver, userrole.Admin, userrole.Deployer}
	i := 0
	for protocol := range protocols {
		t.Run(protocol, func(t *testing.T) {
			want := roles[i%len(roles)]
			i++
			res, err := env.userClient(protocol).SetUserRole(t.Context(), setRoleReq(target.GetId(), want, cred...))
			require.NoError(t, err)
			assert.Equal(t, want, res.Msg.GetUser().GetRole())
			assert.Equal(t, "dev@example.com", res.Msg.GetUser().GetEmail())
			assert.Equal(t, want, env.roleOf(t, target.GetId()))
		})
	}

	// REST: the id in the path, the role in the body.
	a := env.rest(t, "POST", "/api/v1/users/"+target.GetId()+"/role", map[string]any{"role": "approver"}, cred...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Equal(t, "approver", a.body["user"].(map[string]any)["role"])

	// By email, in any case.
	res, err := env.userClient("connect").SetUserRole(t.Context(), withHeader(connect.NewRequest(
		&slipwayv1.SetUserRoleRequest{Email: "DEV@Example.com", Role: userrole.Admin}), cred...))
	require.NoError(t, err)
	assert.Equal(t, target.GetId(), res.Msg.GetUser().GetId())
	assert.Equal(t, userrole.Admin, res.Msg.GetUser().GetRole())

	// The target's requests see it once the session cache lets go.
	env.clock.advance(DefaultSessionCacheTTL)
	p, err := env.svc.authenticateBearer(t.Context(), targetPair.GetAccessToken())
	require.NoError(t, err)
	assert.Equal(t, userrole.Admin, p.Role)
	assert.True(t, p.IsAdmin())

	// Every change is audited: the admin, the change, the request.
	rows, err := env.pool.Query(t.Context(),
		"SELECT actor_user_id, actor_kind, resource_type, resource_id, details FROM audit_logs WHERE action = $1 ORDER BY id", ActionRoleChanged)
	require.NoError(t, err)
	type row struct {
		actor                *uuid.UUID
		kind, resType, resID string
		details              []byte
	}
	var got []row
	for rows.Next() {
		var r row
		require.NoError(t, rows.Scan(&r.actor, &r.kind, &r.resType, &r.resID, &r.details))
		got = append(got, r)
	}
	require.NoError(t, rows.Err())
	require.Len(t, got, len(protocols)+2)
	last := got[len(got)-1]
	require.NotNil(t, last.actor)
	assert.Equal(t, admin.GetId(), last.actor.String())
	assert.Equal(t, db.ActorUser, last.kind)
	assert.Equal(t, "user", last.resType)
	assert.Equal(t, target.GetId(), last.resID)
	var d map[string]any
	require.NoError(t, json.Unmarshal(last.details, &d))
	assert.Equal(t, "approver", d["from"])
	assert.Equal(t, "admin", d["to"])
	assert.NotEmpty(t, d["session_id"])
}

// TestOnlyAdminsSetRoles: deployers and approvers are refused with
// permission_denied (403) before the target is even looked up, so the
// answer says nothing about which users exist; an admin naming nobody gets
// not_found; a bad role or request is invalid_argument. Nothing refused is
// audited.
func TestOnlyAdminsSetRoles(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, adminPair := env.account(t, "admin@example.com")
	target, _ := env.account(t, "target@example.com")
	_, approverPair := env.account(t, "approver@example.com")
	_, deployerPair := env.account(t, "deployer@example.com")
	env.setRole(t, "admin@example.com", userrole.Admin)
	env.setRole(t, "approver@example.com", userrole.Approver)
	audited := len(env.auditActions(t))

	for name, pair := range map[string]*slipwayv1.LoginResponse{"deployer": deployerPair, "approver": approverPair} {
		t.Run(name, func(t *testing.T) {
			cred := bearer(pair.GetAccessToken())
			_, err := env.userClient("connect").SetUserRole(t.Context(), setRoleReq(target.GetId(), userrole.Admin, cred...))
			assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)
			_, err = env.userClient("grpc").SetUserRole(t.Context(), setRoleReq(uuid.NewString(), userrole.Admin, cred...))
			assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "an unknown target too: %v", err)
			a := env.rest(t, "POST", "/api/v1/users/"+target.GetId()+"/role", map[string]any{"role": "admin"}, cred...)
			assert.Equal(t, 403, a.status, "%s", a.raw)
			assert.Contains(t, a.body["message"], "only admins")
			// Not even themselves.
			me := env.rest(t, "GET", "/api/v1/me", nil, cred...)
			a = env.rest(t, "POST", "/api/v1/users/"+me.body["user"].(map[string]any)["id"].(string)+"/role", map[string]any{"role": "admin"}, cred...)
			assert.Equal(t, 403, a.status, "%s", a.raw)
		})
	}
	assert.Equal(t, userrole.Deployer, env.roleOf(t, target.GetId()))

	cred := bearer(adminPair.GetAccessToken())
	a := env.rest(t, "POST", "/api/v1/users/"+uuid.NewString()+"/role", map[string]any{"role": "approver"}, cred...)
	assert.Equal(t, 404, a.status, "%s", a.raw)
	_, err := env.userClient("connect").SetUserRole(t.Context(), withHeader(connect.NewRequest(
		&slipwayv1.SetUserRoleRequest{Email: "nobody@example.com", Role: userrole.Approver}), cred...))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "%v", err)

	for name, body := range map[string]map[string]any{
		"unknown role":   {"role": "root"},
		"no role":        {},
		"upper case":     {"role": "Admin"},
		"id and email":   {"role": "admin", "email": "target@example.com"},
		"malformed body": {"role": 7},
	} {
		a := env.rest(t, "POST", "/api/v1/users/"+target.GetId()+"/role", body, cred...)
		assert.Equal(t, 400, a.status, "%s: %s", name, a.raw)
	}
	a = env.rest(t, "POST", "/api/v1/users/not-a-uuid/role", map[string]any{"role": "admin"}, cred...)
	assert.Equal(t, 400, a.status, "%s", a.raw)
	_, err = env.userClient("connect").SetUserRole(t.Context(), withHeader(connect.NewRequest(&slipwayv1.SetUserRoleRequest{Role: userrole.Admin}), cred...))
	assert.Equal(t, connect.CodeInvalidArgument, connect.CodeOf(err), "neither id nor email: %v", err)
	assert.ErrorContains(t, err, "exactly one of user_id or email")

	a = env.rest(t, "POST", "/api/v1/users/"+target.GetId()+"/role", map[string]any{"role": "admin"})
	assert.Equal(t, 401, a.status, "no credentials: %s", a.raw)

	assert.Len(t, env.auditActions(t), audited, "refusals write no audit row")
	assert.Equal(t, userrole.Deployer, env.roleOf(t, target.GetId()))
}

// TestAPIKeysNeedTheKeysScopeToSetRoles: an admin's key with the default
// scopes (a CI job's) may not change roles; one with keys may. A deployer's
// key with keys may not either.
func TestAPIKeysNeedTheKeysScopeToSetRoles(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, adminPair := env.account(t, "admin@example.com")
	target, _ := env.account(t, "target@example.com")
	_, deployerPair := env.account(t, "deployer@example.com")
	env.setRole(t, "admin@example.com", userrole.Admin)

	defaultKey, _, err := env.createKey(t, nil, bearer(adminPair.GetAccessToken())...)
	require.NoError(t, err)
	keysKey, _, err := env.createKey(t, []string{"read", "keys"}, bearer(adminPair.GetAccessToken())...)
	require.NoError(t, err)
	deployerKey, _, err := env.createKey(t, []string{"keys"}, bearer(deployerPair.GetAccessToken())...)
	require.NoError(t, err)

	a := env.rest(t, "POST", "/api/v1/users/"+target.GetId()+"/role", map[string]any{"role": "approver"}, apiKey(defaultKey)...)
	assert.Equal(t, 403, a.status, "%s", a.raw)
	assert.Contains(t, a.body["message"], `"keys" scope`)
	a = env.rest(t, "POST", "/api/v1/users/"+target.GetId()+"/role", map[string]any{"role": "approver"}, apiKey(deployerKey)...)
	assert.Equal(t, 403, a.status, "%s", a.raw)
	assert.Contains(t, a.body["message"], "only admins")
	assert.Equal(t, userrole.Deployer, env.roleOf(t, target.GetId()))

	a = env.rest(t, "POST", "/api/v1/users/"+target.GetId()+"/role", map[string]any{"role": "approver"}, apiKey(keysKey)...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Equal(t, userrole.Approver, env.roleOf(t, target.GetId()))
	var kind string
	require.NoError(t, env.pool.QueryRow(t.Context(),
		"SELECT actor_kind FROM audit_logs WHERE action = $1", ActionRoleChanged).Scan(&kind))
	assert.Equal(t, db.ActorAPIKey, kind)
}

// TestLastAdminStays: an admin may demote themselves while another admin
// remains, never the last one (failed_precondition); a demoted admin is
// refused at once, whatever their cached principal says.
func TestLastAdminStays(t *testing.T) {
	env := newEnv(t, envOptions{})
	ada, adaPair := env.account(t, "ada@example.com")
	env.setRole(t, "ada@example.com", userrole.Admin)
	ada2 := bearer(adaPair.GetAccessToken())

	_, err := env.userClient("connect").SetUserRole(t.Context(), setRoleReq(ada.GetId(), userrole.Deployer, ada2...))
	assert.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err), "%v", err)
	assert.ErrorContains(t, err, "last admin")
	a := env.rest(t, "POST", "/api/v1/users/"+ada.GetId()+"/role", map[string]any{"role": "approver"}, ada2...)
	assert.Equal(t, 400, a.status, "failed_precondition over REST: %s", a.raw)
	assert.Equal(t, userrole.Admin, env.roleOf(t, ada.GetId()))
	// Keeping the role is no demotion.
	_, err = env.userClient("connect").SetUserRole(t.Context(), setRoleReq(ada.GetId(), userrole.Admin, ada2...))
	require.NoError(t, err)

	bob, bobPair := env.account(t, "bob@example.com")
	_, err = env.userClient("connect").SetUserRole(t.Context(), setRoleReq(bob.GetId(), userrole.Admin, ada2...))
	require.NoError(t, err)
	_, err = env.userClient("connect").SetUserRole(t.Context(), setRoleReq(ada.GetId(), userrole.Approver, ada2...))
	require.NoError(t, err, "another admin remains")
	assert.Equal(t, userrole.Approver, env.roleOf(t, ada.GetId()))

	// Ada's principal may still say admin for a moment; the transaction
	// checks the role itself.
	_, err = env.userClient("connect").SetUserRole(t.Context(), setRoleReq(ada.GetId(), userrole.Admin, ada2...))
	assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)
	env.clock.advance(DefaultSessionCacheTTL)
	_, err = env.userClient("connect").SetUserRole(t.Context(), setRoleReq(ada.GetId(), userrole.Admin, ada2...))
	assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)

	bob2 := bearer(bobPair.GetAccessToken())
	env.clock.advance(DefaultSessionCacheTTL)
	_, err = env.userClient("connect").SetUserRole(t.Context(), setRoleReq(bob.GetId(), userrole.Deployer, bob2...))
	assert.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err), "bob is the last admin now: %v", err)
}

// TestAdminsDemotingEachOtherLeaveOne: two admins demoting each other at
// the same moment, many times over: one wins, the other is refused, and an
// admin always remains.
func TestAdminsDemotingEachOtherLeaveOne(t *testing.T) {
	env := newEnv(t, envOptions{})
	a, aPair := env.account(t, "a@example.com")
	b, bPair := env.account(t, "b@example.com")
	for round := range 10 {
		env.setRole(t, "a@example.com", userrole.Admin)
		env.setRole(t, "b@example.com", userrole.Admin)
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i, c := range []struct {
			cred   []string
			target string
		}{{bearer(aPair.GetAccessToken()), b.GetId()}, {bearer(bPair.GetAccessToken()), a.GetId()}} {
			wg.Go(func() {
				_, errs[i] = env.userClient("connect").SetUserRole(t.Context(), setRoleReq(c.target, userrole.Deployer, c.cred...))
			})
		}
		wg.Wait()
		admins := 0
		for _, id := range []string{a.GetId(), b.GetId()} {
			if env.roleOf(t, id) == userrole.Admin {
				admins++
			}
		}
		require.Equal(t, 1, admins, "round %d: %v", round, errs)
		require.True(t, (errs[0] == nil) != (errs[1] == nil), "round %d: exactly one wins: %v", round, errs)
		for _, err := range errs {
			if err != nil {
				assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "the loser is no admin any more: %v", err)
			}
		}
	}
}

// TestRoleChangeReachesRequests: the principal's role comes from the
// session check and the API key lookup, as the tier does, so a change
// reaches bearer and key requests within the caches' bounds.
func TestRoleChangeReachesRequests(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "promote@example.com")
	key, _, err := env.createKey(t, nil, bearer(pair.GetAccessToken())...)
	require.NoError(t, err)
	p, err := env.svc.authenticateBearer(t.Context(), pair.GetAccessToken())
	require.NoError(t, err)
	assert.Equal(t, userrole.Deployer, p.Role)
	k, err := env.svc.authenticateAPIKey(t.Context(), key)
	require.NoError(t, err)
	assert.Equal(t, userrole.Deployer, k.Role)

	env.setRole(t, "promote@example.com", userrole.Admin) // and past the caches
	p, err = env.svc.authenticateBearer(t.Context(), pair.GetAccessToken())
	require.NoError(t, err)
	assert.Equal(t, userrole.Admin, p.Role)
	k, err = env.svc.authenticateAPIKey(t.Context(), key)
	require.NoError(t, err)
	assert.Equal(t, userrole.Admin, k.Role)
}
