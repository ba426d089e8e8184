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
	"github.com/slipway-dev/slipway/db"
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
}

// DeploymentResult is where the deployment ended.
type DeploymentResult struct {
	Status          string `json:"status"`
	ContractAddress string `json:"contractAddress,omitempty"`
	TxHash          string `json:"txHash,omitempty"`
	BlockNumber     uint64 `json:"blockNumber,omitempty"`
}

// pipelineVersion marks the workflow's code for workflow.GetVersion: raise
// the max version around any change to the sequence of commands, keeping
// the old branch while runs of it may exist, and record a new history for
// the replay test.
const pipelineVersionChange = "pipeline"

// pipelineLocalSteps (version 2) records stage changes and generates
// templates as local activities: each is a short, idempotent step (a row
// update and an event under the deployment's lock; a pure function), and as
// a local activity it runs inside the workflow task that reaches it instead
// of costing a round trip through the server's task queue. Version 1 runs
// them as activities.
const pipelineLocalSteps = 2

// PipelineVersion is the version new runs of DeploymentWorkflow take, for
// naming the replay test's recorded histories.
const PipelineVersion = pipelineLocalSteps

// DeploymentWorkflow runs one deployment: generate (templates only), lint
// with the policy gate, compile, then sign, broadcast and confirm exactly
// once. Every stage change is recorded in Postgres for the API and its
// watchers. Failures that retrying cannot fix end the deployment FAILED
// with the reason; an unreachable network is retried for its outage window.
// Cancellation works until signing begins; from then on the deployment runs
// to its end, so that no signed transaction is left behind unwatched.
func DeploymentWorkflow(ctx workflow.Context, in DeploymentInput) (DeploymentResult, error) {
	v := workflow.GetVersion(ctx, pipelineVersionChange, workflow.DefaultVersion, pipelineLocalSteps)
	r := runner{in: in, localSteps: v >= pipelineLocalSteps}
	res, err := r.run(ctx)
	if err == nil {
		return res, nil
	}
	dctx, _ := workflow.NewDisconnectedContext(ctx)
	if temporal.IsCanceledError(err) || isAppErr(err, deploy.ErrTypeCancelled) {
		_ = r.record(dctx, progress.Step{Status: db.StatusCancelled, Message: "cancelled", UnlessEnded: true})
		return DeploymentResult{Status: db.StatusCancelled}, temporal.NewCanceledError("deployment cancelled")
	}
	if isAppErr(err, progress.ErrTypeEnded) || isAppErr(err, deploy.ErrTypeEnded) {
		// Someone else (the user's cancel) ended it; nothing to record.
		return DeploymentResult{Status: db.StatusCancelled}, err
	}
	if r.signed && !isAppErr(err, deploy.ErrTypeReverted) {
		// A signed transaction that will never be mined leaves a nonce
		// gap that would block every later deployment of the signer.
		var fill deploy.FillResult
		if ferr := workflow.ExecuteActivity(workflow.WithActivityOptions(dctx, chainOptions(in, false)), r.d.FillNonce, r.tx()).Get(dctx, &fill); ferr != nil {
			workflow.GetLogger(ctx).Error("nonce gap repair failed", "error", ferr)
		}
	}
	reason := failureReason(err)
	_ = r.record(dctx, progress.Step{Status: db.StatusFailed, Message: "failed: " + reason, Error: &reason, UnlessEnded: true})
	return DeploymentResult{Status: db.StatusFailed}, err
}

type runner struct {
	in         DeploymentInput
	localSteps bool
	d          *deploy.Activities
	p          *progress.Activities
	signed     bool
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
	retry := &temporal.RetryPolicy{InitialInterval: 200 * time.Millisecond, BackoffCoefficient: 2, MaximumInterval: 10 * time.Second,
		NonRetryableErrorTypes: []string{progress.ErrTypeEnded}}
	f := r.step(ctx, 15*time.Second, time.Hour, retry, r.p.Record, s)
	if err := f.Get(ctx, nil); err != nil {
		return err
	}
	if r.in.UpsertStatus {
		if err := workflow.UpsertTypedSearchAttributes(ctx, SearchAttrStatus.ValueSet(s.Status)); err != nil {
			workflow.GetLogger(ctx).Warn("upsert status search attribute", "error", err)
		}
	}
	return nil
}

func (r *runner) run(ctx workflow.Context) (DeploymentResult, error) {
	in := r.in
	source, sources, name, version := in.Source, in.Sources, in.ContractName, in.CompilerVersion
	if len(in.Template) > 0 {
		if err := r.record(ctx, progress.Step{Status: db.StatusGenerating, Message: "generating the contract from its template"}); err != nil {
			return DeploymentResult{}, err
		}
		retry := &temporal.RetryPolicy{MaximumAttempts: 3, NonRetryableErrorTypes: []string{generate.ErrTypeInvalidTemplate}}
		gen := r.step(ctx, 30*time.Second, 0, retry, generate.Activities{}.Generate, []byte(in.Template))
		var g generate.Result
		if err := gen.Get(ctx, &g); err != nil {
			return DeploymentResult{}, err
		}
		source, name = g.Source, g.ContractName
		if version == "" {
			version = g.CompilerVersion
		}
	}

	if err := r.record(ctx, progress.Step{Status: db.StatusLinting, Message: "auditing the sources", ContractName: &name}); err != nil {
		return DeploymentResult{}, err
	}
	sctx := workflow.WithActivityOptions(ctx, solcActivityOptions())
	var la *lint.Activities
	var audit lint.AuditResult
	// The compile stage's request rides along, so that the audit's solc run
	// caches its result as well (an input change only: no new commands).
	creq := compile.Request{Source: source, Sources: sources, ContractName: name, CompilerVersion: version, Optimizer: in.Optimizer, OmitAST: true}
	if err := workflow.ExecuteActivity(sctx, la.Audit, lint.AuditRequest{Source: source, Sources: sources, CompilerVersion: version, Next: &creq}).Get(ctx, &audit); err != nil {
		return DeploymentResult{}, err
	}
	summary := &progress.Lint{High: audit.Summary.High, Medium: audit.Summary.Medium, Low: audit.Summary.Low, Info: audit.Summary.Info}
	if err := gate(audit.Findings, in.LintGate, in.AllowFindings); err != nil {
		reason := failureReason(err)
		_ = r.record(ctx, progress.Step{Status: db.StatusLinting, Message: reason, Lint: summary})
		return DeploymentResult{}, err
	}

	msg := fmt.Sprintf("audit: %d high, %d medium, %d low, %d info; compiling", summary.High, summary.Medium, summary.Low, summary.Info)
	if err := r.record(ctx, progress.Step{Status: db.StatusCompiling, Message: msg, Lint: summary}); err != nil {
		return DeploymentResult{}, err
	}
	var ca *compile.Activities
	var comp compile.Result
	if err := workflow.ExecuteActivity(sctx, ca.Compile, creq).Get(ctx, &comp); err != nil {
		return DeploymentResult{}, err
	}
	var contract *compile.Contract
	for i := range comp.Contracts {
		if comp.Contracts[i].Name == name {
			contract = &comp.Contracts[i]
		}
	}
	if contract == nil {
		return DeploymentResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("contract %s is not in the compiled sources", name), compile.ErrTypeCompileError, nil)
	}
	cv := comp.CompilerVersion

	// Sign. From here on the deployment is not cancellable: a signed
	// transaction may be broadcast by a retry at any moment, so the
	// workflow follows it to its end whatever happens to the request.
	pctx := workflow.WithActivityOptions(ctx, chainOptions(in, false))
	var prep deploy.PrepareResult
	for {
		// A fresh value per call: decoding into the last one would keep
		// fields the new answer omits.
		prep = deploy.PrepareResult{}
		if err := workflow.ExecuteActivity(pctx, r.d.Prepare, deploy.PrepareInput{
			DeploymentID: in.DeploymentID, Network: in.Network, ABI: contract.ABI, Bytecode: contract.Bytecode, ConstructorArgs: in.ConstructorArgs,
		}).Get(ctx, &prep); err != nil {
			return DeploymentResult{}, err
		}
		if !prep.WaitingForFees {
			break
		}
		if err := r.record(ctx, progress.Step{Status: db.StatusCompiling, Message: prep.Message, CompilerVersion: &cv}); err != nil {
			return DeploymentResult{}, err
		}
		if err := workflow.Sleep(ctx, max(in.FeeWait, time.Second)); err != nil {
			return DeploymentResult{}, err
		}
	}
	r.signed = true
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	short := workflow.WithActivityOptions(ctx, chainOptions(in, false))
	long := workflow.WithActivityOptions(ctx, chainOptions(in, true))
	if err := workflow.ExecuteActivity(short, r.d.Broadcast, r.tx()).Get(ctx, nil); err != nil {
		return DeploymentResult{}, err
	}
	if err := r.record(ctx, progress.Step{Status: db.StatusConfirming, Message: fmt.Sprintf("broadcast %s; waiting for inclusion", prep.TxHash), CompilerVersion: &cv}); err != nil {
		return DeploymentResult{}, err
	}

	lastWait := ""
	for {
		var aw deploy.AwaitResult
		if err := workflow.ExecuteActivity(long, r.d.Await, r.tx()).Get(ctx, &aw); err != nil {
			return DeploymentResult{}, err
		}
		if !aw.Included {
			var b deploy.BumpResult
			if err := workflow.ExecuteActivity(short, r.d.Bump, r.tx()).Get(ctx, &b); err != nil {
				return DeploymentResult{}, err
			}
			if !b.Replaced && b.Message != "already mined" {
				if b.Message != lastWait {
					if err := r.record(ctx, progress.Step{Status: db.StatusConfirming, Message: b.Message}); err != nil {
						return DeploymentResult{}, err
					}
					lastWait = b.Message
				}
				// Re-send in case the node dropped it, then wait on a
				// durable timer rather than spin.
				if err := workflow.ExecuteActivity(short, r.d.Broadcast, r.tx()).Get(ctx, nil); err != nil {
					return DeploymentResult{}, err
				}
				if err := workflow.Sleep(ctx, max(in.FeeWait, time.Second)); err != nil {
					return DeploymentResult{}, err
				}
			}
			continue
		}
		var c deploy.ConfirmResult
		for {
			c = deploy.ConfirmResult{}
			if err := workflow.ExecuteActivity(long, r.d.Confirm, deploy.ConfirmInput{TxInput: r.tx(), Required: in.Confirmations}).Get(ctx, &c); err != nil {
				return DeploymentResult{}, err
			}
			if c.Confirmed || c.Dropped {
				break
			}
		}
		if c.Dropped {
			if err := workflow.ExecuteActivity(short, r.d.Broadcast, r.tx()).Get(ctx, nil); err != nil {
				return DeploymentResult{}, err
			}
			continue
		}
		conf := c.Confirmations
		if err := r.record(ctx, progress.Step{
			Status: db.StatusConfirmed, Message: fmt.Sprintf("confirmed: %s at depth %d", c.ContractAddress, conf),
			TxHash: &c.TxHash, ContractAddress: &c.ContractAddress, BlockNumber: &c.BlockNumber, GasUsed: &c.GasUsed,
			Confirmations: &conf, EffectiveGasPrice: c.EffectiveGasPrice, FeePaid: c.FeePaid,
		}); err != nil {
			return DeploymentResult{}, err
		}
		return DeploymentResult{Status: db.StatusConfirmed, ContractAddress: c.ContractAddress, TxHash: c.TxHash, BlockNumber: c.BlockNumber}, nil
	}
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

// gate fails the lint stage when findings reach the gate's severity and
// the request did not allow them.
func gate(findings []lint.Finding, gateSeverity string, allow bool) error {
	if allow {
		return nil
	}
	g := lint.High
	if gateSeverity != "" {
		if s, err := lint.ParseSeverity(gateSeverity); err == nil {
			g = s
		}
	}
	var hits []string
	for _, f := range findings {
		if f.Severity.Rank() >= g.Rank() {
			hits = append(hits, fmt.Sprintf("%s %s at %s:%d", f.Severity, f.Detector, f.File, f.Line))
		}
	}
	if len(hits) == 0 {
		return nil
	}
	shown := hits
	if len(shown) > 5 {
		shown = append(shown[:5:5], fmt.Sprintf("and %d more", len(hits)-5))
	}
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("the audit found %d issue(s) at or above %s: %s; fix them or deploy with allowFindings", len(hits), g, strings.Join(shown, "; ")),
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
