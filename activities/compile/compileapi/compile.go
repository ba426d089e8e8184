package compileapi

import (
	"encoding/json"
	"fmt"
	"time"
)

// Diagnostic severities.
const (
	SeverityError   = "error"
	SeverityWarning = "warning"
	SeverityInfo    = "info"
)

// Diagnostic codes for problems found by Slipway rather than solc; solc's
// own diagnostics carry its numeric error code.
const (
	CodeImport   = "import"
	CodePragma   = "pragma"
	CodeInput    = "input"
	CodeContract = "contract-not-found"
	// CodeUnsupportedCompiler marks a compiler version Slipway cannot
	// compile with: older than 0.4.0 (which does not read `pragma
	// solidity`), or a published solc-js package that does not load.
	CodeUnsupportedCompiler = "unsupported-compiler"
	// CodeCompilerFallback marks the note that says an older compiler
	// series was tried because the newest one the pragmas admit failed:
	// an info in Result.Warnings when an older one compiled the sources,
	// an info after the newest one's errors when every one failed.
	CodeCompilerFallback = "compiler-fallback"
)

// Optimizer mirrors solc's optimizer settings.
type Optimizer struct {
	Enabled bool `json:"enabled"`
	// Runs defaults to 200 (solc's and Hardhat's default) when zero.
	Runs int `json:"runs"`
}

// Request is one compile: a single Source or a map of Sources, with the
// settings the API exposes.
type Request struct {
	// Source is a single file, compiled as Contract.sol
	// (compile.DefaultFile).
	Source string `json:"source,omitempty"`
	// Sources maps relative paths to contents; exclusive with Source.
	Sources map[string]string `json:"sources,omitempty"`
	// ContractName, when set, must name a contract of the sources.
	ContractName string `json:"contractName,omitempty"`
	// CompilerVersion pins the compiler; empty selects it from the pragmas.
	CompilerVersion string    `json:"compilerVersion,omitempty"`
	Optimizer       Optimizer `json:"optimizer"`
	// OmitAST drops the ASTs from the Result. Callers that only need ABI
	// and bytecode (the compile RPC) set it so that Temporal payloads stay
	// small: an OpenZeppelin token's ASTs run to megabytes.
	OmitAST bool `json:"omitAst,omitempty"`
}

// Contract is one compiled contract of the request's own sources.
type Contract struct {
	Name string `json:"name"`
	File string `json:"file"`
	// ABI is the JSON text of the ABI, as the API returns it.
	ABI              string `json:"abi"`
	Bytecode         string `json:"bytecode"`
	DeployedBytecode string `json:"deployedBytecode"`
}

// Diagnostic is one compiler message with a 1-based position in the file
// (Line and Column are zero when solc gave no location).
type Diagnostic struct {
	Severity string `json:"severity"`
	File     string `json:"file,omitempty"`
	Line     int    `json:"line,omitempty"`
	Column   int    `json:"column,omitempty"`
	Message  string `json:"message"`
	// Code is solc's error code, or one of the Code constants.
	Code string `json:"code,omitempty"`
	// Type is solc's error type (ParserError, TypeError, Warning…).
	Type string `json:"type,omitempty"`
}

func (d Diagnostic) String() string {
	loc := d.File
	if d.Line > 0 {
		loc = fmt.Sprintf("%s:%d:%d", d.File, d.Line, d.Column)
	}
	if loc == "" {
		return fmt.Sprintf("%s: %s", d.Severity, d.Message)
	}
	return fmt.Sprintf("%s: %s: %s", loc, d.Severity, d.Message)
}

// Result is a successful compile.
type Result struct {
	Contracts []Contract `json:"contracts"`
	// Warnings holds solc's warnings and infos (errors fail the compile).
	Warnings []Diagnostic `json:"warnings"`
	// CompilerVersion is the release that compiled the sources: the one
	// requested, the newest the pragmas admit, or the older one a
	// fallback chose when that failed (Warnings then holds a
	// CodeCompilerFallback info saying so).
	CompilerVersion string `json:"compilerVersion"`
	// ASTs maps every source unit (including resolved dependencies) to its
	// solc AST, for the linter.
	ASTs map[string]json.RawMessage `json:"asts,omitempty"`
	// Sources are the units that were compiled, for mapping AST offsets.
	Sources map[string]string `json:"-"`
}

// Application error types of the compile activity. Workflows list them as
// non-retryable, and callers of a compile workflow tell the user's errors
// from the system's by them.
const (
	// ErrTypeCompileError carries the []Diagnostic of a
	// *compile.CompileError as its details.
	ErrTypeCompileError = "CompileError"
	// ErrTypeNoCompiler reports compile.ErrNoCompiler; the message names
	// the installed versions.
	ErrTypeNoCompiler = "NoCompiler"
	// ErrTypeOutputTooLarge reports compile.ErrOutputTooLarge.
	ErrTypeOutputTooLarge = "OutputTooLarge"
	// ErrTypeCompilerFailed reports compile.ErrCompiler: solc-js threw on
	// this input, and will again.
	ErrTypeCompilerFailed = "CompilerFailed"
	// ErrTypeLimitExceeded reports compile.ErrLimitExceeded: solc ran past
	// the pool's time or memory limit on this input.
	ErrTypeLimitExceeded = "CompilerLimitExceeded"
)

// NonRetryableErrorTypes are the application error types that retrying the
// compile activity cannot fix, for the activity options' retry policy.
var NonRetryableErrorTypes = []string{ErrTypeCompileError, ErrTypeNoCompiler, ErrTypeOutputTooLarge, ErrTypeCompilerFailed, ErrTypeLimitExceeded}

// HeartbeatEvery is how often an activity that runs solc heartbeats; the
// workflows' heartbeat timeout for them is a few times longer.
const HeartbeatEvery = 3 * time.Second

// MaxRequestTimeout is the longest a compile pool's RequestTimeout (one
// solc run) may be: it keeps two runs of a request (the retry on a fresh
// process) within the workflows' activity start-to-close timeout.
const MaxRequestTimeout = 2 * time.Minute
