package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// TestCompilerContainment runs issue 11's pathological compiles through
// the API, the compile workflow and a worker with the dev default of one
// solc process: a source that overflows solc-js's stack is a 400 with a
// plain message and the next user's compile works; a compile the caller
// gives up on (the deploy API's pre-compile after its 10 s) is cancelled
// in Temporal and its solc process killed, long before its time limit.
func TestCompilerContainment(t *testing.T) {
	w := startTestWorker(t, "slipway-containment-test")
	cfg, tc := w.cfg, w.tc
	api := w.serveAPI(t)
	token := registerAndLogin(t, api, "containment@example.com")

	sum := "pragma solidity ^0.8.0;\ncontract E { function f(uint a) external pure returns (uint) { return " +
		strings.TrimSuffix(strings.Repeat("a+", 50000), "+") + "; } }\n"
	code, body, _ := callJSON(t, "POST", api+"/contracts/compile", token, map[string]any{"source": sum})
	msg := fmt.Sprint(body["message"])
	if code != http.StatusBadRequest || !strings.Contains(msg, "ran out of stack") || strings.Contains(msg, "RangeError") {
		t.Fatalf("50,000-term sum = %d %v, want 400 with a plain message", code, body)
	}
	ordinary := map[string]any{"source": "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\ncontract Ok { uint public n; }\n"}
	for range 2 {
		if code, body, _ := callJSON(t, "POST", api+"/contracts/compile", token, ordinary); code != http.StatusOK {
			t.Fatalf("ordinary compile after the stack overflow = %d %v", code, body)
		}
	}

	// The pre-compile's caller gives up after 3 s on a compile that runs
	// for over a minute.
	var arr strings.Builder
	for i := range 3000 {
		if i > 0 {
			arr.WriteByte(',')
		}
		fmt.Fprintf(&arr, "uint256(%d)", i*1000000007)
	}
	slow := "pragma solidity ^0.8.0;\ncontract K { function g(uint i) external pure returns (uint) { uint256[3000] memory x = [" + arr.String() + "]; return x[i]; } }\n"
	before := solcChildren(t)
	if len(before) != 1 {
		t.Fatalf("solc processes before: %v, want the pool's one", before)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	_, err := workflowToolchain{tc: tc, taskQueue: cfg.TaskQueue}.Compile(ctx, &slipwayv1.CompileContractRequest{
		Source: slow, Optimizer: &slipwayv1.OptimizerSettings{Enabled: true, Runs: 999999},
	})
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("abandoned compile: %v, want the caller's deadline", err)
	}
	gaveUp := time.Now()
	deadline := gaveUp.Add(30 * time.Second)
	for {
		resp, err := tc.WorkflowService().ListWorkflowExecutions(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: cfg.Namespace, Query: "WorkflowType = 'CompileWorkflow' AND ExecutionStatus = 'Canceled'",
		})
		if err == nil && len(resp.GetExecutions()) == 1 && resp.GetExecutions()[0].GetStatus() == enums.WORKFLOW_EXECUTION_STATUS_CANCELED {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the abandoned compile workflow was not cancelled: %v (err %v)", resp.GetExecutions(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	// The cancellation reaches the activity at its next heartbeat (within
	// the 12 s heartbeat batching of its 15 s timeout), and the pool kills
	// the process: well before the 60 s time limit that used to end it.
	for syscall.Kill(before[0], 0) == nil {
		if time.Since(gaveUp) > 40*time.Second {
			t.Fatalf("the abandoned compile's solc process %d still runs %s after the caller gave up", before[0], time.Since(gaveUp))
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Logf("solc process of the abandoned compile gone %s after the caller gave up", time.Since(gaveUp).Round(100*time.Millisecond))
	if code, body, _ := callJSON(t, "POST", api+"/contracts/compile", token, ordinary); code != http.StatusOK {
		t.Fatalf("ordinary compile after the abandoned one = %d %v", code, body)
	}
}

// solcChildren answers the pids of this process's solc-js workers.
func solcChildren(t *testing.T) []int {
	t.Helper()
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil || len(stats) == 0 {
		t.Skipf("no /proc: %v", err)
	}
	var pids []int
	for _, st := range stats {
		raw, err := os.ReadFile(st)
		if err != nil {
			continue
		}
		// pid (comm) state ppid …; comm may hold spaces, so split after ')'.
		_, rest, ok := strings.Cut(string(raw), ") ")
		fields := strings.Fields(rest)
		if !ok || len(fields) < 2 || fields[1] != strconv.Itoa(os.Getpid()) {
			continue
		}
		dir := filepath.Dir(st)
		cmd, _ := os.ReadFile(filepath.Join(dir, "cmdline"))
		if strings.Contains(string(cmd), "worker.js") {
			pid, _ := strconv.Atoi(filepath.Base(dir))
			pids = append(pids, pid)
		}
	}
	return pids
}

// The worker's solc limits are validated at start, naming the flag.
func TestSolcLimitFlagsValidated(t *testing.T) {
	ok := compileConfig{SolcWorkers: 1, SolcTimeout: time.Minute, SolcMemoryMB: 2048}
	if err := ok.validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		cfg  compileConfig
		want string
	}{
		{compileConfig{SolcWorkers: 1, SolcTimeout: 500 * time.Millisecond, SolcMemoryMB: 2048}, "--solc-timeout"},
		{compileConfig{SolcWorkers: 1, SolcTimeout: 10 * time.Minute, SolcMemoryMB: 2048}, "--solc-timeout"},
		{compileConfig{SolcWorkers: 1, SolcTimeout: time.Minute, SolcMemoryMB: 100}, "--solc-memory-mb"},
	} {
		if err := c.cfg.validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: %v, want an error naming %s", c.cfg, err, c.want)
		}
	}
}
