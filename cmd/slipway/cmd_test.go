package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"go.temporal.io/sdk/client"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	taskqueuepb "go.temporal.io/api/taskqueue/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/server/temporaltest"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/server/auth"
)

// runCLI runs the command line in-process and answers exit code and output.
func runCLI(t *testing.T, args ...string) (int, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	code := run(ctx, args, &out, &errOut)
	return code, out.String(), errOut.String()
}

// clearSlipwayEnv keeps the developer's environment out of config tests.
func clearSlipwayEnv(t *testing.T) {
	for _, k := range []string{"DATABASE_URL", "SLIPWAY_ENV_FILE", "SLIPWAY_HTTP_ADDR", "SLIPWAY_TEMPORAL_ADDR", "SLIPWAY_MAX_BODY_BYTES", "SLIPWAY_NETWORKS_FILE", "SLIPWAY_LOG_LEVEL"} {
		t.Setenv(k, "")
	}
}

// cliUser sets a `slipway users` test up: the environment cleared, a test
// database's URL, a pool to it (closed when the test ends) and a user with
// email made in it.
func cliUser(t *testing.T, email string) (string, *pgxpool.Pool, db.User) {
	t.Helper()
	clearSlipwayEnv(t)
	dsn := dbtest.DSN(t)
	pool, err := db.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	u, err := db.New(pool).CreateUser(context.Background(), db.CreateUserParams{Email: email, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return dsn, pool, u
}

func TestConfigErrorsAreClearAndExit2(t *testing.T) {
	clearSlipwayEnv(t)
	cases := []struct {
		name string
		env  map[string]string
		args []string
		code int
		want string
	}{
		{"no command", nil, nil, exitUsage, "Usage"},
		{"unknown command", nil, []string{"launch"}, exitUsage, `unknown command "launch"`},
		{"serve without database", nil, []string{"serve"}, exitUsage, "DATABASE_URL"},
		{"serve with a bad database url", nil, []string{"serve", "--database-url", "mysql://nope"}, exitUsage, "not a valid postgres URL"},
		{"serve with a bad address", nil, []string{"serve", "--database-url", "postgres://u@h/db", "--http-addr", "8080"}, exitUsage, "--http-addr"},
		{"serve with a bad log level", nil, []string{"serve", "--database-url", "postgres://u@h/db", "--jwt-key", "env:K", "--log-level", "loud"}, exitUsage, "--log-level"},
		{"malformed env value", map[string]string{"SLIPWAY_MAX_BODY_BYTES": "2MB"}, []string{"serve", "--database-url", "postgres://u@h/db"}, exitUsage, "SLIPWAY_MAX_BODY_BYTES"},
		{"serve without a signing key", nil, []string{"serve", "--database-url", "postgres://u@h/db"}, exitUsage, "--jwt-key"},
		{"bad trusted proxy", nil, []string{"serve", "--database-url", "postgres://u@h/db", "--jwt-key", "env:K", "--trusted-proxies", "10.0.0.0/99"}, exitUsage, "--trusted-proxies"},
		{"zero rate limit", nil, []string{"serve", "--database-url", "postgres://u@h/db", "--jwt-key", "env:K", "--rate-free-per-min", "0"}, exitUsage, "--rate-free-per-min"},
		{"malformed duration env", map[string]string{"SLIPWAY_ACCESS_TOKEN_TTL": "15"}, []string{"serve", "--database-url", "postgres://u@h/db"}, exitUsage, "SLIPWAY_ACCESS_TOKEN_TTL"},
		{"tiny body limit", nil, []string{"serve", "--database-url", "postgres://u@h/db", "--max-body-bytes", "10"}, exitUsage, "--max-body-bytes"},
		{"missing networks file", nil, []string{"serve", "--database-url", "postgres://u@h/db", "--jwt-key", "env:K", "--networks", "/nonexistent/networks.json"}, exitUsage, "networks file"},
		{"worker without temporal", nil, []string{"worker", "--temporal-addr", ""}, exitUsage, "--temporal-addr"},
		{"unknown flag", nil, []string{"worker", "--workers", "3"}, exitUsage, "flag provided but not defined"},
		{"dev with a negative port", nil, []string{"dev", "--db-port", "-1"}, exitUsage, "--db-port"},
		{"migrate without a command", nil, []string{"migrate"}, exitUsage, "up, down or status"},
		{"migrate sideways", nil, []string{"migrate", "sideways", "--database-url", "postgres://u@h/db"}, exitUsage, `"sideways"`},
		{"set-tier to gold", nil, []string{"users", "set-tier", "--email", "a@example.com", "--tier", "gold"}, exitUsage, "free or paid"},
		{"set-budget of negative wei", nil, []string{"users", "set-budget", "--email", "a@example.com", "--network", "dev", "--wei", "-5"}, exitUsage, "--wei"},
		{"set-budget of ether", nil, []string{"users", "set-budget", "--email", "a@example.com", "--network", "dev", "--wei", "1.5"}, exitUsage, "non-negative decimal integer"},
		{"set-budget without a network", nil, []string{"users", "set-budget", "--email", "a@example.com", "--wei", "5"}, exitUsage, "--network"},
		{"set-budget on a bad network name", nil, []string{"users", "set-budget", "--email", "a@example.com", "--network", "Dev!", "--wei", "5"}, exitUsage, "--network"},
		{"set-budget over a second", nil, []string{"users", "set-budget", "--email", "a@example.com", "--network", "dev", "--wei", "5", "--period", "1s"}, exitUsage, "--period"},
		{"audit without files", nil, []string{"audit"}, exitUsage, "at least one .sol file"},
		{"audit of a missing file", nil, []string{"audit", "/nonexistent/Token.sol"}, exitUsage, "read /nonexistent/Token.sol"},
		{"audit with a bad threshold", nil, []string{"audit", "--fail-on", "CRITICAL", "x.sol"}, exitUsage, "--fail-on"},
		{"audit json and sarif", nil, []string{"audit", "--json", "--sarif", "x.sol"}, exitUsage, "one of --json and --sarif"},
		{"audit-log without user", nil, []string{"audit-log", "--database-url", "postgres://u@h/db"}, exitUsage, "--user"},
		{"audit-log with a bad since", nil, []string{"audit-log", "--user", "a@example.com", "--since", "yesterday", "--database-url", "postgres://u@h/db"}, exitUsage, "--since"},
		{"missing env file", nil, []string{"serve", "--env-file", "/nonexistent/slipway.env"}, exitUsage, "env file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			for k, v := range c.env {
				t.Setenv(k, v)
			}
			code, stdout, stderr := runCLI(t, c.args...)
			if code != c.code || !strings.Contains(stdout+stderr, c.want) {
				t.Fatalf("slipway %v = exit %d\nstdout: %s\nstderr: %s\nwant exit %d mentioning %q", c.args, code, stdout, stderr, c.code, c.want)
			}
			if strings.Contains(stderr, "panic") || strings.Contains(stderr, "goroutine ") {
				t.Fatalf("stack trace in output:\n%s", stderr)
			}
		})
	}
}

func TestMigrateCommand(t *testing.T) {
	clearSlipwayEnv(t)
	dsn := dbtest.EmptyDSN(t)
	code, out, errOut := runCLI(t, "migrate", "up", "--database-url", dsn)
	if code != 0 || !strings.Contains(out, "00006") {
		t.Fatalf("migrate up = %d\n%s\n%s", code, out, errOut)
	}
	pool, err := db.Connect(context.Background(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM audit_logs").Scan(&n); err != nil {
		t.Fatalf("schema after migrate up: %v", err)
	}
	var applied, after int
	if err := pool.QueryRow(context.Background(), "SELECT max(version_id) FROM goose_db_version WHERE is_applied").Scan(&applied); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "migrate", "down", "--database-url", dsn)
	if code != 0 {
		t.Fatalf("migrate down = %d: %s", code, errOut)
	}
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM goose_db_version WHERE is_applied AND version_id = $1", applied).Scan(&after); err != nil || after != 0 {
		t.Fatalf("migration %d still applied after migrate down (%v)", applied, err)
	}
	code, out, _ = runCLI(t, "migrate", "status", "--database-url", dsn)
	if code != 0 || !strings.Contains(strings.ToLower(out), "pending") {
		t.Fatalf("migrate status = %d\n%s", code, out)
	}
	if code, _, errOut := runCLI(t, "migrate", "up", "--database-url", dsn); code != 0 {
		t.Fatalf("migrate up again = %d: %s", code, errOut)
	}
}

func TestUsersSetTier(t *testing.T) {
	dsn, pool, u := cliUser(t, "ada@example.com")
	ctx := context.Background()
	code, out, errOut := runCLI(t, "users", "set-tier", "--email", "Ada@Example.com", "--tier", "paid", "--database-url", dsn)
	if code != 0 {
		t.Fatalf("set-tier = %d\n%s\n%s", code, out, errOut)
	}
	got, err := db.New(pool).GetUserByID(ctx, u.ID)
	if err != nil || got.Tier != "paid" {
		t.Fatalf("tier after set-tier = %q, %v", got.Tier, err)
	}
	var action, details string
	err = pool.QueryRow(ctx, "SELECT action, details::text FROM audit_logs WHERE resource_id = $1", u.ID.String()).Scan(&action, &details)
	if err != nil || action != "user.tier_changed" || !strings.Contains(details, `"to": "paid"`) {
		t.Fatalf("audit row = %q %q, %v", action, details, err)
	}
	// The compliance export shows the change, as JSON lines.
	code, out, errOut = runCLI(t, "audit-log", "--user", "ada@example.com", "--since", "1h", "--database-url", dsn)
	if code != 0 {
		t.Fatalf("audit-log = %d: %s", code, errOut)
	}
	var line auditLine
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &line); err != nil || line.Action != "user.tier_changed" || line.ResourceID != u.ID.String() || line.ActorKind != "operator" {
		t.Fatalf("audit-log printed %q (%v)", out, err)
	}
	code, out, _ = runCLI(t, "audit-log", "--user", "ada@example.com", "--since", "2999-01-01", "--database-url", dsn)
	if code != 0 || out != "" {
		t.Fatalf("audit-log from the future = %d %q, want nothing", code, out)
	}
	code, _, errOut = runCLI(t, "users", "set-tier", "--email", "nobody@example.com", "--tier", "paid", "--database-url", dsn)
	if code != exitUsage || !strings.Contains(errOut, "no user") {
		t.Fatalf("set-tier of an unknown email = %d: %s", code, errOut)
	}
}

// TestWorkerPollsTaskQueue runs the worker against a real Temporal server
// and sees it poll the configured task queue, then stop with its context.
func TestWorkerPollsTaskQueue(t *testing.T) {
	w := startTestWorker(t, "slipway-test")
	cfg, tc := w.cfg, w.tc
	deadline := time.Now().Add(30 * time.Second)
	for {
		resp, err := tc.WorkflowService().DescribeTaskQueue(context.Background(), &workflowservice.DescribeTaskQueueRequest{
			Namespace: cfg.Namespace, TaskQueue: &taskqueuepb.TaskQueue{Name: cfg.TaskQueue, Kind: enumspb.TASK_QUEUE_KIND_NORMAL},
			TaskQueueType: enumspb.TASK_QUEUE_TYPE_WORKFLOW,
		})
		if err == nil && len(resp.GetPollers()) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no poller on %s after 30s (last error %v)", cfg.TaskQueue, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := w.stop(); err != nil {
		t.Fatalf("worker after cancel: %v", err)
	}
}

// testWorker is a real worker, with a real solc-js pool, on a temporaltest
// server.
type testWorker struct {
	cfg  temporalConfig
	tc   client.Client
	stop func() error
}

// startTestWorker starts a Temporal server and a worker polling taskQueue,
// on a client dialled with options; both stop when the test ends (stop
// stops the worker earlier).
func startTestWorker(t *testing.T, taskQueue string, options ...func(*client.Options)) testWorker {
	t.Helper()
	ts := temporaltest.NewServer(temporaltest.WithT(t))
	cfg := temporalConfig{Addr: ts.GetFrontendHostPort(), Namespace: ts.GetDefaultNamespace(), TaskQueue: taskQueue}
	logger := newTestLogger(t)
	tc, err := dialTemporal(cfg, logger, options...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(tc.Close)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() {
		done <- runTemporalWorker(ctx, tc, cfg, compileConfig{SolcWorkers: 1, InstallDir: t.TempDir()}, chainDeps{}, logger)
	}()
	var once sync.Once
	var stopErr error
	stop := func() error {
		once.Do(func() {
			cancel()
			select {
			case stopErr = <-done:
			case <-time.After(30 * time.Second):
				stopErr = errors.New("worker did not stop 30s after cancel")
			}
		})
		return stopErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("worker: %v", err)
		}
	})
	return testWorker{cfg: cfg, tc: tc, stop: stop}
}

// TestReadinessNamesTheFailingPart builds the API as serve does, with
// Postgres up, Temporal and the chain down, and reads /readyz.
func TestReadinessNamesTheFailingPart(t *testing.T) {
	nets := chain.Config{Networks: []chain.Network{{Name: "dev", ChainID: 31337, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 1}}}
	srv := serveTestAPI(t, testIdentity(t), apiDeps{Networks: nets, Logger: newTestLogger(t)})
	resp, err := http.Get(srv.URL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("/readyz = %d %s, want 503", resp.StatusCode, body)
	}
	var got struct {
		Checks map[string]struct {
			Status string `json:"status"`
		} `json:"checks"`
	}
	if err := json.Unmarshal(body, &got); err != nil {
		t.Fatalf("decode %s: %v", body, err)
	}
	want := map[string]string{"postgres": "ok", "temporal": "fail", "chain:dev": "fail"}
	for name, status := range want {
		if got.Checks[name].Status == "" || (status == "ok") != (got.Checks[name].Status == "ok") {
			t.Errorf("check %s = %q, want %s\n%s", name, got.Checks[name].Status, status, body)
		}
	}
	if resp, err := http.Get(srv.URL + "/healthz"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("/healthz while dependencies are down = %v %v, want 200", resp, err)
	}
}

func newTestLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// testIdentity is the identity config of in-process API tests: a fresh
// signing key in an env secret, and the default limits.
func testIdentity(t testing.TB) identityConfig {
	t.Helper()
	key, err := auth.GenerateEd25519PEM()
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLIPWAY_TEST_JWT_KEY", string(key))
	return identityConfig{JWTKey: "env:SLIPWAY_TEST_JWT_KEY", FreePerMin: 10, PaidPerMin: 100, AuthPerMin: 10}
}

func testSecrets(t testing.TB) secrets.Provider {
	t.Helper()
	sp, err := secrets.NewProvider(secrets.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return sp
}

// TestAuditCommand audits files locally, with no server: a vulnerable
// contract fails the gate with findings at their lines, a clean one passes,
// and SARIF is valid JSON with the same results.
func TestAuditCommand(t *testing.T) {
	clearSlipwayEnv(t)
	nm, err := compile.FindNodeModules("")
	if err != nil {
		t.Fatal(err)
	}
	t.Setenv("SLIPWAY_NODE_MODULES", nm)
	dir := t.TempDir()
	t.Chdir(dir)
	vulnerable := `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

contract Wallet {
    address public owner = msg.sender;

    function withdrawAll(address payable to) external {
        require(tx.origin == owner, "not owner");
        to.transfer(address(this).balance);
    }

    function kill() external {
        selfdestruct(payable(msg.sender));
    }

    receive() external payable {}
}
`
	clean := `// SPDX-License-Identifier: MIT
pragma solidity 0.8.37;

contract Counter {
    uint256 public count;

    function increment() external {
        count += 1;
    }
}
`
	if err := os.WriteFile("Wallet.sol", []byte(vulnerable), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile("Counter.sol", []byte(clean), 0o644); err != nil {
		t.Fatal(err)
	}
	code, out, errOut := runCLI(t, "audit", "--json", "Wallet.sol")
	if code != 1 {
		t.Fatalf("audit of a vulnerable contract = exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	var rep auditReport
	if err := json.Unmarshal([]byte(out), &rep); err != nil {
		t.Fatalf("decode --json: %v\n%s", err, out)
	}
	lines := map[string]int{}
	for _, f := range rep.Findings {
		if f.File != "Wallet.sol" {
			t.Errorf("finding in %q, want Wallet.sol", f.File)
		}
		lines[f.Detector] = f.Line
	}
	// An unprotected function is reported at its header, where labelled
	// vulnerability datasets put it.
	if lines["tx-origin"] != 8 || lines["unprotected-selfdestruct"] != 12 {
		t.Fatalf("findings %+v: want tx-origin on line 8 and unprotected-selfdestruct on line 12 (kill)", rep.Findings)
	}
	if rep.Summary.High == 0 || rep.CompilerVersion == "" {
		t.Fatalf("summary %+v, compiler %q", rep.Summary, rep.CompilerVersion)
	}
	code, out, errOut = runCLI(t, "audit", "Counter.sol")
	if code != 0 || !strings.Contains(out, "0 high, 0 medium") {
		t.Fatalf("audit of a clean contract = exit %d\n%s\n%s", code, out, errOut)
	}
	code, out, _ = runCLI(t, "audit", "--sarif", "--fail-on", "INFO", "Wallet.sol", "Counter.sol")
	var sarif struct {
		Version string `json:"version"`
		Runs    []struct {
			Results []struct {
				RuleID string `json:"ruleId"`
			} `json:"results"`
		} `json:"runs"`
	}
	if err := json.Unmarshal([]byte(out), &sarif); err != nil || sarif.Version != "2.1.0" || len(sarif.Runs) != 1 || len(sarif.Runs[0].Results) < 2 || code != 1 {
		t.Fatalf("--sarif = exit %d %v\n%s", code, err, out)
	}
	for _, e := range validateSARIF([]byte(out)) {
		t.Errorf("--sarif: %s", e)
	}
	// The default gate is the deployment's: HIGH findings of HIGH
	// confidence. A coin flip nothing pays on is reported (HIGH, LOW
	// confidence) and passes it; --fail-on HIGH counts it.
	coin := "// SPDX-License-Identifier: MIT\npragma solidity 0.8.37;\ncontract Coin {\n    function flip() external view returns (bool) {\n        return uint256(blockhash(block.number - 1)) % 2 == 0;\n    }\n}\n"
	if err := os.WriteFile("Coin.sol", []byte(coin), 0o644); err != nil {
		t.Fatal(err)
	}
	if code, out, errOut := runCLI(t, "audit", "Coin.sol"); code != 0 || !strings.Contains(out, "[weak-prng]") || !strings.Contains(out, "1 high") {
		t.Fatalf("audit of a LOW-confidence finding = exit %d, want 0 with the finding listed\n%s\n%s", code, out, errOut)
	}
	if code, out, errOut := runCLI(t, "audit", "--fail-on", "HIGH", "Coin.sol"); code != 1 {
		t.Fatalf("audit --fail-on HIGH of a LOW-confidence HIGH finding = exit %d, want 1\n%s\n%s", code, out, errOut)
	}
	if err := os.WriteFile("Broken.sol", []byte("pragma solidity ^0.8.0;\ncontract B { function f( }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	code, _, errOut = runCLI(t, "audit", "Broken.sol")
	if code != exitUsage || !strings.Contains(errOut, "Broken.sol:2") {
		t.Fatalf("audit of a file that does not compile = exit %d\n%s", code, errOut)
	}
}

// serveTestAPI serves the API as serve builds it (newAPIHandler) on a test
// server, closed with the test. Left empty in deps: Pool is a fresh test
// database, Secrets testSecrets, and Temporal an address nothing listens on
// (the API builds and serves; its temporal readiness check fails) with
// namespace "default" and task queue "q".
func serveTestAPI(t testing.TB, ident identityConfig, deps apiDeps) *httptest.Server {
	t.Helper()
	if deps.Pool == nil {
		deps.Pool = dbtest.New(t)
	}
	if deps.Secrets == nil {
		deps.Secrets = testSecrets(t)
	}
	if deps.Temporal == nil {
		tc, err := dialTemporal(temporalConfig{Addr: "127.0.0.1:1", Namespace: "default", TaskQueue: "q"}, deps.Logger)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(tc.Close)
		deps.Temporal, deps.Namespace, deps.TaskQueue = tc, "default", "q"
	}
	h, closeAPI, err := newAPIHandler(context.Background(), apiConfig{MaxBodyBytes: 2 << 20}, ident, deps)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(closeAPI)
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}
