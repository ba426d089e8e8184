package lint

import (
	"context"
	"fmt"

	"github.com/slipway-dev/slipway/activities/compile"
)

// Activities is the audit stage: it compiles the sources with their ASTs
// on the worker's solc-js pool and analyses them there, so that the ASTs
// (megabytes for an OpenZeppelin token) never enter a Temporal payload.
type Activities struct {
	Pool *compile.Pool
}

// AuditRequest is one audit: the sources as the compile request takes them.
type AuditRequest struct {
	Source              string            `json:"source,omitempty"`
	Sources             map[string]string `json:"sources,omitempty"`
	CompilerVersion     string            `json:"compilerVersion,omitempty"`
	IncludeDependencies bool              `json:"includeDependencies,omitempty"`
	// Next is the compile request that follows the audit, as in the
	// deployment workflow: when the audit runs solc on the same input, it
	// caches Next's result too, so the compile stage does not run solc again.
	Next *compile.Request `json:"next,omitempty"`
}

// AuditResult is the audit API's answer.
type AuditResult struct {
	Findings        []Finding `json:"findings"`
	Summary         Summary   `json:"summary"`
	CompilerVersion string    `json:"compilerVersion"`
}

// Audit compiles and analyses. Sources that do not compile fail as the
// compile activity does (non-retryable, with diagnostics); a crashed solc
// worker is retried.
func (a *Activities) Audit(ctx context.Context, req AuditRequest) (AuditResult, error) {
	defer compile.Heartbeat(ctx)()
	var next []compile.Request
	if req.Next != nil {
		next = append(next, *req.Next)
	}
	res, err := a.Pool.CompileWith(ctx, compile.Request{Source: req.Source, Sources: req.Sources, CompilerVersion: req.CompilerVersion}, next...)
	if err != nil {
		return AuditResult{}, compile.ActivityError(err)
	}
	findings, err := Analyze(UnitsFromResult(res), Options{IncludeDependencies: req.IncludeDependencies, CompilerVersion: res.CompilerVersion})
	if err != nil {
		return AuditResult{}, fmt.Errorf("analyse: %w", err)
	}
	if findings == nil {
		findings = []Finding{}
	}
	return AuditResult{Findings: findings, Summary: Summarize(findings), CompilerVersion: res.CompilerVersion}, nil
}
