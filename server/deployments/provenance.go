package deployments

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/deprole"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// buildArg is one constructor argument as deployment_builds stores it:
// the shape of the approval summary's arguments.
type buildArg struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// GetProvenance answers a deployment's chain of custody: its build record
// (recorded once when it compiled), every transaction signed for it and
// its parts on every network, the approvals and the verifications, with a
// digest over the whole.
func (s *service) GetProvenance(ctx context.Context, req *connect.Request[slipwayv1.GetProvenanceRequest]) (*connect.Response[slipwayv1.GetProvenanceResponse], error) {
	d, err := s.get(ctx, req.Msg.GetId())
	if err != nil {
		return nil, deploymentError(err)
	}
	p, err := s.provenance(ctx, d, time.Now())
	if err != nil {
		return nil, deploymentError(err)
	}
	return connect.NewResponse(&slipwayv1.GetProvenanceResponse{Provenance: p}), nil
}

func (s *service) provenance(ctx context.Context, d db.Deployment, now time.Time) (*slipwayv1.Provenance, error) {
	b, err := s.build(ctx, d)
	if err != nil {
		return nil, err
	}
	p := &slipwayv1.Provenance{
		DeploymentId: d.ID.String(), ContractName: d.ContractName, Salt: d.Salt, ProxyKind: d.ProxyKind,
		RequestedBy: d.UserID.String(), CreatedAt: timestamppb.New(d.CreatedAt), GeneratedAt: timestamppb.New(now),
		LintSummary: ToProto(d).GetLintSummary(), CompilerVersion: d.CompilerVersion,
	}
	if b != nil {
		p.ContractName, p.CompilerVersion = b.ContractName, b.CompilerVersion
		p.Optimizer, p.OptimizerRuns = b.Optimizer, uint32(max(b.OptimizerRuns, 0))
		p.SourceHash, p.StandardJsonInputHash, p.LintReportHash = b.SourceHash, b.StandardJSONInputHash, b.LintReportHash
		p.BytecodeHash, p.DeployedBytecodeHash, p.InitCodeHash = b.BytecodeHash, b.DeployedBytecodeHash, b.InitCodeHash
		var args []buildArg
		if err := json.Unmarshal(b.ConstructorArgs, &args); err != nil {
			return nil, fmt.Errorf("read the build's constructor arguments: %w", err)
		}
		for _, a := range args {
			v := &structpb.Value{}
			if protojson.Unmarshal(a.Value, v) != nil {
				v = structpb.NewStringValue(string(a.Value))
			}
			p.ConstructorArgs = append(p.ConstructorArgs, &slipwayv1.ConstructorArgument{Name: a.Name, Type: a.Type, Value: v})
		}
	}
	rows := []db.Deployment{d}
	if d.Role == deprole.Fanout {
		if rows, err = s.q.ListChildDeployments(ctx, &d.ID); err != nil {
			return nil, fmt.Errorf("list the networks of %s: %w", d.ID, err)
		}
		inNetworkOrder(d, rows)
	}
	if err := s.appendVotes(ctx, p, d.ID); err != nil {
		return nil, err
	}
	for _, r := range rows {
		n, err := s.provenanceNetwork(ctx, r)
		if err != nil {
			return nil, err
		}
		p.Networks = append(p.Networks, n)
		if r.ID != d.ID {
			if err := s.appendVotes(ctx, p, r.ID); err != nil {
				return nil, err
			}
		}
	}
	p.Digest, err = provenanceDigest(p)
	return p, err
}

// build answers the build record that covers d: its own, or its parent's
// for the parts of a multi-network or upgradeable deployment, which
// compile once; nil before it compiled.
func (s *service) build(ctx context.Context, d db.Deployment) (*db.DeploymentBuild, error) {
	for _, id := range []*uuid.UUID{&d.ID, d.ParentID} {
		if id == nil {
			continue
		}
		b, err := s.q.GetDeploymentBuild(ctx, *id)
		if err == nil {
			return &b, nil
		}
		if !db.IsNotFound(err) {
			return nil, fmt.Errorf("get the build of %s: %w", id, err)
		}
	}
	return nil, nil
}

func (s *service) appendVotes(ctx context.Context, p *slipwayv1.Provenance, id uuid.UUID) error {
	votes, err := s.q.ListApprovalVotes(ctx, id)
	if err != nil {
		return fmt.Errorf("list votes of %s: %w", id, err)
	}
	for _, v := range votes {
		p.Approvals = append(p.Approvals, &slipwayv1.ApprovalVote{VoterEmail: v.VoterEmail, Approve: v.Approve, Comment: v.Comment, At: timestamppb.New(v.CreatedAt)})
	}
	return nil
}

// provenanceNetwork is what happened on r's network: every transaction
// signed for r and for its implementation, and r's verification.
func (s *service) provenanceNetwork(ctx context.Context, r db.Deployment) (*slipwayv1.ProvenanceNetwork, error) {
	n := &slipwayv1.ProvenanceNetwork{
		Network: r.Network, DeploymentId: r.ID.String(), Status: statusToProto(r.Status),
		ContractAddress: r.ContractAddress, ImplementationAddress: r.ImplementationAddress,
	}
	if net, err := s.network(r.Network); err == nil {
		n.ChainId = net.ChainID
	}
	parts, err := s.q.ListChildDeployments(ctx, &r.ID)
	if err != nil {
		return nil, fmt.Errorf("list the parts of %s: %w", r.ID, err)
	}
	byID := map[uuid.UUID]db.Deployment{r.ID: r}
	ids := []uuid.UUID{r.ID}
	for _, c := range parts {
		byID[c.ID] = c
		ids = append(ids, c.ID)
	}
	txs, err := s.q.ListDeployTxsForDeployments(ctx, ids)
	if err != nil {
		return nil, fmt.Errorf("list the transactions of %s: %w", r.ID, err)
	}
	for _, t := range txs {
		owner := byID[t.DeploymentID]
		pt := &slipwayv1.ProvenanceTransaction{
			Role: txRole(owner, t), TxHash: t.TxHash, Signer: t.Signer,
			Nonce: uint64(max(t.Nonce, 0)), Attempt: uint32(max(t.Attempt, 0)),
		}
		if strings.EqualFold(owner.TxHash, t.TxHash) && owner.BlockNumber > 0 {
			pt.Mined, pt.BlockNumber = true, uint64(owner.BlockNumber)
		}
		n.Transactions = append(n.Transactions, pt)
	}
	if n.Verification, err = s.verification(ctx, r.ID); err != nil {
		return nil, err
	}
	return n, nil
}

// txRole names what a transaction did: created the contract ("deploy"),
// the proxy, an implementation, called the upgrade, or filled a nonce gap.
func txRole(owner db.Deployment, t db.DeployTx) string {
	switch {
	case t.Kind == "filler":
		return "filler"
	case owner.Role == deprole.Implementation:
		return "implementation"
	case owner.Role == deprole.Upgrade:
		return "upgrade"
	case owner.ProxyKind != "":
		return "proxy"
	}
	return "deploy"
}

// provenanceDigest is sha256 over p's deterministic protobuf encoding
// without its digest, 0x-prefixed: what Provenance.digest documents.
func provenanceDigest(p *slipwayv1.Provenance) (string, error) {
	c := proto.Clone(p).(*slipwayv1.Provenance)
	c.Digest = ""
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(c)
	if err != nil {
		return "", fmt.Errorf("encode provenance: %w", err)
	}
	sum := sha256.Sum256(b)
	return "0x" + hex.EncodeToString(sum[:]), nil
}
