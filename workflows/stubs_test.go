package workflows

import (
	"context"
	"errors"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"

	"github.com/slipway-dev/slipway/activities/builds/buildsapi"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/generate"
	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
)

// errNotMocked is what a stub answers when a test calls an activity it did
// not mock.
var errNotMocked = errors.New("activity not mocked by the test")

// registerStubs registers, under each name the workflows call an activity
// by, a stand-in of the activity's signature for the tests to mock with
// OnActivity: the workflows reach activities by name only, so their tests
// need none of the implementations (nor Postgres, solc or a chain).
// Generate, which is pure, is registered as itself.
func registerStubs(env *testsuite.TestWorkflowEnvironment) {
	stub := func(name string, fn any) { env.RegisterActivityWithOptions(fn, activity.RegisterOptions{Name: name}) }
	stub(generate.ActivityGenerate, generate.Activities{}.Generate)
	stub(lint.ActivityAudit, func(context.Context, lint.AuditRequest) (lint.AuditResult, error) {
		return lint.AuditResult{}, errNotMocked
	})
	stub(compileapi.ActivityCompile, func(context.Context, compileapi.Request) (compileapi.Result, error) {
		return compileapi.Result{}, errNotMocked
	})
	stub(deployapi.ActivityEstimate, func(context.Context, deployapi.PrepareInput) (deployapi.EstimateResult, error) {
		return deployapi.EstimateResult{}, errNotMocked
	})
	stub(deployapi.ActivityPrepare, func(context.Context, deployapi.PrepareInput) (deployapi.PrepareResult, error) {
		return deployapi.PrepareResult{}, errNotMocked
	})
	stub(deployapi.ActivityBroadcast, func(context.Context, deployapi.TxInput) error { return errNotMocked })
	stub(deployapi.ActivityAwait, func(context.Context, deployapi.TxInput) (deployapi.AwaitResult, error) {
		return deployapi.AwaitResult{}, errNotMocked
	})
	stub(deployapi.ActivityBump, func(context.Context, deployapi.TxInput) (deployapi.BumpResult, error) {
		return deployapi.BumpResult{}, errNotMocked
	})
	stub(deployapi.ActivityConfirm, func(context.Context, deployapi.ConfirmInput) (deployapi.ConfirmResult, error) {
		return deployapi.ConfirmResult{}, errNotMocked
	})
	stub(deployapi.ActivityFillNonce, func(context.Context, deployapi.TxInput) (deployapi.FillResult, error) {
		return deployapi.FillResult{}, errNotMocked
	})
	stub(progressapi.ActivityRecord, func(context.Context, progressapi.Step) error { return errNotMocked })
	stub(progressapi.ActivityOpenApproval, func(context.Context, progressapi.ApprovalRequest) error { return errNotMocked })
	stub(progressapi.ActivityRecordVote, func(context.Context, progressapi.VoteRecord) error { return errNotMocked })
	stub(progressapi.ActivityExpireApproval, func(context.Context, string) error { return errNotMocked })
	stub(progressapi.ActivityRecordVerification, func(context.Context, progressapi.VerificationStep) error { return errNotMocked })
	stub(verifyapi.ActivityVerify, func(context.Context, verifyapi.Input) (verifyapi.Result, error) {
		return verifyapi.Result{}, errNotMocked
	})
	stub(verifyapi.ActivityPublish, func(context.Context, verifyapi.PublishInput) (verifyapi.PublishResult, error) {
		return verifyapi.PublishResult{}, errNotMocked
	})
	stub(buildsapi.ActivityRecordBuild, func(context.Context, buildsapi.RecordInput) error { return errNotMocked })
	stub(buildsapi.ActivityCheckUpgrade, func(context.Context, buildsapi.CheckInput) (buildsapi.CheckResult, error) {
		return buildsapi.CheckResult{}, errNotMocked
	})
	stub(progressapi.ActivityPartStatus, func(context.Context, string) (progressapi.PartStatus, error) {
		return progressapi.PartStatus{}, errNotMocked
	})
	stub(progressapi.ActivitySetImplementation, func(context.Context, progressapi.Implementation) error { return errNotMocked })
}
