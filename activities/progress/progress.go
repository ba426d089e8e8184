// Package progress records a deployment's steps in Postgres for the API:
// each step updates the deployment row, appends its event and notifies the
// API replicas that watch it, in one transaction. The workflow calls it at
// each stage change; the chain stages record their own finer steps.
package progress

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/internal/status"
)

// Activities records steps.
type Activities struct {
	Pool *pgxpool.Pool
	// Metrics, when set, counts deployments as they end (and a confirmed
	// one's gas and fee); nil records nothing.
	Metrics *metrics.Worker
}

// Record applies one step. It is idempotent in effect for the row (a retry
// writes the same values) and appends one event per successful call.
func (a *Activities) Record(ctx context.Context, s progressapi.Step) error {
	id, err := parseID("deployment", s.DeploymentID)
	if err != nil {
		return err
	}
	u := db.UpdateDeploymentProgressParams{
		ContractName: s.ContractName, CompilerVersion: s.CompilerVersion, Error: s.Error,
		TxHash: s.TxHash, ContractAddress: s.ContractAddress, SourceHash: s.SourceHash,
		EffectiveGasPrice: db.Wei(dec(s.EffectiveGasPrice)), FeePaid: db.Wei(dec(s.FeePaid)),
		ImplementationAddress: s.ImplementationAddress, UpgradeSafety: s.UpgradeSafety,
	}
	if s.BlockNumber != nil {
		v := int64(*s.BlockNumber)
		u.BlockNumber = &v
	}
	if s.GasUsed != nil {
		v := int64(*s.GasUsed)
		u.GasUsed = &v
	}
	if s.Confirmations != nil {
		v := int32(min(*s.Confirmations, 1<<30))
		u.Confirmations = &v
	}
	if s.Lint != nil {
		h, m, l, i := int32(s.Lint.High), int32(s.Lint.Medium), int32(s.Lint.Low), int32(s.Lint.Info)
		u.LintHigh, u.LintMedium, u.LintLow, u.LintInfo = &h, &m, &l, &i
	}
	// ended is the network of a deployment this step ends, for the
	// finished count: only the step that moves the row into CONFIRMED or
	// FAILED counts, not a retry that finds it there already.
	var ended string
	counted := s.Status == status.Confirmed || s.Status == status.Failed
	err = a.record(ctx, id, s, u, counted, &ended)
	if db.IsNotFound(err) {
		// The workflow may have started before the API's transaction that
		// inserts the row committed (it starts the workflow inside it):
		// wait for that transaction to end, and look again.
		if werr := db.InTx(ctx, a.Pool, func(q *db.Queries) error { return q.AwaitDeploymentCreation(ctx, id) }); werr != nil {
			return fmt.Errorf("wait for the creation of deployment %s: %w", id, werr)
		}
		err = a.record(ctx, id, s, u, counted, &ended)
	}
	if err == nil && ended != "" {
		a.Metrics.DeploymentFinished(ended, s.Status)
		if s.Status == status.Confirmed && s.GasUsed != nil {
			a.Metrics.Confirmed(ended, *s.GasUsed, dec(s.FeePaid))
		}
	}
	if errors.Is(err, db.ErrDeploymentEnded) || db.IsNotFound(err) {
		// Not found: the API's insert rolled back after the workflow
		// started; there is no deployment to run.
		return temporal.NewNonRetryableApplicationError(err.Error(), progressapi.ErrTypeEnded, err)
	}
	if err != nil {
		return fmt.Errorf("record %s: %w", s.Status, err)
	}
	return nil
}

// record applies s in one transaction, setting *ended to the network of a
// deployment the step ends.
func (a *Activities) record(ctx context.Context, id uuid.UUID, s progressapi.Step, u db.UpdateDeploymentProgressParams, counted bool, ended *string) error {
	return db.InTx(ctx, a.Pool, func(q *db.Queries) error {
		*ended = ""
		if s.UnlessEnded || counted {
			var d db.Deployment
			var err error
			if counted {
				// Locked, so that two attempts of one step cannot both see
				// the row before its end.
				d, err = q.LockDeployment(ctx, id)
			} else {
				d, err = q.GetDeployment(ctx, id)
			}
			if err != nil {
				return fmt.Errorf("read deployment: %w", err)
			}
			if s.UnlessEnded && status.IsTerminal(d.Status) {
				return nil
			}
			if counted && d.Status != s.Status {
				*ended = d.Network
			}
		}
		if _, _, err := db.RecordProgress(ctx, q, id, s.Status, db.Progress{Update: u, Message: s.Message}); err != nil {
			return err
		}
		if s.Verify {
			return q.UpsertVerification(ctx, db.UpsertVerificationParams{DeploymentID: id, Status: progressapi.VerificationPending,
				Message: "re-deriving the bytecode from the compiled sources", Services: []byte("[]")})
		}
		return nil
	})
}

// parseID parses the id of a deployment (or of a voter: what says which);
// a malformed one fails as progressapi.ErrTypeEnded, since no deployment
// has it and no retry can help.
func parseID(what, s string) (uuid.UUID, error) {
	id, err := uuid.Parse(s)
	if err != nil {
		return uuid.UUID{}, temporal.NewNonRetryableApplicationError("bad "+what+" id", progressapi.ErrTypeEnded, err)
	}
	return id, nil
}

func dec(s string) *big.Int {
	if s == "" {
		return nil
	}
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil
	}
	return v
}
