package lint

import (
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// ActivityAudit is the audit activity's name, as the worker registers it
// (auditor.Activities.Audit, which runs the analysis on the solc pool); a
// cmd/slipway test keeps the two equal.
const ActivityAudit = "Audit"

// AuditRequest is one audit: the sources as the compile request takes them.
type AuditRequest struct {
	Source              string            `json:"source,omitempty"`
	Sources             map[string]string `json:"sources,omitempty"`
	CompilerVersion     string            `json:"compilerVersion,omitempty"`
	IncludeDependencies bool              `json:"includeDependencies,omitempty"`
	// Next is the compile request that follows the audit, as in the
	// deployment workflow: when the audit runs solc on the same input, it
	// caches Next's result too, so the compile stage does not run solc again.
	Next *compileapi.Request `json:"next,omitempty"`
}

// AuditResult is the audit API's answer.
type AuditResult struct {
	Findings        []Finding `json:"findings"`
	Summary         Summary   `json:"summary"`
	CompilerVersion string    `json:"compilerVersion"`
}
