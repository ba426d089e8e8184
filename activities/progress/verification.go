package progress

import (
	"context"
	"encoding/json"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
)

// RecordVerification stores the verification's state and appends its
// event (the deployment stays CONFIRMED), in one transaction.
func (a *Activities) RecordVerification(ctx context.Context, v progressapi.VerificationStep) error {
	id, err := parseID("deployment", v.DeploymentID)
	if err != nil {
		return err
	}
	if v.Services == nil {
		v.Services = []progressapi.VerificationService{}
	}
	services, err := json.Marshal(v.Services)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode verification services", progressapi.ErrTypeEnded, err)
	}
	var network string
	err = a.inTx(ctx, func(q *db.Queries) error {
		d, err := q.GetDeployment(ctx, id)
		if err != nil {
			return fmt.Errorf("read deployment: %w", err)
		}
		network = d.Network
		if err := q.UpsertVerification(ctx, db.UpsertVerificationParams{DeploymentID: id, Status: v.Status, Match: v.Match, Message: v.Message, Services: services}); err != nil {
			return fmt.Errorf("store verification: %w", err)
		}
		msg := "verification: " + v.Message
		if v.Status == progressapi.VerificationVerified {
			msg = fmt.Sprintf("verified (%s match): %s", v.Match, v.Message)
		}
		_, err = db.AppendEvent(ctx, q, d, msg, services)
		return err
	})
	if err == nil && v.Status != progressapi.VerificationPending {
		for _, sv := range v.Services {
			a.Metrics.Verified(network, sv.Name, sv.Status)
		}
	}
	return err
}
