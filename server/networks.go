package server

import (
	"context"
	"slices"
	"strings"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// networkService answers the configured networks. It is real from the start
// because clients need it to pick a network before anything else exists.
type networkService struct {
	networks []Network // sorted by name
}

// NewNetworkService answers networks sorted by name, so clients and docs see
// a stable order whatever the configuration's order.
func NewNetworkService(networks []Network) slipwayv1connect.NetworkServiceHandler {
	sorted := slices.Clone(networks)
	slices.SortFunc(sorted, func(a, b Network) int { return strings.Compare(a.Name, b.Name) })
	return &networkService{networks: sorted}
}

func (s *networkService) ListNetworks(
	_ context.Context, _ *connect.Request[slipwayv1.ListNetworksRequest],
) (*connect.Response[slipwayv1.ListNetworksResponse], error) {
	out := make([]*slipwayv1.Network, len(s.networks))
	for i, n := range s.networks {
		out[i] = &slipwayv1.Network{Name: n.Name, ChainId: n.ChainID, Confirmations: n.Confirmations}
	}
	return connect.NewResponse(&slipwayv1.ListNetworksResponse{Networks: out}), nil
}
