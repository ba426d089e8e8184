package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/big"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"connectrpc.com/connect"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/google/uuid"
	"github.com/gorilla/websocket"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/usertier"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/auth"
	"github.com/slipway-dev/slipway/server/servertest"
)

// The scale-out proof: Slipway as it runs in production, several API
// replicas and several workers sharing one Postgres, one Temporal and one
// chain, each a separate OS process that can die at any moment.
const (
	scaleDeployments = 100
	scaleUsers       = 4 // 25 deployments each: the paid tier's 100/min per user holds every call
	scalePassword    = "correct horse battery staple"
)

// scaleProc is a `slipway serve` or `slipway worker` process in a process
// group of its own, so a kill takes its solc workers with it.
type scaleProc struct {
	name string
	cmd  *exec.Cmd
	out  *servertest.SyncBuffer
	done chan struct{}
	addr string // serve: the API's listen address
}

func startScaleProc(t *testing.T, name string, env []string, args ...string) *scaleProc {
	t.Helper()
	cmd := exec.Command(binary(t), args...)
	cmd.Env = env
	p := &scaleProc{name: name, cmd: cmd, out: &servertest.SyncBuffer{}, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = p.out, p.out
	// Pdeathsig covers a test binary that dies before its cleanups run.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() { _ = cmd.Wait(); close(p.done) }()
	t.Cleanup(func() {
		p.kill()
		if t.Failed() {
			out := p.out.String()
			if len(out) > 6000 {
				out = "…" + out[len(out)-6000:]
			}
			t.Logf("%s output:\n%s", name, out)
		}
	})
	return p
}

// kill ends the process group at once (SIGKILL: no drain, no graceful
// stop), as a crash or an OOM kill would.
func (p *scaleProc) kill() {
	select {
	case <-p.done:
		return
	default:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.done
}

var apiListening = regexp.MustCompile(`"msg":"api listening","addr":"([^"]+)"`)

// waitReady waits for serve's listen line and a 200 from /readyz.
func (p *scaleProc) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for p.addr == "" {
		if m := apiListening.FindStringSubmatch(p.out.String()); m != nil {
			p.addr = "http://" + m[1]
			break
		}
		select {
		case <-p.done:
			t.Fatalf("%s exited before listening:\n%s", p.name, p.out)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s did not listen in 60s:\n%s", p.name, p.out)
		}
	}
	for {
		var why string
		resp, err := http.Get(p.addr + "/readyz")
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
			why = fmt.Sprintf("%d %s", resp.StatusCode, b)
		} else {
			why = err.Error()
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s not ready in 60s: %s", p.name, why)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// restCall is callJSON for goroutines: errors are answered, not fatal.
func restCall(ctx context.Context, method, url, token string, body any) (int, map[string]any, http.Header, error) {
	b, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, method, url, strings.NewReader(string(b)))
	if err != nil {
		return 0, nil, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &out); err != nil {
			return resp.StatusCode, nil, resp.Header, fmt.Errorf("decode %q: %w", raw, err)
		}
	}
	return resp.StatusCode, out, resp.Header, nil
}

func retryAfter(h http.Header) time.Duration {
	if s, err := strconv.Atoi(h.Get("Retry-After")); err == nil && s > 0 {
		return time.Duration(s) * time.Second
	}
	return time.Second
}

// scaleWatch is what one watcher saw of its deployment.
type scaleWatch struct {
	seqs       []uint32
	statuses   []string // one per event
	apis       []int    // the instance each connection went to
	reconnects int
	err        error
}

// watchSession follows one connection of a watch (WebSocket or Connect
// stream) from after, calling event for each event; it answers whether
// the deployment ended.
type watchSession func(ctx context.Context, api, token, id string, after uint32, event func(seq uint32, status string)) (ended bool, err error)

func terminalStatus(s string) bool { return s == "CONFIRMED" || s == "FAILED" || s == "CANCELLED" }

// wsSession follows the WebSocket feed, authenticated as a browser does.
func wsSession(ctx context.Context, api, token, id string, after uint32, event func(uint32, string)) (bool, error) {
	url := "ws" + strings.TrimPrefix(api, "http") + "/api/v1/deployments/" + id + "/updates?after=" + strconv.FormatUint(uint64(after), 10)
	conn, resp, err := websocket.DefaultDialer.DialContext(ctx, url, http.Header{"Sec-WebSocket-Protocol": {"slipway.v1, bearer." + token}})
	if err != nil {
		if resp != nil && resp.StatusCode == http.StatusTooManyRequests {
			time.Sleep(retryAfter(resp.Header))
		}
		return false, fmt.Errorf("dial: %w", err)
	}
	defer conn.Close()
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()
	for {
		_ = conn.SetReadDeadline(time.Now().Add(2 * time.Minute))
		var m struct {
			Type   string `json:"type"`
			Seq    uint32 `json:"seq"`
			Status string `json:"status"`
		}
		if err := conn.ReadJSON(&m); err != nil {
			return false, fmt.Errorf("read: %w", err)
		}
		if m.Type != "event" {
			continue
		}
		event(m.Seq, m.Status)
		if terminalStatus(m.Status) {
			return true, nil
		}
	}
}

// streamSession follows WatchDeployment, the Connect server stream.
func streamSession(ctx context.Context, api, token, id string, after uint32, event func(uint32, string)) (bool, error) {
	c := slipwayv1connect.NewDeploymentServiceClient(http.DefaultClient, api)
	req := connect.NewRequest(&slipwayv1.WatchDeploymentRequest{Id: id, AfterSeq: after})
	req.Header().Set("Authorization", "Bearer "+token)
	stream, err := c.WatchDeployment(ctx, req)
	if err != nil {
		return false, err
	}
	defer stream.Close()
	for stream.Receive() {
		ev := stream.Msg().GetEvent()
		if ev == nil { // the snapshot, or a heartbeat
			continue
		}
		st := strings.TrimPrefix(ev.GetStatus().String(), "DEPLOYMENT_STATUS_")
		event(ev.GetSeq(), st)
		if terminalStatus(st) {
			return true, nil
		}
	}
	if err := stream.Err(); err != nil {
		if connect.CodeOf(err) == connect.CodeResourceExhausted {
			time.Sleep(time.Second)
		}
		return false, err
	}
	return false, errors.New("stream ended before the deployment did")
}

// follow watches a deployment to its end, starting on instance first: when
// a connection drops it resumes on the other instance with after=<last
// seq>, as a client behind a load balancer would. Every event must come
// once, in order, from seq 1.
func follow(ctx context.Context, session watchSession, apis [2]string, first int, token, id string) *scaleWatch {
	w := &scaleWatch{}
	var last uint32
	event := func(seq uint32, status string) {
		if seq != last+1 && w.err == nil {
			w.err = fmt.Errorf("event seq %d after %d", seq, last)
		}
		last = seq
		w.seqs = append(w.seqs, seq)
		w.statuses = append(w.statuses, status)
	}
	cur := first
	for attempt := 0; ; attempt++ {
		w.apis = append(w.apis, cur)
		ended, err := session(ctx, apis[cur], token, id, last, event)
		if ended || w.err != nil {
			return w
		}
		if ctx.Err() != nil || attempt > 40 {
			w.err = fmt.Errorf("gave up after %d connections (last on instance %d): %w", attempt+1, cur, err)
			return w
		}
		w.reconnects++
		cur = 1 - cur
		select {
		case <-ctx.Done():
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestScaleOut runs the production topology as separate processes: two
// `slipway serve` and two `slipway worker` on one Postgres, one Temporal
// server and one anvil. 100 deployments go through the two API instances in
// turn, each followed by a watcher (WebSocket or WatchDeployment), and one
// worker and one API instance are SIGKILLed while every deployment is in
// flight. Every deployment must be CONFIRMED exactly once — one mined
// transaction each, the signer's nonces consecutive, the table and the
// chain agreeing — and every watcher must have seen each event once, in
// order, the ones on the killed instance resuming on the other.
func TestScaleOut(t *testing.T) {
	began := time.Now()
	last := began
	step := func(name string) {
		t.Logf("%-34s %6s (total %s)", name, time.Since(last).Round(time.Millisecond), time.Since(began).Round(time.Millisecond))
		last = time.Now()
	}
	binary(t) // shared with the package's other process tests
	step("binary built")
	s := startPipelineWith(t, pipelineOptions{})
	step("postgres, temporal, anvil")
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	// The transactions wait in the pool until the kill, so the inclusion
	// waits must not give up on them and bump the fees meanwhile.
	s.networks.Networks[0].Gas.BumpIntervalBlocks = 40
	// Only the chain the test runs: the pipeline harness's second network
	// answers the wrong chain id, which /readyz rightly reports.
	s.networks.Networks = s.networks.Networks[:1]
	s.rpcCall(t, "evm_setAutomine", false)
	startBlock, err := s.eth.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nonce0, err := s.eth.NonceAt(ctx, s.signer, nil)
	if err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	nf := filepath.Join(dir, "networks.json")
	b, _ := json.Marshal(s.networks)
	if err := os.WriteFile(nf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	jwtKey, err := auth.GenerateEd25519PEM()
	if err != nil {
		t.Fatal(err)
	}
	env := append(cleanEnv(),
		"DATABASE_URL="+poolDSN(s.pool), "SLIPWAY_TEMPORAL_ADDR="+s.temporal.Addr,
		"SLIPWAY_TEMPORAL_NAMESPACE="+s.temporal.Namespace, "SLIPWAY_TASK_QUEUE="+s.temporal.TaskQueue,
		"SLIPWAY_NETWORKS_FILE="+nf, "TEST_DEPLOYER_KEY="+s.keyHex, "TEST_WRONG_KEY="+s.wrongKeyHex,
		// Every replica signs and checks tokens with the same key.
		"SCALEOUT_JWT_KEY="+string(jwtKey), "SLIPWAY_JWT_KEY=env:SCALEOUT_JWT_KEY",
		// Registering and logging in the test's users, all from 127.0.0.1.
		"SLIPWAY_AUTH_RATE_PER_MIN=60")
	var workers [2]*scaleProc
	for i := range workers {
		workers[i] = startScaleProc(t, fmt.Sprintf("worker-%d", i), append(env,
			"SLIPWAY_SOLC_CACHE_DIR="+filepath.Join(dir, fmt.Sprintf("solc-%d", i)), "SLIPWAY_LOG_LEVEL=warn",
			"SLIPWAY_WORKER_METRICS_ADDR=127.0.0.1:0"), "worker")
	}
	var apis [2]*scaleProc
	for i := range apis {
		apis[i] = startScaleProc(t, fmt.Sprintf("serve-%d", i), append(env, "SLIPWAY_HTTP_ADDR=127.0.0.1:0", "SLIPWAY_LOG_LEVEL=info"), "serve")
	}
	for _, a := range apis {
		a.waitReady(t)
	}
	urls := [2]string{apis[0].addr, apis[1].addr}
	step("processes started")

	// Users register on one replica and log in on the other; the paid
	// tier (100/min per user, counted across replicas) holds their calls.
	tokens := make([]string, scaleUsers)
	for u := range tokens {
		email := fmt.Sprintf("scale-%d@example.com", u)
		creds := map[string]string{"email": email, "password": scalePassword}
		if code, body, _, err := restCall(ctx, "POST", urls[u%2]+"/api/v1/auth/register", "", creds); err != nil || code != 200 {
			t.Fatalf("register %s = %d %v %v", email, code, body, err)
		}
		if _, err := db.New(s.pool).SetUserTierByEmail(ctx, db.SetUserTierByEmailParams{Email: email, Tier: usertier.Paid}); err != nil {
			t.Fatal(err)
		}
		code, body, _, err := restCall(ctx, "POST", urls[1-u%2]+"/api/v1/auth/login", "", creds)
		if err != nil || code != 200 {
			t.Fatalf("login %s = %d %v %v", email, code, body, err)
		}
		tokens[u], _ = body["accessToken"].(string)
	}
	step("users registered")

	// Deployment i is created on instance i%2 by user i%4 and watched on
	// the other instance, even i over the WebSocket, odd over the stream;
	// every tenth is a generated ERC20, the rest a user contract.
	owner := s.signer.Hex()
	ids := make([]string, scaleDeployments)
	attempts := make([][]string, scaleDeployments) // each create call: instance and answer
	watches := make([]*scaleWatch, scaleDeployments)
	var watchWG, createWG sync.WaitGroup
	createErrs := make(chan error, scaleDeployments)
	sem := make(chan struct{}, 6)
	for i := range scaleDeployments {
		createWG.Add(1)
		go func() {
			defer createWG.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			req := map[string]any{"network": "dev", "idempotencyKey": fmt.Sprintf("scaleout-%d", i),
				"source": storeSource, "contractName": "Store", "constructorArgs": []any{strconv.Itoa(i), owner}}
			if i%10 == 0 {
				req = map[string]any{"network": "dev", "idempotencyKey": fmt.Sprintf("scaleout-%d", i),
					"template":        map[string]any{"kind": "ERC20", "name": "ScaleToken", "symbol": "SCL", "options": map[string]any{"premint": "1000"}},
					"constructorArgs": []any{owner}}
			}
			token := tokens[i%scaleUsers]
			var id string
			for attempt := 0; id == ""; attempt++ {
				// A refused or failed call is retried with the same
				// idempotency key: one deployment whatever happens.
				code, body, hdr, err := restCall(ctx, "POST", urls[(i+attempt)%2]+"/api/v1/contracts/deploy", token, req)
				attempts[i] = append(attempts[i], fmt.Sprintf("serve-%d: %d %v", (i+attempt)%2, code, err))
				switch {
				case err == nil && code == 200:
					id, _ = body["deployment"].(map[string]any)["id"].(string)
				case attempt >= 5:
					createErrs <- fmt.Errorf("deployment %d: %d %v %v", i, code, body, err)
					return
				case code == http.StatusTooManyRequests:
					time.Sleep(retryAfter(hdr))
				default:
					time.Sleep(200 * time.Millisecond)
				}
			}
			ids[i] = id
			session, first := wsSession, 1-i%2
			if i%2 == 1 {
				session = streamSession
			}
			watchWG.Add(1)
			go func() {
				defer watchWG.Done()
				watches[i] = follow(ctx, session, urls, first, token, id)
			}()
		}()
	}
	createWG.Wait()
	close(createErrs)
	for err := range createErrs {
		t.Fatal(err)
	}
	step("100 deployments created")

	// Mid-run: every deployment is past its compile (a crashed worker's
	// solc activity would hold its deployment until compileStartToClose,
	// minutes) and signing, broadcasting or waiting for inclusion, and
	// every watcher is connected. Then a worker and an API instance die.
	idArgs := make([]string, len(ids))
	copy(idArgs, ids)
	lastLook := time.Now()
	for deadline := time.Now().Add(2 * time.Minute); ; {
		counts := map[string]int{}
		rows, err := s.pool.Query(ctx, `SELECT status, count(*) FROM deployments WHERE id = ANY($1::uuid[]) GROUP BY status`, idArgs)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var st string
			var n int
			if err := rows.Scan(&st, &n); err != nil {
				t.Fatal(err)
			}
			counts[st] = n
		}
		rows.Close()
		if counts[status.Failed]+counts[status.Cancelled]+counts[status.Confirmed] > 0 {
			t.Fatalf("a deployment ended before the kill: %v", counts)
		}
		if counts[status.Deploying]+counts[status.Confirming] == scaleDeployments {
			t.Logf("at the kill: %v", counts)
			break
		}
		if time.Now().After(deadline) {
			for i, id := range ids {
				describeStuck(t, s, i, id, attempts[i])
			}
			t.Fatalf("deployments not all past compile after 2 minutes: %v", counts)
		}
		if time.Since(lastLook) > 5*time.Second {
			// A workflow that has ended while its row is still before
			// DEPLOYING will never move the row: say so now, with why.
			lastLook = time.Now()
			rows, err := s.pool.Query(ctx, `SELECT id::text, workflow_id FROM deployments WHERE id = ANY($1::uuid[]) AND status IN ('PENDING', 'GENERATING', 'LINTING', 'COMPILING')`, idArgs)
			if err != nil {
				t.Fatal(err)
			}
			var early [][2]string
			for rows.Next() {
				var id, wf string
				if err := rows.Scan(&id, &wf); err != nil {
					t.Fatal(err)
				}
				early = append(early, [2]string{id, wf})
			}
			rows.Close()
			for _, e := range early {
				desc, err := s.tc.DescribeWorkflowExecution(ctx, e[1], "")
				if err != nil || desc.GetWorkflowExecutionInfo().GetStatus() == enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
					continue
				}
				i := slices.Index(ids, e[0])
				describeStuck(t, s, i, e[0], attempts[i])
				t.Fatalf("deployment %d: its workflow ended %s while the row is before DEPLOYING; it will never move (counts %v)",
					i, desc.GetWorkflowExecutionInfo().GetStatus(), counts)
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	step("all past compile")
	workers[0].kill()
	apis[1].kill()
	killedAt := time.Now()
	step("worker-0 and serve-1 SIGKILLed")

	// Blocks come again: automine for what is sent from now on, and a
	// block every 300 ms for what waits in the pool.
	s.rpcCall(t, "evm_setAutomine", true)
	mineCtx, stopMining := context.WithCancel(ctx)
	var mineWG sync.WaitGroup
	mineWG.Add(1)
	go func() {
		defer mineWG.Done()
		for {
			select {
			case <-mineCtx.Done():
				return
			case <-time.After(300 * time.Millisecond):
				_ = s.eth.Client().CallContext(mineCtx, nil, "evm_mine")
			}
		}
	}()
	watchWG.Wait()
	finished := time.Now()
	stopMining()
	mineWG.Wait()
	step("every watcher done")

	// Every watcher saw its whole feed, once and in order; those on the
	// killed instance resumed on the other.
	q := db.New(s.pool)
	resumed := 0
	for i, w := range watches {
		if w.err != nil {
			t.Errorf("watcher %d (%s): %v; saw %v", i, ids[i], w.err, w.seqs)
			continue
		}
		n := len(w.seqs)
		if n == 0 || w.statuses[n-1] != "CONFIRMED" {
			t.Errorf("watcher %d (%s) ended on %v, want CONFIRMED", i, ids[i], w.statuses)
			continue
		}
		for k, seq := range w.seqs {
			if seq != uint32(k+1) {
				t.Errorf("watcher %d saw seqs %v, want 1..%d", i, w.seqs, n)
				break
			}
		}
		evs, err := q.ListDeploymentEventsAfter(ctx, db.ListDeploymentEventsAfterParams{DeploymentID: parseUUID(t, ids[i]), AfterSeq: 0, MaxEvents: 1000})
		if err != nil {
			t.Fatal(err)
		}
		// Watchers stop at the status that ends the deployment; the
		// verification's events come after it.
		for k, e := range evs {
			if terminalStatus(e.Status) {
				evs = evs[:k+1]
				break
			}
		}
		if len(evs) != n {
			t.Errorf("watcher %d saw %d events, the table holds %d up to its end", i, n, len(evs))
		}
		var compact []string
		for k, e := range evs {
			if k < n && e.Status != w.statuses[k] {
				t.Errorf("watcher %d: event %d is %s, the table says %s", i, k+1, w.statuses[k], e.Status)
			}
			if len(compact) == 0 || compact[len(compact)-1] != e.Status {
				compact = append(compact, e.Status)
			}
		}
		want := "PENDING,LINTING,COMPILING,DEPLOYING,CONFIRMING,CONFIRMED"
		if i%10 == 0 {
			want = "PENDING,GENERATING,LINTING,COMPILING,DEPLOYING,CONFIRMING,CONFIRMED"
		}
		if got := strings.Join(compact, ","); got != want {
			t.Errorf("deployment %d went %s, want %s", i, got, want)
		}
		if w.apis[0] == 1 {
			// Nothing had confirmed at the kill: this watcher was
			// connected to the killed instance and must have moved.
			if w.reconnects == 0 || w.apis[len(w.apis)-1] != 0 {
				t.Errorf("watcher %d on the killed instance did not resume on the other: connections %v", i, w.apis)
			}
			resumed++
		}
	}
	if resumed == 0 {
		t.Error("no watcher was on the killed instance: the kill tested nothing")
	}

	// Exactly once, from the chain's side: every transaction of the signer
	// since the start is one of ours, a contract creation, on consecutive
	// nonces; one per deployment, and it is the one the table records.
	head, err := s.eth.BlockNumber(ctx)
	if err != nil {
		t.Fatal(err)
	}
	chainID := new(big.Int).SetUint64(s.node.ChainID())
	signer := types.LatestSignerForChainID(chainID)
	mined := map[common.Hash]*types.Transaction{}
	nonces := map[uint64]bool{}
	for n := startBlock + 1; n <= head; n++ {
		blk, err := s.eth.BlockByNumber(ctx, new(big.Int).SetUint64(n))
		if err != nil {
			t.Fatal(err)
		}
		for _, tx := range blk.Transactions() {
			from, err := types.Sender(signer, tx)
			if err != nil || from != s.signer {
				continue
			}
			if nonces[tx.Nonce()] {
				t.Errorf("nonce %d mined twice", tx.Nonce())
			}
			nonces[tx.Nonce()] = true
			mined[tx.Hash()] = tx
		}
	}
	if len(mined) != scaleDeployments {
		t.Errorf("the signer has %d transactions mined since the start, want %d", len(mined), scaleDeployments)
	}
	for k := nonce0; k < nonce0+scaleDeployments; k++ {
		if !nonces[k] {
			t.Errorf("nonce %d not mined: nonces are not consecutive", k)
		}
	}
	if n, err := s.eth.NonceAt(ctx, s.signer, nil); err != nil || n != nonce0+scaleDeployments {
		t.Errorf("signer nonce %d (%v), want %d: one transaction per deployment", n, err, nonce0+scaleDeployments)
	}
	retried := 0
	for i, id := range ids {
		d, err := q.GetDeployment(ctx, parseUUID(t, id))
		if err != nil {
			t.Fatal(err)
		}
		retried += retriedActivities(t, s.tc, d.WorkflowID)
		if d.Status != status.Confirmed {
			t.Errorf("deployment %d is %s (%q)", i, d.Status, d.Error)
			continue
		}
		txs, err := q.ListDeployTxs(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		var ours []*types.Transaction
		for _, dt := range txs {
			if tx := mined[common.HexToHash(dt.TxHash)]; tx != nil {
				if dt.Kind != "deploy" || tx.To() != nil {
					t.Errorf("deployment %d: mined %s transaction %s is not a contract creation", i, dt.Kind, dt.TxHash)
				}
				ours = append(ours, tx)
			}
		}
		if len(ours) != 1 {
			t.Errorf("deployment %d has %d transactions mined (of %d signed), want 1", i, len(ours), len(txs))
			continue
		}
		tx := ours[0]
		if !strings.EqualFold(d.TxHash, tx.Hash().Hex()) {
			t.Errorf("deployment %d: the table says tx %s, the chain mined %s", i, d.TxHash, tx.Hash().Hex())
		}
		rc, err := s.eth.TransactionReceipt(ctx, tx.Hash())
		if err != nil {
			t.Fatal(err)
		}
		if rc.Status != types.ReceiptStatusSuccessful || !strings.EqualFold(rc.ContractAddress.Hex(), d.ContractAddress) || rc.BlockNumber.Int64() != d.BlockNumber {
			t.Errorf("deployment %d: receipt status %d at %s in block %d; the table says %s in block %d",
				i, rc.Status, rc.ContractAddress.Hex(), rc.BlockNumber, d.ContractAddress, d.BlockNumber)
		}
		if code, err := s.eth.CodeAt(ctx, rc.ContractAddress, nil); err != nil || len(code) == 0 {
			t.Errorf("deployment %d: no code at %s (%v)", i, rc.ContractAddress.Hex(), err)
		}
	}
	if retried == 0 {
		t.Error("no activity was retried: the killed worker held nothing, the kill tested nothing")
	}
	// One row per request, whatever was retried.
	var rowsN, fillers int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM deployments d JOIN users u ON u.id = d.user_id WHERE u.email LIKE 'scale-%'`).Scan(&rowsN); err != nil || rowsN != scaleDeployments {
		t.Errorf("%d deployment rows (%v), want %d", rowsN, err, scaleDeployments)
	}
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM deploy_txs WHERE kind = 'filler'`).Scan(&fillers); err != nil || fillers != 0 {
		t.Errorf("%d filler transactions (%v), want none", fillers, err)
	}
	t.Logf("%d deployments confirmed %s after the kill; %d activities of the killed worker retried on the other; %d watchers resumed on the other instance",
		scaleDeployments, finished.Sub(killedAt).Round(time.Millisecond), retried, resumed)
	step("checked")
}

func parseUUID(t *testing.T, s string) uuid.UUID {
	t.Helper()
	id, err := uuid.Parse(s)
	if err != nil {
		t.Fatalf("deployment id %q: %v", s, err)
	}
	return id
}

// retriedActivities counts the workflow's activities that ran more than one
// attempt: those the killed worker held, timed out and retried elsewhere.
func retriedActivities(t *testing.T, tc client.Client, workflowID string) int {
	t.Helper()
	n := 0
	iter := tc.GetWorkflowHistory(context.Background(), workflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		if a := ev.GetActivityTaskStartedEventAttributes(); a != nil && a.GetAttempt() > 1 {
			n++
		}
	}
	return n
}

// describeStuck logs what holds a deployment that is not past its compile:
// its row, events, create calls and its workflow's pending work.
func describeStuck(t *testing.T, s *pipelineStack, i int, id string, calls []string) {
	t.Helper()
	ctx := context.Background()
	d, err := db.New(s.pool).GetDeployment(ctx, parseUUID(t, id))
	if err != nil {
		t.Logf("deployment %d (%s): %v", i, id, err)
		return
	}
	if d.Status != status.Pending && d.Status != status.Generating && d.Status != status.Linting && d.Status != status.Compiling {
		return
	}
	var evs []string
	for _, e := range s.events(t, d.ID) {
		evs = append(evs, fmt.Sprintf("%d %s %q", e.Seq, e.Status, e.Message))
	}
	t.Logf("deployment %d (%s) is %s; create calls %v; events %v", i, id, d.Status, calls, evs)
	desc, err := s.tc.DescribeWorkflowExecution(ctx, d.WorkflowID, "")
	if err != nil {
		t.Logf("  workflow %s: %v", d.WorkflowID, err)
		return
	}
	info := desc.GetWorkflowExecutionInfo()
	t.Logf("  workflow %s: %s, history length %d", d.WorkflowID, info.GetStatus(), info.GetHistoryLength())
	iter := s.tc.GetWorkflowHistory(ctx, d.WorkflowID, "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Logf("  history: %v", err)
			break
		}
		var why string
		switch {
		case ev.GetWorkflowExecutionFailedEventAttributes() != nil:
			why = ev.GetWorkflowExecutionFailedEventAttributes().GetFailure().String()
		case ev.GetActivityTaskFailedEventAttributes() != nil:
			why = ev.GetActivityTaskFailedEventAttributes().GetFailure().String()
		case ev.GetWorkflowTaskFailedEventAttributes() != nil:
			why = ev.GetWorkflowTaskFailedEventAttributes().GetFailure().String()
		case ev.GetActivityTaskScheduledEventAttributes() != nil:
			why = ev.GetActivityTaskScheduledEventAttributes().GetActivityType().GetName()
		case ev.GetActivityTaskStartedEventAttributes() != nil:
			a := ev.GetActivityTaskStartedEventAttributes()
			why = fmt.Sprintf("attempt %d by %s", a.GetAttempt(), a.GetIdentity())
		}
		t.Logf("  %d %s %s %s", ev.GetEventId(), ev.GetEventTime().AsTime().Format(time.RFC3339Nano), ev.GetEventType(), why)
	}
	for _, a := range desc.GetPendingActivities() {
		t.Logf("  pending activity %s: %s, attempt %d, last worker %s, last failure %v",
			a.GetActivityType().GetName(), a.GetState(), a.GetAttempt(), a.GetLastWorkerIdentity(), a.GetLastFailure().GetMessage())
	}
	if pw := desc.GetPendingWorkflowTask(); pw != nil {
		t.Logf("  pending workflow task: %s, attempt %d, scheduled %v", pw.GetState(), pw.GetAttempt(), pw.GetScheduledTime().AsTime())
	}
}
