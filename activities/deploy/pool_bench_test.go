package deploy_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/secrets"
)

// poolBenchDeployments is how many deployments each round runs at once.
const poolBenchDeployments = 60

// BenchmarkSignerPool runs rounds of 60 concurrent deployments (sign,
// broadcast, wait for inclusion, one confirmation) on anvil mining a block
// every second, with pools of 1, 2 and 4 signers in every iteration, each
// pool its own network on the same chain, and each deployment its own
// user (one user's spend lock would otherwise serialise them). It reports
// deployments per second per pool size and, as the figures to compare,
// the ratios of 2 and 4 signers to 1 from the same run.
func BenchmarkSignerPool(b *testing.B) {
	sizes := []int{1, 2, 4}
	node, err := anvil.Start(b.Context(), anvil.Options{BlockTime: time.Second, Accounts: 8})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = node.Stop() })
	static := secrets.Static{}
	var cfg chain.Config
	next := 0
	for _, k := range sizes {
		n := chain.Network{Name: fmt.Sprintf("pool%d", k), ChainID: node.ChainID(), RPCURLs: []string{node.RPCURL()}, Confirmations: 1, BlockTimeSeconds: 1}
		for range k {
			ref := fmt.Sprintf("env:KEY%d", next)
			static[ref] = secrets.NewSecretString(strings.TrimPrefix(node.Accounts()[next].PrivateKey, "0x"))
			n.Signers = append(n.Signers, chain.SignerRef{Ref: ref})
			next++
		}
		cfg.Networks = append(cfg.Networks, n)
	}
	if err := cfg.Validate(); err != nil {
		b.Fatal(err)
	}
	pool := dbtest.New(b)
	a := &deploy.Activities{Pool: pool, Networks: cfg, Secrets: static}
	q := db.New(pool)
	round := func(network string) time.Duration {
		ids := make([]uuid.UUID, poolBenchDeployments)
		for i := range ids {
			tier := "paid"
			u, err := q.CreateUser(b.Context(), db.CreateUserParams{Email: uuid.NewString() + "@example.com", PasswordHash: "x", Tier: &tier})
			if err != nil {
				b.Fatal(err)
			}
			ids[i] = uuid.New()
			if _, err := q.CreateDeployment(b.Context(), db.CreateDeploymentParams{ID: ids[i], UserID: u.ID, Network: network, ContractName: "Tiny",
				RequiredConfirmations: 1, WorkflowID: "deployment-" + ids[i].String(), Request: []byte("{}")}); err != nil {
				b.Fatal(err)
			}
		}
		start := time.Now()
		var wg sync.WaitGroup
		for _, id := range ids {
			wg.Go(func() {
				if err := deployOnce(b.Context(), a, network, id); err != nil {
					b.Error(err)
				}
			})
		}
		wg.Wait()
		return time.Since(start)
	}
	took := make([]time.Duration, len(sizes))
	order := []int{0, 1, 2}
	for b.Loop() {
		// Alternate the order, so that neither the chain's nor the
		// database's growth over a run favours one pool size.
		for _, i := range order {
			took[i] += round(fmt.Sprintf("pool%d", sizes[i]))
		}
		slices.Reverse(order)
	}
	rate := func(i int) float64 {
		return float64(poolBenchDeployments*b.N) / took[i].Seconds()
	}
	for i, k := range sizes {
		b.ReportMetric(rate(i), fmt.Sprintf("deploys/s-%dsigners", k))
	}
	b.ReportMetric(rate(1)/rate(0), "ratio-2:1")
	b.ReportMetric(rate(2)/rate(0), "ratio-4:1")
}

// deployOnce runs one deployment's chain stages as the workflow would.
func deployOnce(ctx context.Context, a *deploy.Activities, network string, id uuid.UUID) error {
	in := deployapi.TxInput{DeploymentID: id.String(), Network: network}
	res, err := a.Prepare(ctx, deployapi.PrepareInput{DeploymentID: id.String(), Network: network, ABI: "[]", Bytecode: tinyInitCode})
	if err != nil || res.TxHash == "" {
		return fmt.Errorf("prepare: %+v, %w", res, err)
	}
	if err := a.Broadcast(ctx, in); err != nil {
		return fmt.Errorf("broadcast: %w", err)
	}
	for {
		aw, err := a.Await(ctx, in)
		if err != nil {
			return fmt.Errorf("await: %w", err)
		}
		if aw.Included {
			break
		}
	}
	for {
		c, err := a.Confirm(ctx, deployapi.ConfirmInput{TxInput: in, Required: 1})
		if err != nil {
			return fmt.Errorf("confirm: %w", err)
		}
		if c.Confirmed {
			return nil
		}
	}
}
