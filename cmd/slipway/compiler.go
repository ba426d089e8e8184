package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/lint"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server"
	"github.com/slipway-dev/slipway/server/apierr"
	"github.com/slipway-dev/slipway/workflows"
)

// compileWorkflowTimeout bounds a compile workflow as a whole, a backstop
// for a caller that could not cancel it (see awaitCompile): room for one
// activity attempt, which covers the pool's two runs of at most
// compileapi.MaxRequestTimeout, and a wait for a worker.
const compileWorkflowTimeout = 2*compileapi.MaxRequestTimeout + 2*time.Minute

// cancelTimeout bounds the request that cancels an abandoned workflow.
const cancelTimeout = 5 * time.Second

// workflowToolchain is the API's server.Compiler and server.Auditor: it
// runs CompileWorkflow or AuditWorkflow on the workers' task queue and
// waits for it within the request, so that each compile and audit shows in
// the Temporal Web UI and survives a worker crash by a retry on another
// worker.
type workflowToolchain struct {
	tc        client.Client
	taskQueue string
}

var (
	_ server.Compiler = workflowToolchain{}
	_ server.Auditor  = workflowToolchain{}
)

func (c workflowToolchain) Compile(ctx context.Context, req *slipwayv1.CompileContractRequest) (*slipwayv1.CompileContractResponse, error) {
	in := workflows.CompileInput{Request: compileapi.Request{
		Source:          req.GetSource(),
		Sources:         req.GetSources(),
		ContractName:    req.GetContractName(),
		CompilerVersion: req.GetCompilerVersion(),
		Optimizer:       compileapi.Optimizer{Enabled: req.GetOptimizer().GetEnabled(), Runs: int(req.GetOptimizer().GetRuns())},
		OmitAST:         true,
	}}
	var out workflows.CompileOutput
	if err := runCompileWorkflow(ctx, c.tc, c.taskQueue, "compile", workflows.CompileWorkflow, in, &out); err != nil {
		return nil, err
	}
	return compileResponse(out.Result), nil
}

// runCompileWorkflow starts wf, the compile or audit workflow as kind
// says, with in on taskQueue, and waits for its result in out
// (awaitCompile).
func runCompileWorkflow(ctx context.Context, tc client.Client, taskQueue, kind string, wf, in, out any) error {
	run, err := tc.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       kind + "-" + uuid.NewString(),
		TaskQueue:                taskQueue,
		WorkflowExecutionTimeout: compileWorkflowTimeout,
	}, wf, in)
	if err != nil {
		return fmt.Errorf("start %s workflow: %w", kind, err)
	}
	return awaitCompile(ctx, tc, run, out)
}

// awaitCompile waits for a compile or audit workflow's result. When ctx
// ends first (the client went away, or the deploy API's pre-compile gave
// up after its few seconds) it cancels the workflow, whose activity then
// kills the solc process working for nobody: otherwise a pathological
// source would keep a solc worker busy for minutes after every caller
// left.
func awaitCompile(ctx context.Context, tc client.Client, run client.WorkflowRun, out any) error {
	err := run.Get(ctx, out)
	if err == nil {
		return nil
	}
	if ctx.Err() == nil && deadlineRace(ctx, err) {
		// The server answered the call's propagated deadline a moment
		// before ctx's own timer fired: it is ctx's end all the same.
		<-ctx.Done()
	}
	if ctx.Err() == nil {
		return compileWorkflowError(run.GetID(), err)
	}
	// ctx's own error leads, so the API answers canceled or
	// deadline_exceeded whatever the SDK wrapped it in.
	err = fmt.Errorf("wait for workflow %s: %w (%v)", run.GetID(), ctx.Err(), err)
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cancelTimeout)
	defer cancel()
	if cerr := tc.CancelWorkflow(cctx, run.GetID(), run.GetRunID()); cerr != nil {
		var done *serviceerror.NotFound
		if !errors.As(cerr, &done) { // NotFound: it had finished already
			err = errors.Join(err, fmt.Errorf("cancel abandoned workflow %s: %w", run.GetID(), cerr))
		}
	}
	return err
}

// deadlineRace reports whether err is a deadline the server or gRPC
// answered while ctx's own deadline is less than a second away.
func deadlineRace(ctx context.Context, err error) bool {
	dl, ok := ctx.Deadline()
	if !ok || time.Until(dl) > time.Second {
		return false
	}
	var de *serviceerror.DeadlineExceeded
	return errors.Is(err, context.DeadlineExceeded) || errors.As(err, &de) || status.Code(err) == codes.DeadlineExceeded
}

// compileWorkflowError turns the compile activity's typed application
// errors back into the compile package's errors, which the API's error
// boundary answers as invalid_argument; anything else is a server fault.
func compileWorkflowError(id string, err error) error {
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case compileapi.ErrTypeCompileError:
			var diags []compileapi.Diagnostic
			if derr := appErr.Details(&diags); derr != nil {
				return fmt.Errorf("decode diagnostics of compile workflow %s: %w", id, derr)
			}
			return &compile.CompileError{Diagnostics: diags}
		case compileapi.ErrTypeNoCompiler:
			return userError{msg: appErr.Message(), sentinel: compile.ErrNoCompiler}
		case compileapi.ErrTypeOutputTooLarge:
			return userError{msg: appErr.Message(), sentinel: compile.ErrOutputTooLarge}
		case compileapi.ErrTypeCompilerFailed:
			return userError{msg: appErr.Message(), sentinel: compile.ErrCompiler}
		case compileapi.ErrTypeLimitExceeded:
			return userError{msg: appErr.Message(), sentinel: compile.ErrLimitExceeded}
		}
	}
	return fmt.Errorf("run compile workflow %s: %w", id, err)
}

// userError carries a user error's message across Temporal, where only its
// text and type survive, and restores the sentinel the API maps to a code.
type userError struct {
	msg      string
	sentinel error
}

func (e userError) Error() string { return e.msg }
func (e userError) Unwrap() error { return e.sentinel }

func compileResponse(r compileapi.Result) *slipwayv1.CompileContractResponse {
	resp := &slipwayv1.CompileContractResponse{CompilerVersion: r.CompilerVersion}
	for _, c := range r.Contracts {
		resp.Contracts = append(resp.Contracts, &slipwayv1.CompiledContract{
			Name: c.Name, Abi: c.ABI, Bytecode: c.Bytecode, DeployedBytecode: c.DeployedBytecode, File: c.File,
		})
	}
	for _, w := range r.Warnings {
		resp.Warnings = append(resp.Warnings, apierr.DiagnosticToProto(w))
	}
	return resp
}

// Audit runs AuditWorkflow on the workers, waited for within the request.
func (c workflowToolchain) Audit(ctx context.Context, req *slipwayv1.AuditContractRequest) (*slipwayv1.AuditContractResponse, error) {
	in := workflows.AuditInput{Request: lint.AuditRequest{
		Source: req.GetSource(), Sources: req.GetSources(), CompilerVersion: req.GetCompilerVersion(),
	}}
	var out lint.AuditResult
	if err := runCompileWorkflow(ctx, c.tc, c.taskQueue, "audit", workflows.AuditWorkflow, in, &out); err != nil {
		return nil, err
	}
	resp := &slipwayv1.AuditContractResponse{CompilerVersion: out.CompilerVersion, Summary: &slipwayv1.FindingSummary{
		High: uint32(out.Summary.High), Medium: uint32(out.Summary.Medium), Low: uint32(out.Summary.Low), Info: uint32(out.Summary.Info),
	}}
	for _, f := range out.Findings {
		resp.Findings = append(resp.Findings, &slipwayv1.Finding{
			Detector: f.Detector, Severity: severityProto[f.Severity], Title: f.Title, Description: f.Description,
			File: f.File, Line: uint32(max(f.Line, 0)), Column: uint32(max(f.Column, 0)), Confidence: strings.ToLower(string(f.Confidence)),
		})
	}
	return resp, nil
}

var severityProto = map[lint.Severity]slipwayv1.Severity{
	lint.High: slipwayv1.Severity_HIGH, lint.Medium: slipwayv1.Severity_MEDIUM,
	lint.Low: slipwayv1.Severity_LOW, lint.Info: slipwayv1.Severity_INFO,
}
