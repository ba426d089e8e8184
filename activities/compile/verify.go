package compile

import (
	"bytes"
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// Source verification: the pool's node workers also run
// @ethereum-sourcify/lib-sourcify, the library behind sourcify.dev, so
// that Slipway proves a deployed contract's source with Sourcify's own
// matching rather than a copy of it: lib-sourcify recompiles the standard
// JSON input with the solc-js module this pool selects (the same loading
// and API bridging as a compile, worker.js compileWith) and compares the
// result with the on-chain bytecode, filling in immutables, library
// addresses and call protection, and ignoring the metadata hash (the CBOR
// auxdata) only for a partial match. Chain data is fetched in Go and passed
// in: node never gets an RPC URL, which is a secret (it often embeds a
// provider key) and would be one more outbound connection from the process
// that runs user input.

// sourcifyPackage is lib-sourcify's folder under Config.NodeModules.
const sourcifyPackage = "@ethereum-sourcify/lib-sourcify"

// MaxStandardJSONBytes caps the standard JSON input of a verification:
// the request's own sources (at most MaxSourceBytes) plus the
// OpenZeppelin files they import, with room to spare.
const MaxStandardJSONBytes = 16 << 20

// Verification outcomes (VerifyResult.Status), in Sourcify's terms: "full"
// is its perfect match (exact_match), "partial" its partial match (match).
const (
	// VerifyFull: the recompiled runtime bytecode equals the deployed one,
	// metadata hash included, so the sources are exactly those compiled.
	VerifyFull = "full"
	// VerifyPartial: equal except the metadata hash, so the code is the
	// same but the metadata differs (a comment, whitespace, a file name, a
	// metadata setting).
	VerifyPartial = "partial"
	// VerifyMismatch: the sources do not produce the deployed code.
	VerifyMismatch = "mismatch"
)

var (
	// ErrVerifierMissing reports a node_modules without lib-sourcify: this
	// worker was deployed without `npm ci`; another may have it.
	ErrVerifierMissing = errors.New("@ethereum-sourcify/lib-sourcify is not installed")
	// ErrVerifier reports lib-sourcify failing in a way it does not
	// classify (an exception of its own): a fault of the verifier, not a
	// verdict on the sources.
	ErrVerifier = errors.New("lib-sourcify failed")
)

// VerifyInputError reports a verification request that cannot be carried
// out as given: malformed fields, or sources lib-sourcify could not compile
// or in which it did not find the contract. Retrying cannot fix it.
type VerifyInputError struct {
	// Code is lib-sourcify's error code ("compiler_error",
	// "contract_not_found_in_compiler_output", …), or "input" for checks
	// made in Go.
	Code    string
	Message string
}

func (e *VerifyInputError) Error() string { return "verification input: " + e.Message }

func verifyInputError(format string, args ...any) *VerifyInputError {
	return &VerifyInputError{Code: compileapi.CodeInput, Message: fmt.Sprintf(format, args...)}
}

// StandardInput is the exact solc input a compile of a compileapi.Request sends: what
// a verification recompiles and what Sourcify or Etherscan are given.
type StandardInput struct {
	// CompilerVersion is the bare release the compile uses ("0.8.37").
	CompilerVersion string `json:"compilerVersion"`
	// JSON is solc's standard JSON input, byte for byte: the request's
	// files and every OpenZeppelin file they import, as content.
	JSON json.RawMessage `json:"json"`
	// Files are the request's own source files, sorted; the other units of
	// JSON are resolved imports.
	Files []string `json:"files"`
}

// StandardInput answers the standard JSON input and compiler that Compile
// would use for req, by the same code path (validation, import resolution,
// compiler selection, including auto-install), without running solc. For
// a request without a compiler version whose newest admitted compiler
// failed and an older series compiled it (fallback.go), the compiler is
// the older one, as a compile recorded it; a caller that has the
// compile's Result.CompilerVersion can pin it instead.
func (p *Pool) StandardInput(ctx context.Context, req compileapi.Request) (StandardInput, error) {
	res, c, in, err := p.input(ctx, req)
	if err != nil {
		return StandardInput{}, err
	}
	if strings.TrimSpace(req.CompilerVersion) == "" {
		c.Version = p.chosenVersion(ctx, c, res.pragmas, in)
	}
	files := make([]string, 0, len(res.own))
	for f := range res.own {
		files = append(files, f)
	}
	sort.Strings(files)
	return StandardInput{CompilerVersion: c.Version, JSON: in, Files: files}, nil
}

// VerifyRequest asks whether sources produce the code deployed at an
// address.
type VerifyRequest struct {
	// StandardJSON is the solc standard JSON input the contract was
	// compiled from (StandardInput.JSON); every source as content.
	// lib-sourcify replaces its outputSelection with its own, which
	// changes no bytecode.
	StandardJSON json.RawMessage
	// CompilerVersion is the release it was compiled with ("0.8.37"); an
	// installed one, or one auto-install may fetch.
	CompilerVersion string
	// ContractName is the contract deployed.
	ContractName string
	// ContractFile is the source unit that defines it; empty, it is looked
	// up among CandidateFiles (all files when that is empty too) and must
	// be defined in exactly one.
	ContractFile   string
	CandidateFiles []string
	// ChainID and Address say where the contract is; Address is 0x-hex.
	ChainID uint64
	Address string
	// RuntimeBytecode is the contract's code, from eth_getCode.
	RuntimeBytecode []byte
	// Creation, when known, lets lib-sourcify also match the creation
	// bytecode and extract the constructor arguments.
	Creation *CreationTx
}

// CreationTx is the transaction that created a contract, as the chain
// holds it.
type CreationTx struct {
	// TxHash is 0x-hex.
	TxHash string
	// Input is the transaction's data: creation bytecode plus the
	// ABI-encoded constructor arguments.
	Input       []byte
	BlockNumber uint64
	TxIndex     uint
	// From is the deployer, 0x-hex; optional.
	From string
}

// VerifyResult is lib-sourcify's verdict.
type VerifyResult struct {
	// Status is VerifyFull, VerifyPartial or VerifyMismatch, from the
	// runtime bytecode, the code at the address.
	Status string `json:"status"`
	// RuntimeMatch and CreationMatch are lib-sourcify's own statuses:
	// "perfect", "partial" or "" (no match, or creation not checked).
	RuntimeMatch  string `json:"runtimeMatch,omitempty"`
	CreationMatch string `json:"creationMatch,omitempty"`
	// Code is lib-sourcify's error code of a mismatch ("no_match",
	// "bytecode_length_mismatch", "extra_file_input_bug").
	Code string `json:"code,omitempty"`
	// Message is lib-sourcify's message for a mismatch, or a summary of
	// both matches.
	Message string `json:"message"`
	// ContractFile is the source unit of the contract.
	ContractFile string `json:"contractFile"`
	// LongVersion is the compiler's version from the contract's metadata,
	// "0.8.37+commit.…", as Etherscan wants it (with a "v").
	LongVersion string `json:"longVersion,omitempty"`
	// ConstructorArguments are the ABI-encoded arguments found after the
	// creation bytecode, 0x-hex; empty without a creation match or
	// arguments.
	ConstructorArguments string `json:"constructorArguments,omitempty"`
	// Libraries maps linked libraries ("file:Name") to their addresses.
	Libraries map[string]string `json:"libraries,omitempty"`
}

// verifyJob is the verify part of a worker request (worker.js verify).
type verifyJob struct {
	Library         string        `json:"library"`
	File            string        `json:"file,omitempty"`
	Contract        string        `json:"contract"`
	Candidates      []string      `json:"candidates,omitempty"`
	Address         string        `json:"address"`
	ChainID         uint64        `json:"chainId"`
	RuntimeBytecode string        `json:"runtimeBytecode"`
	Creation        *verifyCreate `json:"creation,omitempty"`
}

type verifyCreate struct {
	TxHash      string `json:"txHash"`
	Input       string `json:"input"`
	BlockNumber uint64 `json:"blockNumber"`
	TxIndex     uint   `json:"txIndex"`
	From        string `json:"from"`
}

// verdict is worker.js's answer to a verify request.
type verdict struct {
	RuntimeMatch         *string           `json:"runtimeMatch"`
	CreationMatch        *string           `json:"creationMatch"`
	Code                 string            `json:"code"`
	Message              string            `json:"message"`
	File                 string            `json:"file"`
	CompilerVersion      string            `json:"compilerVersion"`
	ConstructorArguments string            `json:"constructorArguments"`
	Libraries            map[string]string `json:"libraries"`
}

var (
	hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	hexHash    = regexp.MustCompile(`^0x[0-9a-fA-F]{64}$`)
	identifier = regexp.MustCompile(`^[A-Za-z_$][A-Za-z0-9_$]*$`)
)

// mismatchCodes are lib-sourcify's verdicts that the sources do not
// produce the deployed code.
var mismatchCodes = map[string]bool{
	"no_match":                 true,
	"bytecode_length_mismatch": true,
	"extra_file_input_bug":     true,
}

// inputCodes are lib-sourcify's errors about the sources or the request,
// which the same request reproduces.
var inputCodes = map[string]bool{
	"compiler_error":                        true,
	"no_compiler_output":                    true,
	"contract_not_found_in_compiler_output": true,
	"contract_file":                         true, // worker.js: the file of the contract
	"metadata_not_set":                      true,
	"invalid_compiler_version":              true,
	"unsupported_compiler_version":          true,
	"compiled_bytecode_is_zero":             true,
	"contract_not_deployed":                 true,
	"onchain_bytecode_is_zero":              true,
}

func (r VerifyRequest) validate() error {
	switch {
	case len(r.StandardJSON) == 0:
		return verifyInputError("no standard JSON input given")
	case len(r.StandardJSON) > MaxStandardJSONBytes:
		return verifyInputError("standard JSON input of %d bytes; at most %d are allowed", len(r.StandardJSON), MaxStandardJSONBytes)
	case strings.TrimSpace(r.CompilerVersion) == "":
		return verifyInputError("no compiler version given")
	case !identifier.MatchString(r.ContractName):
		return verifyInputError("contract name %q is not a Solidity identifier", r.ContractName)
	case r.ChainID == 0:
		return verifyInputError("no chain id given")
	case !hexAddress.MatchString(r.Address):
		return verifyInputError("address %q is not 0x and 40 hex digits", r.Address)
	case len(r.RuntimeBytecode) == 0:
		return verifyInputError("no runtime bytecode given: there is no contract at %s", r.Address)
	}
	if c := r.Creation; c != nil {
		if !hexHash.MatchString(c.TxHash) || (c.From != "" && !hexAddress.MatchString(c.From)) || len(c.Input) == 0 {
			return verifyInputError("creation transaction needs a 0x hash and its input (and a 0x sender, if any)")
		}
	}
	var in struct {
		Language string                     `json:"language"`
		Sources  map[string]json.RawMessage `json:"sources"`
		Settings json.RawMessage            `json:"settings"`
	}
	if err := json.Unmarshal(r.StandardJSON, &in); err != nil {
		return verifyInputError("standard JSON input does not parse: %v", err)
	}
	if in.Language != "Solidity" || len(in.Sources) == 0 || len(bytes.TrimSpace(in.Settings)) == 0 || in.Settings[0] != '{' {
		return verifyInputError("standard JSON input needs language Solidity, sources and settings")
	}
	if r.ContractFile != "" {
		if _, ok := in.Sources[r.ContractFile]; !ok {
			return verifyInputError("contract file %q is not among the sources", r.ContractFile)
		}
	}
	return nil
}

// Verify runs lib-sourcify's matching of req on one of the pool's workers,
// under the same queue, time limit (two runs at most), memory cap and
// process replacement as a compile; lib-sourcify compiles once, twice
// when the contract's metadata hashes are not all at the end of its
// bytecode.
//
// A Status of VerifyMismatch is a verdict, not an error. Errors:
// *VerifyInputError, ErrNoCompiler, ErrCompiler and ErrLimitExceeded are the
// request's (retrying cannot help); ErrVerifierMissing, ErrVerifier and the
// pool's infrastructure errors (Retryable) are not.
func (p *Pool) Verify(ctx context.Context, req VerifyRequest) (VerifyResult, error) {
	if err := req.validate(); err != nil {
		return VerifyResult{}, err
	}
	lib := filepath.Join(p.cfg.NodeModules, filepath.FromSlash(sourcifyPackage))
	if _, err := os.Stat(filepath.Join(lib, "package.json")); err != nil {
		return VerifyResult{}, fmt.Errorf("%w in %s (run npm ci)", ErrVerifierMissing, p.cfg.NodeModules)
	}
	c, err := p.selectCompiler(ctx, req.CompilerVersion, nil)
	if err != nil {
		return VerifyResult{}, err
	}
	job := &verifyJob{
		Library:         lib,
		File:            req.ContractFile,
		Contract:        req.ContractName,
		Candidates:      req.CandidateFiles,
		Address:         req.Address,
		ChainID:         req.ChainID,
		RuntimeBytecode: "0x" + hex.EncodeToString(req.RuntimeBytecode),
	}
	if t := req.Creation; t != nil {
		job.Creation = &verifyCreate{
			TxHash: strings.ToLower(t.TxHash), Input: "0x" + hex.EncodeToString(t.Input),
			BlockNumber: t.BlockNumber, TxIndex: t.TxIndex, From: t.From,
		}
	}
	out, err := p.do(ctx, workerRequest{Kind: "verify", Version: c.Version, Module: c.Dir, Input: string(req.StandardJSON), Verify: job})
	if err != nil {
		return VerifyResult{}, fmt.Errorf("verify with solc %s: %w", c.Version, err)
	}
	var v verdict
	if err := json.Unmarshal(out, &v); err != nil {
		return VerifyResult{}, fmt.Errorf("%w: decode its answer: %w", ErrVerifier, err)
	}
	return v.result()
}

// result turns worker.js's verdict into a VerifyResult or an error.
func (v verdict) result() (VerifyResult, error) {
	deref := func(s *string) string {
		if s == nil {
			return ""
		}
		return *s
	}
	r := VerifyResult{
		RuntimeMatch: deref(v.RuntimeMatch), CreationMatch: deref(v.CreationMatch),
		Code: v.Code, Message: v.Message, ContractFile: v.File, LongVersion: v.CompilerVersion,
		ConstructorArguments: v.ConstructorArguments, Libraries: v.Libraries,
	}
	switch r.RuntimeMatch {
	case "perfect":
		r.Status = VerifyFull
	case "partial":
		r.Status = VerifyPartial
	}
	if r.Status != "" {
		// A runtime match stands even if the creation side then failed
		// (lib-sourcify records the runtime match before it looks at the
		// creation transaction).
		return r, nil
	}
	switch {
	case mismatchCodes[v.Code]:
		r.Status = VerifyMismatch
		return r, nil
	case v.Code == "solc_threw":
		return VerifyResult{}, fmt.Errorf("%w: %s", ErrCompiler, plainSolcFailure(v.Message))
	case inputCodes[v.Code]:
		return VerifyResult{}, &VerifyInputError{Code: v.Code, Message: firstLines(v.Message, 20)}
	case v.Code == "" && r.CreationMatch != "":
		// Only the creation bytecode matched: the code at the address is
		// not what these sources deploy (it was changed at construction).
		r.Status = VerifyMismatch
		return r, nil
	case v.Code == "":
		return VerifyResult{}, fmt.Errorf("%w: no match and no reason given", ErrVerifier)
	}
	return VerifyResult{}, fmt.Errorf("%w (%s): %s", ErrVerifier, v.Code, firstLines(v.Message, 5))
}

// firstLines keeps at most n lines of s, for messages that become errors
// (a compiler error list or a stack trace can run long).
func firstLines(s string, n int) string {
	lines := strings.SplitN(strings.TrimSpace(s), "\n", n+1)
	if len(lines) > n {
		lines = append(lines[:n], "…")
	}
	return strings.Join(lines, "\n")
}
