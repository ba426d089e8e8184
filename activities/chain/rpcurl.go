package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"net/url"
	"slices"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/slipway-dev/slipway/internal/secrets"
)

// RPC URLs are secrets: hosted providers put the API key in the path
// (/v3/<key>) or the query (?apikey=<key>). So an entry of rpcUrls may be a
// secret reference, resolved only where the chain is dialled (never into
// config dumps, workflow inputs or history), and every error of the chain
// client has the resolved URL's path, query and user info scrubbed at the
// source, before it can reach an activity error, deployments.error, an
// event, Temporal's history or a log line.

// rpcRefSchemes are the secret reference schemes an rpcUrls entry may use;
// anything else is a literal URL.
var rpcRefSchemes = []string{string(secrets.SchemeEnv), string(secrets.SchemeFile), string(secrets.SchemeVault)}

// isRPCRef reports whether an rpcUrls entry is a secret reference.
func isRPCRef(entry string) bool {
	scheme, _, ok := strings.Cut(entry, ":")
	return ok && slices.Contains(rpcRefSchemes, scheme)
}

// checkRPCURL checks a literal or resolved RPC URL. The error never quotes
// the URL's path or query.
func checkRPCURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || !slices.Contains([]string{"http", "https", "ws", "wss"}, u.Scheme) {
		return fmt.Errorf("rpc url %q: want http(s):// or ws(s):// with a host", redactURL(raw))
	}
	return nil
}

// validateRPCEntry checks an rpcUrls entry at config load: a reference must
// parse (its value is checked when it is resolved), a literal must be a URL.
func validateRPCEntry(entry string) error {
	if isRPCRef(entry) {
		if _, err := secrets.ParseRef(entry); err != nil {
			return fmt.Errorf("rpc url reference: %w", err)
		}
		return nil
	}
	return checkRPCURL(entry)
}

// resolveRPCURL answers the URL an rpcUrls entry stands for: a reference is
// read through p (so a rotated URL is seen at the next dial), a literal is
// used as it is. Either way the URL is registered with secrets.Conceal, so
// that the log redactor hides its path and query wherever they show up.
func resolveRPCURL(ctx context.Context, p secrets.Provider, entry string) (string, error) {
	raw := entry
	if isRPCRef(entry) {
		if p == nil {
			return "", fmt.Errorf("resolve %s: no secrets provider", entry)
		}
		s, err := p.Get(ctx, entry)
		if err != nil {
			return "", fmt.Errorf("resolve %s: %w", entry, err)
		}
		raw = strings.TrimSpace(s.RevealString())
		secrets.Conceal(raw)
		if err := checkRPCURL(raw); err != nil {
			return "", fmt.Errorf("resolve %s: %w", entry, err)
		}
		return raw, nil
	}
	secrets.Conceal(raw)
	return raw, nil
}

// ScrubErrors wraps b so that no error it answers carries rawURL's path,
// query or user info (see scrubError); b is the client of rawURL.
func ScrubErrors(b Backend, rawURL string) Backend {
	return &scrubbedBackend{b: b, s: secrets.NewURLScrubber(rawURL)}
}

// scrubbedBackend is a Backend whose every error is scrubbed.
type scrubbedBackend struct {
	b Backend
	s secrets.Scrubber
}

var _ Backend = (*scrubbedBackend)(nil)

func (b *scrubbedBackend) err(err error) error { return scrubError(err, b.s) }

func (b *scrubbedBackend) ChainID(ctx context.Context) (*big.Int, error) {
	v, err := b.b.ChainID(ctx)
	return v, b.err(err)
}

func (b *scrubbedBackend) BlockNumber(ctx context.Context) (uint64, error) {
	v, err := b.b.BlockNumber(ctx)
	return v, b.err(err)
}

func (b *scrubbedBackend) HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error) {
	v, err := b.b.HeaderByNumber(ctx, number)
	return v, b.err(err)
}

func (b *scrubbedBackend) PendingNonceAt(ctx context.Context, account common.Address) (uint64, error) {
	v, err := b.b.PendingNonceAt(ctx, account)
	return v, b.err(err)
}

func (b *scrubbedBackend) NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error) {
	v, err := b.b.NonceAt(ctx, account, blockNumber)
	return v, b.err(err)
}

func (b *scrubbedBackend) BalanceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (*big.Int, error) {
	v, err := b.b.BalanceAt(ctx, account, blockNumber)
	return v, b.err(err)
}

func (b *scrubbedBackend) CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error) {
	v, err := b.b.CodeAt(ctx, account, blockNumber)
	return v, b.err(err)
}

func (b *scrubbedBackend) EstimateGas(ctx context.Context, call ethereum.CallMsg) (uint64, error) {
	v, err := b.b.EstimateGas(ctx, call)
	return v, b.err(err)
}

func (b *scrubbedBackend) FeeHistory(ctx context.Context, blockCount uint64, lastBlock *big.Int, rewardPercentiles []float64) (*ethereum.FeeHistory, error) {
	v, err := b.b.FeeHistory(ctx, blockCount, lastBlock, rewardPercentiles)
	return v, b.err(err)
}

func (b *scrubbedBackend) SendTransaction(ctx context.Context, tx *types.Transaction) error {
	return b.err(b.b.SendTransaction(ctx, tx))
}

func (b *scrubbedBackend) TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error) {
	v, err := b.b.TransactionReceipt(ctx, txHash)
	return v, b.err(err)
}

// TransactionReader is what a Backend from Dial also answers: a
// transaction by its hash (the verify stage reads a contract's creation
// input with it). It is not part of Backend so that test backends need not
// implement it.
type TransactionReader interface {
	TransactionByHash(ctx context.Context, hash common.Hash) (tx *types.Transaction, isPending bool, err error)
}

var _ TransactionReader = (*scrubbedBackend)(nil)

// ErrNoTransactionLookup reports a backend that cannot look transactions up.
var ErrNoTransactionLookup = errors.New("the backend cannot look transactions up")

// TransactionByHash asks the wrapped client, when it is a TransactionReader
// (*ethclient.Client is), and answers ErrNoTransactionLookup otherwise.
func (b *scrubbedBackend) TransactionByHash(ctx context.Context, hash common.Hash) (*types.Transaction, bool, error) {
	r, ok := b.b.(TransactionReader)
	if !ok {
		return nil, false, ErrNoTransactionLookup
	}
	tx, pending, err := r.TransactionByHash(ctx, hash)
	return tx, pending, b.err(err)
}

// Close closes the wrapped client when it has a Close method.
func (b *scrubbedBackend) Close() {
	if c, ok := b.b.(interface{ Close() }); ok {
		c.Close()
	}
}

// scrubError answers err with the URL's secret parts removed from its text
// and from the text of every error it wraps. Rewriting the message is not
// enough: Temporal records the whole chain (each wrapped error's message
// becomes a cause in the workflow history), and Go's *url.Error, which
// net/http wraps around every transport failure, quotes the full URL. So the
// chain is rebuilt: a *url.Error keeps its type with the URL redacted, other
// errors that carry the URL become copies with the scrubbed text over the
// scrubbed chain below them. Errors that do not carry it — ethereum.NotFound,
// the node's JSON-RPC errors (nonce too low, …) — come back as they are, so
// errors.Is/As and the deploy stage's message matchers work as before.
func scrubError(err error, s secrets.Scrubber) error {
	if err == nil || !chainLeaks(err, s) {
		return err
	}
	if e, ok := err.(*url.Error); ok {
		return &url.Error{Op: e.Op, URL: s.Scrub(e.URL), Err: scrubError(e.Err, s)}
	}
	msg := s.Scrub(err.Error())
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return withCode(err, &scrubbedError{msg: msg, cause: scrubError(u.Unwrap(), s)})
	case interface{ Unwrap() []error }:
		var errs []error
		for _, e := range u.Unwrap() {
			errs = append(errs, scrubError(e, s))
		}
		return &scrubbedJoin{msg: msg, errs: errs}
	}
	return withCode(err, &scrubbedError{msg: msg})
}

// chainLeaks reports whether err or anything it wraps carries the URL.
func chainLeaks(err error, s secrets.Scrubber) bool {
	if err == nil {
		return false
	}
	if s.Leaks(err.Error()) {
		return true
	}
	switch u := err.(type) {
	case interface{ Unwrap() error }:
		return chainLeaks(u.Unwrap(), s)
	case interface{ Unwrap() []error }:
		return slices.ContainsFunc(u.Unwrap(), func(e error) bool { return chainLeaks(e, s) })
	}
	return false
}

// scrubbedError is an error whose text had the URL removed.
type scrubbedError struct {
	msg   string
	cause error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.cause }

// scrubbedJoin is scrubbedError for errors that wrap several.
type scrubbedJoin struct {
	msg  string
	errs []error
}

func (e *scrubbedJoin) Error() string   { return e.msg }
func (e *scrubbedJoin) Unwrap() []error { return e.errs }

// scrubbedRPCError keeps a JSON-RPC error's code through scrubbing.
type scrubbedRPCError struct {
	*scrubbedError
	code int
}

func (e *scrubbedRPCError) ErrorCode() int { return e.code }

func withCode(orig error, e *scrubbedError) error {
	if re, ok := orig.(rpc.Error); ok {
		return &scrubbedRPCError{scrubbedError: e, code: re.ErrorCode()}
	}
	return e
}

// redactURL keeps scheme and host of an RPC URL and hides path, query and
// user info, where hosted providers put API keys.
func redactURL(raw string) string { return secrets.RedactURL(raw) }
