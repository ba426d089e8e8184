package deployments

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/create2"
	"github.com/slipway-dev/slipway/internal/deprole"
	"github.com/slipway-dev/slipway/internal/proxies"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// Tree is a deployment's row and the rows that are part of it: a
// multi-network deployment's one per network, an upgradeable deployment's
// implementation. All are inserted with the request, so every id, and with
// a salt every address, is known in the immediate answer; the root's
// workflow runs the parts as child workflows.
type Tree struct {
	Row   db.Deployment
	Parts []Tree
	// Upgrade is set on an upgrade's root.
	Upgrade *Upgrade
}

// rowPlan is a row to insert and the rows that are part of it.
type rowPlan struct {
	params db.CreateDeploymentParams
	parts  []rowPlan
}

// newTree plans the rows of a request: one row for one network (with its
// implementation's when upgradeable), or a "fanout" row whose parts are
// such a row per network.
func newTree(user uuid.UUID, msg *slipwayv1.CreateDeploymentRequest, plan deploymentPlan, nets []Network, request []byte) rowPlan {
	row := func(n Network, role string) db.CreateDeploymentParams {
		id := uuid.New()
		conf := n.Confirmations
		if msg.GetConfirmations() != 0 {
			conf = msg.GetConfirmations()
		}
		return db.CreateDeploymentParams{
			ID: id, UserID: user, Network: n.Name, Role: role, ContractName: plan.contractName,
			RequiredConfirmations: int32(min(conf, 1<<31-1)), // bounded by validation (≤ 1000) and min.
			CompilerVersion:       plan.compilerVersion, WorkflowID: "deployment-" + id.String(),
			Request: request, Salt: plan.salt, ProxyKind: plan.upgradeable, ContractAddress: plan.address,
		}
	}
	network := func(n Network) rowPlan {
		r := rowPlan{params: row(n, deprole.Deploy)}
		if plan.upgradeable != "" {
			impl := row(n, deprole.Implementation)
			impl.ProxyKind, impl.ContractAddress = "", plan.implementation
			r.parts = []rowPlan{{params: impl}}
		}
		return r
	}
	var root rowPlan
	if len(nets) == 1 {
		root = network(nets[0])
	} else {
		root = rowPlan{params: row(Network{}, deprole.Fanout)}
		root.params.RequiredConfirmations = int32(min(msg.GetConfirmations(), 1<<31-1))
		for _, n := range nets {
			root.params.Networks = append(root.params.Networks, n.Name)
			root.parts = append(root.parts, network(n))
		}
	}
	root.params.IdempotencyKey = msg.GetIdempotencyKey()
	return root
}

// byKey answers the user's deployment with idempotency key, if the key is
// set and the user has one.
func (s *service) byKey(ctx context.Context, q *db.Queries, user uuid.UUID, key string) (db.Deployment, bool, error) {
	if key == "" {
		return db.Deployment{}, false, nil
	}
	d, err := q.GetDeploymentByIdempotencyKey(ctx, db.GetDeploymentByIdempotencyKeyParams{UserID: user, IdempotencyKey: key})
	switch {
	case err == nil:
		return d, true, nil
	case db.IsNotFound(err):
		return db.Deployment{}, false, nil
	}
	return db.Deployment{}, false, fmt.Errorf("get deployment by idempotency key: %w", err)
}

// insertAndStart inserts root and its parts in q's transaction, with the
// first event and the audit row (action), and starts the root's workflow
// inside it: the rows commit only if the workflow exists, and a retry of a
// failed Start finds no row. A root whose idempotency key the user already
// used answers that deployment instead.
func (s *service) insertAndStart(ctx context.Context, q *db.Queries, root rowPlan, message, action string, upgrade *Upgrade, req *slipwayv1.CreateDeploymentRequest) (db.Deployment, error) {
	d, err := q.CreateDeployment(ctx, root.params)
	if db.IsNotFound(err) {
		// This user already sent this key: ON CONFLICT waited for that
		// insert to commit, so the row is visible now.
		d, _, err = s.byKey(ctx, q, root.params.UserID, root.params.IdempotencyKey)
		return d, err
	}
	if err != nil {
		return db.Deployment{}, fmt.Errorf("insert deployment: %w", err)
	}
	if err := recordChange(ctx, q, &d, message, action); err != nil {
		return db.Deployment{}, err
	}
	tree, err := insertParts(ctx, q, d, root.parts)
	if err != nil {
		return db.Deployment{}, err
	}
	tree.Upgrade = upgrade
	// The workflow's first step may run before this commits; it waits on
	// this lock to tell a row not yet committed from a rolled back one.
	if err := q.HoldDeploymentCreation(ctx, d.ID); err != nil {
		return db.Deployment{}, fmt.Errorf("lock deployment creation: %w", err)
	}
	if err := s.wf.Start(ctx, tree, req); err != nil {
		if ctx.Err() != nil {
			return db.Deployment{}, fmt.Errorf("start workflow %s: %w", d.WorkflowID, ctx.Err())
		}
		s.logger.ErrorContext(ctx, "start deployment workflow", slog.String("workflow_id", d.WorkflowID), slog.Any("err", err))
		return db.Deployment{}, fmt.Errorf("%w %s; try again", errWorkflowStart, d.WorkflowID)
	}
	return d, nil
}

// insertParts inserts the parts of parent (recursively), each with its
// first event, and answers the tree of inserted rows.
func insertParts(ctx context.Context, q *db.Queries, parent db.Deployment, parts []rowPlan) (Tree, error) {
	t := Tree{Row: parent}
	for _, p := range parts {
		p.params.ParentID = &parent.ID
		d, err := q.CreateDeployment(ctx, p.params)
		if err != nil {
			return Tree{}, fmt.Errorf("insert part of deployment %s: %w", parent.ID, err)
		}
		if _, err := db.AppendEvent(ctx, q, d, "deployment created as part of "+parent.ID.String(), nil); err != nil {
			return Tree{}, err
		}
		sub, err := insertParts(ctx, q, d, p.parts)
		if err != nil {
			return Tree{}, err
		}
		t.Parts = append(t.Parts, sub)
	}
	return t, nil
}

// inNetworkOrder sorts a multi-network deployment's children into the
// order of its networks, as Deployment.children promises: they are
// inserted in one transaction, whose start is every one's created_at, so
// ListChildDeployments' order among them is their random ids'.
func inNetworkOrder(parent db.Deployment, children []db.Deployment) {
	at := func(d db.Deployment) int {
		if i := slices.Index(parent.Networks, d.Network); i >= 0 {
			return i
		}
		return len(parent.Networks)
	}
	slices.SortStableFunc(children, func(a, b db.Deployment) int { return cmp.Compare(at(a), at(b)) })
}

// planAddresses computes a salted deployment's addresses before anything is
// recorded, so that the answer carries them: the scoped salt, and the
// CREATE2 addresses of the contract (the proxy, for an upgradeable one)
// and of its implementation, from the compiled init code. It compiles
// with the same settings as the workflow (which finds the result in the
// artifact cache), and the workflow checks that the code it deploys has
// the address promised here.
func (s *service) planAddresses(ctx context.Context, user uuid.UUID, msg *slipwayv1.CreateDeploymentRequest, plan *deploymentPlan) error {
	if msg.GetSalt() == "" {
		return nil
	}
	salt, err := create2.ParseSalt(msg.GetSalt())
	if err != nil {
		return invalidf("salt: %v", err)
	}
	if msg.GetSaltScope() != "raw" {
		salt = create2.ScopedSalt(user, salt)
	}
	plan.salt = "0x" + common.Bytes2Hex(salt[:])
	if s.precompile == nil {
		return fmt.Errorf("%w: no compiler is configured", errNoAddressYet)
	}
	args, err := jsonArgs(msg.GetConstructorArgs())
	if err != nil {
		return err
	}
	req := &slipwayv1.CompileContractRequest{
		Source: msg.GetSource(), Sources: msg.GetSources(), ContractName: plan.contractName,
		CompilerVersion: plan.compilerVersion, Optimizer: msg.GetOptimizer(),
	}
	if plan.gen != nil {
		req.Source, req.Sources = plan.gen.Source, nil
	}
	c, err := s.compiled(ctx, req)
	if err != nil {
		return noAddressYet(err)
	}
	if plan.upgradeable == "" {
		init, err := deploy.EncodeConstructor(c.GetAbi(), c.GetBytecode(), args)
		if err != nil {
			return invalidf("contract %s: %v", c.GetName(), err)
		}
		plan.address = create2.Address(salt, init).Hex()
		return nil
	}
	implInit, err := deploy.EncodeConstructor(c.GetAbi(), c.GetBytecode(), nil)
	if err != nil {
		return invalidf("contract %s: %v", c.GetName(), err)
	}
	impl := create2.Address(salt, implInit)
	pc, err := proxies.For(plan.upgradeable)
	if err != nil {
		return invalidf("%v", err)
	}
	proxy, err := s.compiled(ctx, &slipwayv1.CompileContractRequest{
		Sources: map[string]string{pc.File: pc.Source}, ContractName: pc.Name, CompilerVersion: proxies.CompilerVersion,
		Optimizer: &slipwayv1.OptimizerSettings{Enabled: true, Runs: proxies.OptimizerRuns},
	})
	if err != nil {
		return noAddressYet(err)
	}
	pargs, err := proxies.Args(plan.upgradeable, c.GetAbi(), plan.gen.Initializer, args, plan.gen.AdminArg, impl)
	if err != nil {
		return invalidf("%v", err)
	}
	proxyInit, err := deploy.EncodeConstructor(proxy.GetAbi(), proxy.GetBytecode(), pargs)
	if err != nil {
		return invalidf("proxy: %v", err)
	}
	plan.implementation, plan.address = impl.Hex(), create2.Address(salt, proxyInit).Hex()
	return nil
}

// errCompileUnfinished is a pre-compile that could not finish in time (no
// worker is up, say): not the request's fault. Callers decide what it
// means for them.
var errCompileUnfinished = errors.New("the compile did not finish")

// compiled compiles req within the pre-compile timeout and answers its
// contract req.ContractName. Sources that do not compile are the
// request's fault (invalid_argument at the error boundary); a compile that
// cannot finish now is errCompileUnfinished.
func (s *service) compiled(ctx context.Context, req *slipwayv1.CompileContractRequest) (*slipwayv1.CompiledContract, error) {
	cctx, cancel := context.WithTimeout(ctx, s.precompileTimeout)
	defer cancel()
	res, err := s.precompile.Compile(cctx, req)
	var ce *compile.CompileError
	switch {
	case errors.As(err, &ce), errors.Is(err, compile.ErrNoCompiler), errors.Is(err, compile.ErrOutputTooLarge),
		errors.Is(err, compile.ErrCompiler), errors.Is(err, compile.ErrLimitExceeded):
		return nil, err // the error boundary answers these invalid_argument
	case err != nil:
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, fmt.Errorf("%w: compile %s: %v", errCompileUnfinished, req.GetContractName(), err)
	}
	for _, c := range res.GetContracts() {
		if c.GetName() == req.GetContractName() {
			return c, nil
		}
	}
	return nil, invalidf("contractName %q is not a deployable contract of the sources", req.GetContractName())
}

// noAddressYet words an unfinished compile of a salted deployment: its
// address cannot be answered now, so nothing is recorded and the client
// may retry.
func noAddressYet(err error) error {
	if errors.Is(err, errCompileUnfinished) {
		return fmt.Errorf("%w: %v; try again", errNoAddressYet, err)
	}
	return err
}

// jsonArgs are constructor arguments as the JSON values the deploy stage
// reads.
func jsonArgs(vals []*structpb.Value) ([]json.RawMessage, error) {
	args := make([]json.RawMessage, len(vals))
	for i, v := range vals {
		b, err := protojson.Marshal(v)
		if err != nil {
			return nil, invalidf("constructorArgs[%d]: %v", i, err)
		}
		args[i] = b
	}
	return args, nil
}
