package main

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/anvil"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/usertier"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/workflows"
)

// Issue 15 end to end, through the API: the real server (its request-time
// CREATE2 addresses, rows for the parts), Temporal, Postgres, solc-js and
// two anvil chains with different chain ids.

// EIP-1967's storage slots of a proxy.
var (
	implementationSlot = common.HexToHash("0x360894a13ba1a3210667c828492db98dca3e2076cc3735a920a3ca505d382bbc")
	adminSlot          = common.HexToHash("0xb53127684a568b3173ae13b9f8a6016e243e63b6e8ee1178d6a717850b5d6103")
)

// tokenABI is what the tests call on the tokens and the ProxyAdmin.
var tokenABI = func() abi.ABI {
	a, err := abi.JSON(strings.NewReader(`[
		{"type":"function","name":"name","stateMutability":"view","inputs":[],"outputs":[{"type":"string"}]},
		{"type":"function","name":"owner","stateMutability":"view","inputs":[],"outputs":[{"type":"address"}]},
		{"type":"function","name":"paused","stateMutability":"view","inputs":[],"outputs":[{"type":"bool"}]}]`))
	if err != nil {
		panic(err)
	}
	return a
}()

// detStack is a pipeline stack with a second chain ("side", its own chain
// id and signer) and the API served in front of it.
type detStack struct {
	*pipelineStack
	side       *anvil.Node
	sideEth    *ethclient.Client
	sideSigner common.Address
	sideKeyHex string
	ident      identityConfig
	api        string // the API's base URL
	client     slipwayv1connect.DeploymentServiceClient
}

// sideChainID is the second chain's: not the dev chain id, so its signer
// must be a key of its own (workers refuse the public dev keys elsewhere).
const sideChainID = 31339

func startDetStack(t *testing.T) *detStack {
	t.Helper()
	d := &detStack{}
	sideKey, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	d.sideSigner, d.sideKeyHex = crypto.PubkeyToAddress(sideKey.PublicKey), fmt.Sprintf("%x", crypto.FromECDSA(sideKey))
	d.pipelineStack = startPipelineWith(t, pipelineOptions{worker: true, networks: func(node *anvil.Node, nets *chain.Config, sp secrets.Static) {
		d.side = anvil.NewForTestWith(t, anvil.Options{ChainID: sideChainID})
		if err := d.side.SetBalance(t.Context(), d.sideSigner, new(big.Int).Mul(big.NewInt(100), big.NewInt(1e18))); err != nil {
			t.Fatal(err)
		}
		sp["env:TEST_SIDE_KEY"] = secrets.NewSecretString(d.sideKeyHex)
		// Only the two chains the tests deploy to: the harness's
		// "wrong" network would fail the API's readiness, rightly.
		nets.Networks = append(nets.Networks[:1], chain.Network{
			Name: "side", ChainID: sideChainID, RPCURLs: []string{d.side.RPCURL()}, Confirmations: 1,
			Signer: "env:TEST_SIDE_KEY", Gas: chain.GasPolicy{BumpIntervalBlocks: 2, OutageWindowSeconds: 120},
		})
	}})
	if d.sideEth, err = ethclient.Dial(d.side.RPCURL()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(d.sideEth.Close)
	d.ident = testIdentity(t)
	d.api = d.serve(t, d.temporal.TaskQueue)
	d.client = slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, d.api)
	return d
}

// serve serves the API on the stack's database and Temporal, starting its
// workflows on taskQueue, and answers its base URL.
func (d *detStack) serve(t *testing.T, taskQueue string) string {
	t.Helper()
	srv := serveTestAPI(t, d.ident, apiDeps{Pool: d.pool, Temporal: d.tc, Namespace: d.temporal.Namespace, TaskQueue: taskQueue,
		Networks: d.networks, Logger: newTestLogger(t)})
	return srv.URL
}

// user registers email on the paid tier (whose rate limit holds the
// tests' calls) and answers an access token.
func (d *detStack) user(t *testing.T, email string) string {
	t.Helper()
	creds := map[string]string{"email": email, "password": "correct horse battery staple"}
	if code, body, _ := callJSON(t, "POST", d.api+"/api/v1/auth/register", "", creds); code != 200 {
		t.Fatalf("register = %d %v", code, body)
	}
	if _, err := db.New(d.pool).SetUserTierByEmail(t.Context(), db.SetUserTierByEmailParams{Email: email, Tier: usertier.Paid}); err != nil {
		t.Fatal(err)
	}
	code, body, _ := callJSON(t, "POST", d.api+"/api/v1/auth/login", "", creds)
	token, _ := body["accessToken"].(string)
	if code != 200 || token == "" {
		t.Fatalf("login = %d %v", code, body)
	}
	return token
}

func authed[T any](token string, msg *T) *connect.Request[T] {
	r := connect.NewRequest(msg)
	r.Header().Set("Authorization", "Bearer "+token)
	return r
}

func (d *detStack) create(t *testing.T, c slipwayv1connect.DeploymentServiceClient, token string, req *slipwayv1.CreateDeploymentRequest) *slipwayv1.Deployment {
	t.Helper()
	res, err := c.CreateDeployment(t.Context(), authed(token, req))
	if err != nil {
		t.Fatalf("CreateDeployment: %v", err)
	}
	return res.Msg.GetDeployment()
}

func (d *detStack) get(t *testing.T, token, id string) *slipwayv1.Deployment {
	t.Helper()
	res, err := d.client.GetDeployment(t.Context(), authed(token, &slipwayv1.GetDeploymentRequest{Id: id}))
	for range 10 {
		// The paid tier's 100 calls a minute hold the tests' polls but
		// for a burst.
		if connect.CodeOf(err) != connect.CodeResourceExhausted {
			break
		}
		time.Sleep(2 * time.Second)
		res, err = d.client.GetDeployment(t.Context(), authed(token, &slipwayv1.GetDeploymentRequest{Id: id}))
	}
	if err != nil {
		t.Fatalf("GetDeployment %s: %v", id, err)
	}
	return res.Msg.GetDeployment()
}

func ended(s slipwayv1.DeploymentStatus) bool {
	switch s {
	case slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_FAILED,
		slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CANCELLED, slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_PARTIALLY_CONFIRMED:
		return true
	}
	return false
}

// await polls the deployment through the API until it ends.
func (d *detStack) await(t *testing.T, token, id string, timeout time.Duration) *slipwayv1.Deployment {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got := d.get(t, token, id)
		if ended(got.GetStatus()) {
			return got
		}
		if time.Now().After(deadline) {
			uid, _ := uuid.Parse(id)
			t.Fatalf("deployment %s still %s after %s; events %v", id, got.GetStatus(), timeout, d.events(t, uid))
		}
		time.Sleep(time.Second)
	}
}

// awaitConfirmed is await that fails t unless the deployment confirmed.
func (d *detStack) awaitConfirmed(t *testing.T, token, id string, timeout time.Duration) *slipwayv1.Deployment {
	t.Helper()
	got := d.await(t, token, id, timeout)
	if got.GetStatus() != slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED {
		uid, _ := uuid.Parse(id)
		t.Fatalf("deployment %s is %s: %q; events %v", id, got.GetStatus(), got.GetError(), d.events(t, uid))
	}
	return got
}

func nonceOf(t *testing.T, eth *ethclient.Client, addr common.Address) uint64 {
	t.Helper()
	n, err := eth.NonceAt(t.Context(), addr, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func codeAt(t *testing.T, eth *ethclient.Client, addr string) []byte {
	t.Helper()
	code, err := eth.CodeAt(t.Context(), common.HexToAddress(addr), nil)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// slotAddress is the address a storage slot of addr holds.
func slotAddress(t *testing.T, eth *ethclient.Client, addr string, slot common.Hash) common.Address {
	t.Helper()
	v, err := eth.StorageAt(t.Context(), common.HexToAddress(addr), slot, nil)
	if err != nil {
		t.Fatal(err)
	}
	return common.BytesToAddress(v)
}

// call calls a view of tokenABI on addr and answers its one result.
func call(t *testing.T, eth *ethclient.Client, addr, method string) any {
	t.Helper()
	data, err := tokenABI.Pack(method)
	if err != nil {
		t.Fatal(err)
	}
	to := common.HexToAddress(addr)
	out, err := eth.CallContract(t.Context(), ethereum.CallMsg{To: &to, Data: data}, nil)
	if err != nil {
		t.Fatalf("%s() on %s: %v", method, addr, err)
	}
	vs, err := tokenABI.Unpack(method, out)
	if err != nil || len(vs) != 1 {
		t.Fatalf("%s() on %s answered %x: %v", method, addr, out, err)
	}
	return vs[0]
}

// txsOf lists the transactions signed for deployment id.
func (d *detStack) txsOf(t *testing.T, id string) []db.DeployTx {
	t.Helper()
	txs, err := db.New(d.pool).ListDeployTxs(t.Context(), uuid.MustParse(id))
	if err != nil {
		t.Fatal(err)
	}
	return txs
}

func sameAddress(a, b string) bool { return a != "" && strings.EqualFold(a, b) }

// TestDeterministicDeployments runs issue 15 on one stack, each part a
// subtest in order (later ones use what earlier ones deployed): CREATE2
// on two chains, upgradeable tokens, upgrades safe and unsafe, the
// provenance record, a worker killed between an upgrade's signing and
// its sending, and a worker killed in the middle of a fan-out.
func TestDeterministicDeployments(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the whole pipeline on two chains")
	}
	began := time.Now()
	d := startDetStack(t)
	t.Logf("stack started in %s", time.Since(began).Round(time.Millisecond))
	token := d.user(t, "det.ada@example.com")
	owner := d.signer.Hex()
	var multi *slipwayv1.Deployment // the CREATE2 fan-out, for provenance

	step := func(name string, f func(t *testing.T)) bool {
		at := time.Now()
		ok := t.Run(name, f)
		t.Logf("%s: %s", name, time.Since(at).Round(time.Millisecond))
		return ok
	}

	// A salted ERC20 on both chains lands at the address the immediate
	// answer promised, on each exactly once; the same salt and contract
	// again costs no transaction; caller-scoped salts of two users differ.
	step("CREATE2OnTwoChains", func(t *testing.T) {
		salt := "0x" + strings.Repeat("5a", 32)
		tmpl := &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: "Det Token", Symbol: "DET",
			Options: &slipwayv1.TemplateOptions{Premint: "1000"}}
		req := &slipwayv1.CreateDeploymentRequest{Networks: []string{"dev", "side"}, Template: tmpl,
			ConstructorArgs: args(t, owner), Salt: salt, SaltScope: "raw", IdempotencyKey: "det-create2-1"}
		devNonce, sideNonce := d.nonce(t), nonceOf(t, d.sideEth, d.sideSigner)
		first := d.create(t, d.client, token, req)
		addr := first.GetContractAddress()
		if !common.IsHexAddress(addr) || first.GetSalt() != salt || len(first.GetNetworks()) != 2 || len(first.GetChildren()) != 2 {
			t.Fatalf("immediate answer: address %q salt %q networks %v, %d children", addr, first.GetSalt(), first.GetNetworks(), len(first.GetChildren()))
		}
		for i, c := range first.GetChildren() {
			if c.GetNetwork() != req.Networks[i] || !sameAddress(c.GetContractAddress(), addr) {
				t.Fatalf("immediate answer's child %d: %s at %q, want %s at %s", i, c.GetNetwork(), c.GetContractAddress(), req.Networks[i], addr)
			}
		}
		if again := d.create(t, d.client, token, req); again.GetId() != first.GetId() {
			t.Fatalf("the same idempotency key answered %s, then %s", first.GetId(), again.GetId())
		}
		got := d.awaitConfirmed(t, token, first.GetId(), 4*time.Minute)
		if !sameAddress(got.GetContractAddress(), addr) || len(got.GetChildren()) != 2 {
			t.Fatalf("parent at %q with %d children, want %s and 2", got.GetContractAddress(), len(got.GetChildren()), addr)
		}
		for i, c := range got.GetChildren() {
			if c.GetNetwork() != req.Networks[i] || c.GetStatus() != slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED ||
				!sameAddress(c.GetContractAddress(), addr) || c.GetTxHash() == "" || c.GetParentId() != first.GetId() {
				t.Fatalf("child %d: %v", i, c)
			}
		}
		for name, eth := range map[string]*ethclient.Client{"dev": d.eth, "side": d.sideEth} {
			if len(codeAt(t, eth, addr)) == 0 {
				t.Fatalf("no code at %s on %s", addr, name)
			}
		}
		if n := d.nonce(t); n != devNonce+1 {
			t.Fatalf("dev signer nonce %d, want %d", n, devNonce+1)
		}
		if n := nonceOf(t, d.sideEth, d.sideSigner); n != sideNonce+1 {
			t.Fatalf("side signer nonce %d, want %d", n, sideNonce+1)
		}
		multi = got
		if dir := os.Getenv("SLIPWAY_RECORD_HISTORY"); dir != "" {
			// The replay test's history of a fan-out (workflows/testdata).
			recordHistory(t, d.tc, got.GetWorkflowId(), filepath.Join(dir, fmt.Sprintf("deployment_v%d_fanout.json", workflows.PipelineVersion)))
		}

		// The same salt and init code again, on one network: the
		// address holds the code already, so nothing is sent.
		devNonce = d.nonce(t)
		req2 := &slipwayv1.CreateDeploymentRequest{Network: "dev", Template: tmpl, ConstructorArgs: args(t, owner),
			Salt: salt, SaltScope: "raw", IdempotencyKey: "det-create2-2"}
		second := d.create(t, d.client, token, req2)
		if second.GetId() == first.GetId() || !sameAddress(second.GetContractAddress(), addr) {
			t.Fatalf("second deployment %s at %q, want a new one at %s", second.GetId(), second.GetContractAddress(), addr)
		}
		got2 := d.awaitConfirmed(t, token, second.GetId(), 2*time.Minute)
		if !sameAddress(got2.GetContractAddress(), addr) || got2.GetTxHash() != "" || len(d.txsOf(t, second.GetId())) != 0 {
			t.Fatalf("second deployment at %q tx %q with %d transactions; want %s with none", got2.GetContractAddress(), got2.GetTxHash(),
				len(d.txsOf(t, second.GetId())), addr)
		}
		if n := d.nonce(t); n != devNonce {
			t.Fatalf("dev signer nonce moved from %d to %d for a contract already deployed", devNonce, n)
		}

		// Caller-scoped (the default): the same salt gives each user
		// addresses of their own.
		other := d.user(t, "det.bob@example.com")
		var ids []string
		seen := map[string]bool{strings.ToLower(addr): true}
		for _, tok := range []string{token, other} {
			dep := d.create(t, d.client, tok, &slipwayv1.CreateDeploymentRequest{Network: "dev", Template: tmpl, ConstructorArgs: args(t, owner), Salt: salt})
			a := strings.ToLower(dep.GetContractAddress())
			if !common.IsHexAddress(a) || seen[a] || dep.GetSalt() == salt {
				t.Fatalf("caller-scoped deployment at %q with salt %s; addresses so far %v", a, dep.GetSalt(), seen)
			}
			seen[a] = true
			ids = append(ids, dep.GetId())
		}
		for i, id := range ids {
			tok := []string{token, other}[i]
			got := d.awaitConfirmed(t, tok, id, 2*time.Minute)
			if !seen[strings.ToLower(got.GetContractAddress())] || len(codeAt(t, d.eth, got.GetContractAddress())) == 0 {
				t.Fatalf("caller-scoped deployment confirmed at %q, not where promised", got.GetContractAddress())
			}
		}
	})

	// The provenance record of the fan-out: hashes of what was built,
	// each network's transaction, and a digest a reader can recompute.
	step("Provenance", func(t *testing.T) {
		if multi == nil {
			t.Skip("needs the CREATE2 deployment")
		}
		code, body, _ := callJSON(t, "GET", d.api+"/api/v1/deployments/"+multi.GetId()+"/provenance", token, nil)
		if code != 200 {
			t.Fatalf("GET provenance = %d %v", code, body)
		}
		raw, _ := json.Marshal(body)
		var res slipwayv1.GetProvenanceResponse
		if err := protojson.Unmarshal(raw, &res); err != nil {
			t.Fatal(err)
		}
		p := res.GetProvenance()
		for name, h := range map[string]string{"sourceHash": p.GetSourceHash(), "standardJsonInputHash": p.GetStandardJsonInputHash(),
			"bytecodeHash": p.GetBytecodeHash(), "deployedBytecodeHash": p.GetDeployedBytecodeHash(), "initCodeHash": p.GetInitCodeHash()} {
			if len(strings.TrimPrefix(h, "0x")) != 64 {
				t.Errorf("%s = %q", name, h)
			}
		}
		if p.GetDeploymentId() != multi.GetId() || p.GetContractName() != "DetToken" || p.GetSalt() != multi.GetSalt() || p.GetCompilerVersion() == "" {
			t.Errorf("provenance header: %v", p)
		}
		chains := map[string]uint64{"dev": d.node.ChainID(), "side": sideChainID}
		if len(p.GetNetworks()) != 2 {
			t.Fatalf("%d networks in the provenance, want 2", len(p.GetNetworks()))
		}
		for i, n := range p.GetNetworks() {
			child := multi.GetChildren()[i]
			if n.GetNetwork() != child.GetNetwork() || n.GetChainId() != chains[n.GetNetwork()] || n.GetDeploymentId() != child.GetId() ||
				!sameAddress(n.GetContractAddress(), multi.GetContractAddress()) || n.GetStatus() != slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED {
				t.Errorf("network %d: %v", i, n)
			}
			if len(n.GetTransactions()) != 1 {
				t.Fatalf("%s: %d transactions, want 1: %v", n.GetNetwork(), len(n.GetTransactions()), n.GetTransactions())
			}
			tx := n.GetTransactions()[0]
			if tx.GetRole() != "deploy" || !strings.EqualFold(tx.GetTxHash(), child.GetTxHash()) || !tx.GetMined() || tx.GetBlockNumber() == 0 || tx.GetSigner() == "" {
				t.Errorf("%s transaction: %v", n.GetNetwork(), tx)
			}
		}
		c := proto.Clone(p).(*slipwayv1.Provenance)
		c.Digest = ""
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if want := "0x" + hex.EncodeToString(sum[:]); p.GetDigest() != want {
			t.Fatalf("digest %q, recomputed %q", p.GetDigest(), want)
		}
	})

	// Upgradeable tokens, UUPS and transparent, deployed at once: the
	// answer's address is the proxy, which points at the implementation
	// and was initialized through it.
	var uups *slipwayv1.Deployment
	upTemplate := func(name, kind string, pausable bool) *slipwayv1.ContractTemplate {
		return &slipwayv1.ContractTemplate{Kind: slipwayv1.ContractKind_ERC20, Name: name, Symbol: "UPT",
			Options: &slipwayv1.TemplateOptions{Access: "ownable", Upgradeable: kind, Pausable: pausable}}
	}
	step("Upgradeable", func(t *testing.T) {
		// The transparent proxy's admin is someone else than the signer,
		// and its deployment is salted: its proxy address is promised.
		admin := d.node.Accounts()[1].Address
		u := d.create(t, d.client, token, &slipwayv1.CreateDeploymentRequest{Network: "dev", Template: upTemplate("Up Token", "uups", false),
			ConstructorArgs: args(t, owner)})
		tp := d.create(t, d.client, token, &slipwayv1.CreateDeploymentRequest{Network: "dev", Template: upTemplate("Tp Token", "transparent", false),
			ConstructorArgs: args(t, admin.Hex()), Salt: "0x" + strings.Repeat("7c", 32)})
		if !common.IsHexAddress(tp.GetContractAddress()) || tp.GetProxyKind() != "transparent" {
			t.Fatalf("salted transparent deployment answered address %q kind %q", tp.GetContractAddress(), tp.GetProxyKind())
		}
		for _, c := range []struct {
			dep  *slipwayv1.Deployment
			name string
		}{{u, "Up Token"}, {tp, "Tp Token"}} {
			got := d.awaitConfirmed(t, token, c.dep.GetId(), 4*time.Minute)
			proxy, impl := got.GetContractAddress(), got.GetImplementationAddress()
			if !common.IsHexAddress(proxy) || !common.IsHexAddress(impl) || sameAddress(proxy, impl) {
				t.Fatalf("%s: proxy %q implementation %q", c.name, proxy, impl)
			}
			if c.dep.GetContractAddress() != "" && !sameAddress(c.dep.GetContractAddress(), proxy) {
				t.Fatalf("%s: promised %s, deployed at %s", c.name, c.dep.GetContractAddress(), proxy)
			}
			if s := slotAddress(t, d.eth, proxy, implementationSlot); !sameAddress(s.Hex(), impl) {
				t.Fatalf("%s: the implementation slot holds %s, want %s", c.name, s.Hex(), impl)
			}
			if n := call(t, d.eth, proxy, "name"); n != c.name {
				t.Fatalf("%s: name() through the proxy = %q", c.name, n)
			}
			if len(got.GetImplementations()) != 1 || !sameAddress(got.GetImplementations()[0].GetAddress(), impl) ||
				got.GetImplementations()[0].GetTxHash() == "" || !strings.EqualFold(got.GetImplementations()[0].GetUpgradeTxHash(), got.GetTxHash()) {
				t.Fatalf("%s: implementations %v", c.name, got.GetImplementations())
			}
			// The provenance names both transactions: the implementation's
			// creation, then the proxy's.
			var roles []string
			_, body, _ := callJSON(t, "GET", d.api+"/api/v1/deployments/"+got.GetId()+"/provenance", token, nil)
			nets, _ := body["provenance"].(map[string]any)["networks"].([]any)
			if len(nets) == 1 {
				txs, _ := nets[0].(map[string]any)["transactions"].([]any)
				for _, tx := range txs {
					roles = append(roles, fmt.Sprint(tx.(map[string]any)["role"]))
				}
			}
			if strings.Join(roles, ",") != "implementation,proxy" {
				t.Fatalf("%s: provenance transactions %v, want implementation then proxy", c.name, roles)
			}
			if got.GetProxyKind() == "uups" {
				if o := call(t, d.eth, proxy, "owner"); o != d.signer {
					t.Fatalf("uups owner() = %v, want %s", o, owner)
				}
				uups = got
				if dir := os.Getenv("SLIPWAY_RECORD_HISTORY"); dir != "" {
					recordHistory(t, d.tc, got.GetWorkflowId(), filepath.Join(dir, fmt.Sprintf("deployment_v%d_proxy.json", workflows.PipelineVersion)))
				}
				continue
			}
			pa := slotAddress(t, d.eth, proxy, adminSlot)
			if pa == (common.Address{}) || len(codeAt(t, d.eth, pa.Hex())) == 0 {
				t.Fatalf("transparent: the admin slot holds %s, no ProxyAdmin", pa.Hex())
			}
			if o := call(t, d.eth, pa.Hex(), "owner"); o != admin {
				t.Fatalf("transparent: ProxyAdmin %s owner() = %v, want %s", pa.Hex(), o, admin.Hex())
			}
		}
	})

	// Upgrades of the UUPS token: one that deletes a storage namespace is
	// refused before anything is signed; a compatible one confirms and
	// the proxy points at its implementation.
	step("Upgrades", func(t *testing.T) {
		if uups == nil {
			t.Skip("needs the UUPS deployment")
		}
		proxy, impl1 := uups.GetContractAddress(), uups.GetImplementationAddress()
		code, body, _ := callJSON(t, "POST", d.api+"/api/v1/contracts/generate", token,
			map[string]any{"template": map[string]any{"kind": "ERC20", "name": "Up Token", "symbol": "UPT",
				"options": map[string]any{"access": "ownable", "upgradeable": "uups"}}})
		v1, _ := body["source"].(string)
		if code != 200 || v1 == "" {
			t.Fatalf("generate = %d %v", code, body)
		}
		// v1 without OwnableUpgradeable: its ERC-7201 namespace is gone.
		unsafe := v1
		for _, cut := range []string{
			"import {OwnableUpgradeable} from \"@openzeppelin/contracts-upgradeable/access/OwnableUpgradeable.sol\";\n",
			"OwnableUpgradeable, ", "        __Ownable_init(initialOwner);\n", "        onlyOwner\n",
		} {
			if !strings.Contains(unsafe, cut) {
				t.Fatalf("the generated v1 lacks %q:\n%s", cut, v1)
			}
			unsafe = strings.Replace(unsafe, cut, "", 1)
		}
		nonce0 := d.nonce(t)
		res, err := d.client.UpgradeDeployment(t.Context(), authed(token, &slipwayv1.UpgradeDeploymentRequest{Id: uups.GetId(),
			Source: unsafe, ContractName: "UpToken", AllowFindings: true}))
		if err != nil {
			t.Fatalf("UpgradeDeployment (unsafe): %v", err)
		}
		bad := d.await(t, token, res.Msg.GetDeployment().GetId(), 3*time.Minute)
		us := bad.GetUpgradeSafety()
		if bad.GetStatus() != slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_FAILED || bad.GetUpgradeOf() != uups.GetId() || us == nil || us.GetSafe() ||
			!strings.Contains(strings.Join(us.GetErrors(), "\n"), "namespace") || !strings.Contains(strings.Join(us.GetErrors(), "\n"), "Ownable") {
			t.Fatalf("unsafe upgrade: %s %q, safety %v", bad.GetStatus(), bad.GetError(), us)
		}
		t.Logf("refused: %q", us.GetErrors())
		if n := d.nonce(t); n != nonce0 {
			t.Fatalf("the refused upgrade moved the signer's nonce from %d to %d", nonce0, n)
		}
		if s := slotAddress(t, d.eth, proxy, implementationSlot); !sameAddress(s.Hex(), impl1) {
			t.Fatalf("after the refused upgrade the implementation slot holds %s, want %s", s.Hex(), impl1)
		}
		if txs := d.txsOf(t, bad.GetId()); len(txs) != 0 {
			t.Fatalf("the refused upgrade signed %d transactions", len(txs))
		}

		// Pausable adds a namespace of its own: compatible.
		res, err = d.client.UpgradeDeployment(t.Context(), authed(token, &slipwayv1.UpgradeDeploymentRequest{Id: uups.GetId(),
			Template: upTemplate("Up Token", "uups", true)}))
		if err != nil {
			t.Fatalf("UpgradeDeployment: %v", err)
		}
		up := d.awaitConfirmed(t, token, res.Msg.GetDeployment().GetId(), 4*time.Minute)
		if up.GetUpgradeSafety() == nil || !up.GetUpgradeSafety().GetSafe() || up.GetTxHash() == "" {
			t.Fatalf("upgrade: safety %v tx %q", up.GetUpgradeSafety(), up.GetTxHash())
		}
		got := d.get(t, token, uups.GetId())
		impl2 := got.GetImplementationAddress()
		if !common.IsHexAddress(impl2) || sameAddress(impl2, impl1) {
			t.Fatalf("after the upgrade the proxy's implementation is %q (was %s)", impl2, impl1)
		}
		if s := slotAddress(t, d.eth, proxy, implementationSlot); !sameAddress(s.Hex(), impl2) {
			t.Fatalf("the implementation slot holds %s, want %s", s.Hex(), impl2)
		}
		impls := got.GetImplementations()
		if len(impls) != 2 || !sameAddress(impls[0].GetAddress(), impl1) || !sameAddress(impls[1].GetAddress(), impl2) ||
			!strings.EqualFold(impls[1].GetUpgradeTxHash(), up.GetTxHash()) || impls[1].GetDeploymentId() == "" {
			t.Fatalf("implementations %v", impls)
		}
		for _, im := range impls {
			if im.GetTxHash() == "" || im.GetUpgradeTxHash() == "" {
				t.Fatalf("implementation without its transactions: %v", im)
			}
		}
		if n := d.nonce(t); n != nonce0+2 {
			t.Fatalf("signer nonce %d, want %d: the implementation and the upgrade call", n, nonce0+2)
		}
		if p := call(t, d.eth, proxy, "paused"); p != false {
			t.Fatalf("paused() through the proxy = %v", p)
		}
		if n := call(t, d.eth, proxy, "name"); n != "Up Token" {
			t.Fatalf("name() after the upgrade = %q", n)
		}
	})

	// A worker killed between signing an upgrade's call to the proxy and
	// sending it (the implementation already deployed): a new worker sends
	// the stored call, and the proxy is upgraded exactly once.
	step("CrashMidUpgrade", func(t *testing.T) {
		if uups == nil {
			t.Skip("needs the UUPS deployment")
		}
		cs := *d.pipelineStack
		cs.temporal.TaskQueue = "crash-upgrade"
		client := slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, d.serve(t, cs.temporal.TaskQueue))
		keyEnv := "TEST_SIDE_KEY=" + d.sideKeyHex
		w := cs.startWorkerProc(t, keyEnv, "SLIPWAY_FAILPOINT=exit-after-sign-call")
		proxy := uups.GetContractAddress()
		before := slotAddress(t, d.eth, proxy, implementationSlot)
		nonce0 := d.nonce(t)
		res, err := client.UpgradeDeployment(t.Context(), authed(token, &slipwayv1.UpgradeDeploymentRequest{Id: uups.GetId(),
			Template: upTemplate("Up Token", "uups", true)}))
		if err != nil {
			t.Fatalf("UpgradeDeployment: %v", err)
		}
		upID := res.Msg.GetDeployment().GetId()
		w.awaitFailpoint(t, 4*time.Minute)
		// At the crash: the implementation mined, the call signed, not sent.
		calls := d.txsOf(t, upID)
		if len(calls) != 1 || calls[0].BroadcastAt != nil || !sameAddress(calls[0].ToAddress, proxy) {
			t.Fatalf("at the crash the upgrade holds %v, want one signed call to %s not broadcast", calls, proxy)
		}
		if n := d.nonce(t); n != nonce0+1 {
			t.Fatalf("at the crash the signer's nonce is %d, want %d (the implementation only)", n, nonce0+1)
		}
		if s := slotAddress(t, d.eth, proxy, implementationSlot); s != before {
			t.Fatalf("the proxy moved to %s before the call was sent", s.Hex())
		}
		cs.startWorkerProc(t, keyEnv)
		up := d.awaitConfirmed(t, token, upID, 4*time.Minute)
		if txs := d.txsOf(t, upID); len(txs) != 1 || !strings.EqualFold(txs[0].TxHash, calls[0].TxHash) || !strings.EqualFold(up.GetTxHash(), calls[0].TxHash) {
			t.Fatalf("after the restart the upgrade holds %v (answer %s), want the one call signed before the crash", txs, up.GetTxHash())
		}
		if n := d.nonce(t); n != nonce0+2 {
			t.Fatalf("signer nonce %d, want %d: one implementation, one call", n, nonce0+2)
		}
		got := d.get(t, token, uups.GetId())
		impls := got.GetImplementations()
		last := impls[len(impls)-1]
		if s := slotAddress(t, d.eth, proxy, implementationSlot); !sameAddress(s.Hex(), last.GetAddress()) || s == before ||
			!sameAddress(got.GetImplementationAddress(), last.GetAddress()) || !strings.EqualFold(last.GetUpgradeTxHash(), calls[0].TxHash) {
			t.Fatalf("slot %s, implementation %s, newest of %v", s.Hex(), got.GetImplementationAddress(), impls)
		}
		if txs := d.txsOf(t, last.GetDeploymentId()); len(txs) != 1 {
			t.Fatalf("the new implementation's deployment holds %d transactions, want 1", len(txs))
		}
	})

	// A worker killed right after its first signing in a fan-out (on a
	// task queue of its own, with worker processes): a new worker
	// finishes, and each network deployed exactly once.
	step("CrashMidFanOut", func(t *testing.T) {
		cs := *d.pipelineStack
		cs.temporal.TaskQueue = "crash"
		api := d.serve(t, cs.temporal.TaskQueue)
		client := slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, api)
		keyEnv := "TEST_SIDE_KEY=" + d.sideKeyHex
		w := cs.startWorkerProc(t, keyEnv, "SLIPWAY_FAILPOINT=exit-after-sign")
		devNonce, sideNonce := d.nonce(t), nonceOf(t, d.sideEth, d.sideSigner)
		dep := d.create(t, client, token, &slipwayv1.CreateDeploymentRequest{Networks: []string{"dev", "side"}, Source: storeSource,
			ContractName: "Store", ConstructorArgs: args(t, "11", owner), IdempotencyKey: "det-crash"})
		w.awaitFailpoint(t, 3*time.Minute)
		// Mid-fan-out: signed for one network at least, nothing sent.
		parent := uuid.MustParse(dep.GetId())
		children, err := db.New(d.pool).ListChildDeployments(t.Context(), &parent)
		if err != nil || len(children) != 2 {
			t.Fatalf("%d children (%v)", len(children), err)
		}
		var signed int
		for _, c := range children {
			for _, tx := range d.txsOf(t, c.ID.String()) {
				if tx.BroadcastAt != nil {
					t.Fatalf("%s: a transaction was broadcast before the crash", c.Network)
				}
				signed++
			}
		}
		if signed == 0 || d.nonce(t) != devNonce || nonceOf(t, d.sideEth, d.sideSigner) != sideNonce {
			t.Fatalf("at the crash: %d signed, nonces %d and %d (were %d and %d)", signed, d.nonce(t), nonceOf(t, d.sideEth, d.sideSigner), devNonce, sideNonce)
		}
		t.Logf("the worker died after signing %d of 2 networks' transactions", signed)
		cs.startWorkerProc(t, keyEnv)
		got := d.awaitConfirmed(t, token, dep.GetId(), 4*time.Minute)
		if len(got.GetChildren()) != 2 {
			t.Fatalf("%d children", len(got.GetChildren()))
		}
		want := map[string]uint64{"dev": devNonce, "side": sideNonce}
		for _, c := range got.GetChildren() {
			eth := map[string]*ethclient.Client{"dev": d.eth, "side": d.sideEth}[c.GetNetwork()]
			txs := d.txsOf(t, c.GetId())
			if c.GetStatus() != slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_CONFIRMED || len(txs) != 1 ||
				uint64(txs[0].Nonce) != want[c.GetNetwork()] || !strings.EqualFold(txs[0].TxHash, c.GetTxHash()) || len(codeAt(t, eth, c.GetContractAddress())) == 0 {
				t.Fatalf("%s: %s at %s tx %s, %d transactions %v; want one at nonce %d", c.GetNetwork(), c.GetStatus(), c.GetContractAddress(), c.GetTxHash(), len(txs), txs, want[c.GetNetwork()])
			}
		}
		if n := d.nonce(t); n != devNonce+1 {
			t.Fatalf("dev signer nonce %d, want %d: one deployment", n, devNonce+1)
		}
		if n := nonceOf(t, d.sideEth, d.sideSigner); n != sideNonce+1 {
			t.Fatalf("side signer nonce %d, want %d: one deployment", n, sideNonce+1)
		}
	})
	t.Logf("total %s", time.Since(began).Round(time.Millisecond))
}
