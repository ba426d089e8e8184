package server

import (
	"context"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/apierr"
)

// capabilityIdentity provides accounts, sessions and API keys.
const capabilityIdentity = "identity"

// authService stands in for AuthService until the identity capability
// provides it: every procedure answers unimplemented and says so, rather
// than pretending to register or log anyone in.
type authService struct{}

// NewAuthService answers the AuthService procedures with unimplemented
// errors naming the identity capability; it is what Deps.Services.Auth
// falls back to.
func NewAuthService() slipwayv1connect.AuthServiceHandler { return authService{} }

func (authService) Register(context.Context, *connect.Request[slipwayv1.RegisterRequest]) (*connect.Response[slipwayv1.RegisterResponse], error) {
	return nil, apierr.NotAvailable("account registration", capabilityIdentity)
}

func (authService) Login(context.Context, *connect.Request[slipwayv1.LoginRequest]) (*connect.Response[slipwayv1.LoginResponse], error) {
	return nil, apierr.NotAvailable("login", capabilityIdentity)
}

func (authService) Refresh(context.Context, *connect.Request[slipwayv1.RefreshRequest]) (*connect.Response[slipwayv1.RefreshResponse], error) {
	return nil, apierr.NotAvailable("token refresh", capabilityIdentity)
}

func (authService) Logout(context.Context, *connect.Request[slipwayv1.LogoutRequest]) (*connect.Response[slipwayv1.LogoutResponse], error) {
	return nil, apierr.NotAvailable("logout", capabilityIdentity)
}

func (authService) GetMe(context.Context, *connect.Request[slipwayv1.GetMeRequest]) (*connect.Response[slipwayv1.GetMeResponse], error) {
	return nil, apierr.NotAvailable("the caller's account (GetMe)", capabilityIdentity)
}
