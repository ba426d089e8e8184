package workflows

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/builds/buildsapi"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
	"github.com/slipway-dev/slipway/internal/status"
)

// deployEnv is a DeploymentWorkflow test environment with every activity
// mocked to succeed; tests override what they need before ExecuteWorkflow.
type deployEnv struct {
	*testsuite.TestWorkflowEnvironment
	mu    sync.Mutex
	steps []progressapi.Step
}

// newDeployEnv mocks every activity but those named in own, which the
// test mocks itself.
func newDeployEnv(t *testing.T, own ...string) *deployEnv {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	e := &deployEnv{TestWorkflowEnvironment: s.NewTestWorkflowEnvironment()}
	registerStubs(e.TestWorkflowEnvironment)
	e.OnActivity(progressapi.ActivityRecordVerification, mock.Anything, mock.Anything).Return(nil).Maybe()
	mine := func(name string) bool {
		for _, o := range own {
			if o == name {
				return true
			}
		}
		return false
	}
	if !mine("Record") {
		e.OnActivity(progressapi.ActivityRecord, mock.Anything, mock.Anything).Return(func(_ context.Context, s progressapi.Step) error {
			e.mu.Lock()
			defer e.mu.Unlock()
			e.steps = append(e.steps, s)
			return nil
		}).Maybe()
	}
	if !mine("Audit") {
		e.OnActivity(lint.ActivityAudit, mock.Anything, mock.Anything).Return(lint.AuditResult{Summary: lint.Summary{Info: 1}}, nil).Maybe()
	}
	if !mine("Compile") {
		e.OnActivity(compileapi.ActivityCompile, mock.Anything, mock.Anything).Return(compileapi.Result{CompilerVersion: "0.8.37",
			Contracts: []compileapi.Contract{{Name: "Store", ABI: "[]", Bytecode: "0x6000"}}}, nil).Maybe()
	}
	if !mine("Broadcast") {
		e.OnActivity(deployapi.ActivityBroadcast, mock.Anything, mock.Anything).Return(nil).Maybe()
	}
	if !mine("Verify") {
		e.OnActivity(verifyapi.ActivityVerify, mock.Anything, mock.Anything).Return(verifyapi.Result{Status: progressapi.VerificationVerified, Match: "full", Message: "full match"}, nil).Maybe()
	}
	if !mine("RecordBuild") {
		e.OnActivity(buildsapi.ActivityRecordBuild, mock.Anything, mock.Anything).Return(nil).Maybe()
	}
	if !mine("FillNonce") {
		e.OnActivity(deployapi.ActivityFillNonce, mock.Anything, mock.Anything).Return(deployapi.FillResult{}, nil).Maybe()
	}
	return e
}

func (e *deployEnv) statuses() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []string
	for _, s := range e.steps {
		if len(out) == 0 || out[len(out)-1] != s.Status {
			out = append(out, s.Status)
		}
	}
	return out
}

func input() DeploymentInput {
	return DeploymentInput{DeploymentID: "00000000-0000-4000-8000-000000000001", Network: "dev", Source: "contract Store {}",
		ContractName: "Store", Confirmations: 2, FeeWait: 12 * time.Second, OutageWindow: time.Hour}
}

func signedOK(e *deployEnv) {
	e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).Return(deployapi.PrepareResult{TxHash: "0x01", Nonce: 3, ContractAddress: "0x02"}, nil).Maybe()
}

func TestDeploymentWorkflowBumpsAStuckTransactionAndConfirms(t *testing.T) {
	e := newDeployEnv(t)
	signedOK(e)
	awaits := 0
	e.OnActivity(deployapi.ActivityAwait, mock.Anything, mock.Anything).Return(func(context.Context, deployapi.TxInput) (deployapi.AwaitResult, error) {
		awaits++
		return deployapi.AwaitResult{Included: awaits > 1}, nil
	})
	e.OnActivity(deployapi.ActivityBump, mock.Anything, mock.Anything).Return(deployapi.BumpResult{Replaced: true, TxHash: "0x03"}, nil).Once()
	confirms := 0
	e.OnActivity(deployapi.ActivityConfirm, mock.Anything, mock.Anything).Return(func(context.Context, deployapi.ConfirmInput) (deployapi.ConfirmResult, error) {
		confirms++
		if confirms == 1 {
			return deployapi.ConfirmResult{Confirmations: 1}, nil // still waiting for depth
		}
		return deployapi.ConfirmResult{Confirmed: true, Confirmations: 2, TxHash: "0x03", ContractAddress: "0x02", BlockNumber: 7, GasUsed: 100}, nil
	})
	e.ExecuteWorkflow(DeploymentWorkflow, input())
	if err := e.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res DeploymentResult
	if err := e.GetWorkflowResult(&res); err != nil || res.Status != status.Confirmed || res.TxHash != "0x03" {
		t.Fatalf("result %+v %v", res, err)
	}
	want := []string{"LINTING", "COMPILING", "CONFIRMING", "CONFIRMED"}
	if got := e.statuses(); !equal(got, want) {
		t.Fatalf("statuses %v, want %v", got, want)
	}
	if awaits != 2 || confirms != 2 {
		t.Fatalf("awaits %d confirms %d", awaits, confirms)
	}
}

func TestDeploymentWorkflowLintGateFailsBeforeSigning(t *testing.T) {
	e := newDeployEnv(t, "Audit")
	e.OnActivity(lint.ActivityAudit, mock.Anything, mock.Anything).Return(lint.AuditResult{
		Findings: []lint.Finding{{Detector: "unprotected-selfdestruct", Severity: lint.High, File: "Contract.sol", Line: 3}},
		Summary:  lint.Summary{High: 1}}, nil)
	prepared := false
	e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).Return(func(context.Context, deployapi.PrepareInput) (deployapi.PrepareResult, error) {
		prepared = true
		return deployapi.PrepareResult{}, nil
	}).Maybe()
	e.ExecuteWorkflow(DeploymentWorkflow, input())
	err := e.GetWorkflowError()
	var ae *temporal.ApplicationError
	if !errors.As(err, &ae) || ae.Type() != ErrTypeLintGate {
		t.Fatalf("error %v, want %s", err, ErrTypeLintGate)
	}
	if prepared {
		t.Fatal("signed despite the lint gate")
	}
	st := e.statuses()
	if st[len(st)-1] != status.Failed || e.steps[len(e.steps)-1].Error == nil {
		t.Fatalf("statuses %v; the last step must be FAILED with the reason", st)
	}

	// allowFindings lets it through.
	e2 := newDeployEnv(t, "Audit")
	e2.OnActivity(lint.ActivityAudit, mock.Anything, mock.Anything).Return(lint.AuditResult{
		Findings: []lint.Finding{{Detector: "x", Severity: lint.High}}, Summary: lint.Summary{High: 1}}, nil)
	signedOK(e2)
	e2.OnActivity(deployapi.ActivityAwait, mock.Anything, mock.Anything).Return(deployapi.AwaitResult{Included: true}, nil)
	e2.OnActivity(deployapi.ActivityConfirm, mock.Anything, mock.Anything).Return(deployapi.ConfirmResult{Confirmed: true}, nil)
	in := input()
	in.AllowFindings = true
	e2.ExecuteWorkflow(DeploymentWorkflow, in)
	if err := e2.GetWorkflowError(); err != nil {
		t.Fatalf("allowFindings: %v", err)
	}
}

// Fees above the cap and a pool with no signer that can pay both wait on a
// durable timer with the reason, then prepare again.
func TestDeploymentWorkflowWaitsOnATimerBeforeSigning(t *testing.T) {
	for name, wait := range map[string]deployapi.PrepareResult{
		"fees above the cap":    {WaitingForFees: true, Message: "base fee above the cap; waiting"},
		"no signer can pay yet": {WaitingForSigner: true, Message: "no signer of dev can pay for the deployment; waiting for a top-up"},
	} {
		t.Run(name, func(t *testing.T) {
			e := newDeployEnv(t)
			prepares := 0
			e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).Return(func(ctx context.Context, _ deployapi.PrepareInput) (deployapi.PrepareResult, error) {
				prepares++
				if prepares == 1 {
					return wait, nil
				}
				return deployapi.PrepareResult{TxHash: "0x01"}, nil
			})
			began := e.Now()
			e.OnActivity(deployapi.ActivityAwait, mock.Anything, mock.Anything).Return(deployapi.AwaitResult{Included: true}, nil)
			e.OnActivity(deployapi.ActivityConfirm, mock.Anything, mock.Anything).Return(deployapi.ConfirmResult{Confirmed: true}, nil)
			e.ExecuteWorkflow(DeploymentWorkflow, input())
			if err := e.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if took := e.Now().Sub(began); prepares != 2 || took < 12*time.Second {
				t.Fatalf("prepares %d, took %s; want a second try after the 12 s wait", prepares, took)
			}
			if !slices.ContainsFunc(e.steps, func(s progressapi.Step) bool { return s.Status == status.Compiling && s.Message == wait.Message }) {
				t.Fatalf("steps %+v: the wait's reason is not recorded", e.steps)
			}
		})
	}
}

func TestDeploymentWorkflowCancelBeforeSigning(t *testing.T) {
	e := newDeployEnv(t, "Compile")
	e.OnActivity(compileapi.ActivityCompile, mock.Anything, mock.Anything).After(time.Minute).Return(compileapi.Result{Contracts: []compileapi.Contract{{Name: "Store", Bytecode: "0x60"}}}, nil)
	prepared := false
	e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).Return(func(context.Context, deployapi.PrepareInput) (deployapi.PrepareResult, error) {
		prepared = true
		return deployapi.PrepareResult{}, nil
	}).Maybe()
	e.RegisterDelayedCallback(e.CancelWorkflow, 10*time.Second)
	e.ExecuteWorkflow(DeploymentWorkflow, input())
	if err := e.GetWorkflowError(); !temporal.IsCanceledError(err) {
		t.Fatalf("error %v, want cancelled", err)
	}
	if prepared {
		t.Fatal("signed after cancel")
	}
	last := e.steps[len(e.steps)-1]
	if last.Status != status.Cancelled || !last.UnlessEnded {
		t.Fatalf("last step %+v, want CANCELLED unless already ended", last)
	}
}

func TestDeploymentWorkflowFillsTheNonceOfAFailedSignedDeployment(t *testing.T) {
	e := newDeployEnv(t, "Broadcast", "FillNonce")
	signedOK(e)
	e.OnActivity(deployapi.ActivityBroadcast, mock.Anything, mock.Anything).Return(
		temporal.NewNonRetryableApplicationError("node refused: intrinsic gas too low", deployapi.ErrTypeRejected, nil))
	filled := 0
	e.OnActivity(deployapi.ActivityFillNonce, mock.Anything, mock.Anything).Return(func(context.Context, deployapi.TxInput) (deployapi.FillResult, error) {
		filled++
		return deployapi.FillResult{}, nil
	})
	e.ExecuteWorkflow(DeploymentWorkflow, input())
	if err := e.GetWorkflowError(); err == nil {
		t.Fatal("want a failure")
	}
	if filled != 1 {
		t.Fatalf("FillNonce called %d times, want 1", filled)
	}
	last := e.steps[len(e.steps)-1]
	if last.Status != status.Failed || last.Error == nil || *last.Error != "node refused: intrinsic gas too low" {
		t.Fatalf("last step %+v", last)
	}
}

func TestDeploymentWorkflowRetriesTransientChainErrors(t *testing.T) {
	e := newDeployEnv(t)
	tries := 0
	e.OnActivity(deployapi.ActivityPrepare, mock.Anything, mock.Anything).Return(func(context.Context, deployapi.PrepareInput) (deployapi.PrepareResult, error) {
		tries++
		if tries < 4 {
			return deployapi.PrepareResult{}, errors.New("connect to dev: connection refused")
		}
		return deployapi.PrepareResult{TxHash: "0x01"}, nil
	})
	e.OnActivity(deployapi.ActivityAwait, mock.Anything, mock.Anything).Return(deployapi.AwaitResult{Included: true}, nil)
	e.OnActivity(deployapi.ActivityConfirm, mock.Anything, mock.Anything).Return(deployapi.ConfirmResult{Confirmed: true}, nil)
	e.ExecuteWorkflow(DeploymentWorkflow, input())
	if err := e.GetWorkflowError(); err != nil || tries != 4 {
		t.Fatalf("error %v after %d tries", err, tries)
	}
}

// TestDeploymentWorkflowReplaysRecordedHistories replays histories of real
// runs (recorded by cmd/slipway's pipeline test with
// SLIPWAY_RECORD_HISTORY=workflows/testdata/…): a change to the workflow
// that would break runs in flight fails here, and must go behind
// workflow.GetVersion.
func TestDeploymentWorkflowReplaysRecordedHistories(t *testing.T) {
	files, err := filepath.Glob("testdata/deployment_v*.json")
	if err != nil || len(files) < 2 {
		t.Fatalf("recorded histories %v, %v", files, err)
	}
	for _, f := range files {
		r := worker.NewWorkflowReplayer()
		r.RegisterWorkflowWithOptions(DeploymentWorkflow, workflow.RegisterOptions{Name: DeploymentWorkflowName})
		if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
}

// TestRecordedHistoriesKeepTheirLintPayloads: the lint summary is one type,
// lint.Summary, in the audit's result and the recorded steps alike, and
// both keep the JSON the recorded histories hold: every step payload
// (lint counts under "High"…) and every audit result's summary ("high"…)
// reads and re-encodes byte for byte.
func TestRecordedHistoriesKeepTheirLintPayloads(t *testing.T) {
	var steps, audits, linted int
	for _, f := range []string{"testdata/deployment_v1_template.json", "testdata/deployment_v2_template.json"} {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var history any
		if err := json.Unmarshal(raw, &history); err != nil {
			t.Fatal(err)
		}
		for _, data := range payloads(history) {
			switch {
			case bytes.HasPrefix(data, []byte(`{"deploymentId"`)) && bytes.Contains(data, []byte(`"status"`)):
				var s progressapi.Step
				if err := json.Unmarshal(data, &s); err != nil {
					t.Fatal(err)
				}
				if s.Lint != nil {
					linted++
					if *s.Lint != (lint.Summary{Info: 1}) {
						t.Errorf("%s: step %s reads as lint %+v", f, data, *s.Lint)
					}
				}
				again, err := json.Marshal(s)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(again, data) {
					t.Errorf("%s: step\n%s\nre-encodes as\n%s", f, data, again)
				}
				steps++
			case bytes.HasPrefix(data, []byte(`{"findings"`)):
				var a lint.AuditResult
				if err := json.Unmarshal(data, &a); err != nil {
					t.Fatal(err)
				}
				sum, _ := json.Marshal(a.Summary)
				if a.Summary != lint.Summarize(a.Findings) || !bytes.Contains(data, append([]byte(`"summary":`), sum...)) {
					t.Errorf("%s: audit result's summary %s (%+v) is not what it holds", f, sum, a.Summary)
				}
				audits++
			}
		}
	}
	if steps < 5 || audits < 2 || linted != 1 {
		t.Fatalf("found %d steps (%d with lint) and %d audit results in the histories", steps, linted, audits)
	}
}

// payloads answers the decoded data of every JSON payload in a history.
func payloads(v any) [][]byte {
	var out [][]byte
	switch v := v.(type) {
	case map[string]any:
		if data, ok := v["data"].(string); ok {
			if md, ok := v["metadata"].(map[string]any); ok && md["encoding"] == base64.StdEncoding.EncodeToString([]byte("json/plain")) {
				if b, err := base64.StdEncoding.DecodeString(data); err == nil {
					out = append(out, b)
				}
			}
		}
		for _, x := range v {
			out = append(out, payloads(x)...)
		}
	case []any:
		for _, x := range v {
			out = append(out, payloads(x)...)
		}
	}
	return out
}

func TestGateErrorAppliesLintGate(t *testing.T) {
	f := func(sev lint.Severity, line int) lint.Finding {
		return lint.Finding{Detector: "d", Severity: sev, File: "C.sol", Line: line}
	}
	findings := []lint.Finding{f(lint.Info, 1), f(lint.Medium, 2), f(lint.Low, 3)}
	for _, c := range []struct {
		threshold string
		allow     bool
		want      string // "" for no failure
	}{
		{"", false, ""}, // HIGH by default
		{"bogus", false, ""},
		{"medium", false, "the audit found 1 issue(s) at or above MEDIUM: MEDIUM d at C.sol:2; fix them or deploy with allowFindings"},
		{" Low ", false, "the audit found 2 issue(s) at or above LOW: MEDIUM d at C.sol:2; LOW d at C.sol:3; fix them or deploy with allowFindings"},
		{"INFO", true, ""},
	} {
		err := gateError(findings, c.threshold, c.allow)
		if failed := lint.Gate(findings, mustSeverity(c.threshold)); !c.allow && failed != (err != nil) {
			t.Errorf("gate %q: lint.Gate says %v, the workflow %v", c.threshold, failed, err)
		}
		var ae *temporal.ApplicationError
		switch {
		case c.want == "" && err != nil:
			t.Errorf("gate %q allow %v: %v", c.threshold, c.allow, err)
		case c.want != "" && (!errors.As(err, &ae) || ae.Type() != ErrTypeLintGate || !ae.NonRetryable() || ae.Message() != c.want):
			t.Errorf("gate %q: %v, want %q", c.threshold, err, c.want)
		}
	}
	var many []lint.Finding
	for i := range 7 {
		many = append(many, f(lint.High, i))
	}
	err := gateError(many, "", false)
	if err == nil || !strings.Contains(err.Error(), "the audit found 7 issue(s) of HIGH severity and HIGH confidence: ") || !strings.Contains(err.Error(), "HIGH d at C.sol:4; and 2 more; fix them") {
		t.Errorf("seven findings: %v", err)
	}
	// The default gate counts HIGH findings of HIGH confidence; a named
	// threshold counts every finding at or above it.
	heuristic := lint.Finding{Detector: "weak-prng", Severity: lint.High, Confidence: lint.ConfidenceLow, File: "C.sol", Line: 9}
	proven := lint.Finding{Detector: "unprotected-selfdestruct", Severity: lint.High, Confidence: lint.ConfidenceHigh, File: "C.sol", Line: 5}
	if err := gateError([]lint.Finding{heuristic}, "", false); err != nil {
		t.Errorf("a LOW-confidence HIGH finding fails the default gate: %v", err)
	}
	if err := gateError([]lint.Finding{heuristic}, "high", false); err == nil || !strings.Contains(err.Error(), "1 issue(s) at or above HIGH: HIGH weak-prng at C.sol:9") {
		t.Errorf("an explicit HIGH gate: %v", err)
	}
	if err := gateError([]lint.Finding{heuristic, proven}, "", false); err == nil || !strings.Contains(err.Error(), "1 issue(s) of HIGH severity and HIGH confidence: HIGH unprotected-selfdestruct at C.sol:5;") {
		t.Errorf("a HIGH-confidence HIGH finding: %v", err)
	}
}

// A new run passes the lint stage with HIGH findings of lower confidence
// only (and records the version of the gate that let it through).
func TestDeploymentWorkflowDefaultGateIgnoresHeuristics(t *testing.T) {
	e := newDeployEnv(t, "Audit")
	e.OnActivity(lint.ActivityAudit, mock.Anything, mock.Anything).Return(lint.AuditResult{
		Findings: []lint.Finding{{Detector: "weak-prng", Severity: lint.High, Confidence: lint.ConfidenceLow, File: "Contract.sol", Line: 3}},
		Summary:  lint.Summary{High: 1}}, nil)
	signedOK(e)
	e.OnActivity(deployapi.ActivityAwait, mock.Anything, mock.Anything).Return(deployapi.AwaitResult{Included: true}, nil)
	e.OnActivity(deployapi.ActivityConfirm, mock.Anything, mock.Anything).Return(deployapi.ConfirmResult{Confirmed: true}, nil)
	e.ExecuteWorkflow(DeploymentWorkflow, input())
	if err := e.GetWorkflowError(); err != nil {
		t.Fatalf("a LOW-confidence finding stopped the deployment: %v", err)
	}
}

func mustSeverity(s string) lint.Severity {
	v, _ := lint.ParseSeverity(s)
	return v
}

func equal(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
