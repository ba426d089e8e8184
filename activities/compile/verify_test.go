package compile

import (
	"encoding/hex"
	"errors"
	"github.com/slipway-dev/slipway/activities/compile/compileapi"
	"strings"
	"testing"
)

// TestStandardInputIsWhatCompileSends checks that StandardInput answers
// the very bytes a compile sends solc: the compile's cache key, which
// hashes them, is found from StandardInput's answer.
func TestStandardInputIsWhatCompileSends(t *testing.T) {
	mc := &memCache{}
	p := newTestPool(t, Config{Cache: mc})
	ctx := ctxT(t)
	req := compileapi.Request{Source: erc20Src, ContractName: "MyToken", Optimizer: compileapi.Optimizer{Enabled: true, Runs: 1000}, OmitAST: true}
	if _, err := p.Compile(ctx, req); err != nil {
		t.Fatal(err)
	}
	std, err := p.StandardInput(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	if std.CompilerVersion != p.def.Version || len(std.Files) != 1 || std.Files[0] != DefaultFile {
		t.Fatalf("StandardInput = version %q, files %v", std.CompilerVersion, std.Files)
	}
	if !strings.Contains(string(std.JSON), `"@openzeppelin/contracts/token/ERC20/ERC20.sol"`) {
		t.Errorf("standard input lacks the resolved OpenZeppelin imports")
	}
	if _, ok := mc.m[cacheKey(std.CompilerVersion, std.JSON, req.ContractName, req.OmitAST)]; !ok {
		t.Fatalf("the compile's cache key is not that of StandardInput's JSON: they differ")
	}
	if _, err := p.StandardInput(ctx, compileapi.Request{Source: "pragma solidity ^0.8.0; import \"/etc/passwd\";"}); err == nil {
		t.Fatal("StandardInput accepted a refused import")
	}
}

// TestVerifyCounter runs lib-sourcify in the pool without a chain: for a
// contract without immutables the compiled runtime bytecode is exactly
// what eth_getCode would answer.
func TestVerifyCounter(t *testing.T) {
	p := shared(t)
	ctx := ctxT(t)
	req := compileapi.Request{Source: counterSrc, ContractName: "Counter"}
	res, err := p.Compile(ctx, req)
	if err != nil {
		t.Fatal(err)
	}
	runtime, _ := hex.DecodeString(strings.TrimPrefix(res.Contracts[0].DeployedBytecode, "0x"))
	creation, _ := hex.DecodeString(strings.TrimPrefix(res.Contracts[0].Bytecode, "0x"))
	verify := func(t *testing.T, source string, tx *CreationTx) (VerifyResult, error) {
		t.Helper()
		std, err := p.StandardInput(ctx, compileapi.Request{Source: source, ContractName: "Counter"})
		if err != nil {
			t.Fatal(err)
		}
		return p.Verify(ctx, VerifyRequest{
			StandardJSON: std.JSON, CompilerVersion: std.CompilerVersion, ContractName: "Counter", CandidateFiles: std.Files,
			ChainID: 31337, Address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", RuntimeBytecode: runtime, Creation: tx,
		})
	}

	t.Run("full", func(t *testing.T) {
		tx := &CreationTx{TxHash: "0x" + strings.Repeat("ab", 32), Input: creation, BlockNumber: 1,
			From: "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"}
		r, err := verify(t, counterSrc, tx)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != VerifyFull || r.RuntimeMatch != "perfect" || r.CreationMatch != "perfect" || r.ContractFile != DefaultFile ||
			!strings.HasPrefix(r.LongVersion, p.def.Version+"+commit.") || r.ConstructorArguments != "" {
			t.Fatalf("verify = %+v, want a perfect match of both bytecodes", r)
		}
		t.Logf("full: %s", r.Message)
	})
	t.Run("partial", func(t *testing.T) {
		r, err := verify(t, counterSrc+"\n// a comment the deployed metadata does not have\n", nil)
		if err != nil {
			t.Fatal(err)
		}
		if r.Status != VerifyPartial || r.RuntimeMatch != "partial" || r.CreationMatch != "" {
			t.Fatalf("verify = %+v, want a partial runtime match", r)
		}
	})
	t.Run("mismatch", func(t *testing.T) {
		for _, src := range []string{
			strings.Replace(counterSrc, "count += by;", "count += by + 1;", 1), // longer code
			strings.Replace(counterSrc, "count += by;", "count -= by;", 1),     // same length, other code
		} {
			r, err := verify(t, src, nil)
			if err != nil {
				t.Fatal(err)
			}
			if r.Status != VerifyMismatch || r.RuntimeMatch != "" || r.Code == "" || r.Message == "" {
				t.Fatalf("verify = %+v, want a mismatch with lib-sourcify's reason", r)
			}
			t.Logf("mismatch: %s: %s", r.Code, r.Message)
		}
	})
	t.Run("input errors", func(t *testing.T) {
		std, err := p.StandardInput(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		good := VerifyRequest{StandardJSON: std.JSON, CompilerVersion: std.CompilerVersion, ContractName: "Counter",
			ChainID: 31337, Address: "0x5FbDB2315678afecb367f032d93F642f64180aa3", RuntimeBytecode: runtime}
		cases := map[string]func(r *VerifyRequest){
			"unknown contract": func(r *VerifyRequest) { r.ContractName = "Nope" },
			"unknown file":     func(r *VerifyRequest) { r.ContractFile = "Other.sol" },
			"not JSON":         func(r *VerifyRequest) { r.StandardJSON = []byte("{") },
			"no code":          func(r *VerifyRequest) { r.RuntimeBytecode = nil },
			"bad address":      func(r *VerifyRequest) { r.Address = "0x1234" },
			"sources that fail": func(r *VerifyRequest) {
				r.StandardJSON = []byte(`{"language":"Solidity","sources":{"A.sol":{"content":"contract Counter { x }"}},"settings":{}}`)
			},
		}
		for name, mutate := range cases {
			r := good
			mutate(&r)
			_, err := p.Verify(ctx, r)
			var ie *VerifyInputError
			if !errors.As(err, &ie) {
				t.Errorf("%s: err = %v, want a *VerifyInputError", name, err)
				continue
			}
			t.Logf("%s: %s: %v", name, ie.Code, err)
		}
		r := good
		r.CompilerVersion = "0.4.1"
		if _, err := p.Verify(ctx, r); !errors.Is(err, ErrNoCompiler) {
			t.Errorf("uninstalled compiler: err = %v, want ErrNoCompiler", err)
		}
	})
}

func TestVerdictResult(t *testing.T) {
	s := func(v string) *string { return &v }
	cases := []struct {
		v       verdict
		status  string
		wantErr func(error) bool
	}{
		{verdict{RuntimeMatch: s("perfect"), CreationMatch: s("perfect")}, VerifyFull, nil},
		{verdict{RuntimeMatch: s("partial")}, VerifyPartial, nil},
		{verdict{Code: "no_match"}, VerifyMismatch, nil},
		{verdict{Code: "bytecode_length_mismatch"}, VerifyMismatch, nil},
		{verdict{Code: "extra_file_input_bug"}, VerifyMismatch, nil},
		{verdict{CreationMatch: s("perfect")}, VerifyMismatch, nil},
		{verdict{Code: "compiler_error", Message: "Compiler error: x"}, "", func(err error) bool {
			var ie *VerifyInputError
			return errors.As(err, &ie) && ie.Code == "compiler_error"
		}},
		{verdict{Code: "solc_threw", Message: "Maximum call stack size exceeded"}, "", func(err error) bool { return errors.Is(err, ErrCompiler) }},
		{verdict{Code: "internal", Message: "TypeError: x is not a function"}, "", func(err error) bool { return errors.Is(err, ErrVerifier) }},
		{verdict{}, "", func(err error) bool { return errors.Is(err, ErrVerifier) }},
	}
	for i, c := range cases {
		r, err := c.v.result()
		if c.wantErr != nil {
			if err == nil || !c.wantErr(err) {
				t.Errorf("case %d: err = %v", i, err)
			}
			continue
		}
		if err != nil || r.Status != c.status {
			t.Errorf("case %d: result %+v, %v; want status %s", i, r, err, c.status)
		}
	}
}

// FuzzVerifyRequestValidate checks that validation never panics on what
// a caller may send and that what it lets through is well-formed.
func FuzzVerifyRequestValidate(f *testing.F) {
	f.Add([]byte(`{"language":"Solidity","sources":{"A.sol":{"content":"contract A {}"}},"settings":{}}`), "A", "A.sol",
		"0x5FbDB2315678afecb367f032d93F642f64180aa3", "0.8.37", []byte{0x60, 0x80})
	f.Add([]byte(`{"sources":[]}`), "", "", "0x", "", []byte(nil))
	f.Fuzz(func(t *testing.T, std []byte, name, file, addr, version string, code []byte) {
		r := VerifyRequest{StandardJSON: std, ContractName: name, ContractFile: file, Address: addr,
			CompilerVersion: version, ChainID: 1, RuntimeBytecode: code}
		err := r.validate()
		if err == nil && (!hexAddress.MatchString(addr) || len(code) == 0 || !identifier.MatchString(name)) {
			t.Fatalf("validate accepted %+v", r)
		}
		var ie *VerifyInputError
		if err != nil && !errors.As(err, &ie) {
			t.Fatalf("validate answered %T %v, want a *VerifyInputError", err, err)
		}
	})
}
