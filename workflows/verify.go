package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
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
func (r *runner) verify(ctx workflow.Context, req compileapi.Request, cv string, c deployapi.ConfirmResult) {
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
		NonRetryableErrorTypes: verifyapi.NonRetryableErrorTypes}
	var res verifyapi.Result
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), verifyapi.ActivityVerify, verifyInput(r.in, req, c)).Get(ctx, &res)
	step := progressapi.VerificationStep{DeploymentID: r.in.DeploymentID, Status: res.Status, Match: res.Match, Message: res.Message}
	if err != nil {
		step.Status, step.Match, step.Message = progressapi.VerificationFailed, "", "could not verify: "+failureReason(err)
	}
	step.Services = []progressapi.VerificationService{{Name: verifyService, Status: step.Status, Message: step.Message}}
	final := step.Status
	publish := step.Status == progressapi.VerificationVerified && len(r.in.Publish) > 0
	if publish {
		// Verified here; the deployment stays PENDING until every
		// service has answered for good, so watchers see it through.
		step.Status = progressapi.VerificationPending
		for _, p := range r.in.Publish {
			step.Services = append(step.Services, progressapi.VerificationService{Name: p.Name, Status: progressapi.VerificationPending, Message: "publishing"})
		}
	}
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), progressapi.ActivityRecordVerification, step).Get(ctx, nil); err != nil {
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
	if err := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), progressapi.ActivityRecordVerification, step).Get(ctx, nil); err != nil {
		log.Warn("record verification", "err", err)
	}
}

// verifyInput is the deployed contract and the compile request it was
// built from, as the verify and publish activities take them.
func verifyInput(in DeploymentInput, req compileapi.Request, c deployapi.ConfirmResult) verifyapi.Input {
	return verifyapi.Input{Network: in.Network, Address: c.ContractAddress, CreationTxHash: c.TxHash, Compile: &req, ContractName: req.ContractName}
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
func (r *runner) publish(ctx workflow.Context, p PublishService, req compileapi.Request, c deployapi.ConfirmResult, local verifyapi.Result) progressapi.VerificationService {
	opts := workflow.ActivityOptions{StartToCloseTimeout: time.Minute, ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, BackoffCoefficient: 2, MaximumInterval: time.Minute,
			NonRetryableErrorTypes: verifyapi.NonRetryableErrorTypes}}
	deadline := workflow.Now(ctx).Add(p.Window)
	job, streak, lastStatus := "", 0, ""
	for {
		var out verifyapi.PublishResult
		in := verifyapi.PublishInput{Service: p.Name, Input: verifyInput(r.in, req, c),
			LongCompilerVersion: local.CompilerVersion, ConstructorArguments: local.ConstructorArguments, Job: job}
		in.ContractFile = local.ContractFile
		err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), verifyapi.ActivityPublish, in).Get(ctx, &out)
		switch {
		case err != nil:
			return progressapi.VerificationService{Name: p.Name, Status: progressapi.VerificationFailed, Message: failureReason(err)}
		case out.Status == verifyapi.StatusVerified, out.Status == verifyapi.StatusFailed:
			return progressapi.VerificationService{Name: p.Name, Status: out.Status, URL: out.URL, Message: out.Message}
		case !workflow.Now(ctx).Before(deadline):
			return progressapi.VerificationService{Name: p.Name, Status: progressapi.VerificationFailed,
				Message: fmt.Sprintf("no answer within %s; last: %s", p.Window, out.Message)}
		}
		job = out.Job
		if out.Status == lastStatus {
			streak++
		} else {
			lastStatus, streak = out.Status, 1
		}
		if err := workflow.Sleep(ctx, verifyapi.PublishDelay(out.Status, streak)); err != nil {
			return progressapi.VerificationService{Name: p.Name, Status: progressapi.VerificationFailed, Message: err.Error()}
		}
	}
}
