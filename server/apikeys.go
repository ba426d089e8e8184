package server

import (
	"context"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/apierr"
)

// apiKeyService stands in for ApiKeyService until the identity capability
// provides it.
type apiKeyService struct{}

// NewAPIKeyService answers the ApiKeyService procedures with unimplemented
// errors naming the identity capability; it is what Deps.Services.APIKeys
// falls back to.
func NewAPIKeyService() slipwayv1connect.ApiKeyServiceHandler { return apiKeyService{} }

func (apiKeyService) CreateApiKey(context.Context, *connect.Request[slipwayv1.CreateApiKeyRequest]) (*connect.Response[slipwayv1.CreateApiKeyResponse], error) {
	return nil, apierr.NotAvailable("API key creation", capabilityIdentity)
}

func (apiKeyService) ListApiKeys(context.Context, *connect.Request[slipwayv1.ListApiKeysRequest]) (*connect.Response[slipwayv1.ListApiKeysResponse], error) {
	return nil, apierr.NotAvailable("API key listing", capabilityIdentity)
}

func (apiKeyService) DeleteApiKey(context.Context, *connect.Request[slipwayv1.DeleteApiKeyRequest]) (*connect.Response[slipwayv1.DeleteApiKeyResponse], error) {
	return nil, apierr.NotAvailable("API key deletion", capabilityIdentity)
}
