package server

import (
	"net/http"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/server/apierr"
)

// capabilityDeployments runs deployments as durable workflows and reports
// them (package deployments).
const capabilityDeployments = "deployment pipeline"

// deploymentUpdatesStub holds /api/v1/deployments/{id}/updates when no feed
// is wired (Deps.Services.DeploymentUpdates). Without it the path would fall
// to the REST transcoder and answer a bare 404, which reads as "wrong URL"
// rather than "not yet".
func deploymentUpdatesStub(w http.ResponseWriter, _ *http.Request) {
	apierr.WriteREST(w, http.StatusNotImplemented, connect.CodeUnimplemented,
		apierr.NotAvailable("the live update feed over WebSocket", capabilityDeployments).Error())
}
