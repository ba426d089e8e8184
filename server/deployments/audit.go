package deployments

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// Audit actions of the deployment capability: every action a user takes on
// a deployment is a compliance record, written in the transaction of the
// change.
const (
	auditDeploymentCreate = "deployment.create"
	auditDeploymentCancel = "deployment.cancel"
	maxAuditUserAgent     = 512
)

type auditMetaKey struct{}

type auditMeta struct {
	ip        *netip.Addr
	userAgent string
}

// withAuditMeta keeps where a request came from for its audit row: the
// client address resolved through the trusted proxies (callctx.ClientAddr),
// as the auth capability's rows and the per-address limits have it, falling
// back to the connection's peer outside a request served by server.New. The
// user agent is made valid UTF-8 whatever its length, since Postgres text
// refuses anything else.
func withAuditMeta(ctx context.Context, peer connect.Peer, h http.Header) context.Context {
	m := auditMeta{userAgent: h.Get("User-Agent")}
	if len(m.userAgent) > maxAuditUserAgent {
		m.userAgent = m.userAgent[:maxAuditUserAgent]
	}
	m.userAgent = strings.ToValidUTF8(strings.ReplaceAll(m.userAgent, "\x00", ""), "")
	if a := callctx.ClientAddr(ctx); a.IsValid() {
		m.ip = &a
		return context.WithValue(ctx, auditMetaKey{}, m)
	}
	host := peer.Addr
	if hp, _, err := net.SplitHostPort(peer.Addr); err == nil {
		host = hp
	}
	if a, err := netip.ParseAddr(host); err == nil {
		a = a.Unmap()
		m.ip = &a
	}
	return context.WithValue(ctx, auditMetaKey{}, m)
}

// recordChange records a change a user made to d, on q: its event, with
// message, in d's history, and its audit row of action; d then carries the
// event's sequence number.
func recordChange(ctx context.Context, q *db.Queries, d *db.Deployment, message, action string) error {
	ev, err := db.AppendEvent(ctx, q, *d, message, nil)
	if err != nil {
		return err
	}
	if err := auditDeployment(ctx, q, action, *d); err != nil {
		return err
	}
	d.LastEventSeq = ev.Seq
	return nil
}

func auditDeployment(ctx context.Context, q *db.Queries, action string, d db.Deployment) error {
	m, _ := ctx.Value(auditMetaKey{}).(auditMeta)
	p, _ := identity.FromContext(ctx)
	kind := db.ActorUser
	if p.Method == identity.MethodAPIKey {
		kind = db.ActorAPIKey
	}
	key := ""
	if d.IdempotencyKey != nil {
		key = *d.IdempotencyKey
	}
	details, err := json.Marshal(map[string]any{"network": d.Network, "contractName": d.ContractName, "idempotencyKey": key, "status": d.Status})
	if err != nil {
		return fmt.Errorf("encode audit details: %w", err)
	}
	uid := d.UserID
	if _, err := q.InsertAuditLog(ctx, db.InsertAuditLogParams{
		ActorUserID: &uid, ActorKind: kind, Action: action, ResourceType: "deployment", ResourceID: d.ID.String(),
		Details: details, ClientIP: m.ip, UserAgent: m.userAgent, RequestID: callctx.RequestID(ctx),
	}); err != nil {
		return fmt.Errorf("write audit row: %w", err)
	}
	return nil
}
