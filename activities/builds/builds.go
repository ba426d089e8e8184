// Package builds records what a deployment was built from, once, when it
// compiled (the provenance record's build half: hashes of the sources, of
// solc's standard JSON input, of the audit's findings and of the bytecode,
// and the constructor arguments by name), and checks a proxy's next
// implementation against the recorded current one with OpenZeppelin's
// upgrade-safety rules, run by @openzeppelin/upgrades-core in the solc pool.
package builds

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/builds/buildsapi"
	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/ctorargs"
)

// Activities holds the build stage's dependencies.
type Activities struct {
	Pool *compile.Pool
	DB   *pgxpool.Pool
}

// RecordBuild stores the deployment's build record (once: a retry keeps
// the first). The standard JSON input is rebuilt by the compile's own code
// path, so its hash is that of what solc compiled.
func (a *Activities) RecordBuild(ctx context.Context, in buildsapi.RecordInput) error {
	defer compile.Heartbeat(ctx)()
	id, err := uuid.Parse(in.DeploymentID)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("deployment id: %v", err), buildsapi.ErrTypeBuild, nil)
	}
	std, err := a.Pool.StandardInput(ctx, in.Request)
	if err != nil {
		return fmt.Errorf("rebuild the standard JSON input: %w", err)
	}
	args, initCode, err := describeArgs(in.Contract, in.Initializer, in.ConstructorArgs)
	if err != nil {
		return temporal.NewNonRetryableApplicationError(err.Error(), buildsapi.ErrTypeBuild, err)
	}
	code, _ := hex.DecodeString(strings.TrimPrefix(in.Contract.Bytecode, "0x"))
	runtime, _ := hex.DecodeString(strings.TrimPrefix(in.Contract.DeployedBytecode, "0x"))
	argsJSON, err := json.Marshal(args)
	if err != nil {
		return fmt.Errorf("encode constructor arguments: %w", err)
	}
	initHash := ""
	if initCode != nil {
		initHash = crypto.Keccak256Hash(initCode).Hex()
	}
	err = db.New(a.DB).InsertDeploymentBuild(ctx, db.InsertDeploymentBuildParams{
		DeploymentID: id, ContractName: in.Contract.Name, ContractFile: in.Contract.File,
		CompilerVersion: in.CompilerVersion, Optimizer: in.Request.Optimizer.Enabled, OptimizerRuns: int32(max(min(in.Request.Optimizer.Runs, 1<<31-1), 0)),
		SourceHash: in.SourceHash, StandardJSONInputHash: sha256Hex(std.JSON), LintReportHash: sha256Hex(in.Findings),
		BytecodeHash: crypto.Keccak256Hash(code).Hex(), DeployedBytecodeHash: crypto.Keccak256Hash(runtime).Hex(),
		InitCodeHash: initHash, ConstructorArgs: argsJSON, StandardJSON: std.JSON,
	})
	if err != nil {
		return fmt.Errorf("store the build record: %w", err)
	}
	return nil
}

// Arg is one constructor (or initializer) argument by name and type.
type Arg struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// describeArgs names args after the constructor's (or the initializer's)
// parameters, and answers the init code for a plain contract (nil for an
// upgradeable one, whose init code has no arguments of its own).
func describeArgs(c compileapi.Contract, initializer string, args []json.RawMessage) ([]Arg, []byte, error) {
	parsed, err := abi.JSON(strings.NewReader(c.ABI))
	if err != nil {
		return nil, nil, fmt.Errorf("parse abi: %w", err)
	}
	params := parsed.Constructor.Inputs
	if initializer != "" {
		m, ok := parsed.Methods[initializer]
		if !ok {
			return nil, nil, fmt.Errorf("the contract has no function %s", initializer)
		}
		params = m.Inputs
	}
	packed, err := ctorargs.Encode(params, args)
	if err != nil {
		return nil, nil, fmt.Errorf("constructor arguments: %w", err)
	}
	out := make([]Arg, len(params))
	for i, p := range params {
		out[i] = Arg{Name: p.Name, Type: p.Type.String(), Value: args[i]}
	}
	if initializer != "" {
		return out, nil, nil
	}
	return out, append(common.FromHex(c.Bytecode), packed...), nil
}

func sha256Hex(b []byte) string {
	sum := sha256.Sum256(b)
	return "0x" + hex.EncodeToString(sum[:])
}

// CheckUpgrade runs OpenZeppelin's upgrade-safety validation of the new
// implementation and its storage-layout comparison with the current one
// (from the current build's standard JSON input). An unsafe upgrade is a
// verdict (Safe false), not an error.
func (a *Activities) CheckUpgrade(ctx context.Context, in buildsapi.CheckInput) (buildsapi.CheckResult, error) {
	defer compile.Heartbeat(ctx)()
	id, err := uuid.Parse(in.Current)
	if err != nil {
		return buildsapi.CheckResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("deployment id: %v", err), buildsapi.ErrTypeBuild, nil)
	}
	cur, err := db.New(a.DB).GetDeploymentBuild(ctx, id)
	if db.IsNotFound(err) {
		return buildsapi.CheckResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("deployment %s has no build record to compare with (it was deployed before builds were recorded)", id), buildsapi.ErrTypeBuild, nil)
	}
	if err != nil {
		return buildsapi.CheckResult{}, fmt.Errorf("read the current build: %w", err)
	}
	std, err := a.Pool.StandardInput(ctx, in.New)
	if err != nil {
		return buildsapi.CheckResult{}, compile.ActivityError(fmt.Errorf("rebuild the new standard JSON input: %w", err))
	}
	res, err := a.Pool.UpgradeSafety(ctx, compile.UpgradeSafetyRequest{
		Kind: in.Kind,
		New:  compile.UpgradeVersion{StandardJSON: std.JSON, CompilerVersion: std.CompilerVersion, ContractFile: in.Contract.File, ContractName: in.Contract.Name},
		Previous: &compile.UpgradeVersion{
			StandardJSON: cur.StandardJSON, CompilerVersion: cur.CompilerVersion, ContractFile: cur.ContractFile, ContractName: cur.ContractName,
		},
	})
	if err != nil {
		return buildsapi.CheckResult{}, compile.ActivityError(err)
	}
	return buildsapi.CheckResult{Safe: res.Safe, Errors: res.Errors, Report: res.Report}, nil
}
