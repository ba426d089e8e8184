// Package verifyapi is the verification stage's side of the workflow
// boundary: what package verify's activities take and answer, their
// statuses, application error types and registered names, and the
// workflow's pacing of publication attempts (PublishDelay). It runs no
// compiler and dials nothing, so that workflows/ calls the stage without
// importing package verify.
package verifyapi

// Names of the verification activities, as the worker registers them (the
// methods of verify.Activities); a cmd/slipway test keeps them equal.
const (
	ActivityVerify  = "Verify"
	ActivityPublish = "Publish"
)
