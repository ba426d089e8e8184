package server

import (
	"context"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
)

// contractService stands in for ContractService until the template,
// compiler and linter capabilities provide its procedures.
type contractService struct{}

// NewContractService answers the ContractService procedures with
// unimplemented errors naming the capability each waits for; it is what
// Deps.Services.Contracts falls back to.
func NewContractService() slipwayv1connect.ContractServiceHandler { return contractService{} }

func (contractService) GenerateContract(context.Context, *connect.Request[slipwayv1.GenerateContractRequest]) (*connect.Response[slipwayv1.GenerateContractResponse], error) {
	return nil, notAvailable("contract generation", "contract templates")
}

func (contractService) CompileContract(context.Context, *connect.Request[slipwayv1.CompileContractRequest]) (*connect.Response[slipwayv1.CompileContractResponse], error) {
	return nil, notAvailable("contract compilation", "compiler")
}

func (contractService) AuditContract(context.Context, *connect.Request[slipwayv1.AuditContractRequest]) (*connect.Response[slipwayv1.AuditContractResponse], error) {
	return nil, notAvailable("contract auditing", "linter")
}
