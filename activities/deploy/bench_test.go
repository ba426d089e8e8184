package deploy_test

import (
	"context"
	"encoding/hex"
	"math/big"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/secrets"
)

// BenchmarkPrepareBudget measures the deploy stage's signing step (estimate,
// fees, balance, then the transaction that locks the deployment, allocates
// the nonce, stores the signed bytes and moves the status) with the spend
// reservation and without it, alternating the two in one run on the
// simulated chain and one database: budget-us over bare-us is what budgets
// cost a deployment's signing.
func BenchmarkPrepareBudget(b *testing.B) {
	key, err := crypto.GenerateKey()
	if err != nil {
		b.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	back := simBackend(b, types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(1e6), big.NewInt(1e18))}})
	cfg := chain.Config{Networks: []chain.Network{{Name: "sim", ChainID: 1337, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 1, Signer: "env:SIGNER"}}}
	pool := dbtest.New(b)
	sp := secrets.Static{"env:SIGNER": secrets.NewSecretString(hex.EncodeToString(crypto.FromECDSA(key)))}
	dial := func(context.Context, chain.Network) (chain.Backend, error) { return back.Client(), nil }
	withBudget := &deploy.Activities{Pool: pool, Networks: cfg, Secrets: sp, Dial: dial}
	bare := &deploy.Activities{Pool: pool, Networks: cfg, Secrets: sp, Dial: dial}
	deploy.SkipSpend(bare)
	q := db.New(pool)
	tier := "paid"
	u, err := q.CreateUser(b.Context(), db.CreateUserParams{Email: "bench@example.com", PasswordHash: "x", Tier: &tier})
	if err != nil {
		b.Fatal(err)
	}
	prepare := func(a *deploy.Activities) time.Duration {
		id := uuid.New()
		if _, err := q.CreateDeployment(b.Context(), db.CreateDeploymentParams{ID: id, UserID: u.ID, Network: "sim", ContractName: "Tiny",
			RequiredConfirmations: 1, WorkflowID: "deployment-" + id.String(), Request: []byte("{}")}); err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if _, err := a.Prepare(b.Context(), deployapi.PrepareInput{DeploymentID: id.String(), Network: "sim", ABI: "[]", Bytecode: tinyInitCode}); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	prepare(withBudget) // warm the connection and caches
	prepare(bare)
	var budgetT, bareT time.Duration
	b.ResetTimer()
	for i := range b.N {
		if i%2 == 0 {
			budgetT += prepare(withBudget)
			bareT += prepare(bare)
		} else {
			bareT += prepare(bare)
			budgetT += prepare(withBudget)
		}
	}
	n := float64(b.N)
	b.ReportMetric(float64(budgetT.Microseconds())/n, "budget-us")
	b.ReportMetric(float64(bareT.Microseconds())/n, "bare-us")
	b.ReportMetric(float64(budgetT)/float64(bareT), "x-bare")
}
