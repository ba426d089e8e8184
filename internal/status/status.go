// Package status names the statuses of a deployment: as stored in
// deployments.status and deployment_events.status, and as the API names
// them less the DEPLOYMENT_STATUS_ prefix, so that mapping is a string
// trim. It is a leaf package so that workflows, which must not reach for
// the database, name statuses without importing db.
package status

const (
	Pending    = "PENDING"
	Generating = "GENERATING"
	Linting    = "LINTING"
	Compiling  = "COMPILING"
	// AwaitingApproval: compiled, waiting for the network's approvals
	// before anything is signed.
	AwaitingApproval = "AWAITING_APPROVAL"
	Deploying        = "DEPLOYING"
	Confirming       = "CONFIRMING"
	Confirmed        = "CONFIRMED"
	Failed           = "FAILED"
	Cancelled        = "CANCELLED"
	// PartiallyConfirmed: a multi-network deployment that ended with some
	// networks CONFIRMED and others FAILED or CANCELLED.
	PartiallyConfirmed = "PARTIALLY_CONFIRMED"
)

// IsTerminal reports whether a deployment in status s has ended; the
// database refuses to move such a deployment elsewhere.
func IsTerminal(s string) bool {
	return s == Confirmed || s == Failed || s == Cancelled || s == PartiallyConfirmed
}
