package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/slipway-dev/slipway/internal/devstack/anvil"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// rpcCall calls an anvil method on the node directly.
func (s *pipelineStack) rpcCall(t *testing.T, method string, params ...any) {
	t.Helper()
	c, err := rpc.Dial(s.node.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var out json.RawMessage
	if err := c.CallContext(context.Background(), &out, method, params...); err != nil {
		t.Fatalf("%s: %v", method, err)
	}
}

// until polls the deployment row until ok answers true.
func (s *pipelineStack) until(t *testing.T, d db.Deployment, timeout time.Duration, what string, ok func(db.Deployment) bool) db.Deployment {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		got, err := db.New(s.pool).GetDeployment(context.Background(), d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if ok(got) {
			return got
		}
		if status.IsTerminal(got.Status) || time.Now().After(deadline) {
			t.Fatalf("waiting for %s: deployment is %s (error %q); events %v", what, got.Status, got.Error, s.events(t, d.ID))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// nonce is the signer's next nonce on the chain.
func (s *pipelineStack) nonce(t *testing.T) uint64 {
	t.Helper()
	n, err := s.eth.NonceAt(context.Background(), s.signer, nil)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// wantNonce fails t unless the signer's next nonce is want; why says what
// that count of transactions stands for.
func (s *pipelineStack) wantNonce(t *testing.T, want uint64, why string) {
	t.Helper()
	if n := s.nonce(t); n != want {
		t.Fatalf("signer nonce %d, want %d: %s", n, want, why)
	}
}

// waitConfirmed waits for the deployment's workflow and fails t unless the
// deployment confirmed.
func (s *pipelineStack) waitConfirmed(t *testing.T, d db.Deployment, timeout time.Duration) db.Deployment {
	t.Helper()
	got := s.wait(t, d, timeout)
	if got.Status != status.Confirmed {
		t.Fatalf("status %s error %q", got.Status, got.Error)
	}
	return got
}

func (s *pipelineStack) hasEvent(t *testing.T, d db.Deployment, sub string) bool {
	for _, e := range s.events(t, d.ID) {
		if strings.Contains(e.Message, sub) {
			return true
		}
	}
	return false
}

// TestPipelineReplacesAStuckTransaction holds the deployment's transaction
// out of blocks by raising the base fee above its fee cap: the pipeline
// replaces it with the same nonce and higher fees, and the replacement is
// what confirms.
func TestPipelineReplacesAStuckTransaction(t *testing.T) {
	s := startPipeline(t, anvil.Options{})
	ctx := context.Background()
	nonce0 := s.nonce(t)
	s.rpcCall(t, "evm_setAutomine", false)
	d := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store", ConstructorArgs: args(t, "7", s.signer.Hex())})
	s.until(t, d, 2*time.Minute, "broadcast", func(d db.Deployment) bool { return d.Status == status.Confirming })
	// Mine expensive blocks until the pipeline has replaced the
	// transaction (its bump follows the market, so the replacement can
	// pay for them).
	deadline := time.Now().Add(time.Minute)
	for {
		txs, err := db.New(s.pool).ListDeployTxs(ctx, d.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(txs) >= 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no fee bumps after a minute of expensive blocks: %d transactions", len(txs))
		}
		s.rpcCall(t, "anvil_setNextBlockBaseFeePerGas", "0x174876e800") // 100 gwei
		s.rpcCall(t, "evm_mine")
		time.Sleep(300 * time.Millisecond)
	}
	s.rpcCall(t, "evm_setAutomine", true)
	s.rpcCall(t, "evm_mine")
	got := s.waitConfirmed(t, d, 2*time.Minute)
	txs, _ := db.New(s.pool).ListDeployTxs(ctx, d.ID)
	if strings.EqualFold(got.TxHash, txs[0].TxHash) {
		t.Errorf("the first transaction (%s) confirmed, want a replacement", got.TxHash)
	}
	if !s.hasEvent(t, d, "replaced with higher fees") {
		t.Error("no event tells of the replacement")
	}
	s.wantNonce(t, nonce0+1, "exactly one transaction")
}

// TestPipelineFollowsAReorg reorgs the deployment's block away before the
// depth is reached: the pipeline notices, re-broadcasts the same bytes and
// confirms on the new canonical chain, with one transaction in all.
func TestPipelineFollowsAReorg(t *testing.T) {
	s := startPipeline(t, anvil.Options{})
	nonce0 := s.nonce(t)
	d := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "9", s.signer.Hex()), Confirmations: 3})
	first := s.until(t, d, 2*time.Minute, "inclusion", func(d db.Deployment) bool { return d.Confirmations >= 1 })
	s.rpcCall(t, "anvil_reorg", 1, []any{})
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { // blocks keep coming, as on a live chain
		defer wg.Done()
		for {
			select {
			case <-stop:
				return
			case <-time.After(400 * time.Millisecond):
				c, err := rpc.Dial(s.node.RPCURL())
				if err == nil {
					_ = c.Call(nil, "evm_mine")
					c.Close()
				}
			}
		}
	}()
	got := s.wait(t, d, 2*time.Minute)
	close(stop)
	wg.Wait()
	if got.Status != status.Confirmed {
		t.Fatalf("status %s error %q", got.Status, got.Error)
	}
	if !s.hasEvent(t, d, "reorg") {
		t.Errorf("no reorg event; first seen in block %d, confirmed in %d; events %v", first.BlockNumber, got.BlockNumber, s.events(t, d.ID))
	}
	s.wantNonce(t, nonce0+1, "exactly one transaction")
}

// proxy forwards TCP to a target and can be taken down and up again on the
// same address, standing in for an RPC provider's outage.
type proxy struct {
	addr, target string
	mu           sync.Mutex
	ln           net.Listener
	conns        map[net.Conn]bool
}

func newProxy(t *testing.T, target string) *proxy {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{addr: ln.Addr().String(), target: target, conns: map[net.Conn]bool{}}
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.mu.Lock()
	p.ln = ln
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			u, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[u] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(u, c); u.Close() }()
			go func() { _, _ = io.Copy(c, u); c.Close() }()
		}
	}()
}

func (p *proxy) down() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.ln != nil {
		p.ln.Close()
		p.ln = nil
	}
	for c := range p.conns {
		c.Close()
	}
	p.conns = map[net.Conn]bool{}
}

func (p *proxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	p.serve(ln)
}

// TestPipelineWaitsOutAnRPCOutage takes the chain's RPC away for 30 s while
// the deployment waits for its depth: it keeps waiting, and confirms when
// the RPC is back.
func TestPipelineWaitsOutAnRPCOutage(t *testing.T) {
	var px *proxy
	s := startPipelineWith(t, pipelineOptions{worker: true, rpcURL: func(n *anvil.Node) string {
		px = newProxy(t, strings.TrimPrefix(n.RPCURL(), "http://"))
		return "http://" + px.addr
	}})
	ctx := context.Background()
	nonce0 := s.nonce(t)
	d := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "3", s.signer.Hex()), Confirmations: 3})
	s.until(t, d, 2*time.Minute, "inclusion", func(d db.Deployment) bool { return d.Confirmations >= 1 })
	px.down()
	for range 3 {
		s.rpcCall(t, "evm_mine")
	}
	time.Sleep(30 * time.Second)
	if got, _ := db.New(s.pool).GetDeployment(ctx, d.ID); got.Status != status.Confirming {
		t.Fatalf("during the outage the deployment is %s (%q), want CONFIRMING", got.Status, got.Error)
	}
	px.up(t)
	s.waitConfirmed(t, d, 2*time.Minute)
	s.wantNonce(t, nonce0+1, "exactly one transaction")
}

// workerProc is a `slipway worker` process of the test's stack.
type workerProc struct{ cmd *exec.Cmd }

func (s *pipelineStack) startWorkerProc(t *testing.T, env ...string) *workerProc {
	t.Helper()
	dir := t.TempDir()
	nf := filepath.Join(dir, "networks.json")
	b, _ := json.Marshal(s.networks)
	if err := os.WriteFile(nf, b, 0o600); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary(t), "worker")
	cmd.Env = append(os.Environ(),
		"DATABASE_URL="+poolDSN(s.pool), "SLIPWAY_TEMPORAL_ADDR="+s.temporal.Addr,
		"SLIPWAY_TEMPORAL_NAMESPACE="+s.temporal.Namespace, "SLIPWAY_TASK_QUEUE="+s.temporal.TaskQueue,
		"SLIPWAY_NETWORKS_FILE="+nf, "TEST_DEPLOYER_KEY="+s.keyHex, "TEST_WRONG_KEY="+s.wrongKeyHex, "SLIPWAY_SOLC_CACHE_DIR="+filepath.Join(dir, "solc"),
		"SLIPWAY_LOG_LEVEL=warn", "SLIPWAY_WORKER_METRICS_ADDR=127.0.0.1:0")
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = testWriter{t}
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	w := &workerProc{cmd: cmd}
	t.Cleanup(w.kill)
	return w
}

// awaitFailpoint waits up to timeout for the worker to exit at its
// SLIPWAY_FAILPOINT, with the failpoint's exit status.
func (w *workerProc) awaitFailpoint(t *testing.T, timeout time.Duration) {
	t.Helper()
	exited := make(chan error, 1)
	go func() { exited <- w.cmd.Wait() }()
	select {
	case err := <-exited:
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.ExitCode() != crashExitCode {
			t.Fatalf("worker ended with %v, want exit status %d from the failpoint", err, crashExitCode)
		}
	case <-time.After(timeout):
		t.Fatal("the worker did not reach the failpoint")
	}
}

// kill ends the worker and its solc processes at once, as a crash would.
func (w *workerProc) kill() {
	if w.cmd.Process == nil || w.cmd.ProcessState != nil {
		return
	}
	_ = syscall.Kill(-w.cmd.Process.Pid, syscall.SIGKILL)
	_ = w.cmd.Wait()
}

// TestPipelineSurvivesWorkerCrashes kills the worker process (SIGKILL, no
// graceful stop) while the transaction waits for inclusion and again while
// it waits for its depth: a new worker finishes the deployment, and exactly
// one contract was created.
func TestPipelineSurvivesWorkerCrashes(t *testing.T) {
	s := startPipelineWith(t, pipelineOptions{})
	nonce0 := s.nonce(t)
	s.rpcCall(t, "evm_setAutomine", false)
	w := s.startWorkerProc(t)
	d := s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store",
		ConstructorArgs: args(t, "5", s.signer.Hex()), Confirmations: 3})
	s.until(t, d, 3*time.Minute, "broadcast", func(d db.Deployment) bool { return d.Status == status.Confirming })
	w.kill()
	s.rpcCall(t, "evm_setAutomine", true)
	s.rpcCall(t, "evm_mine")
	w = s.startWorkerProc(t)
	s.until(t, d, 2*time.Minute, "inclusion", func(d db.Deployment) bool { return d.Confirmations >= 1 })
	w.kill()
	for range 3 {
		s.rpcCall(t, "evm_mine")
	}
	s.startWorkerProc(t)
	s.waitConfirmed(t, d, 2*time.Minute)
	s.wantNonce(t, nonce0+1, "exactly one contract created")
}

// TestPipelineRepairsNonceGaps loses a confirmed deployment's transaction
// (the chain reverts to an older state, as a node restarted from an old
// snapshot would) and leaves a nonce that nothing holds: the next
// deployment, stuck behind both, re-sends the lost transaction's bytes and
// fills the other nonce, and confirms.
func TestPipelineRepairsNonceGaps(t *testing.T) {
	s := startPipeline(t, anvil.Options{})
	ctx := context.Background()
	nonce0 := s.nonce(t)
	c, err := rpc.Dial(s.node.RPCURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	var snap string
	if err := c.Call(&snap, "evm_snapshot"); err != nil {
		t.Fatal(err)
	}
	a := s.wait(t, s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store", ConstructorArgs: args(t, "1", s.signer.Hex())}), 2*time.Minute)
	if a.Status != status.Confirmed {
		t.Fatalf("first deployment %s %q", a.Status, a.Error)
	}
	var ok bool
	if err := c.Call(&ok, "evm_revert", snap); err != nil || !ok {
		t.Fatalf("evm_revert: %v %v", ok, err)
	}
	if code, _ := s.eth.CodeAt(ctx, common.HexToAddress(a.ContractAddress), nil); len(code) != 0 {
		t.Fatal("the revert did not lose the first contract")
	}
	if _, err := s.pool.Exec(ctx, `UPDATE signer_nonces SET next_nonce = next_nonce + 1`); err != nil {
		t.Fatal(err)
	}
	b := s.wait(t, s.deploy(t, &slipwayv1.CreateDeploymentRequest{Network: "dev", Source: storeSource, ContractName: "Store", ConstructorArgs: args(t, "2", s.signer.Hex())}), 2*time.Minute)
	if b.Status != status.Confirmed {
		t.Fatalf("second deployment %s %q", b.Status, b.Error)
	}
	s.wantNonce(t, nonce0+3, "the lost deployment, a filler, the new one")
	if code, _ := s.eth.CodeAt(ctx, common.HexToAddress(a.ContractAddress), nil); len(code) == 0 {
		t.Fatal("the lost deployment's contract is not back at its address")
	}
	var fillers int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM deploy_txs WHERE kind = 'filler'`).Scan(&fillers); err != nil || fillers != 1 {
		t.Fatalf("fillers %d %v, want 1", fillers, err)
	}
}
