package deployments

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// GetProvenance answers a deployment's chain of custody.
func (s *service) GetProvenance(ctx context.Context, req *connect.Request[slipwayv1.GetProvenanceRequest]) (*connect.Response[slipwayv1.GetProvenanceResponse], error) {
	return nil, connect.NewError(connect.CodeUnimplemented, errors.New("provenance is being built"))
}

// UpgradeDeployment upgrades a proxy deployment to a new implementation.
func (s *service) UpgradeDeployment(ctx context.Context, req *connect.Request[slipwayv1.UpgradeDeploymentRequest]) (*connect.Response[slipwayv1.UpgradeDeploymentResponse], error) {
	return nil, connect.NewError(connect.CodeUnimplemented, errors.New("upgrades are being built"))
}
