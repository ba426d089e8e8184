package compile

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"os"
	"path/filepath"
	"strings"
)

// Upgrade safety: the pool's node workers also run
// @openzeppelin/upgrades-core, the library behind OpenZeppelin's Hardhat and
// Foundry upgrades plugins, so that Slipway refuses an unsafe
// implementation by OpenZeppelin's own rules rather than a copy of them:
// no constructor (unless marked unsafe-allow, as one that only calls
// _disableInitializers is), no selfdestruct or delegatecall, no state
// variable assigned at its declaration or immutable, an upgradeToAndCall
// for a UUPS proxy, initializers that call their parents'; and, for an
// upgrade, a storage layout that keeps every variable of the current
// implementation where it was (nothing removed, reordered or retyped;
// new variables appended). The worker compiles the standard JSON input
// with the solc-js module this pool selects, asking for what
// upgrades-core reads (ASTs, storage layouts, bytecode), as
// the plugins configure the compiler.

// upgradesPackage is upgrades-core's folder under Config.NodeModules.
const upgradesPackage = "@openzeppelin/upgrades-core"

// Proxy kinds (UpgradeSafetyRequest.Kind).
const (
	// ProxyUUPS: an ERC1967Proxy whose implementation carries the upgrade
	// function (UUPSUpgradeable's upgradeToAndCall), so every version must.
	ProxyUUPS = "uups"
	// ProxyTransparent: a TransparentUpgradeableProxy upgraded through its
	// ProxyAdmin; the implementation needs no upgrade function.
	ProxyTransparent = "transparent"
)

var (
	// ErrUpgradesCoreMissing reports a node_modules without
	// @openzeppelin/upgrades-core: this worker was deployed without `npm
	// ci`; another may have it.
	ErrUpgradesCoreMissing = errors.New("@openzeppelin/upgrades-core is not installed")
	// ErrUpgradesCore reports upgrades-core failing in a way it does not
	// classify (an exception other than its UpgradesError): a fault of the
	// checker, not a verdict on the sources.
	ErrUpgradesCore = errors.New("@openzeppelin/upgrades-core failed")
)

// UpgradeSafetyRequest asks whether a contract is safe to run behind a
// proxy and, when the proxy already runs a previous version, to upgrade
// that proxy to.
type UpgradeSafetyRequest struct {
	// Kind is the proxy: ProxyUUPS or ProxyTransparent.
	Kind string `json:"kind"`
	// New is the implementation to check.
	New UpgradeVersion `json:"new"`
	// Previous, when set, is the implementation the proxy runs now: New's
	// storage layout must be compatible with it.
	Previous *UpgradeVersion `json:"previous,omitempty"`
}

// UpgradeVersion is one version of an upgradeable contract, as it is (or
// was) compiled.
type UpgradeVersion struct {
	// StandardJSON is the solc standard JSON input (StandardInput.JSON);
	// every source as content. Its outputSelection is replaced by what
	// upgrades-core reads; the other settings stay.
	StandardJSON json.RawMessage `json:"standardJson"`
	// CompilerVersion is the release it is compiled with ("0.8.37"); an
	// installed one, or one auto-install may fetch.
	CompilerVersion string `json:"compilerVersion"`
	// ContractFile is the source unit that defines ContractName; empty,
	// the contract must be defined in exactly one unit.
	ContractFile string `json:"contractFile,omitempty"`
	ContractName string `json:"contractName"`
}

// UpgradeSafetyReport is upgrades-core's verdict.
type UpgradeSafetyReport struct {
	// Safe is true when the new implementation has no errors and, given a
	// previous version, its storage layout is compatible with it.
	Safe bool `json:"safe"`
	// Errors has one line per problem: its kind (upgrades-core's, such as
	// "constructor", "delegatecall", "missing-public-upgradeto", or
	// "storage-" and the layout change, such as "storage-delete"), the
	// contract, the location (file:line; "previous file:line" for what
	// only the previous version has) and the message.
	Errors []string `json:"errors,omitempty"`
	// Report is the library's own explanation of the errors and layout
	// changes, with its hints and links, as plain text; warnings that do
	// not make the contract unsafe (initializer call order) come last.
	Report string `json:"report,omitempty"`
}

// upgradeJob is the upgrade-safety part of a worker request (worker.js
// upgradeSafety); the new version's input, compiler and module are the
// request's own.
type upgradeJob struct {
	Library  string          `json:"library"`
	Kind     string          `json:"kind"`
	File     string          `json:"file,omitempty"`
	Contract string          `json:"contract"`
	Previous *upgradeVersion `json:"previous,omitempty"`
}

type upgradeVersion struct {
	Version  string `json:"version"`
	Module   string `json:"module"`
	Input    string `json:"input"`
	File     string `json:"file,omitempty"`
	Contract string `json:"contract"`
}

// upgradeVerdict is worker.js's answer to an upgrade-safety request.
type upgradeVerdict struct {
	Safe   bool     `json:"safe"`
	Errors []string `json:"errors"`
	Report string   `json:"report"`
	// Code is empty for a verdict; otherwise why there is none:
	// "compiler_error" (SolcErrors holds solc's errors), "solc_threw",
	// "contract" (not found, ambiguous or abstract) or "internal".
	Code    string `json:"code"`
	Message string `json:"message"`
	// Side is "new" or "previous": the version Code is about.
	Side       string          `json:"side"`
	SolcErrors json.RawMessage `json:"solcErrors"`
}

// validate checks a version's fields and answers its sources (unit name
// to content), which positions solc's errors.
func (v UpgradeVersion) validate(side string) (map[string]string, error) {
	switch {
	case len(v.StandardJSON) == 0:
		return nil, inputError("%s version: no standard JSON input given", side)
	case len(v.StandardJSON) > MaxStandardJSONBytes:
		return nil, inputError("%s version: standard JSON input of %d bytes; at most %d are allowed", side, len(v.StandardJSON), MaxStandardJSONBytes)
	case strings.TrimSpace(v.CompilerVersion) == "":
		return nil, inputError("%s version: no compiler version given", side)
	case !identifier.MatchString(v.ContractName):
		return nil, inputError("%s version: contract name %q is not a Solidity identifier", side, v.ContractName)
	}
	var in struct {
		Language string `json:"language"`
		Sources  map[string]struct {
			Content *string `json:"content"`
		} `json:"sources"`
		Settings json.RawMessage `json:"settings"`
	}
	if err := json.Unmarshal(v.StandardJSON, &in); err != nil {
		return nil, inputError("%s version: standard JSON input does not parse: %v", side, err)
	}
	if in.Language != "Solidity" || len(in.Sources) == 0 || (len(in.Settings) > 0 && in.Settings[0] != '{') {
		return nil, inputError("%s version: standard JSON input needs language Solidity and sources", side)
	}
	sources := make(map[string]string, len(in.Sources))
	for name, s := range in.Sources {
		if s.Content == nil {
			// upgrades-core locates its findings in the sources' text.
			return nil, inputError("%s version: source %s has no content (URLs are not fetched)", side, name)
		}
		sources[name] = *s.Content
	}
	if _, ok := sources[v.ContractFile]; v.ContractFile != "" && !ok {
		return nil, inputError("%s version: contract file %q is not among the sources", side, v.ContractFile)
	}
	return sources, nil
}

// UpgradeSafety runs upgrades-core's checks of req on one of the pool's
// workers, under the same queue, time limit (two runs at most), memory
// cap and process replacement as a compile. One run compiles the new
// version and, when given, the previous one, each a second time cut down
// to its storage (upgrades-core's namespaced compilation, for ERC-7201
// namespaces) when they have namespaces to compare.
//
// An unsafe contract is a verdict (Safe false), not an error. Errors:
// *CompileError (a malformed request, sources that do not compile, a
// contract not found or abstract), ErrNoCompiler, ErrCompiler,
// ErrOutputTooLarge and ErrLimitExceeded are the request's (retrying
// cannot help); ErrUpgradesCoreMissing, ErrUpgradesCore and the pool's
// infrastructure errors (Retryable) are not.
func (p *Pool) UpgradeSafety(ctx context.Context, req UpgradeSafetyRequest) (UpgradeSafetyReport, error) {
	if req.Kind != ProxyUUPS && req.Kind != ProxyTransparent {
		return UpgradeSafetyReport{}, inputError("proxy kind %q: want %q or %q", req.Kind, ProxyUUPS, ProxyTransparent)
	}
	newSources, err := req.New.validate("new")
	if err != nil {
		return UpgradeSafetyReport{}, err
	}
	var prevSources map[string]string
	if req.Previous != nil {
		if prevSources, err = req.Previous.validate("previous"); err != nil {
			return UpgradeSafetyReport{}, err
		}
	}
	lib := filepath.Join(p.cfg.NodeModules, filepath.FromSlash(upgradesPackage))
	if _, err := os.Stat(filepath.Join(lib, "package.json")); err != nil {
		return UpgradeSafetyReport{}, fmt.Errorf("%w in %s (run npm ci)", ErrUpgradesCoreMissing, p.cfg.NodeModules)
	}
	c, err := p.selectCompiler(ctx, req.New.CompilerVersion, nil)
	if err != nil {
		return UpgradeSafetyReport{}, err
	}
	job := &upgradeJob{Library: lib, Kind: req.Kind, File: req.New.ContractFile, Contract: req.New.ContractName}
	if prev := req.Previous; prev != nil {
		pc, err := p.selectCompiler(ctx, prev.CompilerVersion, nil)
		if err != nil {
			return UpgradeSafetyReport{}, fmt.Errorf("previous version: %w", err)
		}
		job.Previous = &upgradeVersion{
			Version: pc.Version, Module: pc.Dir, Input: string(prev.StandardJSON),
			File: prev.ContractFile, Contract: prev.ContractName,
		}
	}
	out, err := p.do(ctx, workerRequest{Kind: "upgrade-safety", Version: c.Version, Module: c.Dir, Input: string(req.New.StandardJSON), Upgrade: job})
	if err != nil {
		return UpgradeSafetyReport{}, fmt.Errorf("check upgrade safety with solc %s: %w", c.Version, err)
	}
	var v upgradeVerdict
	if err := json.Unmarshal(out, &v); err != nil {
		return UpgradeSafetyReport{}, fmt.Errorf("%w: decode its answer: %w", ErrUpgradesCore, err)
	}
	sources := newSources
	if v.Side == "previous" {
		sources = prevSources
	}
	return v.report(sources)
}

// report turns worker.js's verdict into a report or an error; sources are
// those of the version the verdict's error is about.
func (v upgradeVerdict) report(sources map[string]string) (UpgradeSafetyReport, error) {
	side := "" // the new version's errors read as a compile's
	if v.Side == "previous" {
		side = "previous version: "
	}
	switch v.Code {
	case "":
		return UpgradeSafetyReport{Safe: v.Safe, Errors: v.Errors, Report: v.Report}, nil
	case "compiler_error":
		// The compile's own reading of solc's errors, with positions.
		raw, err := json.Marshal(map[string]json.RawMessage{"errors": v.SolcErrors})
		if err != nil {
			return UpgradeSafetyReport{}, fmt.Errorf("%w: encode solc's errors: %w", ErrUpgradesCore, err)
		}
		_, err = parseOutput(raw, &resolved{sources: sources}, "", "")
		var ce *CompileError
		if !errors.As(err, &ce) {
			return UpgradeSafetyReport{}, fmt.Errorf("%w: solc reported errors it did not list: %s", ErrUpgradesCore, firstLines(v.Message, 5))
		}
		for i := range ce.Diagnostics {
			ce.Diagnostics[i].Message = side + ce.Diagnostics[i].Message
		}
		return UpgradeSafetyReport{}, ce
	case "contract":
		return UpgradeSafetyReport{}, &CompileError{Diagnostics: []compileapi.Diagnostic{{
			Severity: compileapi.SeverityError, Code: compileapi.CodeContract, Message: side + v.Message,
		}}}
	case "solc_threw":
		return UpgradeSafetyReport{}, fmt.Errorf("%w: %s", ErrCompiler, plainSolcFailure(v.Message))
	}
	return UpgradeSafetyReport{}, fmt.Errorf("%w (%s): %s", ErrUpgradesCore, v.Code, firstLines(v.Message, 5))
}
