package server

import (
	"context"
	"slices"
	"strings"

	"connectrpc.com/connect"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/server/identity"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// networkService answers the configured networks open to the caller's
// tier. It is real from the start because clients need it to pick a
// network before anything else exists.
type networkService struct {
	networks []Network // sorted by name
	tenancy  *Tenancy
}

// NewNetworkService answers networks sorted by name, so clients and docs see
// a stable order whatever the configuration's order. With t, each caller
// sees only the networks their tier may deploy to, with their gas ceiling.
func NewNetworkService(networks []Network, t *Tenancy) slipwayv1connect.NetworkServiceHandler {
	sorted := slices.Clone(networks)
	slices.SortFunc(sorted, func(a, b Network) int { return strings.Compare(a.Name, b.Name) })
	return &networkService{networks: sorted, tenancy: t}
}

func (s *networkService) ListNetworks(
	ctx context.Context, _ *connect.Request[slipwayv1.ListNetworksRequest],
) (*connect.Response[slipwayv1.ListNetworksResponse], error) {
	tier := ""
	if s.tenancy != nil {
		if p, ok := identity.FromContext(ctx); ok && p.UserID != uuid.Nil {
			t, err := userTier(ctx, db.New(s.tenancy.pool), p.UserID)
			if err != nil {
				return nil, err
			}
			tier = t
		}
	}
	out := make([]*slipwayv1.Network, 0, len(s.networks))
	for _, n := range s.networks {
		ceiling, ok := s.tenancy.allowedTier(tier, n)
		if tier != "" && !ok {
			continue
		}
		out = append(out, &slipwayv1.Network{Name: n.Name, ChainId: n.ChainID, Confirmations: n.Confirmations, MaxGasPerDeployment: ceiling})
	}
	return connect.NewResponse(&slipwayv1.ListNetworksResponse{Networks: out}), nil
}
