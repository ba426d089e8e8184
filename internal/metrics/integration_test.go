package metrics_test

import (
	"context"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/progress"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/status"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func newDeployment(t *testing.T, pool *pgxpool.Pool, user uuid.UUID, network string) uuid.UUID {
	t.Helper()
	id := uuid.New()
	if _, err := db.New(pool).CreateDeployment(context.Background(), db.CreateDeploymentParams{
		ID: id, UserID: user, Network: network, WorkflowID: "deployment-" + id.String(), Request: []byte("{}"),
	}); err != nil {
		t.Fatal(err)
	}
	return id
}

func newUser(t *testing.T, pool *pgxpool.Pool) uuid.UUID {
	t.Helper()
	u, err := db.New(pool).CreateUser(context.Background(), db.CreateUserParams{Email: uuid.NewString() + "@example.com", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// TestRecordCountsEachEndOnce: the step that ends a deployment counts it,
// with a confirmed one's gas and fee; a retried step does not count again.
func TestRecordCountsEachEndOnce(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	m, _ := metrics.New(reg)
	p := &progress.Activities{Pool: pool, Metrics: m}
	user := newUser(t, pool)

	ok := newDeployment(t, pool, user, "dev")
	gas := uint64(1_158_437)
	step := progressapi.Step{DeploymentID: ok.String(), Status: status.Confirmed, Message: "confirmed",
		GasUsed: &gas, FeePaid: "1159595437000000"}
	if err := p.Record(ctx, progressapi.Step{DeploymentID: ok.String(), Status: status.Confirming, Message: "waiting"}); err != nil {
		t.Fatal(err)
	}
	for range 2 { // the second is a retry of the same step
		if err := p.Record(ctx, step); err != nil {
			t.Fatal(err)
		}
	}
	bad := newDeployment(t, pool, user, "sepolia")
	reason := "the constructor reverts"
	if err := p.Record(ctx, progressapi.Step{DeploymentID: bad.String(), Status: status.Failed, Message: "failed", Error: &reason}); err != nil {
		t.Fatal(err)
	}
	if got := mustSample(t, reg, "slipway_deployments_finished_total", map[string]string{"network": "dev", "status": "CONFIRMED"}); got != 1 {
		t.Errorf("confirmed = %g, want 1", got)
	}
	if got := mustSample(t, reg, "slipway_deployments_finished_total", map[string]string{"network": "sepolia", "status": "FAILED"}); got != 1 {
		t.Errorf("failed = %g, want 1", got)
	}
	if got := mustSample(t, reg, "slipway_deployment_gas_used_total", map[string]string{"network": "dev"}); got != float64(gas) {
		t.Errorf("gas = %g, want %d", got, gas)
	}
	if got := mustSample(t, reg, "slipway_deployment_fee_paid_wei_total", map[string]string{"network": "dev"}); got != 1159595437000000 {
		t.Errorf("fee = %g", got)
	}
}

func TestActiveDeploymentsAndPoolStats(t *testing.T) {
	ctx := context.Background()
	pool := dbtest.New(t)
	reg := prometheus.NewRegistry()
	m, _ := metrics.New(reg)
	reg.MustRegister(metrics.NewPoolCollector(pool))
	p := &progress.Activities{Pool: pool}
	user := newUser(t, pool)

	// One deployment has been CONFIRMING for an hour (its later
	// confirmation events do not restart the clock), one just started,
	// one ended.
	old := newDeployment(t, pool, user, "dev")
	for _, s := range []string{status.Compiling, status.Confirming, status.Confirming} {
		if err := p.Record(ctx, progressapi.Step{DeploymentID: old.String(), Status: s, Message: s}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, `UPDATE deployment_events SET created_at = now() - interval '1 hour' WHERE deployment_id = $1 AND seq <= 2`, old); err != nil {
		t.Fatal(err)
	}
	newDeployment(t, pool, user, "dev")
	done := newDeployment(t, pool, user, "dev")
	if err := p.Record(ctx, progressapi.Step{DeploymentID: done.String(), Status: status.Failed, Message: "failed"}); err != nil {
		t.Fatal(err)
	}
	if err := m.UpdateActiveDeployments(ctx, pool); err != nil {
		t.Fatal(err)
	}
	for status, want := range map[string]float64{"PENDING": 1, "CONFIRMING": 1, "COMPILING": 0, "DEPLOYING": 0} {
		if got := mustSample(t, reg, "slipway_deployments_active", map[string]string{"status": status}); got != want {
			t.Errorf("active %s = %g, want %g", status, got, want)
		}
	}
	age := mustSample(t, reg, "slipway_deployment_oldest_active_age_seconds", map[string]string{"status": "CONFIRMING"})
	if age < 3500 || age > 3700 {
		t.Errorf("oldest CONFIRMING age = %gs, want about an hour", age)
	}
	if got := mustSample(t, reg, "slipway_deployment_oldest_active_age_seconds", map[string]string{"status": "LINTING"}); got != 0 {
		t.Errorf("oldest LINTING age = %g, want 0", got)
	}
	if got := mustSample(t, reg, "slipway_db_pool_acquires_total", nil); got < 1 {
		t.Errorf("acquires = %g, want some", got)
	}
	if got := mustSample(t, reg, "slipway_db_pool_max_conns", nil); got < 1 {
		t.Errorf("max conns = %g", got)
	}
}

// TestSignerBalanceReadsTheChain: the gauge holds what the chain says the
// signer derived from the configured key holds.
func TestSignerBalanceReadsTheChain(t *testing.T) {
	node := anvil.NewForTest(t)
	acct := node.Accounts()[0]
	reg := prometheus.NewRegistry()
	m, _ := metrics.New(reg)
	a := &deploy.Activities{
		Networks: chain.Config{Networks: []chain.Network{{Name: "dev", ChainID: node.ChainID(), RPCURLs: []string{node.RPCURL()}, Confirmations: 1, Signer: "test:deployer"}}},
		Secrets:  secrets.Static{"test:deployer": secrets.NewSecretString(acct.PrivateKey)},
		Metrics:  m,
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deploy.UpdateSignerBalances(ctx, a)
	ec, err := ethclient.Dial(node.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	want, err := ec.BalanceAt(ctx, acct.Address, nil)
	if err != nil {
		t.Fatal(err)
	}
	got := mustSample(t, reg, "slipway_signer_balance_wei", map[string]string{"network": "dev", "signer": acct.Address.Hex()})
	if wf, _ := new(big.Float).SetInt(want).Float64(); got != wf || got == 0 {
		t.Fatalf("balance = %g, want %g", got, wf)
	}
	// Spend, and the next read follows.
	if err := ec.Client().CallContext(ctx, nil, "anvil_setBalance", acct.Address, "0x64"); err != nil {
		t.Fatal(err)
	}
	deploy.UpdateSignerBalances(ctx, a)
	if got := mustSample(t, reg, "slipway_signer_balance_wei", map[string]string{"network": "dev", "signer": acct.Address.Hex()}); got != 100 {
		t.Fatalf("balance after set = %g, want 100", got)
	}
}
