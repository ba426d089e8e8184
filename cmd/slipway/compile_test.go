package main

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.temporal.io/api/workflowservice/v1"
)

// TestCompileRPCRunsAWorkflow compiles through the whole stack as a user
// would: REST request → API → CompileWorkflow on a real Temporal server →
// compile activity on a real worker with a real solc-js pool, and back.
func TestCompileRPCRunsAWorkflow(t *testing.T) {
	w := startTestWorker(t, "slipway-compile-test")
	cfg, tc := w.cfg, w.tc
	api := w.serveAPI(t)

	token := registerAndLogin(t, api, "compiler@example.com")
	if code, body, _ := callJSON(t, "POST", api+"/contracts/compile", "", map[string]any{"source": "contract A {}"}); code != http.StatusUnauthorized {
		t.Fatalf("compile without credentials = %d %v, want 401", code, body)
	}

	src := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n\ncontract Counter {\n    uint256 public count;\n\n    function increment() external {\n        count += 1;\n    }\n}\n"
	code, body, _ := callJSON(t, "POST", api+"/contracts/compile", token, map[string]any{
		"source": src, "contractName": "Counter", "optimizer": map[string]any{"enabled": true, "runs": 200},
	})
	if code != 200 {
		t.Fatalf("compile = %d %v", code, body)
	}
	contracts, _ := body["contracts"].([]any)
	if len(contracts) != 1 {
		t.Fatalf("compile answered %d contracts: %v", len(contracts), body)
	}
	c := contracts[0].(map[string]any)
	abi, _ := c["abi"].(string)
	bytecode, _ := c["bytecode"].(string)
	deployed, _ := c["deployedBytecode"].(string)
	if c["name"] != "Counter" || !strings.Contains(abi, `"increment"`) || !strings.HasPrefix(bytecode, "0x60") || len(bytecode) < 100 || !strings.HasPrefix(deployed, "0x60") {
		t.Fatalf("compiled contract = %v", c)
	}
	if v, _ := body["compilerVersion"].(string); !strings.HasPrefix(v, "0.8.") {
		t.Fatalf("compilerVersion = %q", v)
	}

	// A syntax error: 400 with the diagnostic's position in the details,
	// and the workflow is not retried (it fails in one attempt).
	broken := "pragma solidity ^0.8.20;\ncontract Broken {\n    uint256 x\n}\n"
	code, body, _ = callJSON(t, "POST", api+"/contracts/compile", token, map[string]any{"source": broken})
	if code != http.StatusBadRequest {
		t.Fatalf("compile of a syntax error = %d %v, want 400", code, body)
	}
	if msg, _ := body["message"].(string); !strings.HasPrefix(msg, "compilation failed: Contract.sol:4:1") {
		t.Errorf("message = %q, want it to name the first error's position", msg)
	}
	diag := firstDiagnostic(t, body)
	if diag["file"] != "Contract.sol" || diag["line"] != float64(4) || diag["column"] != float64(1) || diag["severity"] != "error" || diag["message"] == "" {
		t.Fatalf("diagnostic = %v (body %v)", diag, body)
	}

	// A version that is not installed is the user's error too.
	code, body, _ = callJSON(t, "POST", api+"/contracts/compile", token, map[string]any{"source": src, "compilerVersion": "0.8.1"})
	if code != http.StatusBadRequest || !strings.Contains(fmt.Sprint(body["message"]), "not installed") {
		t.Fatalf("compile with a missing compiler = %d %v, want 400 naming the installed versions", code, body)
	}

	// Audit: a vulnerable contract's findings at their lines, in the API's
	// shape; sources that do not compile are a 400 with diagnostics.
	wallet := "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.20;\n\ncontract Wallet {\n    address public owner = msg.sender;\n\n" +
		"    function kill() external {\n        selfdestruct(payable(msg.sender));\n    }\n}\n"
	code, body, _ = callJSON(t, "POST", api+"/contracts/audit", token, map[string]any{"sources": map[string]string{"Wallet.sol": wallet}})
	if code != 200 {
		t.Fatalf("audit = %d %v", code, body)
	}
	findings, _ := body["findings"].([]any)
	var found bool
	for _, f := range findings {
		m := f.(map[string]any)
		if m["detector"] == "unprotected-selfdestruct" && m["severity"] == "HIGH" && m["file"] == "Wallet.sol" && m["line"] == float64(7) {
			found = true
		}
	}
	summary, _ := body["summary"].(map[string]any)
	if !found || summary["high"] == nil {
		t.Fatalf("audit findings = %v, summary %v: want unprotected-selfdestruct HIGH at Wallet.sol:7 (function kill)", findings, summary)
	}
	if code, body, _ = callJSON(t, "POST", api+"/contracts/audit", token, map[string]any{"source": broken}); code != http.StatusBadRequest {
		t.Fatalf("audit of a syntax error = %d %v, want 400", code, body)
	}

	// Every compile was a workflow, visible in Temporal like any other job.
	deadline := time.Now().Add(15 * time.Second)
	for {
		resp, err := tc.WorkflowService().ListWorkflowExecutions(context.Background(), &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: cfg.Namespace, Query: "WorkflowType = 'CompileWorkflow'",
		})
		if err == nil && len(resp.GetExecutions()) == 3 {
			for _, e := range resp.GetExecutions() {
				if !strings.HasPrefix(e.GetExecution().GetWorkflowId(), "compile-") {
					t.Errorf("workflow id %q, want compile-<uuid>", e.GetExecution().GetWorkflowId())
				}
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("compile workflows listed: %v (err %v), want 3", resp.GetExecutions(), err)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// firstDiagnostic digs the first diagnostic out of a REST error body's
// google.rpc.Status details.
func firstDiagnostic(t *testing.T, body map[string]any) map[string]any {
	t.Helper()
	details, _ := body["details"].([]any)
	for _, d := range details {
		m, _ := d.(map[string]any)
		if !strings.HasSuffix(fmt.Sprint(m["@type"]), "slipway.v1.CompileErrorDetails") {
			continue
		}
		diags, _ := m["diagnostics"].([]any)
		if len(diags) > 0 {
			first, _ := diags[0].(map[string]any)
			return first
		}
	}
	t.Fatalf("no CompileErrorDetails with diagnostics in %v", body)
	return nil
}

// registerAndLogin registers a user with email on the API at api (its
// /api/v1 prefix) and answers an access token.
// serveAPI serves the API in front of w's Temporal and task queue, for a
// test through the whole stack, and answers its base URL.
func (w testWorker) serveAPI(t *testing.T) string {
	t.Helper()
	srv := serveTestAPI(t, testIdentity(t), apiDeps{Temporal: w.tc, Namespace: w.cfg.Namespace, TaskQueue: w.cfg.TaskQueue, Logger: newTestLogger(t)})
	return srv.URL + "/api/v1"
}

func registerAndLogin(t *testing.T, api, email string) string {
	t.Helper()
	creds := map[string]string{"email": email, "password": "correct horse battery staple"}
	if code, body, _ := callJSON(t, "POST", api+"/auth/register", "", creds); code != 200 {
		t.Fatalf("register = %d %v", code, body)
	}
	code, body, _ := callJSON(t, "POST", api+"/auth/login", "", creds)
	token, _ := body["accessToken"].(string)
	if code != 200 || token == "" {
		t.Fatalf("login = %d %v", code, body)
	}
	return token
}
