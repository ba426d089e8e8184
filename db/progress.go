package db

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"github.com/slipway-dev/slipway/internal/deprole"
	"github.com/slipway-dev/slipway/internal/status"
)

// NotifyChannel is the Postgres channel on which every deployment event is
// announced, with the deployment id as payload. API replicas LISTEN on it to
// wake their watchers; the event itself is read from deployment_events, so
// a missed notification costs latency, never an event.
const NotifyChannel = "slipway_deployment_events"

// ErrDeploymentEnded reports a progress update for a deployment that has
// already ended (CONFIRMED, FAILED or CANCELLED) in another status: a late
// or retried activity must not revive it.
var ErrDeploymentEnded = errors.New("deployment has ended")

// Progress is one step of a deployment: its new status, the fields that
// step learnt, and the event that tells watchers about it.
type Progress struct {
	// Update's Status and ID are filled from Status and DeploymentID.
	Update  UpdateDeploymentProgressParams
	Message string
	// Details is the event's extra JSON (nil for none).
	Details []byte
}

// RecordProgress moves a deployment to a new status, appends the matching
// event and notifies watchers, all on q, which the caller runs in one
// transaction (InTx) so that the row, the event and the notification land
// together. It answers ErrDeploymentEnded when the deployment has ended in
// another status.
func RecordProgress(ctx context.Context, q *Queries, id uuid.UUID, to string, p Progress) (Deployment, DeploymentEvent, error) {
	u := p.Update
	u.ID, u.Status = id, to
	d, err := q.UpdateDeploymentProgress(ctx, u)
	if IsNotFound(err) {
		cur, gerr := q.GetDeployment(ctx, id)
		if gerr != nil {
			return Deployment{}, DeploymentEvent{}, fmt.Errorf("update deployment %s: %w", id, gerr)
		}
		if !status.IsTerminal(cur.Status) || cur.Status == to {
			// The update should have matched: the row committed between
			// the two statements, so it was not there yet for the first.
			return Deployment{}, DeploymentEvent{}, fmt.Errorf("update deployment %s: not visible yet: %w", id, pgx.ErrNoRows)
		}
		return cur, DeploymentEvent{}, fmt.Errorf("move deployment %s to %s: %w (it is %s)", id, to, ErrDeploymentEnded, cur.Status)
	}
	if err != nil {
		return Deployment{}, DeploymentEvent{}, fmt.Errorf("update deployment %s: %w", id, err)
	}
	if status.IsTerminal(to) {
		if err := endSpend(ctx, q, d); err != nil {
			return Deployment{}, DeploymentEvent{}, err
		}
	}
	ev, err := AppendEvent(ctx, q, d, p.Message, p.Details)
	if err != nil {
		return Deployment{}, DeploymentEvent{}, err
	}
	d.LastEventSeq = ev.Seq
	if err := appendToAncestors(ctx, q, d, p.Message); err != nil {
		return Deployment{}, DeploymentEvent{}, err
	}
	return d, ev, nil
}

// appendToAncestors repeats a part's event (a network's deployment of a
// multi-network one, an implementation) in the feed of every deployment it
// is part of, named by its network and role, so that watchers of the whole
// see every part's progress in one stream.
func appendToAncestors(ctx context.Context, q *Queries, d Deployment, message string) error {
	label := d.Network
	if d.Role == deprole.Implementation {
		label = "implementation on " + d.Network
	}
	for id, depth := d.ParentID, 0; id != nil && depth < 4; depth++ {
		parent, err := q.GetDeployment(ctx, *id)
		if err != nil {
			return fmt.Errorf("read deployment %s: %w", *id, err)
		}
		if _, err := AppendEvent(ctx, q, parent, fmt.Sprintf("%s: %s (%s)", label, message, d.Status), nil); err != nil {
			return err
		}
		id = parent.ParentID
	}
	return nil
}

// endSpend closes the spend reservation of a deployment that has just
// ended, in the transaction that ends it, so that a budget never holds a
// reservation for a deployment that is over: what the deployment paid (its
// receipt's fee, recorded once the transaction was mined) settles against
// the budget, and a deployment that paid nothing releases it. A deployment
// that never signed has no reservation, and one already settled (a revert
// on chain settles at once) stays as it is.
func endSpend(ctx context.Context, q *Queries, d Deployment) error {
	if d.FeePaid.Valid && d.Status != status.Cancelled {
		if err := q.SettleSpend(ctx, SettleSpendParams{DeploymentID: d.ID, SpentWei: d.FeePaid}); err != nil {
			return fmt.Errorf("settle spend of deployment %s: %w", d.ID, err)
		}
		return nil
	}
	if err := q.ReleaseSpend(ctx, d.ID); err != nil {
		return fmt.Errorf("release spend of deployment %s: %w", d.ID, err)
	}
	return nil
}

// AppendEvent appends an event describing d as it is now (status, tx hash,
// address, confirmations) and notifies watchers, on q's transaction.
func AppendEvent(ctx context.Context, q *Queries, d Deployment, message string, details []byte) (DeploymentEvent, error) {
	ev, err := q.AppendDeploymentEvent(ctx, AppendDeploymentEventParams{
		DeploymentID:    d.ID,
		Status:          d.Status,
		Message:         message,
		TxHash:          d.TxHash,
		ContractAddress: d.ContractAddress,
		Confirmations:   d.Confirmations,
		Details:         details,
	})
	if err != nil {
		return DeploymentEvent{}, fmt.Errorf("append event of deployment %s: %w", d.ID, err)
	}
	if err := q.NotifyDeploymentEvent(ctx, d.ID.String()); err != nil {
		return DeploymentEvent{}, fmt.Errorf("notify event of deployment %s: %w", d.ID, err)
	}
	return ev, nil
}
