package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/deprole"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/workflows"
)

// deploymentWorkflowTimeout bounds a deployment's workflow as a whole: long
// enough for fee spikes and deep confirmations on slow chains, short enough
// that a forgotten run does not poll a chain for ever.
const deploymentWorkflowTimeout = 7 * 24 * time.Hour

// workflowDeployments is the API's deployments.Workflows: it starts
// DeploymentWorkflow on the workers' task queue with the deployment's id as
// workflow id, so that Temporal itself refuses a second run of one
// deployment.
type workflowDeployments struct {
	tc        client.Client
	namespace string
	taskQueue string
	networks  chain.Config

	saOnce sync.Once
	saOK   bool
}

func newWorkflowDeployments(tc client.Client, namespace, taskQueue string, networks chain.Config) *workflowDeployments {
	return &workflowDeployments{tc: tc, namespace: namespace, taskQueue: taskQueue, networks: networks}
}

// searchAttributesRegistered says whether the namespace knows Slipway's
// search attributes (the dev stack registers them; other clusters may not):
// starting a workflow with unknown ones fails.
func (w *workflowDeployments) searchAttributesRegistered(ctx context.Context) bool {
	w.saOnce.Do(func() {
		ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		defer cancel()
		res, err := w.tc.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: w.namespace})
		if err != nil {
			return
		}
		_, ok := res.GetCustomAttributes()[workflows.SearchAttrStatus.GetName()]
		w.saOK = ok
	})
	return w.saOK
}

// Start starts the deployment's workflow. A run that already exists for
// the id is success: the caller retried.
func (w *workflowDeployments) Start(ctx context.Context, t deployments.Tree, req *slipwayv1.CreateDeploymentRequest) error {
	d := t.Row
	in, err := deploymentTree(t, req, w.networks)
	if err != nil {
		return err
	}
	opts := client.StartWorkflowOptions{
		ID:                       d.WorkflowID,
		TaskQueue:                w.taskQueue,
		WorkflowExecutionTimeout: deploymentWorkflowTimeout,
		WorkflowIDReusePolicy:    enums.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		Memo: map[string]any{
			"user": d.UserID.String(), "network": d.Network, "contract": in.ContractName, "deployment": d.ID.String(),
		},
	}
	if w.searchAttributesRegistered(ctx) {
		in.UpsertStatus = true
		opts.TypedSearchAttributes = temporal.NewSearchAttributes(
			workflows.SearchAttrUser.ValueSet(d.UserID.String()),
			workflows.SearchAttrNetwork.ValueSet(d.Network),
			workflows.SearchAttrContract.ValueSet(in.ContractName),
			workflows.SearchAttrStatus.ValueSet(status.Pending),
		)
	}
	_, err = w.tc.ExecuteWorkflow(ctx, opts, workflows.DeploymentWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("start deployment workflow %s: %w", d.WorkflowID, err)
	}
	return nil
}

// Cancel asks the workflow to stop; it stops only before signing.
func (w *workflowDeployments) Cancel(ctx context.Context, workflowID string) error {
	err := w.tc.CancelWorkflow(ctx, workflowID, "")
	var nf *serviceerror.NotFound
	if err == nil || errors.As(err, &nf) {
		return nil
	}
	return fmt.Errorf("cancel workflow %s: %w", workflowID, err)
}

// Vote sends an approver's vote to the deployment's workflow as its vote
// update and waits until the workflow has recorded it. The update's
// validator refuses votes that do not apply without touching the history;
// those refusals come back as the API's sentinels.
func (w *workflowDeployments) Vote(ctx context.Context, workflowID string, v deployments.Vote) error {
	h, err := w.tc.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflowID, UpdateName: workflows.UpdateVote, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.Vote{VoterID: v.VoterID.String(), VoterEmail: v.VoterEmail, Role: v.Role, Approve: v.Approve, Comment: v.Comment}},
	})
	if err == nil {
		err = h.Get(ctx, nil)
	}
	return voteError(err)
}

// voteError maps the workflow's refusals of a vote to the API's sentinels;
// a workflow that has ended takes no more votes.
func voteError(err error) error {
	var ae *temporal.ApplicationError
	var nf *serviceerror.NotFound
	switch {
	case err == nil:
		return nil
	case errors.As(err, &ae):
		switch ae.Type() {
		case workflows.ErrTypeNotApprover, workflows.ErrTypeSelfApproval:
			return fmt.Errorf("%w: %s", deployments.ErrVoteForbidden, ae.Message())
		case workflows.ErrTypeAlreadyVoted:
			return fmt.Errorf("%w: %s", deployments.ErrVoteRepeated, ae.Message())
		case workflows.ErrTypeDecided, workflows.ErrTypeNotAwaiting:
			return fmt.Errorf("%w: %s", deployments.ErrVoteDecided, ae.Message())
		}
	case errors.As(err, &nf), strings.Contains(err.Error(), "workflow execution already completed"):
		return fmt.Errorf("%w: the deployment has ended", deployments.ErrVoteDecided)
	}
	return fmt.Errorf("send vote: %w", err)
}

// deploymentTree is the workflow's input for a deployment's rows: the
// root's, with each part's (a network's, an implementation's) as its Parts.
func deploymentTree(t deployments.Tree, req *slipwayv1.CreateDeploymentRequest, networks chain.Config) (workflows.DeploymentInput, error) {
	in, err := deploymentInput(t.Row, req, networks)
	if err != nil {
		return workflows.DeploymentInput{}, err
	}
	for _, p := range t.Parts {
		part, err := deploymentTree(p, req, networks)
		if err != nil {
			return workflows.DeploymentInput{}, err
		}
		// A part deploys what its parent built: the parent waits for the
		// approvals of a single network, a multi-network deployment's
		// parts for their own network's.
		if t.Row.Role != deprole.Fanout {
			part.Approval = nil
		}
		in.Parts = append(in.Parts, part)
	}
	if u := t.Upgrade; u != nil {
		in.Upgrade = &workflows.UpgradeTarget{ProxyDeploymentID: u.ProxyDeploymentID.String(), Proxy: u.Proxy, Current: u.Current.String(), CallData: u.CallData}
		// An upgrade's own transaction is a call: no constructor.
		in.ConstructorArgs = nil
	}
	return in, nil
}

// deploymentInput is the workflow's input for a deployment row and its
// request: only what the user asked for and the network's timing.
func deploymentInput(d db.Deployment, req *slipwayv1.CreateDeploymentRequest, networks chain.Config) (workflows.DeploymentInput, error) {
	var n chain.Network
	if d.Role != deprole.Fanout {
		var ok bool
		if n, ok = networks.Lookup(d.Network); !ok {
			return workflows.DeploymentInput{}, fmt.Errorf("network %q is not configured", d.Network)
		}
	}
	gas := n.Gas.WithDefaults()
	blockTime := time.Duration(n.BlockTimeSeconds * float64(time.Second))
	if blockTime <= 0 {
		blockTime = time.Second
	}
	conf := uint32(max(d.RequiredConfirmations, 0))
	if conf == 0 {
		conf = n.Confirmations
	}
	in := workflows.DeploymentInput{
		DeploymentID: d.ID.String(), UserID: d.UserID.String(), Network: d.Network,
		Source: req.GetSource(), Sources: req.GetSources(), ContractName: req.GetContractName(),
		Confirmations: conf, AllowFindings: req.GetAllowFindings(), CompilerVersion: req.GetCompilerVersion(),
		Optimizer:    compileapi.Optimizer{Enabled: req.GetOptimizer().GetEnabled(), Runs: int(req.GetOptimizer().GetRuns())},
		FeeWait:      time.Duration(gas.BumpIntervalBlocks) * blockTime,
		OutageWindow: time.Duration(gas.OutageWindowSeconds) * time.Second,
	}
	if a := n.Approval; a != nil {
		in.Approval = &workflows.ApprovalPolicy{Required: a.Required, Timeout: a.WaitFor()}
	}
	in.Role, in.WorkflowID, in.Salt, in.ProxyKind = d.Role, d.WorkflowID, d.Salt, d.ProxyKind
	for _, name := range n.Verify.Names() {
		window, _ := n.Verify.RetryWindow(name)
		in.Publish = append(in.Publish, workflows.PublishService{Name: name, Window: window})
	}
	if t := req.GetTemplate(); t != nil {
		b, err := protojson.Marshal(t)
		if err != nil {
			return workflows.DeploymentInput{}, fmt.Errorf("encode template: %w", err)
		}
		in.Template = b
		if in.ContractName == "" {
			// The identifier planDeployment derived from the display name.
			in.ContractName = d.ContractName
		}
	}
	for i, v := range req.GetConstructorArgs() {
		b, err := protojson.Marshal(v)
		if err != nil {
			return workflows.DeploymentInput{}, fmt.Errorf("encode constructor argument %d: %w", i, err)
		}
		in.ConstructorArgs = append(in.ConstructorArgs, json.RawMessage(b))
	}
	return in, nil
}
