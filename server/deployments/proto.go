package deployments

import (
	"encoding/base64"
	"encoding/binary"
	"strings"
	"time"

	"github.com/google/uuid"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipway-dev/slipway/db"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// statusPrefix joins the stored status names to the proto enum's: the
// tables store "CONFIRMED" for DEPLOYMENT_STATUS_CONFIRMED.
const statusPrefix = "DEPLOYMENT_STATUS_"

// statusToProto maps a stored status; an unknown one (which the tables'
// CHECK constraints rule out) is UNSPECIFIED rather than a panic.
func statusToProto(s string) slipwayv1.DeploymentStatus {
	return slipwayv1.DeploymentStatus(slipwayv1.DeploymentStatus_value[statusPrefix+s])
}

// statusName is the stored name of a proto status, false for UNSPECIFIED and
// values outside the enum.
func statusName(s slipwayv1.DeploymentStatus) (string, bool) {
	name, ok := slipwayv1.DeploymentStatus_name[int32(s)]
	if !ok || s == slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_UNSPECIFIED {
		return "", false
	}
	return strings.TrimPrefix(name, statusPrefix), true
}

// ToProto converts a deployments row for the API: the one mapping
// every RPC, stream and WebSocket message uses, so they cannot drift.
func ToProto(d db.Deployment) *slipwayv1.Deployment {
	out := &slipwayv1.Deployment{
		Id:                    d.ID.String(),
		Status:                statusToProto(d.Status),
		Network:               d.Network,
		ContractName:          d.ContractName,
		ContractAddress:       d.ContractAddress,
		TxHash:                d.TxHash,
		GasUsed:               nonNegative64(d.GasUsed),
		BlockNumber:           nonNegative64(d.BlockNumber),
		Confirmations:         nonNegative32(d.Confirmations),
		RequiredConfirmations: nonNegative32(d.RequiredConfirmations),
		LintSummary: &slipwayv1.FindingSummary{
			High: nonNegative32(d.LintHigh), Medium: nonNegative32(d.LintMedium),
			Low: nonNegative32(d.LintLow), Info: nonNegative32(d.LintInfo),
		},
		Error:             d.Error,
		WorkflowId:        d.WorkflowID,
		CreatedAt:         timestamppb.New(d.CreatedAt),
		UpdatedAt:         timestamppb.New(d.UpdatedAt),
		CompilerVersion:   d.CompilerVersion,
		EffectiveGasPrice: db.WeiString(d.EffectiveGasPrice),
		FeePaid:           db.WeiString(d.FeePaid),
	}
	if d.IdempotencyKey != nil {
		out.IdempotencyKey = *d.IdempotencyKey
	}
	out.ImplementationAddress, out.Salt, out.ProxyKind = d.ImplementationAddress, d.Salt, d.ProxyKind
	out.Networks = d.Networks
	if len(out.Networks) == 0 && d.Network != "" {
		out.Networks = []string{d.Network}
	}
	if d.ParentID != nil {
		out.ParentId = d.ParentID.String()
	}
	if d.UpgradeOf != nil {
		out.UpgradeOf = d.UpgradeOf.String()
	}
	return out
}

// EventToProto converts a deployment_events row for the API.
func EventToProto(e db.DeploymentEvent) *slipwayv1.DeploymentEvent {
	return &slipwayv1.DeploymentEvent{
		Seq:             nonNegative32(e.Seq),
		Status:          statusToProto(e.Status),
		Message:         e.Message,
		At:              timestamppb.New(e.CreatedAt),
		TxHash:          e.TxHash,
		ContractAddress: e.ContractAddress,
		Confirmations:   nonNegative32(e.Confirmations),
	}
}

// asOfEvent answers the deployment as the event saw it: the current row
// with the event's status, transaction hash, address and confirmations.
// Fields events do not carry (gas, lint summary, error) are as of now.
func asOfEvent(d *slipwayv1.Deployment, ev *slipwayv1.DeploymentEvent) *slipwayv1.Deployment {
	if ev.GetStatus() == d.GetStatus() && ev.GetTxHash() == d.GetTxHash() &&
		ev.GetContractAddress() == d.GetContractAddress() && ev.GetConfirmations() == d.GetConfirmations() {
		return d
	}
	c := &slipwayv1.Deployment{
		Id: d.GetId(), Status: ev.GetStatus(), Network: d.GetNetwork(), ContractName: d.GetContractName(),
		ContractAddress: ev.GetContractAddress(), TxHash: ev.GetTxHash(), GasUsed: d.GetGasUsed(),
		BlockNumber: d.GetBlockNumber(), Confirmations: ev.GetConfirmations(),
		RequiredConfirmations: d.GetRequiredConfirmations(), LintSummary: d.GetLintSummary(),
		WorkflowId: d.GetWorkflowId(), CreatedAt: d.GetCreatedAt(), UpdatedAt: ev.GetAt(),
		IdempotencyKey: d.GetIdempotencyKey(), CompilerVersion: d.GetCompilerVersion(),
		EffectiveGasPrice: d.GetEffectiveGasPrice(), FeePaid: d.GetFeePaid(),
	}
	if ev.GetStatus() == slipwayv1.DeploymentStatus_DEPLOYMENT_STATUS_FAILED {
		c.Error = d.GetError()
	}
	return c
}

func nonNegative32(v int32) uint32 {
	if v < 0 {
		return 0
	}
	return uint32(v)
}

func nonNegative64(v int64) uint64 {
	if v < 0 {
		return 0
	}
	return uint64(v)
}

// Page tokens are a version byte, the last row's created_at in Unix
// microseconds (Postgres's precision, so the keyset is exact) and its id,
// base64url-encoded. Opaque to clients: the layout may change with the
// version byte.
const (
	pageTokenVersion = 1
	pageTokenLen     = 1 + 8 + 16
)

var (
	minTokenMicros = time.Date(1, 1, 1, 0, 0, 0, 0, time.UTC).UnixMicro()
	maxTokenMicros = time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC).UnixMicro()
)

// pageToken answers the token of the page after the row (createdAt, id).
func pageToken(createdAt time.Time, id uuid.UUID) string {
	b := make([]byte, 0, pageTokenLen)
	b = append(b, pageTokenVersion)
	b = binary.BigEndian.AppendUint64(b, uint64(createdAt.UnixMicro())) // two's complement round-trips through int64.
	b = append(b, id[:]...)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parsePageToken reads a token from pageToken; anything else is
// errInvalidDeployment.
func parsePageToken(tok string) (time.Time, uuid.UUID, error) {
	bad := invalidf("pageToken is not a token this server issued; start again without one")
	if len(tok) > base64.RawURLEncoding.EncodedLen(pageTokenLen) {
		return time.Time{}, uuid.Nil, bad
	}
	b, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(tok, "="))
	if err != nil || len(b) != pageTokenLen || b[0] != pageTokenVersion {
		return time.Time{}, uuid.Nil, bad
	}
	us := int64(binary.BigEndian.Uint64(b[1:9])) // written from an int64.
	// Within years 1–9999, inside Postgres's range, so that a forged token
	// is refused here rather than failing the query.
	if us < minTokenMicros || us > maxTokenMicros {
		return time.Time{}, uuid.Nil, bad
	}
	id, err := uuid.FromBytes(b[9:])
	if err != nil {
		return time.Time{}, uuid.Nil, bad
	}
	return time.UnixMicro(us).UTC(), id, nil
}
