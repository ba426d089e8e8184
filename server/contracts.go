package server

import (
	"context"

	"github.com/slipway-dev/slipway/activities/generate"

	"connectrpc.com/connect"

	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/proto/slipway/v1/slipwayv1connect"
	"github.com/slipway-dev/slipway/server/apierr"
)

// Compiler compiles the sources of a compile request. The API process has
// no solc of its own: the production Compiler runs the compile workflow on
// a worker and waits for it, so a compile is a visible Temporal job.
//
// A Compiler reports sources that do not compile as a *compile.CompileError
// (answered invalid_argument with the diagnostics as a CompileErrorDetails
// detail) and a compiler version that is not installed as an error wrapping
// compile.ErrNoCompiler; anything else is a server fault.
type Compiler interface {
	Compile(ctx context.Context, req *slipwayv1.CompileContractRequest) (*slipwayv1.CompileContractResponse, error)
}

// Auditor audits the sources of an audit request. Like Compiler, the
// production Auditor runs a workflow on a worker (compile with ASTs, then
// Slipway's detectors), and reports sources that do not compile as a
// *compile.CompileError.
type Auditor interface {
	Audit(ctx context.Context, req *slipwayv1.AuditContractRequest) (*slipwayv1.AuditContractResponse, error)
}

// contractService answers ContractService. Generation is a pure function of
// the template, so it runs in the request; compile needs a Compiler, and
// audit waits for the linter capability.
type contractService struct {
	compiler Compiler
	auditor  Auditor
}

// NewContractService is what Deps.Services.Contracts falls back to: compile
// answers unimplemented, since there is no compiler to run.
func NewContractService() slipwayv1connect.ContractServiceHandler { return contractService{} }

// NewContractServiceWithCompiler answers compile requests with c.
func NewContractServiceWithCompiler(c Compiler) slipwayv1connect.ContractServiceHandler {
	return contractService{compiler: c}
}

// NewContractServiceWithToolchain answers compile requests with c and audit
// requests with a.
func NewContractServiceWithToolchain(c Compiler, a Auditor) slipwayv1connect.ContractServiceHandler {
	return contractService{compiler: c, auditor: a}
}

func (contractService) GenerateContract(_ context.Context, req *connect.Request[slipwayv1.GenerateContractRequest]) (*connect.Response[slipwayv1.GenerateContractResponse], error) {
	res, err := generate.Generate(req.Msg.GetTemplate())
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(&slipwayv1.GenerateContractResponse{
		Source: res.Source, ContractName: res.ContractName, CompilerVersion: res.CompilerVersion,
	}), nil
}

func (s contractService) CompileContract(ctx context.Context, req *connect.Request[slipwayv1.CompileContractRequest]) (*connect.Response[slipwayv1.CompileContractResponse], error) {
	if s.compiler == nil {
		return nil, apierr.NotAvailable("contract compilation", "compiler")
	}
	res, err := s.compiler.Compile(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}

func (s contractService) AuditContract(ctx context.Context, req *connect.Request[slipwayv1.AuditContractRequest]) (*connect.Response[slipwayv1.AuditContractResponse], error) {
	if s.auditor == nil {
		return nil, apierr.NotAvailable("contract auditing", "linter")
	}
	res, err := s.auditor.Audit(ctx, req.Msg)
	if err != nil {
		return nil, err
	}
	return connect.NewResponse(res), nil
}
