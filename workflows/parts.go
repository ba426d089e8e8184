package workflows

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/slipway-dev/slipway/activities/builds/buildsapi"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/internal/deprole"
	"github.com/slipway-dev/slipway/internal/proxies"
	"github.com/slipway-dev/slipway/internal/status"
)

// Failure types of issue 15's stages.
const (
	// ErrTypeUnsafeUpgrade is an upgrade that OpenZeppelin's rules refuse;
	// the deployment's upgradeSafety holds the report.
	ErrTypeUnsafeUpgrade = "UnsafeUpgrade"
	// ErrTypePartFailed is an upgradeable deployment whose implementation
	// did not deploy.
	ErrTypePartFailed = "PartFailed"
	// ErrTypeAllNetworksFailed is a multi-network deployment none of whose
	// networks deployed.
	ErrTypeAllNetworksFailed = "AllNetworksFailed"
)

// partPoll is how often a part that an earlier run of the parent started
// is looked at until it ends.
const partPoll = 5 * time.Second

// fanout runs a multi-network deployment's parts, one child workflow per
// network with the build made once, and ends with their aggregate:
// CONFIRMED when every network confirmed, PARTIALLY_CONFIRMED when some
// did, CANCELLED when all were cancelled, FAILED otherwise. A part's failure
// never undoes another's. Parts that have already ended (a parent run
// resumed after its history was reset) are not started again.
func (r *runner) fanout(ctx workflow.Context, b Built) (DeploymentResult, error) {
	parts := r.in.Parts
	names := make([]string, len(parts))
	for i, p := range parts {
		names[i] = p.Network
	}
	if err := r.record(ctx, progressapi.Step{Status: status.Deploying, Message: fmt.Sprintf("compiled once; deploying to %d networks: %s", len(parts), strings.Join(names, ", "))}); err != nil {
		return DeploymentResult{}, err
	}
	waits := make([]func() progressapi.PartStatus, len(parts))
	for i, p := range parts {
		p.Built = &b
		waits[i] = r.startPart(ctx, p)
	}
	results := make([]progressapi.PartStatus, len(parts))
	for i := range waits {
		results[i] = waits[i]()
	}
	if err := ctx.Err(); err != nil {
		return DeploymentResult{}, err
	}
	return r.aggregate(ctx, names, results)
}

// aggregate records and answers a multi-network deployment's end from its
// parts' statuses.
func (r *runner) aggregate(ctx workflow.Context, names []string, results []progressapi.PartStatus) (DeploymentResult, error) {
	var confirmed, cancelled int
	var failed []string
	addresses := map[string]bool{}
	for i, res := range results {
		switch res.Status {
		case status.Confirmed:
			confirmed++
			addresses[res.ContractAddress] = true
		case status.Cancelled:
			cancelled++
			failed = append(failed, names[i]+": cancelled")
		default:
			failed = append(failed, fmt.Sprintf("%s: %s", names[i], cmp.Or(res.Error, strings.ToLower(res.Status))))
		}
	}
	out := DeploymentResult{}
	if len(addresses) == 1 {
		for a := range addresses {
			out.ContractAddress = a
		}
	}
	switch {
	case confirmed == len(results):
		out.Status = status.Confirmed
	case confirmed > 0:
		out.Status = status.PartiallyConfirmed
	case cancelled == len(results):
		return DeploymentResult{}, temporal.NewCanceledError("every network's deployment was cancelled")
	default:
		return DeploymentResult{}, temporal.NewNonRetryableApplicationError("no network deployed: "+strings.Join(failed, "; "), ErrTypeAllNetworksFailed, nil)
	}
	msg := fmt.Sprintf("confirmed on all %d networks", confirmed)
	s := progressapi.Step{Status: out.Status}
	if out.ContractAddress != "" {
		s.ContractAddress = &out.ContractAddress
	}
	if out.Status == status.PartiallyConfirmed {
		msg = fmt.Sprintf("confirmed on %d of %d networks; %s", confirmed, len(results), strings.Join(failed, "; "))
		reason := strings.Join(failed, "; ")
		s.Error = &reason
	}
	s.Message = msg
	if err := r.record(ctx, s); err != nil {
		return DeploymentResult{}, err
	}
	return out, nil
}

// implementation runs an upgradeable deployment's (or an upgrade's)
// implementation as its part and answers its address once CONFIRMED.
func (r *runner) implementation(ctx workflow.Context, b Built) (string, error) {
	if len(r.in.Parts) == 0 {
		return "", temporal.NewNonRetryableApplicationError("an upgradeable deployment needs its implementation's part", ErrTypePartFailed, nil)
	}
	part := r.in.Parts[0]
	part.Built = &Built{Request: b.Request, Contract: b.Contract, CompilerVersion: b.CompilerVersion, Lint: b.Lint}
	if err := r.record(ctx, progressapi.Step{Status: status.Deploying, Message: "deploying the implementation first (deployment " + part.DeploymentID + ")"}); err != nil {
		return "", err
	}
	res := r.startPart(ctx, part)()
	if err := ctx.Err(); err != nil {
		return "", err
	}
	if res.Status != status.Confirmed {
		return "", temporal.NewNonRetryableApplicationError(fmt.Sprintf("the implementation did not deploy (%s): %s", strings.ToLower(res.Status), res.Error), ErrTypePartFailed, nil)
	}
	return res.ContractAddress, nil
}

// startPart starts part's workflow as a child unless the part has already
// ended, and answers a function that waits for its end and answers it.
// Children are abandoned rather than terminated when the parent closes: a
// part that has signed runs to its end whatever happens to its parent.
func (r *runner) startPart(ctx workflow.Context, part DeploymentInput) func() progressapi.PartStatus {
	read := func() progressapi.PartStatus {
		var st progressapi.PartStatus
		err := r.step(ctx, 15*time.Second, time.Hour, &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: 30 * time.Second,
			NonRetryableErrorTypes: []string{progressapi.ErrTypeEnded}}, progressapi.ActivityPartStatus, part.DeploymentID).Get(ctx, &st)
		if err != nil {
			return progressapi.PartStatus{Status: status.Failed, Error: failureReason(err)}
		}
		return st
	}
	if st := read(); status.IsTerminal(st.Status) {
		return func() progressapi.PartStatus { return st }
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:            part.WorkflowID,
		ParentClosePolicy:     enumspb.PARENT_CLOSE_POLICY_ABANDON,
		WaitForCancellation:   true,
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	})
	f := workflow.ExecuteChildWorkflow(cctx, DeploymentWorkflowName, part)
	return func() progressapi.PartStatus {
		var res DeploymentResult
		err := f.Get(ctx, &res)
		var started *temporal.ChildWorkflowExecutionAlreadyStartedError
		if errors.As(err, &started) {
			// An earlier run of this parent started it: follow its row.
			for {
				if st := read(); status.IsTerminal(st.Status) || ctx.Err() != nil {
					return st
				}
				if workflow.Sleep(ctx, partPoll) != nil {
					return read()
				}
			}
		}
		return read()
	}
}

// compileProxy compiles kind's proxy into b (COMPILING still).
func (r *runner) compileProxy(ctx workflow.Context, kind string, b *Built) error {
	pc, err := proxies.For(kind)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), compileapi.ErrTypeCompileError, nil)
	}
	req := compileapi.Request{
		Sources: map[string]string{pc.File: pc.Source}, ContractName: pc.Name, CompilerVersion: proxies.CompilerVersion,
		Optimizer: compileapi.Optimizer{Enabled: true, Runs: proxies.OptimizerRuns}, OmitAST: true,
	}
	var comp compileapi.Result
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, solcActivityOptions()), compileapi.ActivityCompile, req).Get(ctx, &comp); err != nil {
		return err
	}
	for i := range comp.Contracts {
		if comp.Contracts[i].Name == pc.Name {
			b.Proxy, b.ProxyRequest = &comp.Contracts[i], &req
			return nil
		}
	}
	return temporal.NewNonRetryableApplicationError("the proxy "+pc.Name+" is not in its compiled source", compileapi.ErrTypeCompileError, nil)
}

// proxyTx is the transaction that follows the implementation: the proxy's
// creation (its constructor calls the initializer), or an upgrade's call.
func (r *runner) proxyTx(b Built, impl string) (deployapi.PrepareInput, error) {
	in := r.in
	p := deployapi.PrepareInput{DeploymentID: in.DeploymentID, Network: in.Network}
	if in.Role == deprole.Upgrade {
		if in.Upgrade == nil {
			return p, temporal.NewNonRetryableApplicationError("an upgrade needs its proxy", deployapi.ErrTypeInvalidArgs, nil)
		}
		to, data, err := proxies.UpgradeCall(in.ProxyKind, common.HexToAddress(in.Upgrade.Proxy), common.HexToAddress(impl), common.FromHex(in.Upgrade.CallData))
		if err != nil {
			return p, temporal.NewNonRetryableApplicationError(err.Error(), deployapi.ErrTypeInvalidArgs, nil)
		}
		p.To, p.Data = to.Hex(), hexutil.Encode(data)
		return p, nil
	}
	if b.Proxy == nil {
		return p, temporal.NewNonRetryableApplicationError("the proxy was not compiled", compileapi.ErrTypeCompileError, nil)
	}
	args, err := proxies.Args(in.ProxyKind, b.Contract.ABI, b.Initializer, in.ConstructorArgs, b.AdminArg, common.HexToAddress(impl))
	if err != nil {
		return p, temporal.NewNonRetryableApplicationError(err.Error(), deployapi.ErrTypeInvalidArgs, nil)
	}
	p.ABI, p.Bytecode, p.DeployedBytecode, p.ConstructorArgs, p.Salt = b.Proxy.ABI, b.Proxy.Bytecode, b.Proxy.DeployedBytecode, args, in.Salt
	return p, nil
}

// checkUpgrade runs OpenZeppelin's upgrade-safety check of an upgrade's new
// implementation against the current one, records the report on the
// deployment (COMPILING), and refuses an unsafe upgrade before anything is
// approved or signed.
func (r *runner) checkUpgrade(ctx workflow.Context, b Built) error {
	if r.in.Upgrade == nil {
		return temporal.NewNonRetryableApplicationError("an upgrade needs its proxy", ErrTypeUnsafeUpgrade, nil)
	}
	var res buildsapi.CheckResult
	// The compiler that built it, not one the pragmas would pick now.
	newReq := b.Request
	newReq.CompilerVersion = b.CompilerVersion
	opts := solcActivityOptions()
	opts.RetryPolicy.NonRetryableErrorTypes = append([]string{buildsapi.ErrTypeBuild}, opts.RetryPolicy.NonRetryableErrorTypes...)
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), buildsapi.ActivityCheckUpgrade, buildsapi.CheckInput{
		Current: r.in.Upgrade.Current, Kind: r.in.ProxyKind, New: newReq, Contract: b.Contract,
	}).Get(ctx, &res); err != nil {
		return err
	}
	report, err := json.Marshal(res)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode the upgrade safety report: "+err.Error(), ErrTypeUnsafeUpgrade, nil)
	}
	msg := "upgrade safety: OpenZeppelin's checks pass"
	if !res.Safe {
		msg = fmt.Sprintf("upgrade safety: %d problem(s) found", len(res.Errors))
	}
	if err := r.record(ctx, progressapi.Step{Status: status.Compiling, Message: msg, UpgradeSafety: report}); err != nil {
		return err
	}
	if res.Safe {
		return nil
	}
	shown := res.Errors[:min(len(res.Errors), 5)]
	return temporal.NewNonRetryableApplicationError("unsafe upgrade refused: "+strings.Join(shown, "; "), ErrTypeUnsafeUpgrade, nil)
}
