package workflows

import (
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/lint"
)

// AuditInput is one audit RPC's request.
type AuditInput struct {
	Request lint.AuditRequest `json:"request"`
}

// AuditWorkflow audits sources on a worker, so that an audit is a visible,
// retried job like a compile, with the same activity options: an
// infrastructure fault is retried, while sources that do not compile, make
// solc throw or run it past its limits fail at once.
func AuditWorkflow(ctx workflow.Context, in AuditInput) (lint.AuditResult, error) {
	ctx = workflow.WithActivityOptions(ctx, solcActivityOptions())
	var res lint.AuditResult
	if err := workflow.ExecuteActivity(ctx, lint.ActivityAudit, in.Request).Get(ctx, &res); err != nil {
		// Returned as is, like CompileWorkflow's, so the typed error
		// reaches the caller first.
		return lint.AuditResult{}, err
	}
	return res, nil
}
