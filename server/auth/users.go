package auth

import (
	"context"
	"fmt"
	"slices"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/userrole"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/identity"
)

// userHandler is the UserService boundary: account administration, which
// only admins may do.
type userHandler struct{ s *Service }

func (h *userHandler) SetUserRole(ctx context.Context, req *connect.Request[slipwayv1.SetUserRoleRequest]) (*connect.Response[slipwayv1.SetUserRoleResponse], error) {
	u, err := h.s.setUserRole(ctx, h.s.meta(ctx, req.Peer(), req.Header()), req.Msg)
	if err != nil {
		return nil, toConnectError(err)
	}
	return connect.NewResponse(&slipwayv1.SetUserRoleResponse{User: userProto(u)}), nil
}

// setUserRole gives the user msg names the role msg asks for, on an admin's
// behalf, and audits it with the admin as the actor.
//
// The principal's role (up to a cache TTL old) only turns non-admins away
// early, so that they cannot take the locks below. The decision is made in
// the transaction, which first locks every admin's row (LockAdmins): the
// caller must be among them then, and concurrent role changes queue behind
// each other, so the last admin can never be demoted, not even by two
// admins demoting each other at the same moment. An admin may demote
// themselves while another admin remains; with none left only
// `slipway users set-role` could make one again.
func (s *Service) setUserRole(ctx context.Context, m requestMeta, msg *slipwayv1.SetUserRoleRequest) (db.User, error) {
	p, ok := identity.FromContext(ctx)
	if !ok {
		return db.User{}, ErrNoCredentials
	}
	if !p.IsAdmin() {
		return db.User{}, ErrNotAdmin
	}
	role := msg.GetRole()
	if !userrole.Valid(role) {
		// The proto's rule refuses it before the handler runs.
		return db.User{}, fmt.Errorf("%w: %q", ErrInvalidRole, role)
	}
	actor, kind, details := actorOf(ctx)
	var u db.User
	err := db.InTx(ctx, s.pool, func(q *db.Queries) error {
		admins, err := q.LockAdmins(ctx)
		if err != nil {
			return fmt.Errorf("lock admins: %w", err)
		}
		if !slices.Contains(admins, p.UserID) {
			return ErrNotAdmin
		}
		id, err := s.roleTarget(ctx, q, msg)
		if err != nil {
			return err
		}
		before, err := q.GetUserForUpdate(ctx, id)
		if db.IsNotFound(err) {
			return ErrUserNotFound
		}
		if err != nil {
			return fmt.Errorf("load user %s: %w", id, err)
		}
		if before.Role == userrole.Admin && role != userrole.Admin && len(admins) <= 1 {
			return ErrLastAdmin
		}
		if u, err = q.SetUserRole(ctx, db.SetUserRoleParams{ID: id, Role: role}); err != nil {
			return fmt.Errorf("set role of user %s: %w", id, err)
		}
		d := map[string]any{"from": before.Role, "to": role}
		for k, v := range details {
			d[k] = v
		}
		return audit(ctx, q, m, auditEntry{
			actorUserID: actor, actorKind: kind, action: ActionRoleChanged,
			resourceType: resourceUser, resourceID: id.String(), details: d,
		})
	})
	if err != nil {
		return db.User{}, err
	}
	return u, nil
}

// roleTarget answers the id of the user msg names by id or by email (the
// proto's rule requires exactly one); ErrUserNotFound when there is none.
func (s *Service) roleTarget(ctx context.Context, q *db.Queries, msg *slipwayv1.SetUserRoleRequest) (uuid.UUID, error) {
	if raw := msg.GetUserId(); raw != "" {
		id, err := uuid.Parse(raw)
		if err != nil {
			return uuid.Nil, ErrUserNotFound
		}
		return id, nil
	}
	u, err := q.GetUserByEmail(ctx, NormalizeEmail(msg.GetEmail()))
	if db.IsNotFound(err) {
		return uuid.Nil, ErrUserNotFound
	}
	if err != nil {
		return uuid.Nil, fmt.Errorf("look up user by email: %w", err)
	}
	return u.ID, nil
}
