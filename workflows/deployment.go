package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/generate"
	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/activities/progress"
	"github.com/slipway-dev/slipway/internal/status"
)

// DeploymentWorkflowName is the registered name of DeploymentWorkflow.
const DeploymentWorkflowName = "DeploymentWorkflow"

// DeploymentWorkflowID is the id of a deployment's workflow: one workflow
// per deployment, so starting it twice is refused by Temporal.
func DeploymentWorkflowID(deploymentID string) string { return "deployment-" + deploymentID }

// ErrTypeLintGate is the failure of a deployment whose audit found issues
// at or above the gate without allowFindings.
const ErrTypeLintGate = "LintGate"

// Search attributes of deployment runs, registered by the dev stack, so
// runs can be filtered by user, network, contract and status in the Web UI.
var (
	SearchAttrUser     = temporal.NewSearchAttributeKeyKeyword("SlipwayUser")
	SearchAttrNetwork  = temporal.NewSearchAttributeKeyKeyword("SlipwayNetwork")
	SearchAttrContract = temporal.NewSearchAttributeKeyKeyword("SlipwayContract")
	SearchAttrStatus   = temporal.NewSearchAttributeKeyKeyword("SlipwayStatus")
)

// DeploymentInput is a deployment's request as the workflow needs it: never
// a key or a token, only what the user asked for and the network's timing.
type DeploymentInput struct {
	DeploymentID string `json:"deploymentId"`
	UserID       string `json:"userId"`
	Network      string `json:"network"`
	// Template is the ContractTemplate as protobuf JSON; empty for source.
	Template        json.RawMessage   `json:"template,omitempty"`
	Source          string            `json:"source,omitempty"`
	Sources         map[string]string `json:"sources,omitempty"`
	ContractName    string            `json:"contractName,omitempty"`
	ConstructorArgs []json.RawMessage `json:"constructorArgs,omitempty"`
	Confirmations   uint32            `json:"confirmations"`
	AllowFindings   bool              `json:"allowFindings,omitempty"`
	// LintGate is the lowest severity that fails the lint stage; empty
	// is HIGH.
	LintGate        string            `json:"lintGate,omitempty"`
	CompilerVersion string            `json:"compilerVersion,omitempty"`
	Optimizer       compile.Optimizer `json:"optimizer"`
	// FeeWait is how long to wait before trying again when fees are above
	// the network's cap: its bump interval in block time.
	FeeWait time.Duration `json:"feeWait"`
	// OutageWindow is how long chain stages retry an unreachable network.
	OutageWindow time.Duration `json:"outageWindow"`
	// UpsertStatus keeps the SlipwayStatus search attribute current; off
	// where the namespace has not registered it.
	UpsertStatus bool `json:"upsertStatus,omitempty"`
	// Approval is the network's approval policy; nil deploys without
	// waiting for approvers.
	Approval *ApprovalPolicy `json:"approval,omitempty"`
	// Publish are the services the network publishes verified sources to
	// after the local verification.
	Publish []PublishService `json:"publish,omitempty"`
}

// DeploymentResult is where the deployment ended.
type DeploymentResult struct {
	Status          string `json:"status"`
	ContractAddress string `json:"contractAddress,omitempty"`
	TxHash          string `json:"txHash,omitempty"`
	BlockNumber     uint64 `json:"blockNumber,omitempty"`
}

// pipelineVersionChange is DeploymentWorkflow's change ID for
// workflow.GetVersion. Around any change to the sequence of commands, add a
// constant for the new max version below and point PipelineVersion at it,
// keep the old branches while runs of them may exist, and record a new
// history for the replay test.
const pipelineVersionChange = "pipeline"

// pipelineLocalSteps (version 2) records stage changes and generates
// templates as local activities: each is a short, idempotent step (a row
// update and an event under the deployment's lock; a pure function), and as
// a local activity it runs inside the workflow task that reaches it instead
// of costing a round trip through the server's task queue. Version 1 runs
// them as activities.
const pipelineLocalSteps = 2

// pipelineApprovals (version 3) takes approvers' votes (the UpdateVote
// update) and, on networks whose policy requires approvals, waits for them
// between compile and signing (Estimate, OpenApproval, a timer, the votes'
// RecordVote); after CONFIRMED it verifies the source (RecordVerification,
// Verify). Version 2 runs have no vote handler, never wait and do not
// verify.
const pipelineApprovals = 3

// PipelineVersion is the version new runs of DeploymentWorkflow take, for
// naming the replay test's recorded histories.
const PipelineVersion = pipelineApprovals

// DeploymentWorkflow runs one deployment: generate (templates only), lint
// with the policy gate, compile, then sign, broadcast and confirm exactly
// once. Every stage change is recorded in Postgres for the API and its
// watchers. Failures that retrying cannot fix end the deployment FAILED
// with the reason; an unreachable network is retried for its outage window.
// Cancellation works until signing begins; from then on the deployment runs
// to its end, so that no signed transaction is left behind unwatched.
func DeploymentWorkflow(ctx workflow.Context, in DeploymentInput) (DeploymentResult, error) {
	v := workflow.GetVersion(ctx, pipelineVersionChange, workflow.DefaultVersion, pipelineApprovals)
	r := runner{in: in, localSteps: v >= pipelineLocalSteps, approvals: v >= pipelineApprovals}
	if r.approvals {
		if err := r.registerVote(ctx); err != nil {
			return DeploymentResult{}, err
		}
	}
	res, err := r.run(ctx)
	if err == nil {
		return res, nil
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if temporal.IsCanceledError(err) || isAppErr(err, deploy.ErrTypeCancelled) {
		_ = r.record(dctx, progress.Step{Status: status.Cancelled, Message: "cancelled", UnlessEnded: true})
		return DeploymentResult{Status: status.Cancelled}, temporal.NewCanceledError("deployment cancelled")
	}
	if isAppErr(err, ErrTypeExpired) {
		reason := "cancelled: no approval decision within " + in.Approval.Timeout.String()
		_ = r.record(dctx, progress.Step{Status: status.Cancelled, Message: reason, UnlessEnded: true})
		return DeploymentResult{Status: status.Cancelled}, temporal.NewCanceledError(reason)
	}
	if isAppErr(err, progress.ErrTypeEnded) || isAppErr(err, deploy.ErrTypeEnded) {
		// Someone else (the user's cancel) ended it; nothing to record.
		return DeploymentResult{Status: status.Cancelled}, err
	}
	if r.signed && !isAppErr(err, deploy.ErrTypeReverted) {
		// A signed transaction that will never be mined leaves a nonce
		// gap that would block every later deployment of the signer.
		var fill deploy.FillResult
		if ferr := workflow.ExecuteActivity(workflow.WithActivityOptions(dctx, chainOptions(in, false)), r.d.FillNonce, r.tx()).Get(dctx, &fill); ferr != nil {
			workflow.GetLogger(ctx).Error("nonce gap repair failed", "err", ferr)
		}
	}
	reason := failureReason(err)
	_ = r.record(dctx, progress.Step{Status: status.Failed, Message: "failed: " + reason, Error: &reason, UnlessEnded: true})
	return DeploymentResult{Status: status.Failed}, err
}

type runner struct {
	in         DeploymentInput
	localSteps bool
	d          *deploy.Activities
	p          *progress.Activities
	// signed is set once a transaction is signed: a failure from then on
	// fills its nonce.
	signed bool
	// lastWait is the last reason recorded for a transaction waiting at
	// its fees, so that each is recorded once.
	lastWait string
	// approvals: the run takes votes and, when its input has a policy,
	// waits for them (version 3 on); gate is where the votes stand.
	approvals bool
	gate      *approvalGate
}

func (r *runner) tx() deploy.TxInput {
	return deploy.TxInput{DeploymentID: r.in.DeploymentID, Network: r.in.Network}
}

// step runs one of the short steps (a stage change, generate): a local
// activity from version 2 on, an activity in runs of version 1. A zero
// scheduleToClose leaves it unset.
func (r *runner) step(ctx workflow.Context, startToClose, scheduleToClose time.Duration, retry *temporal.RetryPolicy, fn any, args ...any) workflow.Future {
	if r.localSteps {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: startToClose, ScheduleToCloseTimeout: scheduleToClose, RetryPolicy: retry,
		})
		return workflow.ExecuteLocalActivity(lctx, fn, args...)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: startToClose, ScheduleToCloseTimeout: scheduleToClose, RetryPolicy: retry,
	})
	return workflow.ExecuteActivity(actx, fn, args...)
}

func (r *runner) record(ctx workflow.Context, s progress.Step) error {
	s.DeploymentID = r.in.DeploymentID
	f := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), r.p.Record, s)
	if err := f.Get(ctx, nil); err != nil {
		return err
	}
	r.upsertStatus(ctx, s.Status)
	return nil
}

// upsertStatus keeps the SlipwayStatus search attribute at st, where the
// namespace has it.
func (r *runner) upsertStatus(ctx workflow.Context, st string) {
	if !r.in.UpsertStatus {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, SearchAttrStatus.ValueSet(st)); err != nil {
		workflow.GetLogger(ctx).Warn("upsert status search attribute", "err", err)
	}
}

// run is the pipeline: generate, lint, compile, sign, broadcast, then wait
// for inclusion and depth until confirmed. Each stage is a method that
// records its own status; the order of their commands is the workflow's
// history, so a change here goes behind workflow.GetVersion.
func (r *runner) run(ctx workflow.Context) (DeploymentResult, error) {
	req, err := r.generate(ctx)
	if err != nil {
		return DeploymentResult{}, err
	}
	summary, err := r.lint(ctx, req)
	if err != nil {
		return DeploymentResult{}, err
	}
	contract, cv, err := r.compile(ctx, req, summary)
	if err != nil {
		return DeploymentResult{}, err
	}
	if r.needsApproval() {
		if err := r.awaitApproval(ctx, req, contract, cv, summary); err != nil {
			return DeploymentResult{}, err
		}
	}
	txHash, err := r.sign(ctx, contract, cv)
	if err != nil {
		return DeploymentResult{}, err
	}
	// Signed. From here on the deployment is not cancellable: a signed
	// transaction may be broadcast by a retry at any moment, so the
	// workflow follows it to its end whatever happens to the request.
	r.signed = true
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	if err := r.broadcast(ctx); err != nil {
		return DeploymentResult{}, err
	}
	if err := r.record(ctx, progress.Step{Status: status.Confirming, Message: fmt.Sprintf("broadcast %s; waiting for inclusion", txHash), CompilerVersion: &cv}); err != nil {
		return DeploymentResult{}, err
	}
	for {
		if err := r.awaitInclusion(ctx); err != nil {
			return DeploymentResult{}, err
		}
		c, err := r.awaitDepth(ctx)
		if err != nil {
			return DeploymentResult{}, err
		}
		if c.Dropped {
			// Reorged out of the chain: the same bytes again, and wait
			// for their inclusion anew.
			if err := r.broadcast(ctx); err != nil {
				return DeploymentResult{}, err
			}
			continue
		}
		res, err := r.confirmed(ctx, c)
		if err == nil && r.approvals {
			r.verify(ctx, req, cv, c)
		}
		return res, err
	}
}

// generate is the generate stage: the template's source (GENERATING), or
// the request's sources as they are. It answers the compile request that
// the lint and compile stages share.
func (r *runner) generate(ctx workflow.Context) (compile.Request, error) {
	in := r.in
	req := compile.Request{Source: in.Source, Sources: in.Sources, ContractName: in.ContractName, CompilerVersion: in.CompilerVersion, Optimizer: in.Optimizer, OmitAST: true}
	if len(in.Template) == 0 {
		return req, nil
	}
	if err := r.record(ctx, progress.Step{Status: status.Generating, Message: "generating the contract from its template"}); err != nil {
		return compile.Request{}, err
	}
	retry := &temporal.RetryPolicy{MaximumAttempts: 3, NonRetryableErrorTypes: []string{generate.ErrTypeInvalidTemplate}}
	var g generate.Result
	if err := r.step(ctx, 30*time.Second, 0, retry, generate.Activities{}.Generate, []byte(in.Template)).Get(ctx, &g); err != nil {
		return compile.Request{}, err
	}
	req.Source, req.ContractName = g.Source, g.ContractName
	if req.CompilerVersion == "" {
		req.CompilerVersion = g.CompilerVersion
	}
	return req, nil
}

// lint is the lint stage (LINTING): the audit of the sources, and the
// request's gate over its findings. The compile request rides along, so
// that the audit's solc run caches its result as well (an input change
// only: no new commands).
func (r *runner) lint(ctx workflow.Context, req compile.Request) (*lint.Summary, error) {
	if err := r.record(ctx, progress.Step{Status: status.Linting, Message: "auditing the sources", ContractName: &req.ContractName}); err != nil {
		return nil, err
	}
	var la *lint.Activities
	var audit lint.AuditResult
	areq := lint.AuditRequest{Source: req.Source, Sources: req.Sources, CompilerVersion: req.CompilerVersion, Next: &req}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, solcActivityOptions()), la.Audit, areq).Get(ctx, &audit); err != nil {
		return nil, err
	}
	if err := gateError(audit.Findings, r.in.LintGate, r.in.AllowFindings); err != nil {
		reason := failureReason(err)
		_ = r.record(ctx, progress.Step{Status: status.Linting, Message: reason, Lint: &audit.Summary})
		return nil, err
	}
	return &audit.Summary, nil
}

// compile is the compile stage (COMPILING, with the audit's summary): the
// contract to deploy, and the compiler version that built it.
func (r *runner) compile(ctx workflow.Context, req compile.Request, summary *lint.Summary) (*compile.Contract, string, error) {
	msg := fmt.Sprintf("audit: %d high, %d medium, %d low, %d info; compiling", summary.High, summary.Medium, summary.Low, summary.Info)
	if err := r.record(ctx, progress.Step{Status: status.Compiling, Message: msg, Lint: summary}); err != nil {
		return nil, "", err
	}
	var ca *compile.Activities
	var comp compile.Result
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, solcActivityOptions()), ca.Compile, req).Get(ctx, &comp); err != nil {
		return nil, "", err
	}
	var contract *compile.Contract
	for i := range comp.Contracts {
		if comp.Contracts[i].Name == req.ContractName {
			contract = &comp.Contracts[i]
		}
	}
	if contract == nil {
		return nil, "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("contract %s is not in the compiled sources", req.ContractName), compile.ErrTypeCompileError, nil)
	}
	return contract, comp.CompilerVersion, nil
}

// sign is the deploy stage up to the signed transaction: Prepare encodes
// the constructor arguments, prices and signs, or answers that fees are
// above the network's cap or that no signer of the pool can pay, when the
// deployment waits on a durable timer (still COMPILING, with the reason)
// and tries again. It answers the transaction's hash. The two waits issue
// the same commands, so histories from before WaitingForSigner replay
// unchanged.
func (r *runner) sign(ctx workflow.Context, contract *compile.Contract, cv string) (string, error) {
	in := r.in
	pctx := workflow.WithActivityOptions(ctx, chainOptions(in, false))
	for {
		// A fresh value per call: decoding into the last one would keep
		// fields the new answer omits.
		var prep deploy.PrepareResult
		if err := workflow.ExecuteActivity(pctx, r.d.Prepare, deploy.PrepareInput{
			DeploymentID: in.DeploymentID, Network: in.Network, ABI: contract.ABI, Bytecode: contract.Bytecode, ConstructorArgs: in.ConstructorArgs,
		}).Get(ctx, &prep); err != nil {
			return "", err
		}
		if !prep.WaitingForFees && !prep.WaitingForSigner {
			return prep.TxHash, nil
		}
		if err := r.record(ctx, progress.Step{Status: status.Compiling, Message: prep.Message, CompilerVersion: &cv}); err != nil {
			return "", err
		}
		if err := workflow.Sleep(ctx, max(in.FeeWait, time.Second)); err != nil {
			return "", err
		}
	}
}

// broadcast sends the deployment's signed bytes (again: a node that has
// them answers so, which is success).
func (r *runner) broadcast(ctx workflow.Context) error {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, chainOptions(r.in, false)), r.d.Broadcast, r.tx()).Get(ctx, nil)
}

// awaitInclusion waits until the transaction is in a block, replacing it
// with higher fees each time Await gives up on it. At the fee cap (or over
// the budget) no replacement is made: the deployment says why, once per
// reason (CONFIRMING), re-sends in case a node dropped it and waits on a
// durable timer rather than spin.
func (r *runner) awaitInclusion(ctx workflow.Context) error {
	short := workflow.WithActivityOptions(ctx, chainOptions(r.in, false))
	long := workflow.WithActivityOptions(ctx, chainOptions(r.in, true))
	for {
		var aw deploy.AwaitResult
		if err := workflow.ExecuteActivity(long, r.d.Await, r.tx()).Get(ctx, &aw); err != nil {
			return err
		}
		if aw.Included {
			return nil
		}
		var b deploy.BumpResult
		if err := workflow.ExecuteActivity(short, r.d.Bump, r.tx()).Get(ctx, &b); err != nil {
			return err
		}
		if b.Replaced || b.Message == "already mined" {
			continue
		}
		if b.Message != r.lastWait {
			if err := r.record(ctx, progress.Step{Status: status.Confirming, Message: b.Message}); err != nil {
				return err
			}
			r.lastWait = b.Message
		}
		if err := r.broadcast(ctx); err != nil {
			return err
		}
		if err := workflow.Sleep(ctx, max(r.in.FeeWait, time.Second)); err != nil {
			return err
		}
	}
}

// awaitDepth waits for the included transaction to reach the required
// depth on the canonical chain, or to drop out of it in a reorg.
func (r *runner) awaitDepth(ctx workflow.Context) (deploy.ConfirmResult, error) {
	long := workflow.WithActivityOptions(ctx, chainOptions(r.in, true))
	for {
		var c deploy.ConfirmResult
		if err := workflow.ExecuteActivity(long, r.d.Confirm, deploy.ConfirmInput{TxInput: r.tx(), Required: r.in.Confirmations}).Get(ctx, &c); err != nil {
			return deploy.ConfirmResult{}, err
		}
		if c.Confirmed || c.Dropped {
			return c, nil
		}
	}
}

// confirmed records the end (CONFIRMED) with the receipt's numbers.
func (r *runner) confirmed(ctx workflow.Context, c deploy.ConfirmResult) (DeploymentResult, error) {
	conf := c.Confirmations
	if err := r.record(ctx, progress.Step{
		Status: status.Confirmed, Message: fmt.Sprintf("confirmed: %s at depth %d", c.ContractAddress, conf),
		TxHash: &c.TxHash, ContractAddress: &c.ContractAddress, BlockNumber: &c.BlockNumber, GasUsed: &c.GasUsed,
		Confirmations: &conf, EffectiveGasPrice: c.EffectiveGasPrice, FeePaid: c.FeePaid,
		Verify: r.approvals,
	}); err != nil {
		return DeploymentResult{}, err
	}
	return DeploymentResult{Status: status.Confirmed, ContractAddress: c.ContractAddress, TxHash: c.TxHash, BlockNumber: c.BlockNumber}, nil
}

// chainOptions are the chain stages' activity options: RPC failures retry
// with backoff for the network's outage window, failures retrying cannot
// fix end the deployment at once. Waits (Await, Confirm) heartbeat, so a
// crashed worker's wait resumes on another worker within seconds.
func chainOptions(in DeploymentInput, wait bool) workflow.ActivityOptions {
	window := in.OutageWindow
	if window <= 0 {
		window = time.Hour
	}
	o := workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: window,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval: 500 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 15 * time.Second,
			NonRetryableErrorTypes: append([]string{deploy.ErrTypeUnreachable}, deploy.NonRetryableErrorTypes...),
		},
	}
	if wait {
		o.StartToCloseTimeout = 6 * time.Minute
		o.HeartbeatTimeout = 10 * time.Second
		o.ScheduleToCloseTimeout = window + 6*time.Minute
	}
	return o
}

// gateError is the lint stage's failure when findings fail lint.Gate at the
// request's threshold (HIGH unless it names one) and the request did not
// allow them: the first five named, for the deployment's error.
func gateError(findings []lint.Finding, threshold string, allow bool) error {
	if allow {
		return nil
	}
	t, _ := lint.ParseSeverity(threshold) // "" when unset or not a severity: the gate's default
	failing := lint.GateFailures(findings, t)
	if len(failing) == 0 {
		return nil
	}
	var shown []string
	for _, f := range failing[:min(len(failing), 5)] {
		shown = append(shown, fmt.Sprintf("%s %s at %s:%d", f.Severity, f.Detector, f.File, f.Line))
	}
	if len(failing) > 5 {
		shown = append(shown, fmt.Sprintf("and %d more", len(failing)-5))
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("the audit found %d issue(s) at or above %s: %s; fix them or deploy with allowFindings", len(failing), lint.GateThreshold(t), strings.Join(shown, "; ")),
		ErrTypeLintGate, nil)
}

func isAppErr(err error, typ string) bool {
	var ae *temporal.ApplicationError
	return errors.As(err, &ae) && ae.Type() == typ
}

// failureReason is the user-facing reason of a failed deployment: the
// innermost application error's message, without Temporal's wrapping.
func failureReason(err error) string {
	var ae *temporal.ApplicationError
	if errors.As(err, &ae) {
		if ae.Type() == compile.ErrTypeCompileError {
			var diags []compile.Diagnostic
			if ae.HasDetails() && ae.Details(&diags) == nil && len(diags) > 0 {
				d := diags[0]
				return fmt.Sprintf("compile error: %s:%d:%d: %s", d.File, d.Line, d.Column, d.Message)
			}
		}
		return ae.Message()
	}
	var te *temporal.TimeoutError
	if errors.As(err, &te) {
		return "timed out: " + te.Error()
	}
	return err.Error()
}
