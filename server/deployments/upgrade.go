package deployments

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/deprole"
	"github.com/slipway-dev/slipway/internal/status"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// auditDeploymentUpgrade is the compliance record of an upgrade request.
const auditDeploymentUpgrade = "deployment.upgrade"

// Upgrade is what an upgrade's workflow changes: the proxy, the
// deployment whose build is its current implementation, and the call
// made with the upgrade.
type Upgrade struct {
	ProxyDeploymentID uuid.UUID
	Proxy             string
	Current           uuid.UUID
	CallData          string
}

// UpgradeDeployment records an upgrade of a CONFIRMED proxy deployment
// (with its implementation's row) and starts its workflow, which checks
// the new version with OpenZeppelin's rules before anything is signed.
func (s *service) UpgradeDeployment(ctx context.Context, req *connect.Request[slipwayv1.UpgradeDeploymentRequest]) (*connect.Response[slipwayv1.UpgradeDeploymentResponse], error) {
	d, err := s.upgrade(withAuditMeta(ctx, req.Peer(), req.Header()), req.Msg)
	if err != nil {
		return nil, deploymentError(err)
	}
	return connect.NewResponse(&slipwayv1.UpgradeDeploymentResponse{Deployment: ToProto(d)}), nil
}

func (s *service) upgrade(ctx context.Context, msg *slipwayv1.UpgradeDeploymentRequest) (db.Deployment, error) {
	user, err := caller(ctx)
	if err != nil {
		return db.Deployment{}, err
	}
	id, err := uuid.Parse(msg.GetId())
	if err != nil {
		return db.Deployment{}, fmt.Errorf("%w: %s", errDeploymentNotFound, msg.GetId())
	}
	proxy, err := s.q.GetDeploymentForUser(ctx, db.GetDeploymentForUserParams{ID: id, UserID: user})
	if db.IsNotFound(err) {
		return db.Deployment{}, fmt.Errorf("%w: %s", errDeploymentNotFound, id)
	}
	if err != nil {
		return db.Deployment{}, fmt.Errorf("get deployment: %w", err)
	}
	if d, ok, err := s.byKey(ctx, s.q, user, msg.GetIdempotencyKey()); err != nil || ok {
		return d, err
	}
	switch {
	case proxy.Role == deprole.Fanout:
		return db.Deployment{}, fmt.Errorf("%w: a multi-network deployment is upgraded one network at a time: upgrade each of its networks' deployments", errNotUpgradeable)
	case proxy.ProxyKind == "" || proxy.Role != deprole.Deploy:
		return db.Deployment{}, fmt.Errorf("%w: deployment %s is not an upgradeable proxy", errNotUpgradeable, id)
	case proxy.Status != status.Confirmed:
		return db.Deployment{}, fmt.Errorf("%w: deployment %s is %s; only a CONFIRMED proxy can be upgraded", errNotUpgradeable, id, proxy.Status)
	}
	net, err := s.network(proxy.Network)
	if err != nil {
		return db.Deployment{}, err
	}
	var tier string
	if s.tenancy != nil {
		if tier, err = s.tenancy.Admit(ctx, user, net.Name); err != nil {
			return db.Deployment{}, err
		}
	}
	// The deploy request the new version would be on its own: the one
	// validation and the workflow's input both read.
	create := &slipwayv1.CreateDeploymentRequest{
		Network: proxy.Network, Template: msg.GetTemplate(), Source: msg.GetSource(), Sources: msg.GetSources(),
		ContractName: msg.GetContractName(), CompilerVersion: msg.GetCompilerVersion(), Optimizer: msg.GetOptimizer(),
		AllowFindings: msg.GetAllowFindings(), IdempotencyKey: msg.GetIdempotencyKey(),
	}
	plan, err := planUpgrade(create, proxy.ProxyKind)
	if err != nil {
		return db.Deployment{}, err
	}
	if err := s.checkSource(ctx, create); err != nil {
		return db.Deployment{}, err
	}
	current, err := s.currentImplementation(ctx, proxy)
	if err != nil {
		return db.Deployment{}, err
	}
	request, err := protojson.Marshal(create)
	if err != nil {
		return db.Deployment{}, fmt.Errorf("encode upgrade request: %w", err)
	}
	root := newTree(user, create, plan, []Network{net}, request)
	root.params.Role, root.params.UpgradeOf, root.params.ProxyKind = deprole.Upgrade, &proxy.ID, proxy.ProxyKind
	root.params.ContractAddress = proxy.ContractAddress
	var out db.Deployment
	err = db.InTx(ctx, s.pool, func(q *db.Queries) error {
		if s.tenancy != nil {
			if err := s.tenancy.CheckInFlight(ctx, q, user, tier); err != nil {
				return err
			}
		}
		upgrade := &Upgrade{ProxyDeploymentID: proxy.ID, Proxy: proxy.ContractAddress, Current: current, CallData: strings.ToLower(msg.GetCallData())}
		out, err = s.insertAndStart(ctx, q, root, "upgrade of "+proxy.ID.String()+" created", auditDeploymentUpgrade, upgrade, create)
		if db.IsUniqueViolation(err, "deployments_one_running_upgrade_idx") {
			return fmt.Errorf("%w: another upgrade of deployment %s is running", errNotUpgradeable, proxy.ID)
		}
		return err
	})
	if err != nil {
		return db.Deployment{}, err
	}
	return out, nil
}

// planUpgrade plans the new version as a deployment of its own: a
// template must be of the proxy's kind, so that it stays upgradeable the
// same way, and takes no constructor arguments (the request has none).
func planUpgrade(create *slipwayv1.CreateDeploymentRequest, kind string) (deploymentPlan, error) {
	plan, err := planContract(create, false)
	if err != nil {
		return deploymentPlan{}, err
	}
	if plan.gen != nil && plan.upgradeable != kind {
		return deploymentPlan{}, invalidf("template.options.upgradeable is %q but the proxy is %q: the new version must be upgradeable the same way", plan.upgradeable, kind)
	}
	plan.upgradeable = kind
	return plan, nil
}

// currentImplementation is the deployment whose build is the proxy's
// current implementation: its last CONFIRMED upgrade, or its own.
func (s *service) currentImplementation(ctx context.Context, proxy db.Deployment) (uuid.UUID, error) {
	ups, err := s.q.ListUpgrades(ctx, &proxy.ID)
	if err != nil {
		return uuid.Nil, fmt.Errorf("list upgrades of %s: %w", proxy.ID, err)
	}
	current := proxy.ID
	for _, u := range ups {
		if u.Status == status.Confirmed {
			current = u.ID
		}
	}
	return current, nil
}

// implementations lists a proxy's implementations, the first one first:
// its own deployment's, then each CONFIRMED upgrade's.
func (s *service) implementations(ctx context.Context, proxy db.Deployment) ([]*slipwayv1.Implementation, error) {
	var out []*slipwayv1.Implementation
	add := func(owner db.Deployment, upgradeTx string) error {
		parts, err := s.q.ListChildDeployments(ctx, &owner.ID)
		if err != nil {
			return fmt.Errorf("list parts of %s: %w", owner.ID, err)
		}
		for _, p := range parts {
			if p.Role == deprole.Implementation && p.Status == status.Confirmed {
				tx := upgradeTx
				if tx == "" {
					tx = owner.TxHash
				}
				out = append(out, &slipwayv1.Implementation{Address: p.ContractAddress, DeploymentId: p.ID.String(), TxHash: p.TxHash,
					UpgradeTxHash: tx, At: timestamppb.New(p.UpdatedAt)})
			}
		}
		return nil
	}
	if err := add(proxy, ""); err != nil {
		return nil, err
	}
	ups, err := s.q.ListUpgrades(ctx, &proxy.ID)
	if err != nil {
		return nil, fmt.Errorf("list upgrades of %s: %w", proxy.ID, err)
	}
	for _, u := range ups {
		if u.Status == status.Confirmed {
			if err := add(u, u.TxHash); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

// withParts adds what a single-deployment answer carries of d's parts:
// a multi-network deployment's networks, a proxy's implementations, an
// upgrade's safety report.
func (s *service) withParts(ctx context.Context, d db.Deployment, out *slipwayv1.Deployment) error {
	switch {
	case d.Role == deprole.Fanout:
		children, err := s.q.ListChildDeployments(ctx, &d.ID)
		if err != nil {
			return fmt.Errorf("list the networks of %s: %w", d.ID, err)
		}
		inNetworkOrder(d, children)
		for _, c := range children {
			out.Children = append(out.Children, ToProto(c))
		}
	case d.ProxyKind != "" && d.Role == deprole.Deploy:
		impls, err := s.implementations(ctx, d)
		if err != nil {
			return err
		}
		out.Implementations = impls
	}
	if len(d.UpgradeSafety) > 0 {
		var r struct {
			Safe   bool     `json:"safe"`
			Errors []string `json:"errors"`
			Report string   `json:"report"`
		}
		if json.Unmarshal(d.UpgradeSafety, &r) == nil {
			out.UpgradeSafety = &slipwayv1.UpgradeSafety{Safe: r.Safe, Errors: r.Errors, Report: r.Report}
		}
	}
	return nil
}
