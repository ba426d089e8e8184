package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/builds/buildsapi"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/generate"
	"github.com/slipway-dev/slipway/activities/lint"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/internal/deprole"
	"github.com/slipway-dev/slipway/internal/proxies"
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
	// LintGate is the lowest severity that fails the lint stage, whatever
	// a finding's confidence; empty is lint.Gate's default, HIGH findings
	// of HIGH confidence.
	LintGate        string               `json:"lintGate,omitempty"`
	CompilerVersion string               `json:"compilerVersion,omitempty"`
	Optimizer       compileapi.Optimizer `json:"optimizer"`
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

	// The fields below are version 4's (pipelineBuilds).

	// Role is what the deployment's row is: "deploy" (or empty), "fanout"
	// (a multi-network deployment: its Parts, one per network, do the
	// deploying), "implementation" (an upgradeable deployment's) or
	// "upgrade" (its own transaction is the upgrade call).
	Role string `json:"role,omitempty"`
	// WorkflowID is a part's workflow id, under which its parent starts it.
	WorkflowID string `json:"workflowId,omitempty"`
	// Salt, when set, deploys through the deterministic deployment proxy
	// (CREATE2) with this salt, already scoped by the API.
	Salt string `json:"salt,omitempty"`
	// ProxyKind is "uups" or "transparent" for an upgradeable deployment
	// (its Parts[0] deploys the implementation, then it deploys the proxy)
	// and for an upgrade (the proxy's kind).
	ProxyKind string `json:"proxyKind,omitempty"`
	// Parts are the deployments this one runs as child workflows.
	Parts []DeploymentInput `json:"parts,omitempty"`
	// Built, on a part, is its parent's build: the part skips generate,
	// lint and compile.
	Built *Built `json:"built,omitempty"`
	// Upgrade says what an upgrade changes.
	Upgrade *UpgradeTarget `json:"upgrade,omitempty"`
}

// Built is what a deployment's build stage made, handed to its parts.
type Built struct {
	Request         compileapi.Request  `json:"request"`
	Contract        compileapi.Contract `json:"contract"`
	CompilerVersion string              `json:"compilerVersion"`
	Lint            lint.Summary        `json:"lint"`
	// Proxy is an upgradeable deployment's compiled proxy, and ProxyRequest
	// the compile request that built it (for its verification).
	Proxy        *compileapi.Contract `json:"proxy,omitempty"`
	ProxyRequest *compileapi.Request  `json:"proxyRequest,omitempty"`
	// Initializer and AdminArg are the generated upgradeable contract's
	// (see generate.Result).
	Initializer string `json:"initializer,omitempty"`
	AdminArg    int    `json:"adminArg,omitempty"`
}

// UpgradeTarget is the proxy an upgrade points at its new implementation.
type UpgradeTarget struct {
	// ProxyDeploymentID is the proxy's deployment, whose implementation the
	// upgrade changes once confirmed.
	ProxyDeploymentID string `json:"proxyDeploymentId"`
	// Proxy is the proxy's address.
	Proxy string `json:"proxy"`
	// Current is the deployment whose build is the current implementation
	// (the proxy's own, or its last confirmed upgrade's): the new one's
	// storage layout is checked against it.
	Current string `json:"current"`
	// CallData is called on the new implementation with the upgrade
	// (0x-prefixed; empty for none).
	CallData string `json:"callData,omitempty"`
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

// pipelineBuilds (version 4) records the build after compile
// (RecordBuild), and runs what issue 15 added, all of it chosen by input
// fields older runs do not have: salted (CREATE2) deployments, which may
// find their contract already deployed and end CONFIRMED without a
// transaction; multi-network deployments, whose parts run as child
// workflows; upgradeable deployments (the proxy's compile, the
// implementation as a child, then the proxy); and upgrades (CheckUpgrade,
// the implementation as a child, then the upgrade call and
// SetImplementation).
const pipelineBuilds = 4

// PipelineVersion is the version new runs of DeploymentWorkflow take, for
// naming the replay test's recorded histories.
const PipelineVersion = pipelineBuilds

// DeploymentWorkflow runs one deployment: generate (templates only), lint
// with the policy gate, compile, then sign, broadcast and confirm exactly
// once. Every stage change is recorded in Postgres for the API and its
// watchers. Failures that retrying cannot fix end the deployment FAILED
// with the reason; an unreachable network is retried for its outage window.
// Cancellation works until signing begins; from then on the deployment runs
// to its end, so that no signed transaction is left behind unwatched.
func DeploymentWorkflow(ctx workflow.Context, in DeploymentInput) (DeploymentResult, error) {
	v := workflow.GetVersion(ctx, pipelineVersionChange, workflow.DefaultVersion, pipelineBuilds)
	r := runner{in: in, localSteps: v >= pipelineLocalSteps, approvals: v >= pipelineApprovals, builds: v >= pipelineBuilds}
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
	if temporal.IsCanceledError(err) || isAppErr(err, deployapi.ErrTypeCancelled) {
		_ = r.record(dctx, progressapi.Step{Status: status.Cancelled, Message: "cancelled", UnlessEnded: true})
		return DeploymentResult{Status: status.Cancelled}, temporal.NewCanceledError("deployment cancelled")
	}
	if isAppErr(err, ErrTypeExpired) {
		reason := "cancelled: no approval decision within " + in.Approval.Timeout.String()
		_ = r.record(dctx, progressapi.Step{Status: status.Cancelled, Message: reason, UnlessEnded: true})
		return DeploymentResult{Status: status.Cancelled}, temporal.NewCanceledError(reason)
	}
	if isAppErr(err, progressapi.ErrTypeEnded) || isAppErr(err, deployapi.ErrTypeEnded) {
		// Someone else (the user's cancel) ended it; nothing to record.
		return DeploymentResult{Status: status.Cancelled}, err
	}
	if r.signed && !isAppErr(err, deployapi.ErrTypeReverted) {
		// A signed transaction that will never be mined leaves a nonce
		// gap that would block every later deployment of the signer.
		var fill deployapi.FillResult
		if ferr := workflow.ExecuteActivity(workflow.WithActivityOptions(dctx, chainOptions(in, false)), deployapi.ActivityFillNonce, r.tx()).Get(dctx, &fill); ferr != nil {
			workflow.GetLogger(ctx).Error("nonce gap repair failed", "err", ferr)
		}
	}
	reason := failureReason(err)
	_ = r.record(dctx, progressapi.Step{Status: status.Failed, Message: "failed: " + reason, Error: &reason, UnlessEnded: true})
	return DeploymentResult{Status: status.Failed}, err
}

type runner struct {
	in         DeploymentInput
	localSteps bool
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
	// builds: version 4 on (pipelineBuilds).
	builds bool
	// gen is the generated template's result; findings the audit's.
	gen      generate.Result
	findings []lint.Finding
	// impl is the implementation an upgradeable deployment or an upgrade
	// deployed (its part's address).
	impl string
	// codeLen is the runtime code's length of a salted deployment.
	codeLen int
}

func (r *runner) tx() deployapi.TxInput {
	return deployapi.TxInput{DeploymentID: r.in.DeploymentID, Network: r.in.Network}
}

// step runs one of the short steps (a stage change, generate), the
// activity registered as name: a local activity from version 2 on, an
// activity in runs of version 1. A zero scheduleToClose leaves it unset.
func (r *runner) step(ctx workflow.Context, startToClose, scheduleToClose time.Duration, retry *temporal.RetryPolicy, name string, args ...any) workflow.Future {
	if r.localSteps {
		lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
			StartToCloseTimeout: startToClose, ScheduleToCloseTimeout: scheduleToClose, RetryPolicy: retry,
		})
		return workflow.ExecuteLocalActivity(lctx, name, args...)
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: startToClose, ScheduleToCloseTimeout: scheduleToClose, RetryPolicy: retry,
	})
	return workflow.ExecuteActivity(actx, name, args...)
}

func (r *runner) record(ctx workflow.Context, s progressapi.Step) error {
	s.DeploymentID = r.in.DeploymentID
	f := r.step(ctx, 15*time.Second, time.Hour, recordRetry(), progressapi.ActivityRecord, s)
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

// run is the pipeline: build (generate, lint, compile), then for a
// multi-network deployment its parts; otherwise approval, the
// implementation first for an upgradeable deployment or an upgrade, then
// sign, broadcast and wait for inclusion and depth until confirmed. Each
// stage is a method that records its own status; the order of their
// commands is the workflow's history, so a change here goes behind
// workflow.GetVersion.
func (r *runner) run(ctx workflow.Context) (DeploymentResult, error) {
	b, err := r.build(ctx)
	if err != nil {
		return DeploymentResult{}, err
	}
	if r.builds && r.in.Role == deprole.Fanout {
		return r.fanout(ctx, b)
	}
	if r.builds && r.in.Role == deprole.Upgrade {
		if err := r.checkUpgrade(ctx, b); err != nil {
			return DeploymentResult{}, err
		}
	}
	prep := r.creation(b)
	if r.needsApproval() {
		if err := r.awaitApproval(ctx, b.Request, &b.Contract, b.CompilerVersion, &b.Lint, prep); err != nil {
			return DeploymentResult{}, err
		}
	}
	verifyReq, verifyCV := &b.Request, b.CompilerVersion
	if r.builds && r.in.ProxyKind != "" {
		impl, err := r.implementation(ctx, b)
		if err != nil {
			return DeploymentResult{}, err
		}
		if prep, err = r.proxyTx(b, impl); err != nil {
			return DeploymentResult{}, err
		}
		r.impl = impl
		verifyReq, verifyCV = b.ProxyRequest, proxies.CompilerVersion
	}
	res, err := r.deploy(ctx, prep, b.CompilerVersion, verifyReq, verifyCV)
	if err == nil && r.builds && r.in.Role == deprole.Upgrade {
		err = r.step(ctx, 15*time.Second, time.Hour, recordRetry(), progressapi.ActivitySetImplementation, progressapi.Implementation{
			DeploymentID: r.in.Upgrade.ProxyDeploymentID, Address: r.impl, Upgrade: r.in.DeploymentID,
		}).Get(ctx, nil)
	}
	return res, err
}

// deploy signs prep, broadcasts it and waits for inclusion and depth until
// confirmed, then verifies verifyReq's contract (none when nil: an
// upgrade's call creates none). A salted deployment whose contract is
// already at its address is CONFIRMED at once, with no transaction.
func (r *runner) deploy(ctx workflow.Context, prep deployapi.PrepareInput, cv string, verifyReq *compileapi.Request, verifyCV string) (DeploymentResult, error) {
	signed, err := r.sign(ctx, prep, cv)
	if err != nil {
		return DeploymentResult{}, err
	}
	if prep.Salt != "" {
		// A salted transaction that reverts because the same init code
		// was deployed meanwhile is confirmed by the code's length.
		r.codeLen = deployapi.CodeLength(prep.DeployedBytecode)
	}
	if signed.AlreadyDeployed {
		c := deployapi.ConfirmResult{Confirmed: true, ContractAddress: signed.ContractAddress}
		res, err := r.confirmedAt(ctx, c, fmt.Sprintf("already deployed at %s by the same init code (CREATE2); nothing sent", c.ContractAddress), verifyReq != nil)
		if err == nil && verifyReq != nil {
			r.verify(ctx, *verifyReq, verifyCV, c)
		}
		return res, err
	}
	txHash := signed.TxHash
	// Signed. From here on the deployment is not cancellable: a signed
	// transaction may be broadcast by a retry at any moment, so the
	// workflow follows it to its end whatever happens to the request.
	r.signed = true
	ctx, _ = workflow.NewDisconnectedContext(ctx)
	if err := r.broadcast(ctx); err != nil {
		return DeploymentResult{}, err
	}
	if err := r.record(ctx, progressapi.Step{Status: status.Confirming, Message: fmt.Sprintf("broadcast %s; waiting for inclusion", txHash), CompilerVersion: &cv}); err != nil {
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
		verify := r.approvals && (!r.builds || verifyReq != nil)
		res, err := r.confirmedAt(ctx, c, fmt.Sprintf("confirmed: %s at depth %d", c.ContractAddress, c.Confirmations), verify)
		if err == nil && verify {
			if r.builds && (prep.Salt != "" || prep.To != "") {
				// The creation transaction called the factory: its input
				// is not the init code lib-sourcify would match.
				c.TxHash = ""
			}
			r.verify(ctx, *verifyReq, verifyCV, c)
		}
		return res, err
	}
}

// build is the build stage: generate (templates only), lint with the
// policy gate, compile, and from version 4 the proxy's compile for an
// upgradeable deployment and the build record. A part takes its parent's
// build instead.
func (r *runner) build(ctx workflow.Context) (Built, error) {
	if r.builds && r.in.Built != nil {
		return *r.in.Built, nil
	}
	req, err := r.generate(ctx)
	if err != nil {
		return Built{}, err
	}
	summary, err := r.lint(ctx, req)
	if err != nil {
		return Built{}, err
	}
	contract, cv, err := r.compile(ctx, req, summary)
	if err != nil {
		return Built{}, err
	}
	b := Built{Request: req, Contract: *contract, CompilerVersion: cv, Lint: *summary, Initializer: r.gen.Initializer, AdminArg: r.gen.AdminArg}
	if !r.builds {
		return b, nil
	}
	if kind := r.in.ProxyKind; kind != "" && r.in.Role != deprole.Upgrade {
		if err := r.compileProxy(ctx, kind, &b); err != nil {
			return Built{}, err
		}
	}
	findings, err := json.Marshal(r.findings)
	if err != nil {
		return Built{}, temporal.NewNonRetryableApplicationError("encode the audit's findings: "+err.Error(), buildsapi.ErrTypeBuild, err)
	}
	// The standard JSON input of the compiler that built it.
	pinned := req
	pinned.CompilerVersion = cv
	rec := buildsapi.RecordInput{
		DeploymentID: r.in.DeploymentID, Request: pinned, Contract: *contract, CompilerVersion: cv,
		SourceHash: sourceHash(req), Findings: findings, Initializer: b.Initializer,
	}
	if r.in.Role == deprole.Upgrade {
		// An upgrade's implementation is created without arguments and
		// never initialized again (CallData is what it is called with).
		rec.Initializer = ""
	} else {
		rec.ConstructorArgs = r.in.ConstructorArgs
	}
	opts := workflow.ActivityOptions{StartToCloseTimeout: compileStartToClose, ScheduleToCloseTimeout: time.Hour,
		RetryPolicy: &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: append([]string{buildsapi.ErrTypeBuild}, compileapi.NonRetryableErrorTypes...)}}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), buildsapi.ActivityRecordBuild, rec).Get(ctx, nil); err != nil {
		return Built{}, err
	}
	return b, nil
}

// creation is the transaction that creates the deployment's own contract
// (an upgradeable one's implementation): what approvers are shown the
// estimate of, and what is signed unless a proxy or an upgrade call is.
func (r *runner) creation(b Built) deployapi.PrepareInput {
	in := r.in
	p := deployapi.PrepareInput{DeploymentID: in.DeploymentID, Network: in.Network, ABI: b.Contract.ABI, Bytecode: b.Contract.Bytecode, ConstructorArgs: in.ConstructorArgs}
	if !r.builds {
		return p
	}
	p.Salt, p.DeployedBytecode = in.Salt, b.Contract.DeployedBytecode
	if in.ProxyKind != "" || in.Role == deprole.Upgrade || in.Role == deprole.Implementation {
		// The implementation is created without arguments: its proxy
		// calls the initializer with them.
		p.ConstructorArgs = nil
	}
	return p
}

// generate is the generate stage: the template's source (GENERATING), or
// the request's sources as they are. It answers the compile request that
// the lint and compile stages share.
func (r *runner) generate(ctx workflow.Context) (compileapi.Request, error) {
	in := r.in
	req := compileapi.Request{Source: in.Source, Sources: in.Sources, ContractName: in.ContractName, CompilerVersion: in.CompilerVersion, Optimizer: in.Optimizer, OmitAST: true}
	if len(in.Template) == 0 {
		return req, nil
	}
	if err := r.record(ctx, progressapi.Step{Status: status.Generating, Message: "generating the contract from its template"}); err != nil {
		return compileapi.Request{}, err
	}
	retry := &temporal.RetryPolicy{MaximumAttempts: 3, NonRetryableErrorTypes: []string{generate.ErrTypeInvalidTemplate}}
	var g generate.Result
	if err := r.step(ctx, 30*time.Second, 0, retry, generate.ActivityGenerate, []byte(in.Template)).Get(ctx, &g); err != nil {
		return compileapi.Request{}, err
	}
	req.Source, req.ContractName = g.Source, g.ContractName
	r.gen = g
	if req.CompilerVersion == "" {
		req.CompilerVersion = g.CompilerVersion
	}
	return req, nil
}

// lint is the lint stage (LINTING): the audit of the sources, and the
// request's gate over its findings. The compile request rides along, so
// that the audit's solc run caches its result as well (an input change
// only: no new commands).
func (r *runner) lint(ctx workflow.Context, req compileapi.Request) (*lint.Summary, error) {
	if err := r.record(ctx, progressapi.Step{Status: status.Linting, Message: "auditing the sources", ContractName: &req.ContractName}); err != nil {
		return nil, err
	}
	var audit lint.AuditResult
	areq := lint.AuditRequest{Source: req.Source, Sources: req.Sources, CompilerVersion: req.CompilerVersion, Next: &req}
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, solcActivityOptions()), lint.ActivityAudit, areq).Get(ctx, &audit); err != nil {
		return nil, err
	}
	if err := r.lintGate(ctx, audit.Findings); err != nil {
		reason := failureReason(err)
		_ = r.record(ctx, progressapi.Step{Status: status.Linting, Message: reason, Lint: &audit.Summary})
		return nil, err
	}
	r.findings = audit.Findings
	return &audit.Summary, nil
}

// compile is the compile stage (COMPILING, with the audit's summary): the
// contract to deploy, and the compiler version that built it.
func (r *runner) compile(ctx workflow.Context, req compileapi.Request, summary *lint.Summary) (*compileapi.Contract, string, error) {
	msg := fmt.Sprintf("audit: %d high, %d medium, %d low, %d info; compiling", summary.High, summary.Medium, summary.Low, summary.Info)
	if err := r.record(ctx, progressapi.Step{Status: status.Compiling, Message: msg, Lint: summary}); err != nil {
		return nil, "", err
	}
	var comp compileapi.Result
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, solcActivityOptions()), compileapi.ActivityCompile, req).Get(ctx, &comp); err != nil {
		return nil, "", err
	}
	var contract *compileapi.Contract
	for i := range comp.Contracts {
		if comp.Contracts[i].Name == req.ContractName {
			contract = &comp.Contracts[i]
		}
	}
	if contract == nil {
		return nil, "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("contract %s is not in the compiled sources", req.ContractName), compileapi.ErrTypeCompileError, nil)
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
func (r *runner) sign(ctx workflow.Context, p deployapi.PrepareInput, cv string) (deployapi.PrepareResult, error) {
	in := r.in
	pctx := workflow.WithActivityOptions(ctx, chainOptions(in, false))
	for {
		// A fresh value per call: decoding into the last one would keep
		// fields the new answer omits.
		var prep deployapi.PrepareResult
		if err := workflow.ExecuteActivity(pctx, deployapi.ActivityPrepare, p).Get(ctx, &prep); err != nil {
			return deployapi.PrepareResult{}, err
		}
		if !prep.WaitingForFees && !prep.WaitingForSigner {
			return prep, nil
		}
		if err := r.record(ctx, progressapi.Step{Status: status.Compiling, Message: prep.Message, CompilerVersion: &cv}); err != nil {
			return deployapi.PrepareResult{}, err
		}
		if err := workflow.Sleep(ctx, max(in.FeeWait, time.Second)); err != nil {
			return deployapi.PrepareResult{}, err
		}
	}
}

// broadcast sends the deployment's signed bytes (again: a node that has
// them answers so, which is success).
func (r *runner) broadcast(ctx workflow.Context) error {
	return workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, chainOptions(r.in, false)), deployapi.ActivityBroadcast, r.tx()).Get(ctx, nil)
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
		var aw deployapi.AwaitResult
		if err := workflow.ExecuteActivity(long, deployapi.ActivityAwait, r.tx()).Get(ctx, &aw); err != nil {
			return err
		}
		if aw.Included {
			return nil
		}
		var b deployapi.BumpResult
		if err := workflow.ExecuteActivity(short, deployapi.ActivityBump, r.tx()).Get(ctx, &b); err != nil {
			return err
		}
		if b.Replaced || b.Message == "already mined" {
			continue
		}
		if b.Message != r.lastWait {
			if err := r.record(ctx, progressapi.Step{Status: status.Confirming, Message: b.Message}); err != nil {
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
func (r *runner) awaitDepth(ctx workflow.Context) (deployapi.ConfirmResult, error) {
	long := workflow.WithActivityOptions(ctx, chainOptions(r.in, true))
	for {
		var c deployapi.ConfirmResult
		if err := workflow.ExecuteActivity(long, deployapi.ActivityConfirm, deployapi.ConfirmInput{TxInput: r.tx(), Required: r.in.Confirmations, DeployedCodeLength: r.codeLen}).Get(ctx, &c); err != nil {
			return deployapi.ConfirmResult{}, err
		}
		if c.Confirmed || c.Dropped {
			return c, nil
		}
	}
}

// confirmedAt records the end (CONFIRMED) with the receipt's numbers (none
// for a contract found already deployed), the implementation of an
// upgradeable deployment, and opens the verification when verify says.
func (r *runner) confirmedAt(ctx workflow.Context, c deployapi.ConfirmResult, msg string, verify bool) (DeploymentResult, error) {
	conf := c.Confirmations
	s := progressapi.Step{
		Status: status.Confirmed, Message: msg, ContractAddress: &c.ContractAddress,
		Confirmations: &conf, EffectiveGasPrice: c.EffectiveGasPrice, FeePaid: c.FeePaid,
		Verify: verify,
	}
	if c.TxHash != "" {
		s.TxHash, s.BlockNumber, s.GasUsed = &c.TxHash, &c.BlockNumber, &c.GasUsed
	}
	if r.impl != "" && r.in.Role != deprole.Upgrade {
		s.ImplementationAddress = &r.impl
	}
	if err := r.record(ctx, s); err != nil {
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
			NonRetryableErrorTypes: append([]string{deployapi.ErrTypeUnreachable}, deployapi.NonRetryableErrorTypes...),
		},
	}
	if wait {
		o.StartToCloseTimeout = 6 * time.Minute
		o.HeartbeatTimeout = 10 * time.Second
		o.ScheduleToCloseTimeout = window + 6*time.Minute
	}
	return o
}

// lintGateConfidenceChange is the change ID, for workflow.GetVersion, of
// the lint gate's default: HIGH findings of HIGH confidence (version 1;
// issue 16) where runs before counted every HIGH finding. The version is
// asked only where the two gates disagree, so that a run they judge alike
// records no marker and its commands stay those of a run before.
const lintGateConfidenceChange = "lint-gate-confidence"

// lintGate applies the lint gate to the audit's findings: gateError, or for a
// run begun before lintGateConfidenceChange whose default gate counted a
// HIGH finding of lower confidence, the error that run met.
func (r *runner) lintGate(ctx workflow.Context, findings []lint.Finding) error {
	err := gateError(findings, r.in.LintGate, r.in.AllowFindings)
	if err != nil || r.in.AllowFindings {
		return err
	}
	before := r.in.LintGate
	if _, perr := lint.ParseSeverity(before); perr != nil {
		before = string(lint.High) // the default then: every HIGH finding
	}
	if old := gateError(findings, before, false); old != nil &&
		workflow.GetVersion(ctx, lintGateConfidenceChange, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return old
	}
	return nil
}

// gateError is the lint stage's failure when findings fail lint.Gate at the
// request's threshold (HIGH findings of HIGH confidence unless it names a
// severity) and the request did not allow them: the first five named, for
// the deployment's error.
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
		fmt.Sprintf("the audit found %d issue(s) %s: %s; fix them or deploy with allowFindings", len(failing), lint.GateDescription(t), strings.Join(shown, "; ")),
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
		if ae.Type() == compileapi.ErrTypeCompileError {
			var diags []compileapi.Diagnostic
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
