package progress

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/db"
)

// Verification statuses, as deployment_verifications.status stores them.
const (
	VerificationPending  = "PENDING"
	VerificationVerified = "VERIFIED"
	VerificationFailed   = "FAILED"
	VerificationSkipped  = "SKIPPED"
)

// VerificationService is one verifier's answer: the local re-derivation
// ("local") or a publishing service.
type VerificationService struct {
	Name    string `json:"name"`
	Status  string `json:"status"`
	URL     string `json:"url,omitempty"`
	Message string `json:"message,omitempty"`
}

// VerificationStep is where a confirmed deployment's verification stands.
type VerificationStep struct {
	DeploymentID string                `json:"deploymentId"`
	Status       string                `json:"status"`
	Match        string                `json:"match,omitempty"`
	Message      string                `json:"message"`
	Services     []VerificationService `json:"services,omitempty"`
}

// RecordVerification stores the verification's state and appends its
// event (the deployment stays CONFIRMED), in one transaction.
func (a *Activities) RecordVerification(ctx context.Context, v VerificationStep) error {
	id, err := uuid.Parse(v.DeploymentID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("bad deployment id", ErrTypeEnded, err)
	}
	if v.Services == nil {
		v.Services = []VerificationService{}
	}
	services, err := json.Marshal(v.Services)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("encode verification services", ErrTypeEnded, err)
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
		if v.Status == VerificationVerified {
			msg = fmt.Sprintf("verified (%s match): %s", v.Match, v.Message)
		}
		_, err = db.AppendEvent(ctx, q, d, msg, services)
		return err
	})
	if err == nil && v.Status != VerificationPending {
		for _, sv := range v.Services {
			a.Metrics.Verified(network, sv.Name, sv.Status)
		}
	}
	return err
}
