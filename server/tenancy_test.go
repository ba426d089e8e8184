package server

import (
	"context"
	"errors"
	"math/big"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/usertier"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/identity"
	"github.com/slipway-dev/slipway/server/servertest"
)

// tenancyConfig is testNetworks as a networks file: dev is a local chain
// (open to all), sepolia and mainnet are real chains (paid only).
func tenancyConfig(tiers map[string]chain.TierPolicy) chain.Config {
	cfg := chain.Config{Tiers: tiers}
	for _, n := range testNetworks {
		cfg.Networks = append(cfg.Networks, chain.Network{Name: n.Name, ChainID: n.ChainID, Confirmations: n.Confirmations, RPCURLs: []string{"http://127.0.0.1:1"}})
	}
	return cfg
}

// tenancyEnv serves the real DeploymentService and NetworkService with
// tenancy behind servertest.FakeAuth.
type tenancyEnv struct {
	*testEnv
	pool    *pgxpool.Pool
	q       *db.Queries
	wf      *servertest.Workflows
	tenancy *Tenancy
}

func newTenancyEnv(t *testing.T, cfg chain.Config) *tenancyEnv {
	t.Helper()
	pool := dbtest.New(t)
	ten := NewTenancy(pool, cfg)
	wf := &servertest.Workflows{}
	env := newEnv(t, withDeployments(pool, wf, deployments.WithTenancy(ten)), func(c *Config, d *Deps) {
		d.Services.Networks = NewNetworkService(c.Networks, ten)
	})
	return &tenancyEnv{testEnv: env, pool: pool, q: db.New(pool), wf: wf, tenancy: ten}
}

func (e *tenancyEnv) client(protocol string) slipwayv1connect.DeploymentServiceClient {
	return servertest.DeploymentClient(e.srv.URL, protocol)
}

func (e *tenancyEnv) userOn(t *testing.T, tier string) (uuid.UUID, string) {
	t.Helper()
	id, bearer := servertest.NewUser(t, e.q)
	u, err := e.q.GetUserByID(t.Context(), id)
	require.NoError(t, err)
	_, err = e.q.SetUserTierByEmail(t.Context(), db.SetUserTierByEmailParams{Email: u.Email, Tier: tier})
	require.NoError(t, err)
	return id, bearer
}

func templateRequest(network, key string) *slipwayv1.CreateDeploymentRequest {
	r := servertest.SourceRequest(key)
	r.Network = network
	return r
}

// restDeployBody is templateRequest(network, "") as REST JSON.
func restDeployBody(t *testing.T, network string) *strings.Reader {
	t.Helper()
	b, err := protojson.Marshal(templateRequest(network, ""))
	require.NoError(t, err)
	return strings.NewReader(string(b))
}

// A real chain is closed to the free tier unless the file opens it: the
// free user is refused permission_denied naming the network on every
// protocol and sees only dev in ListNetworks; the paid user deploys.
func TestNetworksByTier(t *testing.T) {
	e := newTenancyEnv(t, tenancyConfig(nil))
	_, free := e.userOn(t, usertier.Free)
	_, paid := e.userOn(t, usertier.Paid)

	for _, proto := range []string{"connect", "grpc", "grpc-web"} {
		_, err := e.client(proto).CreateDeployment(t.Context(), servertest.Authed(templateRequest("sepolia", ""), free))
		require.Equal(t, connect.CodePermissionDenied, connect.CodeOf(err), proto)
		require.Contains(t, err.Error(), `network "sepolia" is not open to the free tier`)
	}
	a := e.do(t, http.MethodPost, "/api/v1/contracts/deploy", "application/json",
		restDeployBody(t, "mainnet"), "Authorization", free)
	require.Equal(t, http.StatusForbidden, a.status, string(a.body))
	require.Equal(t, 0, e.wf.Starts())

	_, err := e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("sepolia", ""), paid))
	require.NoError(t, err)
	_, err = e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("dev", ""), free))
	require.NoError(t, err)

	nets := slipwayv1connect.NewNetworkServiceClient(h1Client, e.srv.URL)
	names := func(bearer string) map[string]uint64 {
		res, err := nets.ListNetworks(t.Context(), servertest.Authed(&slipwayv1.ListNetworksRequest{}, bearer))
		require.NoError(t, err)
		out := map[string]uint64{}
		for _, n := range res.Msg.GetNetworks() {
			out[n.GetName()] = n.GetMaxGasPerDeployment()
		}
		return out
	}
	require.Equal(t, map[string]uint64{"dev": 5_000_000}, names(free))
	require.Equal(t, map[string]uint64{"dev": 15_000_000, "mainnet": 15_000_000, "sepolia": 15_000_000}, names(paid))
}

// A used-up budget refuses the next deployment with resource_exhausted,
// naming the budget, with a Retry-After for when spend leaves the period;
// a replay of an earlier request still answers its deployment.
func TestExhaustedBudgetRefusesBeforeStarting(t *testing.T) {
	e := newTenancyEnv(t, tenancyConfig(nil))
	user, bearer := e.userOn(t, usertier.Free)
	first, err := e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("dev", "k1"), bearer))
	require.NoError(t, err)

	// The first deployment signed and paid exactly the budget.
	_, err = e.q.SetSpendBudget(t.Context(), db.SetSpendBudgetParams{UserID: user, Network: "dev", LimitWei: db.Wei(big.NewInt(1000)), PeriodSeconds: 3600})
	require.NoError(t, err)
	_, err = e.pool.Exec(t.Context(), `INSERT INTO spend_reservations (deployment_id, user_id, network, reserved_wei, spent_wei, state, ended_at)
		VALUES ($1, $2, 'dev', 0, 1000, 'settled', now())`, uuid.MustParse(first.Msg.GetDeployment().GetId()), user)
	require.NoError(t, err)

	_, err = e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("dev", "k2"), bearer))
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), "budget exhausted: spend budget on dev: 1000 wei per 1h0m0s, 1000 wei used or reserved, 0 wei left")
	var ce *connect.Error
	require.True(t, errors.As(err, &ce))
	retry, perr := strconv.Atoi(ce.Meta().Get("Retry-After"))
	require.NoError(t, perr)
	require.InDelta(t, 3600, retry, 5)

	again, err := e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("dev", "k1"), bearer))
	require.NoError(t, err, "an idempotent replay is never refused")
	require.Equal(t, first.Msg.GetDeployment().GetId(), again.Msg.GetDeployment().GetId())

	// REST: 429 with the same words.
	a := e.do(t, http.MethodPost, "/api/v1/contracts/deploy", "application/json",
		restDeployBody(t, "dev"), "Authorization", bearer)
	require.Equal(t, http.StatusTooManyRequests, a.status, string(a.body))
	require.NotEmpty(t, a.header.Get("Retry-After"))

	// Budgets shows it, and a raised budget lets the next one through.
	bs, err := e.tenancy.Budgets(t.Context(), user)
	require.NoError(t, err)
	require.Len(t, bs, 1)
	require.Equal(t, "dev", bs[0].GetNetwork())
	require.Equal(t, "1000", bs[0].GetLimitWei())
	require.Equal(t, "1000", bs[0].GetSpentWei())
	require.Equal(t, "0", bs[0].GetReservedWei())
	require.Equal(t, time.Hour, bs[0].GetPeriod().AsDuration())
	require.WithinDuration(t, time.Now().Add(time.Hour), bs[0].GetResetsAt().AsTime(), 5*time.Second)
	_, err = e.q.SetSpendBudget(t.Context(), db.SetSpendBudgetParams{UserID: user, Network: "dev", LimitWei: db.Wei(big.NewInt(5000)), PeriodSeconds: 3600})
	require.NoError(t, err)
	_, err = e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("dev", "k3"), bearer))
	require.NoError(t, err)
}

// Concurrent requests never pass the tier's cap of deployments in flight.
func TestDeploymentsInFlightAreCapped(t *testing.T) {
	e := newTenancyEnv(t, tenancyConfig(map[string]chain.TierPolicy{usertier.Free: {MaxDeploymentsInFlight: 2}}))
	_, bearer := e.userOn(t, usertier.Free)
	_, other := e.userOn(t, usertier.Free)
	var wg sync.WaitGroup
	errs := make([]error, 6)
	for i := range errs {
		wg.Go(func() {
			_, errs[i] = e.client("connect").CreateDeployment(context.Background(), servertest.Authed(templateRequest("dev", ""), bearer))
		})
	}
	wg.Wait()
	ok := 0
	for _, err := range errs {
		if err == nil {
			ok++
			continue
		}
		require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
		require.Contains(t, err.Error(), "too many deployments in flight: 2, the free tier allows 2")
		var ce *connect.Error
		require.True(t, errors.As(err, &ce))
		require.NotEmpty(t, ce.Meta().Get("Retry-After"))
	}
	require.Equal(t, 2, ok)
	_, err := e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("dev", ""), other))
	require.NoError(t, err, "another user has a cap of their own")

	// One ends: the next is admitted.
	started, _ := e.wf.Started()
	servertest.Record(t, e.pool, started[0].ID, status.Failed, "failed", db.UpdateDeploymentProgressParams{})
	_, err = e.client("connect").CreateDeployment(t.Context(), servertest.Authed(templateRequest("dev", ""), bearer))
	require.NoError(t, err)
}

// blockingCompiler holds every compile until released.
type blockingCompiler struct {
	started chan struct{}
	release chan struct{}
}

func (b blockingCompiler) Compile(ctx context.Context, _ *slipwayv1.CompileContractRequest) (*slipwayv1.CompileContractResponse, error) {
	b.started <- struct{}{}
	select {
	case <-b.release:
	case <-ctx.Done():
		return nil, ctx.Err()
	}
	return &slipwayv1.CompileContractResponse{}, nil
}

// A user's builds in flight are capped; a finished one frees its slot.
func TestBuildsInFlightAreCapped(t *testing.T) {
	pool := dbtest.New(t)
	ten := NewTenancy(pool, tenancyConfig(map[string]chain.TierPolicy{usertier.Free: {MaxBuildsInFlight: 2}}))
	bc := blockingCompiler{started: make(chan struct{}, 8), release: make(chan struct{})}
	c, _ := ten.Builds(bc, nil)
	u, err := db.New(pool).CreateUser(t.Context(), db.CreateUserParams{Email: "b@example.com", PasswordHash: "x"})
	require.NoError(t, err)
	ctx := identity.NewContext(t.Context(), identity.Principal{UserID: u.ID})
	done := make(chan error, 2)
	for range 2 {
		go func() { _, err := c.Compile(ctx, &slipwayv1.CompileContractRequest{}); done <- err }()
		<-bc.started
	}
	_, err = c.Compile(ctx, &slipwayv1.CompileContractRequest{})
	require.Equal(t, connect.CodeResourceExhausted, connect.CodeOf(err), "%v", err)
	require.Contains(t, err.Error(), "too many compile and audit requests in flight: 2, the free tier allows 2")
	bc.release <- struct{}{}
	require.NoError(t, <-done)
	go func() { _, err := c.Compile(ctx, &slipwayv1.CompileContractRequest{}); done <- err }()
	<-bc.started
	close(bc.release)
	require.NoError(t, <-done)
	require.NoError(t, <-done)
	var n int
	require.NoError(t, pool.QueryRow(t.Context(), "SELECT count(*) FROM build_slots").Scan(&n))
	require.Equal(t, 0, n, "every slot is freed")
}
