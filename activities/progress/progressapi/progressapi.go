// Package progressapi is the progress recorder's side of the workflow
// boundary: the steps, approvals, votes and verifications the workflow
// hands package progress to record, their statuses and decisions, its
// application error type and its activities' registered names. It has no
// Postgres, so that workflows/ records progress without importing package
// progress.
package progressapi

// Names of the progress activities, as the worker registers them (the
// methods of progress.Activities); a cmd/slipway test keeps them equal.
const (
	ActivityRecord             = "Record"
	ActivityOpenApproval       = "OpenApproval"
	ActivityRecordVote         = "RecordVote"
	ActivityExpireApproval     = "ExpireApproval"
	ActivityRecordVerification = "RecordVerification"
)
