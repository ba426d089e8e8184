// Package verify is the verification stage: after a deployment is
// CONFIRMED it proves the source, by recompiling the standard JSON input
// the contract was compiled from and comparing the result with the code at
// the contract's address, as Sourcify does and with Sourcify's own library
// (@ethereum-sourcify/lib-sourcify, run in the compile pool's node workers:
// compile.Pool.Verify). A full match means the sources, settings and
// metadata are exactly those deployed; a partial match that the code is,
// with only the metadata hash at the end of the bytecode differing (a
// comment, whitespace, a file name); anything else fails.
//
// Chain data is read here, in Go, through the network's configured RPC
// (whose URL may be a secret and never reaches node): the runtime code
// (eth_getCode) and, when the creation transaction is given, its input and
// receipt, so that lib-sourcify also matches the creation bytecode and
// recovers the constructor arguments, which publishing to Etherscan needs.
package verify

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/compile"
	"github.com/slipway-dev/slipway/activities/verify/verifyapi"
	"github.com/slipway-dev/slipway/internal/secrets"
)

// Activities holds the verify stage's dependencies; workflows call its
// activities by the names verifyapi declares.
type Activities struct {
	// Pool runs lib-sourcify (and solc) in its node workers.
	Pool     *compile.Pool
	Networks chain.Config
	// Secrets resolves the networks' RPC URL references when Dial is nil.
	Secrets secrets.Provider
	// Dial connects to a network; nil is chain.Dial with Secrets. Tests
	// hand in their own backend.
	Dial func(ctx context.Context, n chain.Network) (chain.Backend, error)
}

// Verify is the verify activity. Errors that the input causes (see
// verifyapi.NonRetryableErrorTypes) are
// non-retryable application errors, because a retry would fail the same
// way after another recompile; the RPC or the solc workers failing stay
// plain errors, which Temporal retries: they pass.
func (a *Activities) Verify(ctx context.Context, in verifyapi.Input) (verifyapi.Result, error) {
	defer compile.Heartbeat(ctx)()
	n, addr, txHash, err := a.check(in)
	if err != nil {
		return verifyapi.Result{}, err
	}
	req, err := a.source(ctx, in)
	if err != nil {
		return verifyapi.Result{}, err
	}
	b, done, err := a.backend(ctx, n)
	if err != nil {
		return verifyapi.Result{}, err
	}
	defer done()

	var minBlock uint64
	if txHash != (common.Hash{}) {
		c, err := creation(ctx, b, n, addr, txHash)
		if err != nil {
			return verifyapi.Result{}, err
		}
		req.Creation = c
		minBlock = c.BlockNumber
	}
	code, err := b.CodeAt(ctx, addr, nil)
	if err != nil {
		return verifyapi.Result{}, fmt.Errorf("read the code at %s on %s: %w", addr, n.Name, err)
	}
	if len(code) == 0 {
		if minBlock > 0 {
			head, err := b.BlockNumber(ctx)
			if err != nil {
				return verifyapi.Result{}, fmt.Errorf("read the head of %s: %w", n.Name, err)
			}
			if head < minBlock {
				// A node behind the one that answered the receipt (load
				// balancers mix them): try again.
				return verifyapi.Result{}, fmt.Errorf("%s answers no code at %s at block %d, before its creation at block %d", n.Name, addr, head, minBlock)
			}
		}
		return verifyapi.Result{Status: verifyapi.StatusFailed, Message: fmt.Sprintf("there is no contract code at %s on %s: nothing to verify", addr, n.Name)}, nil
	}
	req.ChainID = n.ChainID
	req.Address = addr.Hex()
	req.RuntimeBytecode = code

	r, err := a.Pool.Verify(ctx, req)
	if err != nil {
		return verifyapi.Result{}, classify(err)
	}
	out := verifyapi.Result{
		Message: r.Message, RuntimeMatch: r.RuntimeMatch, CreationMatch: r.CreationMatch,
		ContractFile: r.ContractFile, CompilerVersion: r.LongVersion,
		ConstructorArguments: r.ConstructorArguments, Libraries: r.Libraries,
	}
	switch r.Status {
	case compile.VerifyFull:
		out.Status, out.Match = verifyapi.StatusVerified, verifyapi.MatchFull
	case compile.VerifyPartial:
		out.Status, out.Match = verifyapi.StatusVerified, verifyapi.MatchPartial
	default:
		out.Status = verifyapi.StatusFailed
	}
	return out, nil
}

// check validates what needs no RPC: the network, the address, the hash.
func (a *Activities) check(in verifyapi.Input) (chain.Network, common.Address, common.Hash, error) {
	n, ok := a.Networks.Lookup(in.Network)
	if !ok {
		return chain.Network{}, common.Address{}, common.Hash{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("network %q is not configured on this worker", in.Network), verifyapi.ErrTypeConfig, nil)
	}
	if !common.IsHexAddress(in.Address) || !strings.HasPrefix(in.Address, "0x") {
		return n, common.Address{}, common.Hash{}, inputError("address %q is not 0x and 40 hex digits", in.Address)
	}
	var h common.Hash
	if in.CreationTxHash != "" {
		b, err := hexutil.Decode(in.CreationTxHash)
		if err != nil || len(b) != common.HashLength {
			return n, common.Address{}, common.Hash{}, inputError("creation transaction hash %q is not 0x and 64 hex digits", in.CreationTxHash)
		}
		h = common.BytesToHash(b)
	}
	return n, common.HexToAddress(in.Address), h, nil
}

// source builds the verify request's sources: the standard JSON input
// given, or the one the compile stage builds for the compile request.
func (a *Activities) source(ctx context.Context, in verifyapi.Input) (compile.VerifyRequest, error) {
	switch {
	case in.Compile != nil && len(in.StandardJSON) > 0:
		return compile.VerifyRequest{}, inputError("give either a compile request or a standard JSON input, not both")
	case in.Compile != nil:
		creq := *in.Compile
		if in.CompilerVersion != "" {
			creq.CompilerVersion = in.CompilerVersion
		}
		name := in.ContractName
		if name == "" {
			name = creq.ContractName
		}
		if name == "" {
			return compile.VerifyRequest{}, inputError("no contract name given")
		}
		std, err := a.Pool.StandardInput(ctx, creq)
		if err != nil {
			return compile.VerifyRequest{}, compile.ActivityError(err)
		}
		return compile.VerifyRequest{
			StandardJSON: std.JSON, CompilerVersion: std.CompilerVersion,
			ContractName: name, ContractFile: in.ContractFile, CandidateFiles: std.Files,
		}, nil
	case len(in.StandardJSON) > 0:
		if in.ContractName == "" || in.CompilerVersion == "" {
			return compile.VerifyRequest{}, inputError("a standard JSON input needs a contract name and a compiler version")
		}
		return compile.VerifyRequest{
			StandardJSON: in.StandardJSON, CompilerVersion: in.CompilerVersion,
			ContractName: in.ContractName, ContractFile: in.ContractFile,
		}, nil
	}
	return compile.VerifyRequest{}, inputError("no sources given: a compile request or a standard JSON input")
}

// backend connects to n; done releases a connection dialled here.
func (a *Activities) backend(ctx context.Context, n chain.Network) (b chain.Backend, done func(), err error) {
	done = func() {}
	if a.Dial != nil {
		b, err = a.Dial(ctx, n)
	} else {
		b, err = chain.Dial(ctx, n, a.Secrets)
		if c, ok := b.(interface{ Close() }); ok && err == nil {
			done = c.Close
		}
	}
	switch {
	case errors.Is(err, chain.ErrChainIDMismatch):
		return nil, nil, temporal.NewNonRetryableApplicationError(err.Error(), verifyapi.ErrTypeConfig, err)
	case err != nil:
		return nil, nil, fmt.Errorf("connect to %s: %w", n.Name, err)
	}
	return b, done, nil
}

// creation reads the creation transaction: its receipt, to check that it
// created addr, and its input (the creation bytecode and constructor
// arguments) when the backend can look transactions up; without that
// (test backends) it answers nil and only the runtime code is matched.
func creation(ctx context.Context, b chain.Backend, n chain.Network, addr common.Address, h common.Hash) (*compile.CreationTx, error) {
	rcpt, err := b.TransactionReceipt(ctx, h)
	if errors.Is(err, ethereum.NotFound) {
		// The deployment is confirmed, so a node that does not know the
		// receipt is behind (or the chain reorganised): try again.
		return nil, fmt.Errorf("%s does not know the receipt of %s (yet)", n.Name, h)
	}
	if err != nil {
		return nil, fmt.Errorf("read the receipt of %s on %s: %w", h, n.Name, err)
	}
	if rcpt.Status != types.ReceiptStatusSuccessful {
		return nil, inputError("transaction %s failed on %s: it created no contract", h, n.Name)
	}
	if rcpt.ContractAddress != addr {
		return nil, inputError("transaction %s created %s on %s, not %s", h, rcpt.ContractAddress, n.Name, addr)
	}
	r, ok := b.(chain.TransactionReader)
	if !ok {
		return nil, nil
	}
	tx, _, err := r.TransactionByHash(ctx, h)
	if errors.Is(err, chain.ErrNoTransactionLookup) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read transaction %s on %s: %w", h, n.Name, err)
	}
	c := &compile.CreationTx{TxHash: h.Hex(), Input: tx.Data(), TxIndex: rcpt.TransactionIndex}
	if rcpt.BlockNumber != nil {
		c.BlockNumber = rcpt.BlockNumber.Uint64()
	}
	if from, err := types.Sender(types.LatestSignerForChainID(new(big.Int).SetUint64(n.ChainID)), tx); err == nil {
		c.From = from.Hex()
	}
	return c, nil
}

// classify turns a Pool.Verify error into the activity's: the request's
// own errors non-retryable, the verifier's and the pool's plain.
func classify(err error) error {
	var ie *compile.VerifyInputError
	if errors.As(err, &ie) {
		return temporal.NewNonRetryableApplicationError(err.Error(), verifyapi.ErrTypeInput, err, ie.Code)
	}
	return compile.ActivityError(err)
}

func inputError(format string, args ...any) error {
	msg := fmt.Sprintf(format, args...)
	return temporal.NewNonRetryableApplicationError(msg, verifyapi.ErrTypeInput, errors.New(msg))
}
