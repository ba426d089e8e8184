package main

import (
	"context"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/devstack/localkms"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/spend"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// storeRequest deploys storeSource to dev.
func storeRequest(t *testing.T, s *pipelineStack) *slipwayv1.CreateDeploymentRequest {
	return &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "5", s.signer.Hex()), Confirmations: 1}
}

// worstCase is the deployment's first signed transaction's gas limit × max
// fee: what it reserved.
func worstCase(t *testing.T, s *pipelineStack, id uuid.UUID) *big.Int {
	t.Helper()
	txs, err := db.New(s.pool).ListDeployTxs(context.Background(), id)
	if err != nil || len(txs) == 0 {
		t.Fatalf("signed transactions of %s: %d, %v", id, len(txs), err)
	}
	return new(big.Int).Mul(big.NewInt(txs[0].GasLimit), spend.WeiOf(txs[0].MaxFeePerGas))
}

// TestBudgetSurvivesAWorkerKilledAfterSigning stops a worker process at the
// one moment that rests on Postgres alone: the reservation, the signer
// chosen from the network's pool (the KMS key of the real local-kms, the
// best funded), its nonce and the signed bytes are committed and nothing
// is broadcast. Another worker broadcasts those bytes from that signer,
// and the reservation settles to exactly the fee paid: nothing leaked,
// nothing counted twice, one contract created, the other member untouched.
func TestBudgetSurvivesAWorkerKilledAfterSigning(t *testing.T) {
	k := localkms.NewForTest(t)
	for _, kv := range k.Env() {
		name, v, _ := strings.Cut(kv, "=")
		t.Setenv(name, v) // inherited by the worker processes
	}
	_, kmsAddr, err := k.CreateSecp256k1Key(t.Context(), "alias/crash-kms")
	if err != nil {
		t.Fatal(err)
	}
	var second common.Address
	var secondKey string
	s := startPipelineWith(t, pipelineOptions{networks: func(node *anvil.Node, nets *chain.Config, _ secrets.Static) {
		if err := node.SetBalance(t.Context(), kmsAddr, new(big.Int).Mul(big.NewInt(1_000_000), big.NewInt(1e18))); err != nil {
			t.Fatal(err)
		}
		acct := node.Accounts()[1]
		second, secondKey = acct.Address, strings.TrimPrefix(acct.PrivateKey, "0x")
		dev := &nets.Networks[0]
		dev.Signer = chain.KMSPrefix + "alias/crash-kms"
		dev.Signers = []chain.SignerRef{{Ref: "env:SECOND_KEY"}}
	}})
	ctx := context.Background()
	secondNonce, err := s.eth.NonceAt(ctx, second, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := s.startWorkerProc(t, "SECOND_KEY="+secondKey, "SLIPWAY_FAILPOINT=exit-after-sign")
	d := s.deploy(t, storeRequest(t, s))
	w.awaitFailpoint(t, 3*time.Minute)
	q := db.New(s.pool)
	txs, err := q.ListDeployTxs(ctx, d.ID)
	if err != nil || len(txs) != 1 || txs[0].BroadcastAt != nil || !strings.EqualFold(txs[0].Signer, kmsAddr.Hex()) {
		t.Fatalf("after the crash: %v (%v), want one transaction signed by the KMS key %s, never broadcast", txs, err, kmsAddr.Hex())
	}
	r, err := q.GetSpendReservation(ctx, d.ID)
	if err != nil || r.State != "reserved" || spend.WeiOf(r.ReservedWei).Cmp(worstCase(t, s, d.ID)) != 0 {
		t.Fatalf("reservation after the crash: %+v, %v", r, err)
	}
	if n, _ := s.eth.NonceAt(ctx, kmsAddr, nil); n != 0 {
		t.Fatalf("the chain saw the transaction before any broadcast (nonce %d)", n)
	}

	s.startWorkerProc(t, "SECOND_KEY="+secondKey)
	got := s.wait(t, d, 3*time.Minute)
	if got.Status != status.Confirmed || !strings.EqualFold(got.TxHash, txs[0].TxHash) {
		t.Fatalf("%s %q tx %s, want CONFIRMED with the transaction signed before the crash (%s)", got.Status, got.Error, got.TxHash, txs[0].TxHash)
	}
	if after, _ := q.ListDeployTxs(ctx, d.ID); len(after) != 1 {
		t.Fatalf("the restarted worker signed again: %v", after)
	}
	r, err = q.GetSpendReservation(ctx, d.ID)
	if err != nil {
		t.Fatal(err)
	}
	fee := spend.WeiOf(got.FeePaid)
	if r.State != "settled" || spend.WeiOf(r.SpentWei).Cmp(fee) != 0 || spend.WeiOf(r.ReservedWei).Sign() != 0 || fee.Sign() == 0 {
		t.Fatalf("reservation after confirmation: %s spent %s reserved %s, fee paid %s", r.State, db.WeiString(r.SpentWei), db.WeiString(r.ReservedWei), fee)
	}
	u, err := q.GetSpendUsage(ctx, db.GetSpendUsageParams{UserID: s.user, Network: "dev", PeriodSeconds: 86400})
	if err != nil || spend.WeiOf(u.SpentWei).Cmp(fee) != 0 || spend.WeiOf(u.ReservedWei).Sign() != 0 {
		t.Fatalf("usage = %+v, %v; want exactly the fee paid", u, err)
	}
	if n, _ := s.eth.NonceAt(ctx, kmsAddr, nil); n != 1 {
		t.Fatalf("KMS key nonce %d, want 1: exactly one contract created", n)
	}
	if n, _ := s.eth.NonceAt(ctx, second, nil); n != secondNonce {
		t.Fatalf("the other member's nonce moved from %d to %d", secondNonce, n)
	}
}

// TestBudgetHoldsAcrossTwoWorkers runs deployments of one user on two
// worker processes at once against a budget with room for two and a half
// worst cases (set with `slipway users set-budget`): what is spent and
// reserved never passes it, the ones that do not fit fail before signing
// naming the budget, and only the admitted ones take a nonce.
func TestBudgetHoldsAcrossTwoWorkers(t *testing.T) {
	s := startPipelineWith(t, pipelineOptions{})
	ctx := context.Background()
	s.startWorkerProc(t)
	s.startWorkerProc(t)

	probe := s.wait(t, s.deploy(t, storeRequest(t, s)), 3*time.Minute)
	if probe.Status != status.Confirmed {
		t.Fatalf("probe: %s %q", probe.Status, probe.Error)
	}
	nonce0, err := s.eth.NonceAt(ctx, s.signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	worst := worstCase(t, s, probe.ID)
	budget := new(big.Int).Add(spend.WeiOf(probe.FeePaid), new(big.Int).Div(new(big.Int).Mul(worst, big.NewInt(5)), big.NewInt(2)))
	if code, out, errOut := runCLI(t, "users", "set-budget", "--email", "ada@example.com", "--network", "dev",
		"--wei", budget.String(), "--period", "24h", "--database-url", poolDSN(s.pool)); code != 0 {
		t.Fatalf("set-budget = %d\n%s%s", code, out, errOut)
	}

	const n = 6
	ds := make([]db.Deployment, n)
	var wg sync.WaitGroup
	for i := range ds {
		ds[i] = s.deploy(t, storeRequest(t, s))
	}
	for i := range ds {
		wg.Go(func() { ds[i] = s.wait(t, ds[i], 4*time.Minute) })
	}
	wg.Wait()
	confirmed, refused := 0, 0
	for _, d := range ds {
		switch {
		case d.Status == status.Confirmed:
			confirmed++
		case d.Status == status.Failed && strings.Contains(d.Error, "spend budget on dev"):
			refused++
		default:
			t.Errorf("deployment %s: %s %v", d.ID, d.Status, d.Error)
		}
	}
	if confirmed == 0 || refused == 0 {
		t.Fatalf("%d confirmed and %d refused by the budget; want some of each", confirmed, refused)
	}
	u, err := db.New(s.pool).GetSpendUsage(ctx, db.GetSpendUsageParams{UserID: s.user, Network: "dev", PeriodSeconds: 86400})
	if err != nil {
		t.Fatal(err)
	}
	if spend.WeiOf(u.ReservedWei).Sign() != 0 || spend.WeiOf(u.SpentWei).Cmp(budget) > 0 {
		t.Fatalf("spent %s reserved %s against a budget of %s", db.WeiString(u.SpentWei), db.WeiString(u.ReservedWei), budget)
	}
	if got, _ := s.eth.NonceAt(ctx, s.signer, nil); got != nonce0+uint64(confirmed) {
		t.Fatalf("signer nonce %d, want %d: refused deployments take no nonce", got, nonce0+uint64(confirmed))
	}
	t.Logf("budget %s wei (%.1f worst cases after the probe): %d confirmed, %d refused", budget, 2.5, confirmed, refused)
}

// TestMeShowsBudgetsAndNetworksByTier goes through the API as serve wires
// it: GET /api/v1/me answers the caller's budget on each network their
// tier may use, and a free user sees and may deploy to the dev chain only.
func TestMeShowsBudgetsAndNetworksByTier(t *testing.T) {
	nets := chain.Config{Networks: []chain.Network{
		{Name: "dev", ChainID: 31337, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 1},
		{Name: "sepolia", ChainID: 11155111, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 3},
	}}
	srv := serveTestAPI(t, testIdentity(t), apiDeps{Networks: nets, Logger: slog.New(slog.DiscardHandler)})
	api := srv.URL + "/api/v1"
	token := registerAndLogin(t, api, "budget@example.com")

	code, me, _ := callJSON(t, "GET", api+"/me", token, nil)
	if code != 200 {
		t.Fatalf("me = %d %v", code, me)
	}
	budgets, _ := me["budgets"].([]any)
	if len(budgets) != 1 {
		t.Fatalf("budgets = %v, want dev only", me["budgets"])
	}
	b, _ := budgets[0].(map[string]any)
	if b["network"] != "dev" || b["limitWei"] != "1000000000000000000" || b["spentWei"] != "0" || b["reservedWei"] != "0" || b["period"] != "86400s" {
		t.Fatalf("dev budget = %v", b)
	}
	code, body, _ := callJSON(t, "GET", api+"/networks", token, nil)
	if code != 200 || len(body["networks"].([]any)) != 1 {
		t.Fatalf("networks = %d %v", code, body)
	}
	code, body, _ = callJSON(t, "POST", api+"/contracts/deploy", token, map[string]any{
		"network": "sepolia", "source": storeSource, "contractName": "Store", "constructorArgs": []any{"5", "0x00000000000000000000000000000000000000a1"},
	})
	if code != 403 || !strings.Contains(fmt.Sprint(body["message"]), `network "sepolia" is not open to the free tier`) {
		t.Fatalf("deploy to sepolia as free = %d %v", code, body)
	}
}
