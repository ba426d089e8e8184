// Package workflows holds Slipway's Temporal workflows. They are
// deterministic orchestration only: every side effect (solc, the chain,
// Postgres) happens in an activity of the activities packages. The
// workflows call each activity by the name its stage's API package
// declares next to its input and result types (compileapi, deployapi,
// progressapi, verifyapi; lint and generate, which are pure, declare their
// own), and import none of the packages that implement them: nothing here
// links Postgres, a chain client or the solc pool. A cmd/slipway test
// checks that every declared name is a method of an activity struct the
// worker registers.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// CompileWorkflowName is the registered name of CompileWorkflow, for
// callers that start it by name.
const CompileWorkflowName = "CompileWorkflow"

// CompileInput is one compile RPC's request.
type CompileInput struct {
	Request compileapi.Request `json:"request"`
}

// CompileOutput is the compiled contracts, without ASTs: the workflow's
// result is stored in its history, where megabytes of AST would only slow
// the Web UI and the history service down.
type CompileOutput struct {
	Result compileapi.Result `json:"result"`
}

// Compile activity timeouts. The pool bounds one solc run (at most
// compileapi.MaxRequestTimeout) and itself runs a request that timed out or
// crashed once more on a fresh process before it fails for good as the
// user's error, so one attempt must cover two runs and the wait for a
// worker; attempts beyond the first are for infrastructure faults only (a
// worker that could not start, a worker host that died mid-compile), and
// each one re-runs the whole compile, so there are few of them.
const (
	compileStartToClose = 2*compileapi.MaxRequestTimeout + time.Minute
	compileMaxAttempts  = 3
)

// CompileWorkflow compiles sources on a compile worker. It exists so that a
// compile RPC is a visible, retried job in Temporal like every other stage:
// infrastructure failures (a crashed or hung solc worker) are retried on
// another attempt, while the user's errors (diagnostics, no matching
// compiler) fail at once as non-retryable application errors whose type and
// details reach the caller unchanged.
func CompileWorkflow(ctx workflow.Context, in CompileInput) (CompileOutput, error) {
	ctx = workflow.WithActivityOptions(ctx, solcActivityOptions())
	req := in.Request
	req.OmitAST = true
	var res compileapi.Result
	if err := workflow.ExecuteActivity(ctx, compileapi.ActivityCompile, req).Get(ctx, &res); err != nil {
		// Returned as is, not wrapped: a wrapped error would cross the wire
		// as an application error of its own ("wrapError", retryable), in
		// front of the activity's typed one that callers look for.
		return CompileOutput{}, err
	}
	return CompileOutput{Result: res}, nil
}

// solcActivityOptions are those of every activity that runs solc (compile,
// audit, and the deployment's audit and compile stages): the user's errors,
// including solc throwing on the input or running it past the pool's time
// or memory limit, fail at once; infrastructure faults are retried with
// backoff. A cancelled workflow cancels the running attempt at its next
// heartbeat, and the pool then kills the solc process working on it.
func solcActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: compileStartToClose,
		// The activities heartbeat every compileapi.HeartbeatEvery while solc
		// runs: a worker that dies mid-compile is retried elsewhere within
		// this, not after the whole start-to-close timeout.
		HeartbeatTimeout: 5 * compileapi.HeartbeatEvery,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        30 * time.Second,
			MaximumAttempts:        compileMaxAttempts,
			NonRetryableErrorTypes: compileapi.NonRetryableErrorTypes,
		},
	}
}
