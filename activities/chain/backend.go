package chain

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slipway-dev/slipway/internal/secrets"
)

// Backend is what the deploy and confirm stages ask of a network: narrow,
// so that tests can run it on go-ethereum's simulated backend, and
// satisfied by *ethclient.Client for any JSON-RPC endpoint.
type Backend interface {
	ChainID(ctx context.Context) (*big.Int, error)
	BlockNumber(ctx context.Context) (uint64, error)
	HeaderByNumber(ctx context.Context, number *big.Int) (*types.Header, error)
	PendingNonceAt(ctx context.Context, account common.Address) (uint64, error)
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	BalanceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (*big.Int, error)
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
	EstimateGas(ctx context.Context, call ethereum.CallMsg) (uint64, error)
	FeeHistory(ctx context.Context, blockCount uint64, lastBlock *big.Int, rewardPercentiles []float64) (*ethereum.FeeHistory, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

var _ Backend = (*ethclient.Client)(nil)

// Dial connects to the first of the network's RPC endpoints that answers
// its configured chain id; p resolves the entries that are secret references
// (nil when none are). An endpoint that answers another id is refused with
// ErrChainIDMismatch: signing for the wrong chain is never retried into
// success. Neither Dial's errors nor those of the Backend it answers ever
// carry the URL's path, query or user info, which often embed a provider
// key: the backend scrubs every error at the source (ScrubErrors).
func Dial(ctx context.Context, n Network, p secrets.Provider) (Backend, error) {
	var errs []error
	for i, entry := range n.RPCURLs {
		raw, err := resolveRPCURL(ctx, p, entry)
		if err != nil {
			errs = append(errs, fmt.Errorf("rpc %d: %w", i, err))
			continue
		}
		s := secrets.NewURLScrubber(raw)
		ec, err := ethclient.DialContext(ctx, raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("rpc %d: dial: %w", i, scrubError(err, s)))
			continue
		}
		c := &scrubbedBackend{b: ec, s: s}
		id, err := c.ChainID(ctx)
		if err != nil {
			ec.Close()
			errs = append(errs, fmt.Errorf("rpc %d: eth_chainId: %w", i, err))
			continue
		}
		if !id.IsUint64() || id.Uint64() != n.ChainID {
			ec.Close()
			errs = append(errs, fmt.Errorf("rpc %d of %s: %w: configured %d, endpoint answers %s", i, n.Name, ErrChainIDMismatch, n.ChainID, id))
			continue
		}
		return c, nil
	}
	if len(errs) == 0 {
		return nil, fmt.Errorf("network %s: no rpc urls", n.Name)
	}
	return nil, errors.Join(errs...)
}
