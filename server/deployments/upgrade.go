package deployments

import (
	"context"
	"errors"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// UpgradeDeployment upgrades a proxy deployment to a new implementation.
func (s *service) UpgradeDeployment(ctx context.Context, req *connect.Request[slipwayv1.UpgradeDeploymentRequest]) (*connect.Response[slipwayv1.UpgradeDeploymentResponse], error) {
	return nil, connect.NewError(connect.CodeUnimplemented, errors.New("upgrades are being built"))
}
