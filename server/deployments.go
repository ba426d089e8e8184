package server

import (
	"context"
	"net/http"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// capabilityDeployments runs deployments as durable workflows and reports
// them.
const capabilityDeployments = "deployment pipeline"

// deploymentService stands in for DeploymentService until the deployment
// pipeline capability provides it.
type deploymentService struct{}

// NewDeploymentService answers the DeploymentService procedures, the
// WatchDeployment stream included, with unimplemented errors naming the
// deployment pipeline capability; it is what Deps.Services.Deployments falls
// back to.
func NewDeploymentService() slipwayv1connect.DeploymentServiceHandler { return deploymentService{} }

func (deploymentService) CreateDeployment(context.Context, *connect.Request[slipwayv1.CreateDeploymentRequest]) (*connect.Response[slipwayv1.CreateDeploymentResponse], error) {
	return nil, notAvailable("deployment", capabilityDeployments)
}

func (deploymentService) ListDeployments(context.Context, *connect.Request[slipwayv1.ListDeploymentsRequest]) (*connect.Response[slipwayv1.ListDeploymentsResponse], error) {
	return nil, notAvailable("deployment listing", capabilityDeployments)
}

func (deploymentService) GetDeployment(context.Context, *connect.Request[slipwayv1.GetDeploymentRequest]) (*connect.Response[slipwayv1.GetDeploymentResponse], error) {
	return nil, notAvailable("deployment lookup", capabilityDeployments)
}

func (deploymentService) CancelDeployment(context.Context, *connect.Request[slipwayv1.CancelDeploymentRequest]) (*connect.Response[slipwayv1.CancelDeploymentResponse], error) {
	return nil, notAvailable("deployment cancellation", capabilityDeployments)
}

func (deploymentService) WatchDeployment(context.Context, *connect.Request[slipwayv1.WatchDeploymentRequest], *connect.ServerStream[slipwayv1.WatchDeploymentResponse]) error {
	return notAvailable("watching a deployment", capabilityDeployments)
}

// deploymentUpdates holds /api/v1/deployments/{id}/updates for the WebSocket
// feed the deployment pipeline will serve. Without it the path would fall to
// the REST transcoder and answer a bare 404, which reads as "wrong URL"
// rather than "not yet".
func deploymentUpdates(w http.ResponseWriter, _ *http.Request) {
	writeRESTError(w, http.StatusNotImplemented, connect.CodeUnimplemented,
		notAvailable("the live update feed over WebSocket", capabilityDeployments).Error())
}
