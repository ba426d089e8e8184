package deployments

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/slipway-dev/slipway/activities/deploy"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
)

// DefaultPrecompileTimeout bounds the compile that checks a user source's
// constructor arguments within the deploy request: the answer must come at
// once, and the workflow checks the same things anyway.
const DefaultPrecompileTimeout = 10 * time.Second

// WithPrecompile compiles user sources (not templates, whose parameters are
// known) in CreateDeployment with c, within timeout (0 for
// DefaultPrecompileTimeout): sources that do not compile and constructor
// arguments that do not fit the compiled ABI are then invalid_argument
// before any workflow starts. When the compile cannot finish in time (no
// worker is up, say) the request goes on and the workflow decides, so a
// deployment is never refused for an outage; the Compiler cancels the
// compile it started when cctx ends, so an abandoned pre-compile does not
// hold a solc worker. The compile lands in the artifact cache, where the
// workflow's own compile finds it.
func WithPrecompile(c Compiler, timeout time.Duration) Option {
	return func(s *service) {
		s.precompile = c
		s.precompileTimeout = timeout
		if timeout <= 0 {
			s.precompileTimeout = DefaultPrecompileTimeout
		}
	}
}

func (s *service) checkSource(ctx context.Context, msg *slipwayv1.CreateDeploymentRequest) error {
	if s.precompile == nil || msg.GetTemplate() != nil {
		return nil
	}
	c, err := s.compiled(ctx, &slipwayv1.CompileContractRequest{
		Source: msg.GetSource(), Sources: msg.GetSources(), ContractName: msg.GetContractName(),
		CompilerVersion: msg.GetCompilerVersion(), Optimizer: msg.GetOptimizer(),
	})
	switch {
	case errors.Is(err, errCompileUnfinished):
		// Out of time (the Compiler cancels its abandoned compile, so it
		// does not hold a solc worker on) or out of service.
		s.logger.WarnContext(ctx, "pre-deploy compile did not finish; the workflow will check the sources", slog.Any("err", err))
		return nil
	case err != nil:
		return err
	}
	args, err := jsonArgs(msg.GetConstructorArgs())
	if err != nil {
		return err
	}
	if _, err := deploy.EncodeConstructor(c.GetAbi(), c.GetBytecode(), args); err != nil {
		return invalidf("contract %s: %v", c.GetName(), err)
	}
	return nil
}
