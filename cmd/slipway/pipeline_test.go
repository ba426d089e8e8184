package main

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/server/common/dynamicconfig"
	"go.temporal.io/server/temporal"
	"go.temporal.io/server/temporaltest"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/devstack/devtemporal"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/workflows"
)

// pipelineStack is a real pipeline: Postgres, a temporaltest server, anvil
// and a worker with its solc pool, deploy and progress activities.
type pipelineStack struct {
	pool     *pgxpool.Pool
	node     *anvil.Node
	eth      *ethclient.Client
	tc       client.Client
	wf       *workflowDeployments
	networks chain.Config
	signer   common.Address
	user     uuid.UUID
	temporal temporalConfig
	keyHex   string
	// wrongKeyHex signs for network "wrong" (TEST_WRONG_KEY).
	wrongKeyHex string
}

func startPipeline(t *testing.T, opts anvil.Options) *pipelineStack {
	t.Helper()
	return startPipelineWith(t, pipelineOptions{anvil: opts, worker: true})
}

type pipelineOptions struct {
	anvil anvil.Options
	// rpcURL, when set, is the URL the workers reach the chain at (a proxy
	// in front of anvil).
	rpcURL func(node *anvil.Node) string
	// worker runs a worker in the test process; off for tests that run
	// worker processes of their own.
	worker bool
	// networks, when set, changes the networks and secrets the worker
	// runs with (other signers, say) before it starts.
	networks func(node *anvil.Node, networks *chain.Config, sp secrets.Static)
}

func startPipelineWith(t testing.TB, po pipelineOptions) *pipelineStack {
	t.Helper()
	opts := po.anvil
	pool := dbtest.New(t)
	node := anvil.NewForTestWith(t, opts)
	rpcURL := node.RPCURL()
	if po.rpcURL != nil {
		rpcURL = po.rpcURL(node)
	}
	acct := node.Accounts()[0]
	key, err := acct.Key()
	if err != nil {
		t.Fatal(err)
	}
	networks := chain.Config{Networks: []chain.Network{{
		Name: "dev", ChainID: node.ChainID(), RPCURLs: []string{rpcURL}, Confirmations: 1,
		BlockTimeSeconds: opts.BlockTime.Seconds(), Signer: "env:TEST_DEPLOYER_KEY",
		Gas: chain.GasPolicy{BumpIntervalBlocks: 2, OutageWindowSeconds: 120},
	}, {
		// An RPC that serves another chain than configured.
		// Its own key: workers refuse the dev chain's public keys elsewhere.
		Name: "wrong", ChainID: node.ChainID() + 1, RPCURLs: []string{node.RPCURL()}, Confirmations: 1,
		Signer: "env:TEST_WRONG_KEY",
	}}}
	wrongKey, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	sp := secrets.Static{
		"env:TEST_DEPLOYER_KEY": secrets.NewSecret([]byte(fmt.Sprintf("%x", crypto.FromECDSA(key)))),
		"env:TEST_WRONG_KEY":    secrets.NewSecret([]byte(fmt.Sprintf("%x", crypto.FromECDSA(wrongKey)))),
	}
	if po.networks != nil {
		po.networks(node, &networks, sp)
	}
	var ts *temporaltest.TestServer
	if tt, ok := t.(*testing.T); ok {
		ts = temporaltest.NewServer(temporaltest.WithT(tt), devTemporalOptions())
	} else { // a benchmark: WithT takes only *testing.T
		ts = temporaltest.NewServer(devTemporalOptions())
		t.Cleanup(ts.Stop)
	}
	cfg := temporalConfig{Addr: ts.GetFrontendHostPort(), Namespace: ts.GetDefaultNamespace(), TaskQueue: "pipeline"}
	logger := slog.New(slog.NewTextHandler(tbWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	tc, err := dialTemporal(cfg, logger)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	if po.worker {
		runTestWorker(t, tc, cfg, pool, chainDeps{Networks: networks, Secrets: sp}, logger)
	}
	s := newPipelineStack(t, pool, node, tc, cfg, networks, acct.Address)
	s.keyHex = fmt.Sprintf("%x", crypto.FromECDSA(key))
	s.wrongKeyHex = fmt.Sprintf("%x", crypto.FromECDSA(wrongKey))
	return s
}

// runTestWorker runs a worker in the test process (one solc worker, on
// pool's database) until the test ends.
func runTestWorker(t testing.TB, tc client.Client, cfg temporalConfig, pool *pgxpool.Pool, cd chainDeps, logger *slog.Logger) {
	t.Helper()
	cc := compileConfig{SolcWorkers: 1, InstallDir: t.TempDir(), DatabaseURL: poolDSN(pool)}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- runTemporalWorker(ctx, tc, cfg, cc, cd, logger) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("worker: %v", err)
		}
	})
}

// newPipelineStack dials node and adds the user the stack deploys as.
func newPipelineStack(t testing.TB, pool *pgxpool.Pool, node *anvil.Node, tc client.Client, cfg temporalConfig, networks chain.Config, signer common.Address) *pipelineStack {
	t.Helper()
	eth, err := ethclient.Dial(node.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(eth.Close)
	u, err := db.New(pool).CreateUser(context.Background(), db.CreateUserParams{Email: "ada@example.com", PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return &pipelineStack{pool: pool, node: node, eth: eth, tc: tc, wf: newWorkflowDeployments(tc, cfg.Namespace, cfg.TaskQueue, networks),
		networks: networks, signer: signer, user: u.ID, temporal: cfg}
}

func poolDSN(p *pgxpool.Pool) string { return p.Config().ConnString() }

// tbWriter is testWriter for tests and benchmarks alike.
type tbWriter struct{ t testing.TB }

func (w tbWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// deploy inserts the deployment and starts its workflow as the API does.
func (s *pipelineStack) deploy(t testing.TB, req *slipwayv1.CreateDeploymentRequest) db.Deployment {
	t.Helper()
	id := uuid.New()
	name := req.GetContractName()
	if name == "" {
		name = req.GetTemplate().GetName()
	}
	var d db.Deployment
	err := db.InTx(context.Background(), s.pool, func(q *db.Queries) error {
		var err error
		d, err = q.CreateDeployment(context.Background(), db.CreateDeploymentParams{
			ID: id, UserID: s.user, Network: req.GetNetwork(), ContractName: name,
			RequiredConfirmations: int32(req.GetConfirmations()), WorkflowID: "deployment-" + id.String(),
		})
		if err != nil {
			return err
		}
		if _, err := db.AppendEvent(context.Background(), q, d, "deployment created", nil); err != nil {
			return err
		}
		// As the API does: the workflow's first step waits for this
		// transaction to end.
		if err := q.HoldDeploymentCreation(context.Background(), d.ID); err != nil {
			return err
		}
		return s.wf.Start(context.Background(), deployments.Tree{Row: d}, req)
	})
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// devTemporalOptions configures a temporaltest server as slipway dev
// configures its own (devtemporal.DynamicConfig): one task queue partition,
// as a single-host server wants, so that a task is never forwarded between
// partitions on its way to a poller.
func devTemporalOptions() temporaltest.TestServerOption {
	dc := devtemporal.DynamicConfig()
	// What temporaltest sets itself, which this option replaces.
	dc[dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key()] = true
	return temporaltest.WithBaseServerOptions(temporal.WithDynamicConfigClient(dc))
}

// wait waits for the deployment's workflow and answers the row.
func (s *pipelineStack) wait(t testing.TB, d db.Deployment, timeout time.Duration) db.Deployment {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	if err := s.tc.GetWorkflow(ctx, d.WorkflowID, "").Get(ctx, nil); err != nil {
		t.Logf("workflow %s: %v", d.WorkflowID, err)
	}
	got, err := db.New(s.pool).GetDeployment(context.Background(), d.ID)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (s *pipelineStack) events(t testing.TB, id uuid.UUID) []db.DeploymentEvent {
	t.Helper()
	evs, err := db.New(s.pool).ListDeploymentEventsAfter(context.Background(), db.ListDeploymentEventsAfterParams{DeploymentID: id, AfterSeq: 0, MaxEvents: 1000})
	if err != nil {
		t.Fatal(err)
	}
	return evs
}

func args(t testing.TB, vs ...any) []*structpb.Value {
	t.Helper()
	var out []*structpb.Value
	for _, v := range vs {
		pv, err := structpb.NewValue(v)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, pv)
	}
	return out
}

const storeSource = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;
contract Store {
    uint256 public value;
    address public owner;
    constructor(uint256 v, address o) { value = v; owner = o; }
}
`

func TestPipelineDeploysTemplateAndSourceExactlyOnce(t *testing.T) {
	s := startPipeline(t, anvil.Options{})
	ctx := context.Background()
	nonce0, err := s.eth.NonceAt(ctx, s.signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	owner := s.signer.Hex()
	tok := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev",
		Template:        &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "MyToken", Symbol: "MTK", Options: &slipwayv1.TemplateOptions{Premint: "1000", Mintable: true}},
		ConstructorArgs: args(t, owner, owner)})
	src := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "42", owner)})
	for _, d := range []db.Deployment{tok, src} {
		got := s.wait(t, d, 3*time.Minute)
		if got.Status != status.Confirmed {
			t.Fatalf("%s: status %s, error %q; events %v", got.ContractName, got.Status, got.Error, s.events(t, d.ID))
		}
		code, err := s.eth.CodeAt(ctx, common.HexToAddress(got.ContractAddress), nil)
		if err != nil || len(code) == 0 {
			t.Fatalf("%s: no code at %s (%v)", got.ContractName, got.ContractAddress, err)
		}
		if got.GasUsed == 0 || got.BlockNumber == 0 || got.Confirmations < 1 || db.WeiString(got.FeePaid) == "" {
			t.Errorf("%s: figures not recorded: %+v", got.ContractName, got)
		}
		// The verify stage re-derived the bytecode from the sources: a
		// full match, the deployment still CONFIRMED.
		if v, err := db.New(s.pool).GetVerification(ctx, d.ID); err != nil || v.Status != "VERIFIED" || v.Match != "full" {
			t.Errorf("%s: verification %+v, %v; events %v", got.ContractName, v, err, s.events(t, d.ID))
		}
		evs := s.events(t, d.ID)
		var statuses []string
		for i, e := range evs {
			if int(e.Seq) != i+1 {
				t.Fatalf("event seqs %v are not 1..n", evs)
			}
			if len(statuses) == 0 || statuses[len(statuses)-1] != e.Status {
				statuses = append(statuses, e.Status)
			}
		}
		want := []string{"PENDING", "LINTING", "COMPILING", "DEPLOYING", "CONFIRMING", "CONFIRMED"}
		if d.ID == tok.ID {
			want = append([]string{"PENDING", "GENERATING"}, want[1:]...)
		}
		if strings.Join(statuses, ",") != strings.Join(want, ",") {
			t.Errorf("%s: statuses %v, want %v", got.ContractName, statuses, want)
		}
	}
	nonce1, err := s.eth.NonceAt(ctx, s.signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	if nonce1-nonce0 != 2 {
		t.Fatalf("signer nonce advanced by %d for 2 deployments", nonce1-nonce0)
	}
	if dir := os.Getenv("SLIPWAY_RECORD_HISTORY"); dir != "" {
		// Refresh the replay test's histories (workflows/testdata).
		recordHistory(t, s.tc, tok.WorkflowID, filepath.Join(dir, fmt.Sprintf("deployment_v%d_template.json", workflows.PipelineVersion)))
	}
	// The workflow history holds no key material.
	key, _ := s.node.Accounts()[0].Key()
	keyHex := fmt.Sprintf("%x", crypto.FromECDSA(key))
	iter := s.tc.GetWorkflowHistory(ctx, src.WorkflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(ev)
		if strings.Contains(strings.ToLower(string(b)), keyHex) {
			t.Fatal("the signer key is in the workflow history")
		}
	}
}

func TestPipelineFailsClearlyBeforeTheChain(t *testing.T) {
	s := startPipeline(t, anvil.Options{})
	ctx := context.Background()
	nonce0, _ := s.eth.NonceAt(ctx, s.signer, nil)
	cases := []struct {
		name string
		req  *slipwayv1.CreateDeploymentRequest
		want string
	}{
		{"wrong arg count", &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store", ConstructorArgs: args(t, "1")}, "constructor takes 2"},
		{"bad address", &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store", ConstructorArgs: args(t, "1", "0x12")}, "address"},
		{"uint out of range", &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store", ConstructorArgs: args(t, "-1", s.signer.Hex())}, "out of range"},
		{"compile error", &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: "pragma solidity ^0.8.20; contract Store { uint x = ; }", ContractName: "Store"}, "compile error"},
		{"lint gate", &slipwayv1.CreateDeploymentRequest{Network: "dev", ContractName: "W",
			Source: "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20; contract W { function k() external { selfdestruct(payable(msg.sender)); } }"}, "audit found"},
		{"wrong chain id", &slipwayv1.CreateDeploymentRequest{Network: "wrong", Source: storeSource, ContractName: "Store", ConstructorArgs: args(t, "1", s.signer.Hex())}, "chain id mismatch"},
		{"reverting constructor", &slipwayv1.CreateDeploymentRequest{Network: "dev", ContractName: "R",
			Source: "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20; contract R { constructor() { revert(\"nope\"); } }"}, "reverts"},
	}
	var ds []db.Deployment
	for _, c := range cases {
		ds = append(ds, s.deploy(t, c.req))
	}
	for i, c := range cases {
		got := s.wait(t, ds[i], 2*time.Minute)
		if got.Status != status.Failed || !strings.Contains(got.Error, c.want) {
			t.Errorf("%s: status %s error %q, want FAILED with %q", c.name, got.Status, got.Error, c.want)
		}
	}
	if n, _ := s.eth.NonceAt(ctx, s.signer, nil); n != nonce0 {
		t.Fatalf("failed deployments moved the signer nonce from %d to %d", nonce0, n)
	}
}

func TestPipelineConcurrentDeploymentsGetConsecutiveNonces(t *testing.T) {
	s := startPipeline(t, anvil.Options{})
	ctx := context.Background()
	nonce0, _ := s.eth.NonceAt(ctx, s.signer, nil)
	const n = 50
	ds := make([]db.Deployment, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ds[i] = s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
				ConstructorArgs: args(t, fmt.Sprint(i), s.signer.Hex())})
		}()
	}
	wg.Wait()
	seen := map[int64]bool{}
	for _, d := range ds {
		got := s.wait(t, d, 3*time.Minute)
		if got.Status != status.Confirmed {
			t.Fatalf("status %s error %q", got.Status, got.Error)
		}
		// One nonce per deployment. A transaction that waited behind a
		// lower nonce on a loaded machine may have had its fees bumped: a
		// replacement shares the nonce, and one of them is the mined one.
		txs, err := db.New(s.pool).ListDeployTxs(ctx, d.ID)
		if err != nil || len(txs) == 0 {
			t.Fatalf("txs %v %v", txs, err)
		}
		mined := false
		for _, tx := range txs {
			if tx.Nonce != txs[0].Nonce {
				t.Fatalf("deployment %s signed nonces %d and %d", d.ID, txs[0].Nonce, tx.Nonce)
			}
			mined = mined || strings.EqualFold(tx.TxHash, got.TxHash)
		}
		if !mined {
			t.Fatalf("deployment %s confirmed %s, none of its transactions %v", d.ID, got.TxHash, txs)
		}
		if seen[txs[0].Nonce] {
			t.Fatalf("nonce %d used twice", txs[0].Nonce)
		}
		seen[txs[0].Nonce] = true
	}
	for k := int64(nonce0); k < int64(nonce0)+n; k++ {
		if !seen[k] {
			t.Fatalf("nonce %d not used: nonces are not consecutive: %v", k, seen)
		}
	}
	if got, _ := s.eth.NonceAt(ctx, s.signer, nil); got != nonce0+n {
		t.Fatalf("signer nonce %d, want %d", got, nonce0+n)
	}
}

func recordHistory(t *testing.T, tc client.Client, workflowID, path string) {
	t.Helper()
	var h historypb.History
	iter := tc.GetWorkflowHistory(context.Background(), workflowID, "", false, 0)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		h.Events = append(h.Events, ev)
	}
	b, err := protojson.MarshalOptions{Indent: "  "}.Marshal(&h)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}
