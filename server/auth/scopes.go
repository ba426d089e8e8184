package auth

import (
	"context"
	"fmt"
	"strings"

	"connectrpc.com/connect"

	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/identity"
)

// procedureScopes is the one place that says what each procedure needs of
// an API key. Every procedure of every service is either here or public
// (publicProcedures); TestEveryProcedureHasAScope fails when a new RPC is
// added to neither, so no RPC can ship that keys reach by accident.
//
// Listing API keys needs read, not keys: it answers names, prefixes and
// scopes, never a secret, and changes nothing, so a read-only dashboard
// key may show them. Minting and revoking keys needs keys: that is the
// right that lets a key outlive its own revocation by making a successor.
// Changing a user's role needs keys too (and an admin's key): it is the
// other right that changes what credentials may do, so a key made with the
// default scopes, such as a CI job's, can never grant admin.
var procedureScopes = map[string]identity.Scope{
	slipwayv1connect.AuthServiceGetMeProcedure: identity.ScopeRead,

	slipwayv1connect.ApiKeyServiceCreateApiKeyProcedure: identity.ScopeKeys,
	slipwayv1connect.ApiKeyServiceListApiKeysProcedure:  identity.ScopeRead,
	slipwayv1connect.ApiKeyServiceDeleteApiKeyProcedure: identity.ScopeKeys,

	slipwayv1connect.ContractServiceGenerateContractProcedure: identity.ScopeContracts,
	slipwayv1connect.ContractServiceCompileContractProcedure:  identity.ScopeContracts,
	slipwayv1connect.ContractServiceAuditContractProcedure:    identity.ScopeContracts,

	slipwayv1connect.DeploymentServiceCreateDeploymentProcedure: identity.ScopeDeploy,
	slipwayv1connect.DeploymentServiceCancelDeploymentProcedure: identity.ScopeDeploy,
	// A vote decides what is deployed: the deploy scope, as for creating.
	slipwayv1connect.DeploymentServiceApproveDeploymentProcedure: identity.ScopeDeploy,
	slipwayv1connect.DeploymentServiceRejectDeploymentProcedure:  identity.ScopeDeploy,
	slipwayv1connect.DeploymentServiceListApprovalsProcedure:     identity.ScopeRead,
	slipwayv1connect.DeploymentServiceListDeploymentsProcedure:   identity.ScopeRead,
	slipwayv1connect.DeploymentServiceGetDeploymentProcedure:     identity.ScopeRead,
	slipwayv1connect.DeploymentServiceWatchDeploymentProcedure:   identity.ScopeRead,
	slipwayv1connect.DeploymentServiceUpgradeDeploymentProcedure: identity.ScopeDeploy,
	slipwayv1connect.DeploymentServiceGetProvenanceProcedure:     identity.ScopeRead,

	slipwayv1connect.NetworkServiceListNetworksProcedure: identity.ScopeRead,

	slipwayv1connect.UserServiceSetUserRoleProcedure: identity.ScopeKeys,
}

// RequiredScope answers the scope an API key needs to call procedure, and
// false for public procedures and ones nobody mapped (which keys may not
// call at all).
func RequiredScope(procedure string) (identity.Scope, bool) {
	s, ok := procedureScopes[procedure]
	return s, ok
}

// scopeInterceptor refuses, with permission_denied (HTTP 403), a call by
// an API key that lacks the procedure's scope. It is authorization, kept
// apart from authentication so that the rule lives in one map, and it runs
// right after it: the authentication interceptor wraps its handler with
// this one (interceptor.go), so it is on every path the principal is, RPCs
// on every protocol and REST alike, and the WebSocket feed, whose guard
// call carries WatchDeployment's spec. It runs before rate limiting, so a
// refused call spends none of the user's budget.
type scopeInterceptor struct{}

func (scopeInterceptor) WrapUnary(next connect.UnaryFunc) connect.UnaryFunc {
	return func(ctx context.Context, req connect.AnyRequest) (connect.AnyResponse, error) {
		if !req.Spec().IsClient {
			if err := authorize(ctx, req.Spec().Procedure); err != nil {
				return nil, err
			}
		}
		return next(ctx, req)
	}
}

func (scopeInterceptor) WrapStreamingClient(next connect.StreamingClientFunc) connect.StreamingClientFunc {
	return next
}

func (scopeInterceptor) WrapStreamingHandler(next connect.StreamingHandlerFunc) connect.StreamingHandlerFunc {
	return func(ctx context.Context, conn connect.StreamingHandlerConn) error {
		if err := authorize(ctx, conn.Spec().Procedure); err != nil {
			return err
		}
		return next(ctx, conn)
	}
}

// authorize answers nil when the caller in ctx may call procedure. Bearer
// callers hold every scope, so only API keys are ever refused, and a
// procedure missing from the map refuses every key (fail closed) while
// people who logged in can still use it.
func authorize(ctx context.Context, procedure string) error {
	if publicProcedures[procedure] {
		return nil
	}
	p, ok := identity.FromContext(ctx)
	if !ok {
		// Authentication runs first and never calls through without a
		// principal on a procedure that is not public.
		return toConnectError(ErrNoCredentials)
	}
	need, mapped := procedureScopes[procedure]
	switch {
	case p.Method == identity.MethodBearer:
		return nil
	case !mapped:
		return connect.NewError(connect.CodePermissionDenied,
			fmt.Errorf("API keys may not call %s; use an access token", procedure))
	case p.HasScope(need):
		return nil
	}
	return connect.NewError(connect.CodePermissionDenied, &ScopeError{Procedure: procedure, Need: need, Have: p.Scopes})
}

// ScopeError is the refusal of a call by an API key that lacks the scope
// the procedure needs.
type ScopeError struct {
	Procedure string
	Need      identity.Scope
	Have      identity.Scopes
}

func (e *ScopeError) Error() string {
	have := e.Have.String()
	if have == "" {
		have = "none"
	}
	method := e.Procedure[strings.LastIndex(e.Procedure, "/")+1:]
	return fmt.Sprintf("this API key lacks the %q scope, which %s needs (its scopes: %s); create a key with that scope",
		e.Need, method, have)
}
