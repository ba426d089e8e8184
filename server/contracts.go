package server

import (
	"context"

	"github.com/slipway-dev/slipway/activities/generate"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// contractService answers ContractService. Generation is a pure function of
// the template, so it runs in the request; compile and audit wait for the
// compiler and linter capabilities.
type contractService struct{}

// NewContractService is what Deps.Services.Contracts falls back to.
func NewContractService() slipwayv1connect.ContractServiceHandler { return contractService{} }

func (contractService) GenerateContract(_ context.Context, req *connect.Request[slipwayv1.GenerateContractRequest]) (*connect.Response[slipwayv1.GenerateContractResponse], error) {
	res, err := generate.Generate(req.Msg.GetTemplate())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.GenerateContractResponse{
		Source: res.Source, ContractName: res.ContractName, CompilerVersion: res.CompilerVersion,
	}), nil
}

func (contractService) CompileContract(context.Context, *connect.Request[slipwayv1.CompileContractRequest]) (*connect.Response[slipwayv1.CompileContractResponse], error) {
	return nil, notAvailable("contract compilation", "compiler")
}

func (contractService) AuditContract(context.Context, *connect.Request[slipwayv1.AuditContractRequest]) (*connect.Response[slipwayv1.AuditContractResponse], error) {
	return nil, notAvailable("contract auditing", "linter")
}
