package deployments_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/activities/progress"
	"github.com/slipway-dev/slipway/activities/progress/progressapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/server/servertest"
)

// A CONFIRMED deployment whose verification is PENDING keeps its watchers:
// the verification's events are sent, the last one included (it commits
// with the verification's final row), and only then does the stream end.
func TestWatchStaysUntilVerificationEnds(t *testing.T) {
	env := newDepEnv(t, depOptions{})
	_, bearer := env.newUser(t)
	worker := otherPool(t, env.pool)
	id := env.createDeployment(t, bearer)
	rec := &progress.Activities{Pool: worker}
	// CONFIRMED opens the verification in the same transaction.
	require.NoError(t, rec.Record(t.Context(), progressapi.Step{DeploymentID: id.String(), Status: status.Confirmed, Message: "confirmed", Verify: true}))

	stream := env.watchAfter(t, id, 0, bearer)
	for seq := uint32(1); seq <= 2; seq++ { // PENDING's creation event, then CONFIRMED
		require.Equal(t, seq, receive(t, stream).GetEvent().GetSeq())
	}
	servertest.Record(t, worker, id, status.Confirmed, "confirmed at depth 2", db.UpdateDeploymentProgressParams{})
	assert.Equal(t, uint32(3), receive(t, stream).GetEvent().GetSeq(), "still watching while verification is pending")

	require.NoError(t, rec.RecordVerification(t.Context(), progressapi.VerificationStep{DeploymentID: id.String(),
		Status: progressapi.VerificationVerified, Match: "full", Message: "full match",
		Services: []progressapi.VerificationService{{Name: "local", Status: progressapi.VerificationVerified}}}))
	m := receive(t, stream)
	assert.Equal(t, uint32(4), m.GetEvent().GetSeq())
	assert.Contains(t, m.GetEvent().GetMessage(), "verified (full match)")
	requireEnded(t, stream)
}
