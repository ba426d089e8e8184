package progress

import (
	"context"
	"fmt"

	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
)

// PartStatus answers where deployment id stands.
func (a *Activities) PartStatus(ctx context.Context, id string) (progressapi.PartStatus, error) {
	uid, err := parseID("deployment", id)
	if err != nil {
		return progressapi.PartStatus{}, err
	}
	d, err := db.New(a.Pool).GetDeployment(ctx, uid)
	if err != nil {
		return progressapi.PartStatus{}, fmt.Errorf("read deployment %s: %w", id, err)
	}
	return progressapi.PartStatus{Status: d.Status, ContractAddress: d.ContractAddress, TxHash: d.TxHash,
		BlockNumber: uint64(max(d.BlockNumber, 0)), Error: d.Error}, nil
}

// SetImplementation records a proxy's new implementation on the proxy's
// deployment, with an event in its feed, in one transaction.
func (a *Activities) SetImplementation(ctx context.Context, in progressapi.Implementation) error {
	id, err := parseID("deployment", in.DeploymentID)
	if err != nil {
		return err
	}
	return db.InTx(ctx, a.Pool, func(q *db.Queries) error {
		if err := q.SetImplementationAddress(ctx, db.SetImplementationAddressParams{ID: id, ImplementationAddress: in.Address}); err != nil {
			return fmt.Errorf("set the implementation of %s: %w", id, err)
		}
		d, err := q.GetDeployment(ctx, id)
		if err != nil {
			return fmt.Errorf("read deployment %s: %w", id, err)
		}
		_, err = db.AppendEvent(ctx, q, d, fmt.Sprintf("upgraded to implementation %s by %s", in.Address, in.Upgrade), nil)
		return err
	})
}
