package workflows

import (
	"fmt"
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
	// The CONFIRMED step opened the verification (PENDING).
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
	step := progress.VerificationStep{DeploymentID: r.in.DeploymentID, Status: res.Status, Match: res.Match, Message: res.Message}
	if err != nil {
		step.Status, step.Match, step.Message = progress.VerificationFailed, "", "could not verify: "+failureReason(err)
	}
	step.Services = []progress.VerificationService{{Name: verifyService, Status: step.Status, Message: step.Message}}
	final := step.Status
	publish := step.Status == progress.VerificationVerified && len(r.in.Publish) > 0
	if publish {
		// Verified here; the deployment stays PENDING until every
		// service has answered for good, so watchers see it through.
		step.Status = progress.VerificationPending
		for _, p := range r.in.Publish {
			step.Services = append(step.Services, progress.VerificationService{Name: p.Name, Status: progress.VerificationPending, Message: "publishing"})
		}
	}
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), r.p.RecordVerification, step).Get(ctx, nil); err != nil {
		log.Warn("record verification", "err", err)
		return
	}
	if !publish {
		return
	}
	for i, p := range r.in.Publish {
		step.Services[i+1] = r.publish(ctx, p, req, c, res)
	}
	step.Status = final
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), r.p.RecordVerification, step).Get(ctx, nil); err != nil {
		log.Warn("record verification", "err", err)
	}
}

// PublishService is a service a network publishes verified sources to,
// and how long to keep trying it ("not yet indexed", rate limits).
type PublishService struct {
	Name   string        `json:"name"`
	Window time.Duration `json:"window"`
}

// publish submits the verified source to service p and follows its job
// to an answer, waiting on durable timers between attempts, for at most
// the service's window; then the last answer is FAILED.
func (r *runner) publish(ctx workflow.Context, p PublishService, req compile.Request, c deploy.ConfirmResult, local verify.Result) progress.VerificationService {
	opts := workflow.ActivityOptions{StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: verify.NonRetryableErrorTypes}}
	deadline := workflow.Now(ctx).Add(p.Window)
	var va *verify.Activities
	job, streak, lastStatus := "", 0, ""
	for {
		var out verify.PublishResult
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), va.Publish, verify.PublishInput{
			Service: p.Name, Network: r.in.Network, Address: c.ContractAddress, CreationTxHash: c.TxHash, Compile: &req,
			LongCompilerVersion: local.CompilerVersion, ContractFile: local.ContractFile, ContractName: req.ContractName,
			ConstructorArguments: local.ConstructorArguments, Job: job,
		}).Get(ctx, &out)
		switch {
		case err != nil:
			return progress.VerificationService{Name: p.Name, Status: progress.VerificationFailed, Message: failureReason(err)}
		case out.Status == verify.StatusVerified, out.Status == verify.StatusFailed:
			return progress.VerificationService{Name: p.Name, Status: out.Status, URL: out.URL, Message: out.Message}
		case !workflow.Now(ctx).Before(deadline):
			return progress.VerificationService{Name: p.Name, Status: progress.VerificationFailed,
				Message: fmt.Sprintf("no answer within %s; last: %s", p.Window, out.Message)}
		}
		job = out.Job
		if out.Status == lastStatus {
			streak++
		} else {
			lastStatus, streak = out.Status, 1
		}
		if err := workflow.Sleep(ctx, verify.PublishDelay(out.Status, streak)); err != nil {
			return progress.VerificationService{Name: p.Name, Status: progress.VerificationFailed, Message: err.Error()}
		}
	}
}
