package deployments

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/server/callctx"
	"github.com/slipway-dev/slipway/server/identity"
)

// Admins read every user's deployments (GetDeployment, WatchDeployment,
// the WebSocket feed, ListDeployments with all_users) but act only on their
// own: cancelling stays the owner's. Everyone else reads only their own,
// and another user's id answers not_found, exactly like an unknown one.
var (
	// errAllUsersAdminOnly is ListDeployments with all_users by a caller
	// who is not an admin.
	errAllUsersAdminOnly = errors.New("only admins may list every user's deployments (all_users)")
	// errNotOwner is an admin acting on a deployment they may read but
	// do not own.
	errNotOwner = errors.New("admins may read other users' deployments but only the owner may change one")
)

// viewer is who reads deployments: the caller, and whether their principal
// says they are an admin.
type viewer struct {
	user  uuid.UUID
	admin bool
}

// callerViewer answers the authenticated caller of ctx as a viewer.
func callerViewer(ctx context.Context) (viewer, error) {
	p, ok := identity.FromContext(ctx)
	if !ok || p.UserID == uuid.Nil {
		return viewer{}, errUnauthenticated
	}
	return viewer{user: p.UserID, admin: p.IsAdmin()}, nil
}

// getFor answers deployment id as v may read it: their own, or for an
// admin any user's, else errDeploymentNotFound. The principal's role only
// picks the query; an admin's is GetDeploymentAsViewer, which reads the
// role again at this moment, so an admin demoted since their principal was
// cached (or since their watch opened) is refused on their next read.
func (s *service) getFor(ctx context.Context, v viewer, id uuid.UUID) (db.Deployment, error) {
	var (
		d   db.Deployment
		err error
	)
	if v.admin {
		d, err = s.q.GetDeploymentAsViewer(ctx, db.GetDeploymentAsViewerParams{ID: id, ViewerID: v.user})
	} else {
		d, err = s.q.GetDeploymentForUser(ctx, db.GetDeploymentForUserParams{ID: id, UserID: v.user})
	}
	if db.IsNotFound(err) {
		return db.Deployment{}, fmt.Errorf("%w: %s", errDeploymentNotFound, id)
	}
	if err != nil {
		return db.Deployment{}, fmt.Errorf("get deployment %s: %w", id, err)
	}
	callctx.AnnotateDeployment(ctx, d.ID, d.WorkflowID)
	return d, nil
}

// notOwned answers why v may not change deployment id, which is not theirs
// or does not exist: errNotOwner for an admin, who may read it, and
// errDeploymentNotFound for anyone else, exactly as for an unknown id.
func notOwned(ctx context.Context, q *db.Queries, v viewer, id uuid.UUID) error {
	if v.admin {
		_, err := q.GetDeploymentAsViewer(ctx, db.GetDeploymentAsViewerParams{ID: id, ViewerID: v.user})
		switch {
		case err == nil:
			return fmt.Errorf("%w: %s", errNotOwner, id)
		case !db.IsNotFound(err):
			return fmt.Errorf("get deployment %s: %w", id, err)
		}
	}
	return fmt.Errorf("%w: %s", errDeploymentNotFound, id)
}
