package main

import (
	"encoding/json"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/devstack/localkms"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/usertier"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// A pool of a KMS key (the real local-kms, reached through the AWS SDK's
// standard configuration, as a deployed worker would) and a local key on
// anvil: concurrent deployments spread over both, each confirms exactly
// once, the KMS-signed ones carry the KMS key's address as sender, and
// `slipway signers` lists both with their balances and state.
func TestPipelineDeploysWithAKMSSignerPool(t *testing.T) {
	k := localkms.NewForTest(t)
	for _, kv := range k.Env() {
		name, v, _ := strings.Cut(kv, "=")
		t.Setenv(name, v)
	}
	_, kmsAddr, err := k.CreateSecp256k1Key(t.Context(), "alias/pool-kms")
	if err != nil {
		t.Fatal(err)
	}
	var second common.Address
	s := startPipelineWith(t, pipelineOptions{anvil: anvil.Options{}, worker: true,
		networks: func(node *anvil.Node, nets *chain.Config, sp secrets.Static) {
			if err := node.SetBalance(t.Context(), kmsAddr, new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18))); err != nil {
				t.Fatal(err)
			}
			acct := node.Accounts()[1]
			second = acct.Address
			sp["env:SECOND_KEY"] = secrets.NewSecretString(strings.TrimPrefix(acct.PrivateKey, "0x"))
			dev := &nets.Networks[0]
			dev.Signer = chain.KMSPrefix + "alias/pool-kms"
			dev.Signers = []chain.SignerRef{{Ref: "env:SECOND_KEY"}}
		}})
	const n = 6
	ds := make([]db.Deployment, n)
	for i := range ds {
		ds[i] = s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
			ConstructorArgs: args(t, "42", s.signer.Hex())})
	}
	var wg sync.WaitGroup
	got := make([]db.Deployment, n)
	for i, d := range ds {
		wg.Go(func() { got[i] = s.wait(t, d, 3*time.Minute) })
	}
	wg.Wait()
	bySender := map[common.Address]int{}
	for _, d := range got {
		if d.Status != status.Confirmed {
			t.Fatalf("%s: %s %q; events %v", d.ID, d.Status, d.Error, s.events(t, d.ID))
		}
		tx, _, err := s.eth.TransactionByHash(t.Context(), common.HexToHash(d.TxHash))
		if err != nil {
			t.Fatal(err)
		}
		from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
		if err != nil {
			t.Fatal(err)
		}
		bySender[from]++
	}
	if bySender[kmsAddr] == 0 || bySender[second] == 0 || bySender[kmsAddr]+bySender[second] != n {
		t.Fatalf("deployments by sender %v; want both %s (KMS) and %s", bySender, kmsAddr.Hex(), second.Hex())
	}
	for addr, want := range bySender {
		if nonce, err := s.eth.NonceAt(t.Context(), addr, nil); err != nil || nonce != uint64(want) {
			t.Fatalf("nonce of %s = %d (%v), want %d: exactly once per deployment", addr.Hex(), nonce, err, want)
		}
	}

	// `slipway signers` on the same networks file and database.
	file := filepath.Join(t.TempDir(), "networks.json")
	nets := s.networks
	nets.Networks[0].Signer, nets.Networks[0].Signers = chain.KMSPrefix+"alias/pool-kms", []chain.SignerRef{{Ref: "env:SECOND_KEY"}}
	b, _ := json.Marshal(chain.Config{Networks: nets.Networks[:1]})
	if err := os.WriteFile(file, b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Setenv("SECOND_KEY", strings.TrimPrefix(s.node.Accounts()[1].PrivateKey, "0x"))
	if code, _, errOut := runCLI(t, "signers", "--networks", file, "--network", "nope"); code != exitUsage || !strings.Contains(errOut, `--network "nope" is not in`) {
		t.Fatalf("unknown network: exit %d: %s", code, errOut)
	}
	code, out, errOut := runCLI(t, "signers", "--networks", file, "--network", "dev", "--database-url", poolDSN(s.pool), "--json")
	if code != 0 {
		t.Fatalf("slipway signers: exit %d: %s", code, errOut)
	}
	var rows []map[string]any
	for line := range strings.Lines(out) {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("%q: %v", line, err)
		}
		rows = append(rows, r)
	}
	if len(rows) != 2 || rows[0]["address"] != kmsAddr.Hex() || rows[1]["address"] != second.Hex() ||
		rows[0]["state"] != "active" || rows[1]["state"] != "active" || rows[0]["balanceWei"] == nil {
		t.Fatalf("signers = %v", rows)
	}
}

// `slipway dev --networks FILE` adds the file's networks and lets it
// redefine dev; a file it cannot read or parse is a usage error.
func TestDevNetworksFile(t *testing.T) {
	dir := t.TempDir()
	out := filepath.Join(dir, "networks.json")
	user := filepath.Join(dir, "mine.json")
	write := func(v string) {
		if err := os.WriteFile(user, []byte(v), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	load := func() chain.Config {
		c, err := chain.LoadConfig(out)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	write(`{"networks": [{"name": "sepolia", "chainId": 11155111, "rpcUrls": ["env:RPC"], "confirmations": 3, "signer": "awskms:alias/sepolia"}]}`)
	if err := writeDevNetworks(out, "http://127.0.0.1:8545", "env:SLIPWAY_DEV_DEPLOYER_KEY", user); err != nil {
		t.Fatal(err)
	}
	c := load()
	if len(c.Networks) != 2 || c.Networks[0].Name != "dev" || c.Networks[0].Signer != "env:SLIPWAY_DEV_DEPLOYER_KEY" || c.Networks[1].Signer != "awskms:alias/sepolia" {
		t.Fatalf("networks %+v", c.Networks)
	}
	write(`{"networks": [{"name": "dev", "chainId": 31337, "rpcUrls": ["http://127.0.0.1:8545"], "confirmations": 1, "signers": [{"ref": "awskms:alias/dev", "draining": false}]}]}`)
	if err := writeDevNetworks(out, "http://127.0.0.1:8545", "env:SLIPWAY_DEV_DEPLOYER_KEY", user); err != nil {
		t.Fatal(err)
	}
	if c := load(); len(c.Networks) != 1 || c.Networks[0].Signer != "" || c.Networks[0].SignerPool()[0].Ref != "awskms:alias/dev" {
		t.Fatalf("redefined dev: %+v", c.Networks)
	}
	write(`{"networks": [{"name": "dev", "chainId": 31337, "rpcUrls": ["http://x"], "confirmations": 1, "signer": "plainkey"}]}`)
	if err := writeDevNetworks(out, "http://127.0.0.1:8545", "env:K", user); err == nil || !strings.Contains(err.Error(), "must be a secret reference") {
		t.Fatalf("bad signer: %v", err)
	}
}

// `slipway dev --kms` signs the dev network with a key held in a local KMS:
// a deployment through the API confirms on anvil from the KMS key's
// address (not the anvil dev key), which `slipway signers` shows, and
// slipway.env carries what a joining worker needs to reach that KMS.
func TestDevStackWithKMS(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole dev stack")
	}
	if _, err := localkms.Build(t.Context()); err != nil {
		t.Skipf("local-kms cannot be built here: %v", err)
	}
	dataDir := t.TempDir()
	if err := os.Chmod(filepath.Dir(dataDir), 0o711); err != nil {
		t.Fatal(err)
	}
	dev := startDev(t, dataDir, "--kms")
	api, envFile := dev.urls["API"], dev.urls["Env for serve/worker"]
	env := readEnvFile(t, envFile)
	if env["AWS_ENDPOINT_URL_KMS"] == "" {
		t.Fatalf("slipway.env lacks AWS_ENDPOINT_URL_KMS: %v", env)
	}
	cmd := exec.Command(binary(t), "signers", "--env-file", envFile, "--network", "dev", "--json")
	cmd.Env = cleanEnv()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("slipway signers: %v", err)
	}
	var row struct{ Ref, Address, State string }
	if err := json.Unmarshal(out, &row); err != nil || row.Ref != "awskms:alias/slipway-dev" || row.State != "active" {
		t.Fatalf("signers = %s (%v)", out, err)
	}

	token := identityFlow(t, api)
	setTier(t, env["DATABASE_URL"], "dev.user@example.com", usertier.Paid)
	store := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Store { uint256 public v; constructor(uint256 x) { v = x; } }\n"
	code, body, _ := callJSON(t, "POST", api+"/api/v1/contracts/deploy", token,
		map[string]any{"network": "dev", "source": store, "contractName": "Store", "constructorArgs": []any{"7"}})
	if code != 200 {
		t.Fatalf("deploy = %d %v", code, body)
	}
	id := body["deployment"].(map[string]any)["id"].(string)
	var d map[string]any
	for deadline := time.Now().Add(2 * time.Minute); ; time.Sleep(time.Second) { // within the paid tier's 100 a minute
		var got map[string]any
		code, got, _ = callJSON(t, "GET", api+"/api/v1/deployments/"+id, token, nil)
		d, _ = got["deployment"].(map[string]any)
		if st, _ := d["status"].(string); code == 200 && (st == "DEPLOYMENT_STATUS_CONFIRMED" || st == "DEPLOYMENT_STATUS_FAILED") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deployment not done in 2 min: %d %v", code, d)
		}
	}
	if d["status"] != "DEPLOYMENT_STATUS_CONFIRMED" {
		t.Fatalf("deployment = %v", d)
	}
	ec, err := ethclient.Dial(dev.urls["Chain"])
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	tx, _, err := ec.TransactionByHash(t.Context(), common.HexToHash(d["txHash"].(string)))
	if err != nil {
		t.Fatal(err)
	}
	from, err := types.Sender(types.LatestSignerForChainID(tx.ChainId()), tx)
	if err != nil || from.Hex() != row.Address {
		t.Fatalf("sender %s (%v), want the KMS key's %s", from.Hex(), err, row.Address)
	}
}
