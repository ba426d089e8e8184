package deployments_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/proto"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/servertest"
)

// A multi-network request records one row per network under a parent whose
// workflow gets them as its parts; lists show the parent only, and the
// parent's answer carries its networks.
func TestCreateDeploymentOnSeveralNetworks(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, bearer := env.newUser(t)
	c := env.client("connect")
	req := servertest.SourceRequest("multi-1")
	req.Network, req.Networks = "", []string{"dev", "sepolia"}
	res, err := c.CreateDeployment(context.Background(), servertest.Authed(req, bearer))
	require.NoError(t, err)
	d := res.Msg.GetDeployment()
	assert.Equal(t, []string{"dev", "sepolia"}, d.GetNetworks())
	assert.Empty(t, d.GetNetwork())
	require.Len(t, d.GetChildren(), 2, "the answer names each network's deployment")
	assert.Equal(t, "sepolia", d.GetChildren()[1].GetNetwork())

	trees := env.wf.Trees()
	require.Len(t, trees, 1, "one workflow for the whole")
	require.Len(t, trees[0].Parts, 2)
	for i, n := range []string{"dev", "sepolia"} {
		p := trees[0].Parts[i].Row
		assert.Equal(t, n, p.Network)
		assert.Equal(t, "deploy", p.Role)
		require.NotNil(t, p.ParentID)
		assert.Equal(t, d.GetId(), p.ParentID.String())
		assert.Equal(t, "deployment-"+p.ID.String(), p.WorkflowID)
	}
	assert.Equal(t, int32(1), trees[0].Parts[0].Row.RequiredConfirmations, "each network's own default")
	assert.Equal(t, int32(3), trees[0].Parts[1].Row.RequiredConfirmations)

	list, err := c.ListDeployments(context.Background(), servertest.Authed(&slipwayv1.ListDeploymentsRequest{}, bearer))
	require.NoError(t, err)
	require.Len(t, list.Msg.GetDeployments(), 1, "parts are listed with their parent")

	got, err := c.GetDeployment(context.Background(), servertest.Authed(&slipwayv1.GetDeploymentRequest{Id: d.GetId()}, bearer))
	require.NoError(t, err)
	require.Len(t, got.Msg.GetDeployment().GetChildren(), 2)

	// The same key answers the same deployment, without a second workflow.
	again, err := c.CreateDeployment(context.Background(), servertest.Authed(req, bearer))
	require.NoError(t, err)
	assert.Equal(t, d.GetId(), again.Msg.GetDeployment().GetId())
	assert.Equal(t, 1, env.wf.Starts())
}

func TestCreateDeploymentRefusesBadNetworksAndSalts(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	_, bearer := env.newUser(t)
	c := env.client("connect")
	for name, tc := range map[string]struct {
		edit func(*slipwayv1.CreateDeploymentRequest)
		code connect.Code
		msg  string
	}{
		"network and networks": {func(r *slipwayv1.CreateDeploymentRequest) { r.Networks = []string{"sepolia"} }, connect.CodeInvalidArgument, "exactly one of network or networks"},
		"neither":              {func(r *slipwayv1.CreateDeploymentRequest) { r.Network = "" }, connect.CodeInvalidArgument, "exactly one of network or networks"},
		"repeated network":     {func(r *slipwayv1.CreateDeploymentRequest) { r.Network, r.Networks = "", []string{"dev", "dev"} }, connect.CodeInvalidArgument, "unique"},
		"unknown network":      {func(r *slipwayv1.CreateDeploymentRequest) { r.Network, r.Networks = "", []string{"dev", "nope"} }, connect.CodeInvalidArgument, "nope"},
		"short salt":           {func(r *slipwayv1.CreateDeploymentRequest) { r.Salt = "0x1234" }, connect.CodeInvalidArgument, "salt"},
		"scope without salt":   {func(r *slipwayv1.CreateDeploymentRequest) { r.SaltScope = "raw" }, connect.CodeInvalidArgument, "salt_scope needs a salt"},
		"unknown scope": {func(r *slipwayv1.CreateDeploymentRequest) {
			r.Salt, r.SaltScope = "0x"+strings.Repeat("1", 64), "global"
		}, connect.CodeInvalidArgument, "salt_scope"},
		// This API runs without a compiler: a salted address cannot be
		// computed now, so nothing is recorded and the client may retry.
		"salt without a compiler": {func(r *slipwayv1.CreateDeploymentRequest) { r.Salt = "0x" + strings.Repeat("1", 64) }, connect.CodeUnavailable, "address"},
	} {
		t.Run(name, func(t *testing.T) {
			req := servertest.SourceRequest("")
			tc.edit(req)
			_, err := c.CreateDeployment(context.Background(), servertest.Authed(req, bearer))
			require.Error(t, err)
			assert.Equal(t, tc.code, connect.CodeOf(err), "%v", err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
	assert.Equal(t, 0, env.wf.Starts())
}

// confirmedProxy records a CONFIRMED UUPS proxy deployment of user's.
func confirmedProxy(t *testing.T, env *depEnv, user uuid.UUID) db.Deployment {
	t.Helper()
	id := uuid.New()
	d, err := env.q.CreateDeployment(context.Background(), db.CreateDeploymentParams{
		ID: id, UserID: user, Network: "dev", ContractName: "MyToken", WorkflowID: "deployment-" + id.String(),
		ProxyKind: "uups", ContractAddress: "0x" + strings.Repeat("ab", 20),
	})
	require.NoError(t, err)
	servertest.Record(t, env.pool, d.ID, status.Confirmed, "confirmed", db.UpdateDeploymentProgressParams{})
	return d
}

func TestUpgradeDeployment(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	user, bearer := env.newUser(t)
	c := env.client("connect")
	upgrade := func(id string, key string) (*slipwayv1.Deployment, error) {
		req := servertest.SourceRequest("")
		res, err := c.UpgradeDeployment(context.Background(), servertest.Authed(&slipwayv1.UpgradeDeploymentRequest{
			Id: id, Source: req.GetSource(), ContractName: req.GetContractName(), IdempotencyKey: key, CallData: "0xABCD",
		}, bearer))
		if err != nil {
			return nil, err
		}
		return res.Msg.GetDeployment(), nil
	}

	// Not a proxy, not found, not the caller's.
	plain, err := c.CreateDeployment(context.Background(), servertest.Authed(servertest.SourceRequest(""), bearer))
	require.NoError(t, err)
	_, err = upgrade(plain.Msg.GetDeployment().GetId(), "")
	assert.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err), "%v", err)
	_, err = upgrade(uuid.NewString(), "")
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err))
	other, _ := env.newUser(t)
	_, err = upgrade(confirmedProxy(t, env, other).ID.String(), "")
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "another user's proxy is not found")

	proxy := confirmedProxy(t, env, user)
	u, err := upgrade(proxy.ID.String(), "up-1")
	require.NoError(t, err)
	assert.Equal(t, proxy.ID.String(), u.GetUpgradeOf())
	assert.Equal(t, "uups", u.GetProxyKind())
	assert.Equal(t, proxy.ContractAddress, u.GetContractAddress())
	trees := env.wf.Trees()
	tr := trees[len(trees)-1]
	require.NotNil(t, tr.Upgrade)
	assert.Equal(t, proxy.ID, tr.Upgrade.Current, "the proxy's own build is the current implementation")
	assert.Equal(t, "0xabcd", tr.Upgrade.CallData)
	require.Len(t, tr.Parts, 1)
	assert.Equal(t, "implementation", tr.Parts[0].Row.Role)

	// The same key answers the same upgrade; another one while it runs is
	// refused.
	again, err := upgrade(proxy.ID.String(), "up-1")
	require.NoError(t, err)
	assert.Equal(t, u.GetId(), again.GetId())
	_, err = upgrade(proxy.ID.String(), "up-2")
	assert.Equal(t, connect.CodeFailedPrecondition, connect.CodeOf(err), "%v", err)
	assert.Contains(t, err.Error(), "another upgrade")

	// Once it is confirmed, the next upgrade compares with it.
	servertest.Record(t, env.pool, uuid.MustParse(u.GetId()), status.Confirmed, "confirmed", db.UpdateDeploymentProgressParams{})
	_, err = upgrade(proxy.ID.String(), "up-3")
	require.NoError(t, err)
	trees = env.wf.Trees()
	assert.Equal(t, u.GetId(), trees[len(trees)-1].Upgrade.Current.String())
}

func TestProvenanceDigest(t *testing.T) {
	env := newDepEnv(t, depOptions{noHub: true})
	user, bearer := env.newUser(t)
	c := env.client("connect")
	d := confirmedProxy(t, env, user)
	_, err := env.pool.Exec(context.Background(), `INSERT INTO deploy_txs (tx_hash, deployment_id, network, signer, nonce, attempt, kind, raw_tx, gas_limit, max_fee_per_gas, max_priority_fee_per_gas)
		VALUES ($1, $2, 'dev', $3, 7, 0, 'deploy', '\x00', 21000, 1, 1)`, "0x"+strings.Repeat("c", 64), d.ID, "0x"+strings.Repeat("d", 40))
	require.NoError(t, err)
	res, err := c.GetProvenance(context.Background(), servertest.Authed(&slipwayv1.GetProvenanceRequest{Id: d.ID.String()}, bearer))
	require.NoError(t, err)
	p := res.Msg.GetProvenance()
	require.Len(t, p.GetNetworks(), 1)
	n := p.GetNetworks()[0]
	assert.Equal(t, uint64(31337), n.GetChainId())
	require.Len(t, n.GetTransactions(), 1)
	assert.Equal(t, "proxy", n.GetTransactions()[0].GetRole())
	assert.Equal(t, uint64(7), n.GetTransactions()[0].GetNonce())

	// The digest is what the API documents, and changes with the record.
	c2 := proto.Clone(p).(*slipwayv1.Provenance)
	c2.Digest = ""
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c2)
	require.NoError(t, err)
	sum := sha256.Sum256(b)
	assert.Equal(t, "0x"+hex.EncodeToString(sum[:]), p.GetDigest())

	_, otherBearer := env.newUser(t)
	_, err = c.GetProvenance(context.Background(), servertest.Authed(&slipwayv1.GetProvenanceRequest{Id: d.ID.String()}, otherBearer))
	assert.Equal(t, connect.CodeNotFound, connect.CodeOf(err), "another user's deployment is not found")
}
