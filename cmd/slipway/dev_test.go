package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/ethereum/go-ethereum/common"
	"github.com/gorilla/websocket"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/ethclient"
	"go.temporal.io/sdk/client"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/create2"
	"github.com/slipway-dev/slipway/internal/usertier"
	"github.com/slipway-dev/slipway/server/servertest"
)

// The binary under test, built once: the dev stack is tested as users run
// it, as a separate process that gets signals.
var (
	buildOnce  sync.Once
	slipwayBin string
	buildErr   error
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func binary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "slipway-bin-")
		if err != nil {
			buildErr = err
			return
		}
		slipwayBin = filepath.Join(dir, "slipway")
		if out, err := exec.Command("go", "build", "-o", slipwayBin, ".").CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("build slipway: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return slipwayBin
}

// devProc is a running `slipway dev`.
type devProc struct {
	cmd    *exec.Cmd
	stdout *servertest.SyncBuffer
	stderr *servertest.SyncBuffer
	urls   map[string]string
	done   chan error
}

var bannerLine = regexp.MustCompile(`(?m)^  (API|Temporal frontend|Temporal Web UI|Chain|Env for serve/worker)[^\n]*?\s(\S+)( \(namespace \S+\))?$`)

// startDev runs `slipway dev` on dataDir with every port free-chosen and
// waits for its ready banner.
func startDev(t *testing.T, dataDir string, extra ...string) *devProc {
	t.Helper()
	args := append([]string{"dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0", "--temporal-addr", "127.0.0.1:0",
		"--ui-addr", "127.0.0.1:0", "--chain-addr", "127.0.0.1:0", "--db-port", "0", "--log-level", "warn"}, extra...)
	cmd := exec.Command(binary(t), args...)
	cmd.Env = cleanEnv()
	p := &devProc{cmd: cmd, stdout: &servertest.SyncBuffer{}, stderr: &servertest.SyncBuffer{}, done: make(chan error, 1)}
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatalf("start slipway dev: %v", err)
	}
	go func() { p.done <- cmd.Wait() }()
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			<-p.done
		}
	})
	started := time.Now()
	deadline := time.After(120 * time.Second)
	for !strings.Contains(p.stdout.String(), "Press Ctrl-C to stop.") {
		select {
		case err := <-p.done:
			t.Fatalf("slipway dev exited before ready: %v\nstdout:\n%s\nstderr:\n%s", err, p.stdout, p.stderr)
		case <-deadline:
			t.Fatalf("slipway dev not ready in 120s\nstdout:\n%s\nstderr:\n%s", p.stdout, p.stderr)
		case <-time.After(50 * time.Millisecond):
		}
	}
	t.Logf("slipway dev ready after %s", time.Since(started).Round(time.Millisecond))
	p.urls = map[string]string{}
	for _, m := range bannerLine.FindAllStringSubmatch(p.stdout.String(), -1) {
		p.urls[m[1]] = m[2]
	}
	for _, k := range []string{"API", "Temporal frontend", "Temporal Web UI", "Chain", "Env for serve/worker"} {
		if p.urls[k] == "" {
			t.Fatalf("banner lacks %q:\n%s", k, p.stdout)
		}
	}
	return p
}

// cleanEnv keeps the test's environment from steering the stack (a
// DATABASE_URL meant for other tests, say).
func cleanEnv() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "DATABASE_URL=") || strings.HasPrefix(kv, "SLIPWAY_") {
			continue
		}
		env = append(env, kv)
	}
	return env
}

// stop signals the dev process and waits for its exit.
func (p *devProc) stop(t *testing.T, sig syscall.Signal) error {
	t.Helper()
	_ = p.cmd.Process.Signal(sig)
	began := time.Now()
	select {
	case err := <-p.done:
		t.Logf("slipway dev exited %s after %v", time.Since(began).Round(time.Millisecond), sig)
		return err
	case <-time.After(60 * time.Second):
		t.Fatalf("slipway dev did not exit 60s after %v\nstderr:\n%s", sig, p.stderr)
		return nil
	}
}

// descendants lists every process below pid, read from /proc.
func descendants(t *testing.T, pid int) []int {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatalf("read /proc: %v", err)
	}
	children := map[int][]int{}
	for _, e := range entries {
		child, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		stat, err := os.ReadFile(filepath.Join("/proc", e.Name(), "stat"))
		if err != nil {
			continue
		}
		// Fields after the command name, which is in parentheses.
		rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
		fields := strings.Fields(rest)
		if len(fields) < 2 {
			continue
		}
		ppid, _ := strconv.Atoi(fields[1])
		children[ppid] = append(children[ppid], child)
	}
	var out []int
	queue := []int{pid}
	for len(queue) > 0 {
		p := queue[0]
		queue = queue[1:]
		for _, c := range children[p] {
			out = append(out, c)
			queue = append(queue, c)
		}
	}
	return out
}

// alive says whether pid still runs (a zombie counts as gone).
func alive(pid int) bool {
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	rest := string(stat[strings.LastIndexByte(string(stat), ')')+2:])
	return !strings.HasPrefix(rest, "Z")
}

func waitGone(t *testing.T, pids []int, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for {
		var left []int
		for _, p := range pids {
			if alive(p) {
				left = append(left, p)
			}
		}
		if len(left) == 0 {
			return
		}
		if time.Now().After(deadline) {
			var names []string
			for _, p := range left {
				cmdline, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", p))
				names = append(names, fmt.Sprintf("%d %s", p, strings.ReplaceAll(string(cmdline), "\x00", " ")))
			}
			t.Fatalf("orphaned processes %v after %s:\n%s", left, within, strings.Join(names, "\n"))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func readEnvFile(t *testing.T, path string) map[string]string {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatalf("stat env file: %v", err)
	}
	if info.Mode().Perm() != 0o600 {
		t.Errorf("env file mode = %v, want 0600: it holds secrets", info.Mode().Perm())
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	env := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "#") || line == "" {
			continue
		}
		k, v, _ := strings.Cut(line, "=")
		if uq, err := strconv.Unquote(v); err == nil {
			v = uq
		}
		env[k] = v
	}
	return env
}

func getJSON(t *testing.T, url string, into any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if into != nil {
		if err := json.Unmarshal(b, into); err != nil {
			t.Fatalf("GET %s: decode %q: %v", url, b, err)
		}
	}
	return resp.StatusCode
}

// TestDevStack runs the whole dev stack as a user does: it comes up with
// every part answering, a separate serve joins it through slipway.env,
// Ctrl-C stops every child, a restart keeps the data, and a SIGKILL leaves no
// orphan either.
func TestDevStack(t *testing.T) {
	if testing.Short() {
		t.Skip("starts the whole dev stack")
	}
	ctx := context.Background()
	last := time.Now()
	step := func(name string) {
		t.Logf("%-28s %s", name, time.Since(last).Round(time.Millisecond))
		last = time.Now()
	}
	defer step("end")
	dataDir := t.TempDir()
	// Postgres runs as the postgres user when the test runs as root, and
	// must reach its folder inside the test's 0700 temp folder.
	if err := os.Chmod(filepath.Dir(dataDir), 0o711); err != nil {
		t.Fatal(err)
	}
	dev := startDev(t, dataDir)
	api := dev.urls["API"]

	// Every part answers.
	if code := getJSON(t, api+"/readyz", nil); code != http.StatusOK {
		t.Fatalf("/readyz = %d, want 200", code)
	}
	resp, err := http.Get(dev.urls["Temporal Web UI"])
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("Temporal Web UI: %v %v", resp, err)
	}
	resp.Body.Close()
	ec, err := ethclient.Dial(dev.urls["Chain"])
	if err != nil {
		t.Fatal(err)
	}
	if id, err := ec.ChainID(ctx); err != nil || id.Uint64() != 31337 {
		t.Fatalf("chain id = %v, %v; want 31337", id, err)
	}
	// Deployments with a salt need the deterministic deployment proxy.
	if err := create2.Check(ctx, ec); err != nil {
		t.Fatalf("dev chain: %v", err)
	}
	ec.Close()

	step("checks")
	// A second stack on the same data folder is refused, not corrupting.
	out, err := exec.Command(binary(t), "dev", "--data-dir", dataDir, "--http-addr", "127.0.0.1:0").CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitUsage || !strings.Contains(string(out), "in use") {
		t.Fatalf("second dev on the same folder: %v\n%s", err, out)
	}

	step("second stack refused")
	// slipway.env lets a separate API server join the stack.
	envFile := dev.urls["Env for serve/worker"]
	env := readEnvFile(t, envFile)
	for _, k := range []string{"DATABASE_URL", "SLIPWAY_TEMPORAL_ADDR", "SLIPWAY_NETWORKS_FILE", "SLIPWAY_DEV_DEPLOYER_KEY"} {
		if env[k] == "" {
			t.Fatalf("slipway.env lacks %s", k)
		}
	}
	joinServe(t, envFile)

	step("joined serve")
	// Identity end to end over REST: register, login, me, an API key.
	accessToken := identityFlow(t, api)
	var nets struct {
		Networks []struct {
			Name          string `json:"name"`
			ChainID       string `json:"chainId"`
			Confirmations int    `json:"confirmations"`
		} `json:"networks"`
	}
	if code := getJSONAuth(t, api+"/api/v1/networks", accessToken, &nets); code != 200 || len(nets.Networks) != 1 || nets.Networks[0].Name != "dev" || nets.Networks[0].ChainID != "31337" {
		t.Fatalf("GET /api/v1/networks = %d %+v, want network dev on 31337", code, nets)
	}
	step("identity flow")
	// The compile RPC runs a workflow on the stack's own worker and solc pool.
	counter := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Counter { uint256 public count; function increment() external { count += 1; } }\n"
	if code, body, _ := callJSON(t, "POST", api+"/api/v1/contracts/compile", accessToken, map[string]any{"source": counter}); code != 200 || !strings.Contains(fmt.Sprint(body["contracts"]), "increment") {
		t.Fatalf("compile on the dev stack = %d %v", code, body)
	}
	step("compile")
	// The deployment's calls would use up the free tier's 10 a minute.
	setTier(t, env["DATABASE_URL"], "dev.user@example.com", usertier.Paid)
	deployOnDev(t, api, accessToken, dev.urls["Chain"])
	step("deploy")

	// Data to find again after a restart: a user, and a workflow run.
	pool, err := db.Connect(ctx, env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.New(pool).CreateUser(ctx, db.CreateUserParams{Email: "persist@example.com", PasswordHash: "x"}); err != nil {
		t.Fatalf("create user: %v", err)
	}
	pool.Close()
	tc, err := client.Dial(client.Options{HostPort: env["SLIPWAY_TEMPORAL_ADDR"]})
	if err != nil {
		t.Fatal(err)
	}
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "persist-probe", TaskQueue: "dev-test-probe"}, "Probe")
	if err != nil {
		t.Fatalf("start workflow: %v", err)
	}
	tc.Close()

	step("data written")
	// Ctrl-C stops everything and leaves no process behind.
	kids := descendants(t, dev.cmd.Process.Pid)
	if len(kids) < 2 {
		t.Fatalf("expected postgres and anvil below slipway dev, found %v", kids)
	}
	if err := dev.stop(t, syscall.SIGINT); err != nil {
		t.Fatalf("slipway dev after Ctrl-C: %v\nstderr:\n%s", err, dev.stderr)
	}
	waitGone(t, kids, 10*time.Second)

	step("stopped, no orphans")
	// A restart on the same folder keeps users and Temporal history.
	dev = startDev(t, dataDir)
	env = readEnvFile(t, dev.urls["Env for serve/worker"])
	pool, err = db.Connect(ctx, env["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.New(pool).GetUserByEmail(ctx, "PERSIST@example.com"); err != nil {
		t.Fatalf("user after restart: %v", err)
	}
	// The signing key lives in the data folder: tokens outlive a restart.
	if code, body, _ := callJSON(t, "GET", dev.urls["API"]+"/api/v1/me", accessToken, nil); code != 200 {
		t.Fatalf("GET /api/v1/me with a token from before the restart = %d %v", code, body)
	}
	pool.Close()
	tc, err = client.Dial(client.Options{HostPort: env["SLIPWAY_TEMPORAL_ADDR"]})
	if err != nil {
		t.Fatal(err)
	}
	desc, err := tc.DescribeWorkflowExecution(ctx, "persist-probe", run.GetRunID())
	if err != nil {
		t.Fatalf("workflow after restart: %v", err)
	}
	if got := desc.GetWorkflowExecutionInfo().GetType().GetName(); got != "Probe" {
		t.Fatalf("workflow type after restart = %q", got)
	}
	tc.Close()

	step("restart checked")
	// Killed outright, slipway dev still takes its children with it.
	kids = descendants(t, dev.cmd.Process.Pid)
	_ = dev.stop(t, syscall.SIGKILL)
	waitGone(t, kids, 15*time.Second)
}

// joinServe starts `slipway serve --env-file` against the running stack
// and checks that it is ready, then stops it with SIGTERM.
func joinServe(t *testing.T, envFile string) {
	t.Helper()
	cmd := exec.Command(binary(t), "serve", "--env-file", envFile, "--http-addr", "127.0.0.1:0")
	cmd.Env = cleanEnv()
	stderr := &servertest.SyncBuffer{}
	cmd.Stderr = stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	}()
	addrRe := regexp.MustCompile(`"msg":"api listening","addr":"([^"]+)"`)
	var addr string
	for deadline := time.Now().Add(30 * time.Second); addr == ""; {
		if m := addrRe.FindStringSubmatch(stderr.String()); m != nil {
			addr = m[1]
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve did not listen:\n%s", stderr)
		}
		time.Sleep(50 * time.Millisecond)
	}
	for deadline := time.Now().Add(30 * time.Second); ; {
		if code := getJSON(t, "http://"+addr+"/readyz", nil); code == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("joined serve never ready:\n%s", stderr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	_ = cmd.Process.Signal(syscall.SIGTERM)
	if err := cmd.Wait(); err != nil {
		t.Fatalf("serve after SIGTERM: %v\n%s", err, stderr)
	}
}

// callJSON sends a REST request with an optional credential ("slw_…" keys go
// in X-API-Key, anything else is a bearer token) and decodes the answer.
func callJSON(t *testing.T, method, url, cred string, body any) (int, map[string]any, http.Header) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = strings.NewReader(string(b))
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	switch {
	case strings.HasPrefix(cred, "slw_"):
		req.Header.Set("X-API-Key", cred)
	case cred != "":
		req.Header.Set("Authorization", "Bearer "+cred)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	out := map[string]any{}
	b, _ := io.ReadAll(resp.Body)
	if len(b) > 0 {
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatalf("%s %s: decode %q: %v", method, url, b, err)
		}
	}
	return resp.StatusCode, out, resp.Header
}

// identityFlow registers, logs in, reads /me with the token and with an API
// key, and answers the access token.
func identityFlow(t *testing.T, api string) string {
	t.Helper()
	creds := map[string]string{"email": "Dev.User@Example.com", "password": "correct horse battery staple"}
	code, body, _ := callJSON(t, "POST", api+"/api/v1/auth/register", "", creds)
	if code != 200 || body["user"].(map[string]any)["email"] != "dev.user@example.com" {
		t.Fatalf("register = %d %v", code, body)
	}
	if code, body, _ := callJSON(t, "POST", api+"/api/v1/auth/register", "", creds); code != http.StatusConflict {
		t.Fatalf("second register = %d %v, want 409", code, body)
	}
	code, body, _ = callJSON(t, "POST", api+"/api/v1/auth/login", "", creds)
	if code != 200 || body["tokenType"] != "Bearer" {
		t.Fatalf("login = %d %v", code, body)
	}
	token, _ := body["accessToken"].(string)
	if code, body, _ := callJSON(t, "GET", api+"/api/v1/me", "", nil); code != http.StatusUnauthorized {
		t.Fatalf("GET /me without credentials = %d %v, want 401", code, body)
	}
	code, body, hdr := callJSON(t, "GET", api+"/api/v1/me", token, nil)
	if code != 200 || body["user"].(map[string]any)["tier"] != "free" {
		t.Fatalf("GET /me = %d %v", code, body)
	}
	if hdr.Get("RateLimit-Limit") != "10" || hdr.Get("RateLimit-Remaining") == "" {
		t.Fatalf("GET /me rate-limit headers = %v", hdr)
	}
	code, body, _ = callJSON(t, "POST", api+"/api/v1/api-keys", token, map[string]string{"name": "ci"})
	key, _ := body["key"].(string)
	if code != 200 || key == "" {
		t.Fatalf("create api key = %d %v", code, body)
	}
	if code, body, _ := callJSON(t, "GET", api+"/api/v1/me", key, nil); code != 200 {
		t.Fatalf("GET /me with the API key = %d %v", code, body)
	}
	tmpl := map[string]any{"template": map[string]any{"kind": "ERC20", "name": "DevToken", "symbol": "DEV", "options": map[string]any{"premint": "1000"}}}
	if code, body, _ := callJSON(t, "POST", api+"/api/v1/contracts/generate", key, tmpl); code != 200 || !strings.Contains(body["source"].(string), "contract DevToken is ERC20") {
		t.Fatalf("generate = %d %v", code, body)
	}
	return token
}

func getJSONAuth(t *testing.T, url, token string, into any) int {
	t.Helper()
	code, body, _ := callJSON(t, "GET", url, token, nil)
	b, _ := json.Marshal(body)
	if err := json.Unmarshal(b, into); err != nil {
		t.Fatal(err)
	}
	return code
}

// deployOnDev deploys a generated ERC20 over REST and follows it over the
// WebSocket feed, authenticated the way browsers do (a subprotocol token),
// to CONFIRMED; the contract's code is then on the dev chain.
func deployOnDev(t *testing.T, api, token, chainURL string) {
	t.Helper()
	owner := "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
	req := map[string]any{"network": "dev", "idempotencyKey": "dev-test-1",
		"template":        map[string]any{"kind": "ERC20", "name": "DevToken", "symbol": "DEV", "options": map[string]any{"premint": "1000"}},
		"constructorArgs": []any{owner}}
	code, body, _ := callJSON(t, "POST", api+"/api/v1/contracts/deploy", token, req)
	if code != 200 {
		t.Fatalf("deploy = %d %v", code, body)
	}
	dep := body["deployment"].(map[string]any)
	id := dep["id"].(string)
	// The same key answers the same deployment.
	if code, again, _ := callJSON(t, "POST", api+"/api/v1/contracts/deploy", token, req); code != 200 || again["deployment"].(map[string]any)["id"] != id {
		t.Fatalf("deploy with the same key = %d %v, want deployment %s", code, again, id)
	}
	// A user contract's constructor arguments are checked against its
	// compiled ABI before anything starts.
	store := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Store { uint256 public v; constructor(uint256 x) { v = x; } }\n"
	for _, bad := range []map[string]any{
		{"network": "dev", "source": store, "contractName": "Store", "constructorArgs": []any{"0x12", 3}},
		{"network": "dev", "source": store, "contractName": "Store", "constructorArgs": []any{"-5"}},
		{"network": "dev", "source": strings.Replace(store, "uint256 x)", "uint256 x", 1), "contractName": "Store"},
	} {
		if code, body, _ := callJSON(t, "POST", api+"/api/v1/contracts/deploy", token, bad); code != 400 {
			t.Fatalf("deploy of %v = %d %v, want 400", bad["constructorArgs"], code, body)
		}
	}
	wsURL := "ws" + strings.TrimPrefix(api, "http") + "/api/v1/deployments/" + id + "/updates"
	conn, resp, err := websocket.DefaultDialer.Dial(wsURL, http.Header{"Sec-WebSocket-Protocol": {"slipway.v1, bearer." + token}})
	if err != nil {
		t.Fatalf("websocket: %v (%v)", err, resp)
	}
	defer conn.Close()
	_ = conn.SetReadDeadline(time.Now().Add(3 * time.Minute))
	var statuses []string
	seq := 0.0
	for {
		var m map[string]any
		if err := conn.ReadJSON(&m); err != nil {
			t.Fatalf("websocket read after %v: %v", statuses, err)
		}
		if m["type"] != "event" {
			continue
		}
		if m["seq"].(float64) != seq+1 {
			t.Fatalf("event seq %v after %v", m["seq"], seq)
		}
		seq = m["seq"].(float64)
		st := m["status"].(string)
		if len(statuses) == 0 || statuses[len(statuses)-1] != st {
			statuses = append(statuses, st)
		}
		if st == "CONFIRMED" || st == "FAILED" || st == "CANCELLED" {
			break
		}
	}
	if got := strings.Join(statuses, ","); got != "PENDING,GENERATING,LINTING,COMPILING,DEPLOYING,CONFIRMING,CONFIRMED" {
		t.Fatalf("statuses %s", got)
	}
	var got struct {
		Deployment struct {
			Status, ContractAddress string
		}
	}
	if code := getJSONAuth(t, api+"/api/v1/deployments/"+id, token, &got); code != 200 || got.Deployment.Status != "DEPLOYMENT_STATUS_CONFIRMED" {
		t.Fatalf("GET deployment = %d %+v", code, got)
	}
	ec, err := ethclient.Dial(chainURL)
	if err != nil {
		t.Fatal(err)
	}
	defer ec.Close()
	if c, err := ec.CodeAt(context.Background(), common.HexToAddress(got.Deployment.ContractAddress), nil); err != nil || len(c) == 0 {
		t.Fatalf("no code at %s: %v", got.Deployment.ContractAddress, err)
	}
}

func setTier(t *testing.T, dsn, email, tier string) {
	t.Helper()
	pool, err := db.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if _, err := db.New(pool).SetUserTierByEmail(context.Background(), db.SetUserTierByEmailParams{Email: email, Tier: tier}); err != nil {
		t.Fatal(err)
	}
}
