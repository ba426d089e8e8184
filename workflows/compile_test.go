package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/lint"
)

func newCompileEnv(t *testing.T, fn func(context.Context, compileapi.Request) (compileapi.Result, error)) *testsuite.TestWorkflowEnvironment {
	t.Helper()
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	registerStubs(env)
	env.OnActivity(compileapi.ActivityCompile, mock.Anything, mock.Anything).Return(fn)
	return env
}

func TestCompileWorkflowReturnsContractsWithoutASTs(t *testing.T) {
	calls := 0
	env := newCompileEnv(t, func(_ context.Context, req compileapi.Request) (compileapi.Result, error) {
		calls++
		if !req.OmitAST {
			t.Error("the workflow must ask the activity to omit ASTs")
		}
		if req.Source != "contract A {}" || req.ContractName != "A" {
			t.Errorf("activity got %+v", req)
		}
		return compileapi.Result{CompilerVersion: "0.8.37", Contracts: []compileapi.Contract{{Name: "A", ABI: "[]", Bytecode: "0x60"}}}, nil
	})
	env.ExecuteWorkflow(CompileWorkflow, CompileInput{Request: compileapi.Request{Source: "contract A {}", ContractName: "A"}})
	if !env.IsWorkflowCompleted() {
		t.Fatal("workflow did not complete")
	}
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error: %v", err)
	}
	var out CompileOutput
	if err := env.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if calls != 1 || out.Result.CompilerVersion != "0.8.37" || len(out.Result.Contracts) != 1 || out.Result.Contracts[0].Bytecode != "0x60" {
		t.Fatalf("calls %d, result %+v", calls, out)
	}
}

func TestCompileWorkflowDoesNotRetryCompileErrors(t *testing.T) {
	diags := []compileapi.Diagnostic{{Severity: compileapi.SeverityError, File: "Contract.sol", Line: 3, Column: 5, Message: "Expected ';' but got '}'", Code: "2314"}}
	calls := 0
	env := newCompileEnv(t, func(context.Context, compileapi.Request) (compileapi.Result, error) {
		calls++
		return compileapi.Result{}, temporal.NewNonRetryableApplicationError("compile failed", compileapi.ErrTypeCompileError, nil, diags)
	})
	env.ExecuteWorkflow(CompileWorkflow, CompileInput{Request: compileapi.Request{Source: "contract A {"}})
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != compileapi.ErrTypeCompileError {
		t.Fatalf("workflow error %v, want a %s application error", err, compileapi.ErrTypeCompileError)
	}
	var got []compileapi.Diagnostic
	if err := appErr.Details(&got); err != nil {
		t.Fatalf("details: %v", err)
	}
	if len(got) != 1 || got[0] != diags[0] {
		t.Fatalf("diagnostics %+v, want %+v", got, diags)
	}
	if calls != 1 {
		t.Fatalf("compile error tried %d times, want 1", calls)
	}
}

// errWorkerCrashed stands for an infrastructure failure of the compile
// activity, which reaches the workflow as a plain (retryable) error.
var errWorkerCrashed = errors.New("solc worker crashed")

// TestCompileWorkflowRetriesInfrastructureErrors checks the other half of
// the policy: a crashed solc worker is retried, up to the attempt limit.
func TestCompileWorkflowRetriesInfrastructureErrors(t *testing.T) {
	calls := 0
	env := newCompileEnv(t, func(context.Context, compileapi.Request) (compileapi.Result, error) {
		calls++
		if calls < 3 {
			return compileapi.Result{}, errWorkerCrashed
		}
		return compileapi.Result{CompilerVersion: "0.8.37"}, nil
	})
	env.ExecuteWorkflow(CompileWorkflow, CompileInput{Request: compileapi.Request{Source: "contract A {}"}})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatalf("workflow error after transient failures: %v", err)
	}
	if calls != 3 {
		t.Fatalf("activity ran %d times, want 3", calls)
	}

	calls = 0
	env = newCompileEnv(t, func(context.Context, compileapi.Request) (compileapi.Result, error) {
		calls++
		return compileapi.Result{}, errors.New("solc request timed out")
	})
	env.ExecuteWorkflow(CompileWorkflow, CompileInput{Request: compileapi.Request{Source: "contract A {}"}})
	if err := env.GetWorkflowError(); err == nil || calls != compileMaxAttempts {
		t.Fatalf("persistent failure: err %v after %d attempts, want an error after %d", err, calls, compileMaxAttempts)
	}
}

// Sources that make solc throw or run past the pool's limits are the
// user's error: the pool already gave them their one retry on a fresh
// process, so neither workflow runs them again. The activities fail them
// as non-retryable (compile.ActivityError, tested in package compile);
// here they come as retryable errors of their types, so that the
// workflows' own retry policies are what keeps them from a second run.
func TestSolcWorkflowsDoNotRetryInputLimits(t *testing.T) {
	for _, typ := range []string{compileapi.ErrTypeCompilerFailed, compileapi.ErrTypeLimitExceeded} {
		calls := 0
		env := newCompileEnv(t, func(context.Context, compileapi.Request) (compileapi.Result, error) {
			calls++
			return compileapi.Result{}, temporal.NewApplicationError(fmt.Sprintf("compile with solc 0.8.37: %s", typ), typ)
		})
		env.ExecuteWorkflow(CompileWorkflow, CompileInput{Request: compileapi.Request{Source: "contract A {}"}})
		var appErr *temporal.ApplicationError
		if err := env.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != typ || calls != 1 {
			t.Fatalf("compile %s: %v after %d attempts, want one attempt", typ, err, calls)
		}

		var s testsuite.WorkflowTestSuite
		aenv := s.NewTestWorkflowEnvironment()
		registerStubs(aenv)
		calls = 0
		aenv.OnActivity(lint.ActivityAudit, mock.Anything, mock.Anything).Return(func(context.Context, lint.AuditRequest) (lint.AuditResult, error) {
			calls++
			return lint.AuditResult{}, temporal.NewApplicationError("the sources exceed the compiler's limits", compileapi.ErrTypeLimitExceeded)
		})
		aenv.ExecuteWorkflow(AuditWorkflow, AuditInput{Request: lint.AuditRequest{Source: "contract A {}"}})
		if err := aenv.GetWorkflowError(); !errors.As(err, &appErr) || appErr.Type() != compileapi.ErrTypeLimitExceeded || calls != 1 {
			t.Fatalf("audit: %v after %d attempts, want one attempt", err, calls)
		}
	}
}

// Cancelling a compile workflow (the API gave up waiting) requests the
// cancellation of its running activity, which reaches the activity at its
// next heartbeat; the pool then kills the solc process (tested end to end
// in cmd/slipway).
func TestCancelledCompileWorkflowCancelsTheActivity(t *testing.T) {
	release := make(chan struct{})
	defer close(release)
	env := newCompileEnv(t, func(ctx context.Context, _ compileapi.Request) (compileapi.Result, error) {
		<-release
		return compileapi.Result{}, errors.New("released")
	})
	var cancelRequested bool
	env.SetOnActivityCanceledListener(func(*activity.Info) { cancelRequested = true })
	env.RegisterDelayedCallback(env.CancelWorkflow, time.Second)
	env.ExecuteWorkflow(CompileWorkflow, CompileInput{Request: compileapi.Request{Source: "contract A {}"}})
	var canceled *temporal.CanceledError
	if err := env.GetWorkflowError(); !errors.As(err, &canceled) {
		t.Fatalf("workflow error %v, want cancelled", err)
	}
	if !cancelRequested {
		t.Fatal("the running compile activity was not cancelled")
	}
}
