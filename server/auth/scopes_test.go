package auth

import (
	"context"
	"strings"
	"sync"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/identity"
)

// TestEveryProcedureHasAScope: every RPC of every slipway.v1 service is
// either public or needs a scope, so a new RPC cannot ship unmapped (API
// keys would be refused it, which this test reports first), and the map
// names no procedure that does not exist.
func TestEveryProcedureHasAScope(t *testing.T) {
	// The services the server mounts, so that the generated code's files
	// are registered whatever this test imports.
	for _, d := range []protoreflect.ServiceDescriptor{
		slipwayv1.File_slipway_v1_auth_proto.Services().ByName("AuthService"),
		slipwayv1.File_slipway_v1_api_keys_proto.Services().ByName("ApiKeyService"),
	} {
		require.NotNil(t, d)
	}
	seen := map[string]bool{}
	services := 0
	protoregistry.GlobalFiles.RangeFilesByPackage("slipway.v1", func(fd protoreflect.FileDescriptor) bool {
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			services++
			for j := range sd.Methods().Len() {
				p := "/" + string(sd.FullName()) + "/" + string(sd.Methods().Get(j).Name())
				seen[p] = true
				scope, mapped := RequiredScope(p)
				switch {
				case IsPublicProcedure(p):
					assert.False(t, mapped, "%s is public and needs no scope", p)
				case !mapped:
					t.Errorf("%s has no scope: add it to procedureScopes in scopes.go", p)
				default:
					assert.True(t, scope.Valid(), "%s maps to unknown scope %q", p, scope)
				}
			}
		}
		return true
	})
	require.GreaterOrEqual(t, services, 5, "the slipway.v1 services are registered")
	for p := range procedureScopes {
		assert.True(t, seen[p], "procedureScopes names %s, which no service has", p)
	}
	for p := range publicProcedures {
		if strings.HasPrefix(p, "/slipway.v1.") {
			assert.True(t, seen[p], "publicProcedures names %s, which no service has", p)
		}
	}

	// The map API.md promises.
	want := map[string]identity.Scope{
		slipwayv1connect.AuthServiceGetMeProcedure:                  identity.ScopeRead,
		slipwayv1connect.NetworkServiceListNetworksProcedure:        identity.ScopeRead,
		slipwayv1connect.DeploymentServiceWatchDeploymentProcedure:  identity.ScopeRead,
		slipwayv1connect.DeploymentServiceCreateDeploymentProcedure: identity.ScopeDeploy,
		slipwayv1connect.DeploymentServiceCancelDeploymentProcedure: identity.ScopeDeploy,
		slipwayv1connect.ContractServiceGenerateContractProcedure:   identity.ScopeContracts,
		slipwayv1connect.ContractServiceCompileContractProcedure:    identity.ScopeContracts,
		slipwayv1connect.ContractServiceAuditContractProcedure:      identity.ScopeContracts,
		slipwayv1connect.ApiKeyServiceCreateApiKeyProcedure:         identity.ScopeKeys,
		slipwayv1connect.ApiKeyServiceDeleteApiKeyProcedure:         identity.ScopeKeys,
		slipwayv1connect.ApiKeyServiceListApiKeysProcedure:          identity.ScopeRead,
		slipwayv1connect.UserServiceSetUserRoleProcedure:            identity.ScopeKeys,
	}
	for p, s := range want {
		got, _ := RequiredScope(p)
		assert.Equal(t, s, got, p)
	}
}

// createKey makes a key with scopes (nil for none) over Connect with the
// given credential headers, answering the secret and the key.
func (e *testEnv) createKey(t testing.TB, scopes []string, cred ...string) (string, *slipwayv1.ApiKey, error) {
	t.Helper()
	_, keyc, _ := e.clients("connect")
	res, err := keyc.CreateApiKey(t.Context(), withHeader(connect.NewRequest(&slipwayv1.CreateApiKeyRequest{Name: "k", Scopes: scopes}), cred...))
	if err != nil {
		return "", nil, err
	}
	return res.Msg.GetKey(), res.Msg.GetApiKey(), nil
}

func apiKey(key string) []string { return []string{"X-API-Key", key} }

// TestKeyWithoutKeysScopeCannotManageKeys is issue 11's attack: a key made
// without scopes (every scope but keys) can neither make a child key nor
// revoke its parent, on Connect, gRPC, gRPC-Web and REST (403), and it
// keeps working afterwards.
func TestKeyWithoutKeysScopeCannotManageKeys(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "scoped@example.com")
	jwt := bearer(pair.GetAccessToken())
	parent, parentK, err := env.createKey(t, nil, jwt...)
	require.NoError(t, err)
	assert.Equal(t, []string{"read", "deploy", "contracts"}, parentK.GetScopes(), "no scopes means every scope but keys")
	child, _, err := env.createKey(t, []string{"read", "deploy", "contracts"}, jwt...)
	require.NoError(t, err)

	for proto := range protocols {
		t.Run(proto, func(t *testing.T) {
			_, keyc, _ := env.clients(proto)
			for _, scopes := range [][]string{nil, {"read"}} {
				_, err := keyc.CreateApiKey(t.Context(), withHeader(connect.NewRequest(&slipwayv1.CreateApiKeyRequest{Name: "grandchild", Scopes: scopes}), apiKey(child)...))
				require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "create with scopes %v: %v", scopes, err)
				assert.Contains(t, err.Error(), `lacks the "keys" scope`)
			}
			_, err := keyc.DeleteApiKey(t.Context(), withHeader(connect.NewRequest(&slipwayv1.DeleteApiKeyRequest{Id: parentK.GetId()}), apiKey(child)...))
			require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%v", err)
			// Listing is read, which the key holds.
			list, err := keyc.ListApiKeys(t.Context(), withHeader(connect.NewRequest(&slipwayv1.ListApiKeysRequest{}), apiKey(child)...))
			require.NoError(t, err)
			assert.Len(t, list.Msg.GetApiKeys(), 2, "nothing was created")
		})
	}

	a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "grandchild"}, apiKey(child)...)
	require.Equal(t, 403, a.status, "%s", a.raw)
	assert.Equal(t, float64(connect.CodePermissionDenied), a.body["code"])
	assert.Contains(t, a.body["message"], `lacks the "keys" scope, which CreateApiKey needs (its scopes: read,deploy,contracts)`)
	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+parentK.GetId(), nil, apiKey(child)...)
	require.Equal(t, 403, a.status, "%s", a.raw)
	assert.Equal(t, float64(connect.CodePermissionDenied), a.body["code"])
	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+uuid.NewString(), nil, apiKey(child)...)
	assert.Equal(t, 403, a.status, "refused before the handler, so an unknown id tells nothing: %s", a.raw)

	// Both keys still work and nothing was written.
	for _, k := range []string{parent, child} {
		assert.Equal(t, 200, env.rest(t, "GET", "/api/v1/me", nil, apiKey(k)...).status)
	}
	var active int
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT count(*) FROM api_keys WHERE revoked_at IS NULL").Scan(&active))
	assert.Equal(t, 2, active)
	assert.NotContains(t, env.auditActions(t), ActionAPIKeyRevoke)
}

// TestKeyScopesGateEveryService: a read-only key reads but cannot deploy,
// cancel, compile, generate or audit; a key with the default scopes gets
// past the scope check on all of them (this environment's contract and
// deployment services are the unimplemented stand-ins, so "past" is
// unimplemented here); and the streaming WatchDeployment needs read.
func TestKeyScopesGateEveryService(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "gates@example.com")
	jwt := bearer(pair.GetAccessToken())
	readOnly, k, err := env.createKey(t, []string{"read"}, jwt...)
	require.NoError(t, err)
	assert.Equal(t, []string{"read"}, k.GetScopes())
	defaults, _, err := env.createKey(t, nil, jwt...)
	require.NoError(t, err)
	keysOnly, _, err := env.createKey(t, []string{"keys"}, jwt...)
	require.NoError(t, err)

	type call struct {
		name  string
		scope identity.Scope
		do    func(ctx context.Context, c *http2Clients, cred []string) error
	}
	calls := []call{
		{"GetMe", identity.ScopeRead, func(ctx context.Context, c *http2Clients, cred []string) error {
			_, err := c.auth.GetMe(ctx, withHeader(connect.NewRequest(&slipwayv1.GetMeRequest{}), cred...))
			return err
		}},
		{"ListNetworks", identity.ScopeRead, func(ctx context.Context, c *http2Clients, cred []string) error {
			_, err := c.net.ListNetworks(ctx, withHeader(connect.NewRequest(&slipwayv1.ListNetworksRequest{}), cred...))
			return err
		}},
		{"ListDeployments", identity.ScopeRead, func(ctx context.Context, c *http2Clients, cred []string) error {
			_, err := c.dep.ListDeployments(ctx, withHeader(connect.NewRequest(&slipwayv1.ListDeploymentsRequest{}), cred...))
			return err
		}},
		{"WatchDeployment", identity.ScopeRead, func(ctx context.Context, c *http2Clients, cred []string) error {
			s, err := c.dep.WatchDeployment(ctx, withHeader(connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: uuid.NewString()}), cred...))
			if err != nil {
				return err
			}
			defer s.Close()
			s.Receive()
			return s.Err()
		}},
		{"CreateDeployment", identity.ScopeDeploy, func(ctx context.Context, c *http2Clients, cred []string) error {
			_, err := c.dep.CreateDeployment(ctx, withHeader(connect.NewRequest(&slipwayv1.CreateDeploymentRequest{Network: "dev", Source: "contract A {}", ContractName: "A"}), cred...))
			return err
		}},
		{"CancelDeployment", identity.ScopeDeploy, func(ctx context.Context, c *http2Clients, cred []string) error {
			_, err := c.dep.CancelDeployment(ctx, withHeader(connect.NewRequest(&slipwayv1.CancelDeploymentRequest{Id: uuid.NewString()}), cred...))
			return err
		}},
		{"CompileContract", identity.ScopeContracts, func(ctx context.Context, c *http2Clients, cred []string) error {
			_, err := c.contracts.CompileContract(ctx, withHeader(connect.NewRequest(&slipwayv1.CompileContractRequest{Source: "contract A {}"}), cred...))
			return err
		}},
		{"AuditContract", identity.ScopeContracts, func(ctx context.Context, c *http2Clients, cred []string) error {
			_, err := c.contracts.AuditContract(ctx, withHeader(connect.NewRequest(&slipwayv1.AuditContractRequest{Source: "contract A {}"}), cred...))
			return err
		}},
	}
	for proto := range protocols {
		c := env.allClients(proto)
		for _, cl := range calls {
			// Twice: the second call is answered from the API key cache,
			// which must carry the scopes too.
			for range 2 {
				err := cl.do(t.Context(), c, apiKey(readOnly))
				if cl.scope == identity.ScopeRead {
					assert.NotEqual(t, connect.CodePermissionDenied, connect.CodeOf(err), "%s %s with read: %v", proto, cl.name, err)
				} else {
					assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%s %s with read only: %v", proto, cl.name, err)
				}
				err = cl.do(t.Context(), c, apiKey(defaults))
				assert.NotEqual(t, connect.CodePermissionDenied, connect.CodeOf(err), "%s %s with the default scopes: %v", proto, cl.name, err)
				err = cl.do(t.Context(), c, apiKey(keysOnly))
				assert.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "%s %s with keys only: %v", proto, cl.name, err)
				err = cl.do(t.Context(), c, jwt)
				assert.NotEqual(t, connect.CodePermissionDenied, connect.CodeOf(err), "%s %s with a bearer token: %v", proto, cl.name, err)
			}
		}
	}

	a := env.rest(t, "POST", "/api/v1/contracts/deploy", map[string]any{"network": "dev", "source": "contract A {}", "contractName": "A"}, apiKey(readOnly)...)
	assert.Equal(t, 403, a.status, "%s", a.raw)
	assert.Contains(t, a.body["message"], `lacks the "deploy" scope, which CreateDeployment needs (its scopes: read)`)
	a = env.rest(t, "POST", "/api/v1/contracts/compile", map[string]any{"source": "contract A {}"}, apiKey(readOnly)...)
	assert.Equal(t, 403, a.status, "%s", a.raw)
	a = env.rest(t, "GET", "/api/v1/me", nil, apiKey(keysOnly)...)
	assert.Equal(t, 403, a.status, "%s", a.raw)
	a = env.rest(t, "GET", "/api/v1/me", nil, apiKey(readOnly)...)
	assert.Equal(t, 200, a.status, "%s", a.raw)
}

type http2Clients struct {
	auth      slipwayv1connect.AuthServiceClient
	net       slipwayv1connect.NetworkServiceClient
	dep       slipwayv1connect.DeploymentServiceClient
	contracts slipwayv1connect.ContractServiceClient
}

func (e *testEnv) allClients(protocol string) *http2Clients {
	c, opts := protocols[protocol](e.srv.URL)
	return &http2Clients{
		auth:      slipwayv1connect.NewAuthServiceClient(c, e.srv.URL, opts...),
		net:       slipwayv1connect.NewNetworkServiceClient(c, e.srv.URL, opts...),
		dep:       slipwayv1connect.NewDeploymentServiceClient(c, e.srv.URL, opts...),
		contracts: slipwayv1connect.NewContractServiceClient(c, e.srv.URL, opts...),
	}
}

// TestKeysScopeManagesKeysWithinItsOwnScopes: a key with keys may create
// and revoke keys, but only grant scopes it holds, so a key-management key
// cannot mint itself a deploying one.
func TestKeysScopeManagesKeysWithinItsOwnScopes(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "manager@example.com")
	manager, managerK, err := env.createKey(t, []string{"keys", "read"}, bearer(pair.GetAccessToken())...)
	require.NoError(t, err)
	assert.Equal(t, []string{"read", "keys"}, managerK.GetScopes(), "canonical order")

	child, childK, err := env.createKey(t, []string{"read"}, apiKey(manager)...)
	require.NoError(t, err)
	assert.Equal(t, []string{"read"}, childK.GetScopes())
	_, _, err = env.createKey(t, []string{"read", "keys"}, apiKey(manager)...)
	require.NoError(t, err, "its own scopes, keys included")

	for _, scopes := range [][]string{{"deploy"}, {"read", "contracts"}, nil} {
		_, _, err := env.createKey(t, scopes, apiKey(manager)...)
		require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), "scopes %v: %v", scopes, err)
		assert.Contains(t, err.Error(), "an API key can grant only scopes it holds")
	}
	a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "x", "scopes": []string{"deploy"}}, apiKey(manager)...)
	assert.Equal(t, 403, a.status, "%s", a.raw)
	assert.Contains(t, a.body["message"], "lacks deploy")

	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+childK.GetId(), nil, apiKey(manager)...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Equal(t, 401, env.rest(t, "GET", "/api/v1/me", nil, apiKey(child)...).status)
}

// TestBearerCallersKeepEveryRight: a person who logged in may create keys
// with any scopes, all four included, and revoke them.
func TestBearerCallersKeepEveryRight(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "person@example.com")
	jwt := bearer(pair.GetAccessToken())
	a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "all", "scopes": []string{"keys", "contracts", "deploy", "read"}}, jwt...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	k := a.body["apiKey"].(map[string]any)
	assert.Equal(t, []any{"read", "deploy", "contracts", "keys"}, k["scopes"])
	a = env.rest(t, "GET", "/api/v1/api-keys", nil, jwt...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	assert.Equal(t, []any{"read", "deploy", "contracts", "keys"}, a.body["apiKeys"].([]any)[0].(map[string]any)["scopes"], "listings show scopes")
	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+k["id"].(string), nil, jwt...)
	assert.Equal(t, 200, a.status, "%s", a.raw)
}

// TestCreateAPIKeyScopeValidation: only the four names, each once.
func TestCreateAPIKeyScopeValidation(t *testing.T) {
	env := newEnv(t, envOptions{})
	_, pair := env.account(t, "validate-scopes@example.com")
	jwt := bearer(pair.GetAccessToken())
	for _, scopes := range [][]string{{"admin"}, {"read", "read"}, {"Read"}, {""}, {"read", "deploy", "contracts", "keys", "read"}} {
		a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "x", "scopes": scopes}, jwt...)
		assert.Equal(t, 400, a.status, "scopes %v: %s", scopes, a.raw)
		assert.Equal(t, float64(connect.CodeInvalidArgument), a.body["code"], "scopes %v", scopes)
		assert.Contains(t, a.body["message"], "scopes", "scopes %v", scopes)
	}
	var n int
	require.NoError(t, env.pool.QueryRow(t.Context(), "SELECT count(*) FROM api_keys").Scan(&n))
	assert.Zero(t, n)
}

// TestAPIKeyCap: a user may hold MaxAPIKeysPerUser active keys; one more
// is failed_precondition with a plain message, revoking one makes room,
// the cap is per user, and it holds when creations race.
func TestAPIKeyCap(t *testing.T) {
	env := newEnv(t, envOptions{cfg: Config{MaxAPIKeysPerUser: 3}})
	_, pair := env.account(t, "capped@example.com")
	jwt := bearer(pair.GetAccessToken())
	var first *slipwayv1.ApiKey
	for i := range 3 {
		_, k, err := env.createKey(t, nil, jwt...)
		require.NoError(t, err, "key %d", i)
		if first == nil {
			first = k
		}
	}
	_, _, err := env.createKey(t, nil, jwt...)
	require.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "you have 3 active API keys, the most allowed; revoke one")
	a := env.rest(t, "POST", "/api/v1/api-keys", map[string]any{"name": "one too many"}, jwt...)
	assert.Equal(t, 400, a.status, "%s", a.raw)
	assert.Equal(t, float64(connect.CodeFailedPrecondition), a.body["code"])

	a = env.rest(t, "DELETE", "/api/v1/api-keys/"+first.GetId(), nil, jwt...)
	require.Equal(t, 200, a.status, "%s", a.raw)
	_, _, err = env.createKey(t, nil, jwt...)
	require.NoError(t, err, "a revoked key no longer counts")

	// Another user has a cap of their own; and creations that race never
	// pass it.
	_, other := env.account(t, "racer@example.com")
	var (
		wg              sync.WaitGroup
		mu              sync.Mutex
		ok, overTheCap  int
		unexpectedCodes []error
	)
	for range 12 {
		wg.Go(func() {
			_, _, err := env.createKey(t, nil, bearer(other.GetAccessToken())...)
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case connect.CodeOf(err) == connect.CodeFailedPrecondition:
				overTheCap++
			default:
				unexpectedCodes = append(unexpectedCodes, err)
			}
		})
	}
	wg.Wait()
	require.Empty(t, unexpectedCodes)
	assert.Equal(t, 3, ok)
	assert.Equal(t, 9, overTheCap)
}

func TestMaxAPIKeysPerUserIsValidated(t *testing.T) {
	for _, n := range []int{-1, MaxAPIKeysPerUserLimit + 1} {
		_, err := Config{MaxAPIKeysPerUser: n}.withDefaults()
		assert.ErrorContains(t, err, "max api keys per user", "%d", n)
	}
	c, err := Config{}.withDefaults()
	require.NoError(t, err)
	assert.Equal(t, DefaultMaxAPIKeysPerUser, c.MaxAPIKeysPerUser)
}
