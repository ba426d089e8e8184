// Package deployapi is the deploy and confirm stages' side of the workflow
// boundary: the inputs and results of package deploy's activities, their
// application error types and their registered names. It holds no key, no
// RPC and no Postgres, so that workflows/ calls the stages without
// importing package deploy.
package deployapi

// Names of the deploy stage's activities, as the worker registers them
// (the methods of deploy.Activities); a cmd/slipway test keeps them equal.
const (
	ActivityPrepare   = "Prepare"
	ActivityEstimate  = "Estimate"
	ActivityBroadcast = "Broadcast"
	ActivityAwait     = "Await"
	ActivityBump      = "Bump"
	ActivityConfirm   = "Confirm"
	ActivityFillNonce = "FillNonce"
)
