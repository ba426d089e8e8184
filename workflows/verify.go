package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/progress"
	"github.com/slipway-dev/slipway/activities/verify"
)

// verifyService names the local verification among a verification's
// services: the bytecode re-derived from the compiled sources against the
// code at the address.
const verifyService = "local"

// verify is the verify stage, after CONFIRMED (version 3 on): it re-derives
// the contract's bytecode from the sources and compiler that built it and
// compares it with the code at its address, by lib-sourcify's rule (full,
// or partial when only the metadata hash differs). It never changes the
// deployment's status or the workflow's result: what it finds is the
// deployment's verification (PENDING, then VERIFIED or FAILED).
func (r *runner) verify(ctx workflow.Context, req compile.Request, cv string, c deploy.ConfirmResult) {
	log := workflow.GetLogger(ctx)
	step := progress.VerificationStep{DeploymentID: r.in.DeploymentID, Status: progress.VerificationPending, Message: "re-deriving the bytecode from the compiled sources"}
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), r.p.RecordVerification, step).Get(ctx, nil); err != nil {
		log.Warn("record verification", "err", err)
		return
	}
	// The compiler that built the contract, not one the pragmas would
	// pick now.
	req.CompilerVersion = cv
	window := r.in.OutageWindow
	if window <= 0 {
		window = time.Hour
	}
	opts := solcActivityOptions()
	// lib-sourcify compiles once or twice per verification.
	opts.StartToCloseTimeout = 2 * compileStartToClose
	opts.ScheduleToCloseTimeout = window
	opts.RetryPolicy = &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
		NonRetryableErrorTypes: verify.NonRetryableErrorTypes}
	var va *verify.Activities
	var res verify.Result
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), va.Verify, verify.Input{
		Network: r.in.Network, Address: c.ContractAddress, CreationTxHash: c.TxHash, Compile: &req, ContractName: req.ContractName,
	}).Get(ctx, &res)
	step = progress.VerificationStep{DeploymentID: r.in.DeploymentID, Status: res.Status, Match: res.Match, Message: res.Message}
	if err != nil {
		step.Status, step.Match, step.Message = progress.VerificationFailed, "", "could not verify: "+failureReason(err)
	}
	step.Services = []progress.VerificationService{{Name: verifyService, Status: step.Status, Message: step.Message}}
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), r.p.RecordVerification, step).Get(ctx, nil); err != nil {
		log.Warn("record verification", "err", err)
	}
}
