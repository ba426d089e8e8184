// Package buildsapi is the build recorder's side of the workflow boundary:
// what the workflow hands package builds, its answers and its activities'
// registered names. It has no Postgres, so that workflows/ calls the build
// activities without importing package builds.
package buildsapi

import (
	"encoding/json"

	"github.com/slipway-dev/slipway/activities/compile/compileapi"
)

// Names of the build activities, as the worker registers them (the methods
// of builds.Activities); a cmd/slipway test keeps them equal.
const (
	ActivityRecordBuild  = "RecordBuild"
	ActivityCheckUpgrade = "CheckUpgrade"
)

// ErrTypeBuild is a build record that cannot be made from its input (an
// id that is not a uuid, arguments that do not fit, no recorded build to
// compare an upgrade with): retrying cannot fix it.
const ErrTypeBuild = "BuildRecord"

// RecordInput is what a deployment compiled, as the workflow has it.
type RecordInput struct {
	DeploymentID    string              `json:"deploymentId"`
	Request         compileapi.Request  `json:"request"`
	Contract        compileapi.Contract `json:"contract"`
	CompilerVersion string              `json:"compilerVersion"`
	SourceHash      string              `json:"sourceHash"`
	// Findings is the audit's findings as the workflow received them
	// (JSON); their sha256 is the lint report hash.
	Findings        json.RawMessage   `json:"findings"`
	ConstructorArgs []json.RawMessage `json:"constructorArgs,omitempty"`
	// Initializer, for an upgradeable contract, is the function its
	// proxy calls with ConstructorArgs (whose names and types are then
	// the initializer's).
	Initializer string `json:"initializer,omitempty"`
}

// CheckInput asks whether the compiled Contract of New may replace the
// implementation whose build the deployment Current recorded.
type CheckInput struct {
	// Current is the deployment whose build is the proxy's current
	// implementation: the proxy's own, or its last confirmed upgrade's.
	Current string `json:"current"`
	// Kind is the proxy's: "uups" or "transparent".
	Kind     string              `json:"kind"`
	New      compileapi.Request  `json:"new"`
	Contract compileapi.Contract `json:"contract"`
}

// CheckResult is @openzeppelin/upgrades-core's verdict: Safe, one line per
// error, and the library's report as text.
type CheckResult struct {
	Safe   bool     `json:"safe"`
	Errors []string `json:"errors,omitempty"`
	Report string   `json:"report,omitempty"`
}
