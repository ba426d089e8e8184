package server

import (
	"context"
	"net/http"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/apierr"
)

// capabilityDeployments runs deployments as durable workflows and reports
// them (package deployments).
const capabilityDeployments = "deployment pipeline"

// NewDeploymentService answers the DeploymentService procedures, the
// WatchDeployment stream included, with unimplemented errors naming the
// deployment pipeline capability; it is what Deps.Services.Deployments falls
// back to. The real service is deployments.NewService.
func NewDeploymentService() slipwayv1connect.DeploymentServiceHandler { return deploymentStub{} }

// deploymentStub stands in for DeploymentService when no database or
// workflow client is wired (tests of other capabilities).
type deploymentStub struct{}

func (deploymentStub) CreateDeployment(context.Context, *connect.Request[slipwayv1.CreateDeploymentRequest]) (*connect.Response[slipwayv1.CreateDeploymentResponse], error) {
	return nil, apierr.NotAvailable("deployment", capabilityDeployments)
}

func (deploymentStub) ListDeployments(context.Context, *connect.Request[slipwayv1.ListDeploymentsRequest]) (*connect.Response[slipwayv1.ListDeploymentsResponse], error) {
	return nil, apierr.NotAvailable("deployment listing", capabilityDeployments)
}

func (deploymentStub) GetDeployment(context.Context, *connect.Request[slipwayv1.GetDeploymentRequest]) (*connect.Response[slipwayv1.GetDeploymentResponse], error) {
	return nil, apierr.NotAvailable("deployment lookup", capabilityDeployments)
}

func (deploymentStub) CancelDeployment(context.Context, *connect.Request[slipwayv1.CancelDeploymentRequest]) (*connect.Response[slipwayv1.CancelDeploymentResponse], error) {
	return nil, apierr.NotAvailable("deployment cancellation", capabilityDeployments)
}

func (deploymentStub) WatchDeployment(context.Context, *connect.Request[slipwayv1.WatchDeploymentRequest], *connect.ServerStream[slipwayv1.WatchDeploymentResponse]) error {
	return apierr.NotAvailable("watching a deployment", capabilityDeployments)
}

// deploymentUpdatesStub holds /api/v1/deployments/{id}/updates when no feed
// is wired (Deps.Services.DeploymentUpdates). Without it the path would fall
// to the REST transcoder and answer a bare 404, which reads as "wrong URL"
// rather than "not yet".
func deploymentUpdatesStub(w http.ResponseWriter, _ *http.Request) {
	apierr.WriteREST(w, http.StatusNotImplemented, connect.CodeUnimplemented,
		apierr.NotAvailable("the live update feed over WebSocket", capabilityDeployments).Error())
}
