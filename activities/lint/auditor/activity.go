// Package auditor is the lint stage's activity: it compiles the sources
// with their ASTs on the worker's solc-js pool and runs package lint's
// detectors over them. Package lint itself stays free of the pool, so
// that workflows/ uses its request, result and gate without it.
package auditor

import (
	"context"
	"fmt"

	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/activities/lint"
)

// Activities is the audit stage: it compiles the sources with their ASTs
// on the worker's solc-js pool and analyses them there, so that the ASTs
// (megabytes for an OpenZeppelin token) never enter a Temporal payload.
type Activities struct {
	Pool *compile.Pool
}

// Audit compiles and analyses. Sources that do not compile fail as the
// compile activity does (non-retryable, with diagnostics); a crashed solc
// worker is retried.
func (a *Activities) Audit(ctx context.Context, req lint.AuditRequest) (lint.AuditResult, error) {
	defer compile.Heartbeat(ctx)()
	var next []compileapi.Request
	if req.Next != nil {
		next = append(next, *req.Next)
	}
	res, err := a.Pool.CompileWith(ctx, compileapi.Request{Source: req.Source, Sources: req.Sources, CompilerVersion: req.CompilerVersion}, next...)
	if err != nil {
		return lint.AuditResult{}, compile.ActivityError(err)
	}
	findings, err := lint.Analyze(lint.UnitsFromResult(res), lint.Options{IncludeDependencies: req.IncludeDependencies, CompilerVersion: res.CompilerVersion})
	if err != nil {
		return lint.AuditResult{}, fmt.Errorf("analyse: %w", err)
	}
	if findings == nil {
		findings = []lint.Finding{}
	}
	return lint.AuditResult{Findings: findings, Summary: lint.Summarize(findings), CompilerVersion: res.CompilerVersion}, nil
}
