// Package workflows holds Slipway's Temporal workflows. They are
// deterministic orchestration only: every side effect (solc, the chain,
// Postgres) happens in an activity of the activities packages, called
// through a nil activity struct so the activity name is checked by the
// compiler rather than spelled as a string.
package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/compile"
)

// CompileWorkflowName is the registered name of CompileWorkflow, for
// callers that start it by name.
const CompileWorkflowName = "CompileWorkflow"

// CompileInput is one compile RPC's request.
type CompileInput struct {
	Request compile.Request `json:"request"`
}

// CompileOutput is the compiled contracts, without ASTs: the workflow's
// result is stored in its history, where megabytes of AST would only slow
// the Web UI and the history service down.
type CompileOutput struct {
	Result compile.Result `json:"result"`
}

// Compile activity timeouts. The pool's own request timeout is 2 minutes, so
// a compile that hangs is killed by the pool first and retried here.
const (
	compileStartToClose = 3 * time.Minute
	compileMaxAttempts  = 5
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
	var a *compile.Activities
	var res compile.Result
	if err := workflow.ExecuteActivity(ctx, a.Compile, req).Get(ctx, &res); err != nil {
		// Returned as is, not wrapped: a wrapped error would cross the wire
		// as an application error of its own ("wrapError", retryable), in
		// front of the activity's typed one that callers look for.
		return CompileOutput{}, err
	}
	return CompileOutput{Result: res}, nil
}

// solcActivityOptions are those of every activity that runs solc (compile,
// audit): the user's errors fail at once, a crashed or hung solc worker is
// retried with backoff.
func solcActivityOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout: compileStartToClose,
		// The activities heartbeat every compile.HeartbeatEvery while solc
		// runs: a worker that dies mid-compile is retried elsewhere within
		// this, not after the whole start-to-close timeout.
		HeartbeatTimeout: 5 * compile.HeartbeatEvery,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        30 * time.Second,
			MaximumAttempts:        compileMaxAttempts,
			NonRetryableErrorTypes: compile.NonRetryableErrorTypes,
		},
	}
}
