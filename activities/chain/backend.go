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
// its configured chain id. An endpoint that answers another id is refused
// with ErrChainIDMismatch: signing for the wrong chain is never retried
// into success. Errors never carry the URL, which often embeds a key.
func Dial(ctx context.Context, n Network) (*ethclient.Client, error) {
	var errs []error
	for i, raw := range n.RPCURLs {
		c, err := ethclient.DialContext(ctx, raw)
		if err != nil {
			errs = append(errs, fmt.Errorf("rpc %d: dial: %w", i, scrub(err, raw)))
			continue
		}
		id, err := c.ChainID(ctx)
		if err != nil {
			c.Close()
			errs = append(errs, fmt.Errorf("rpc %d: eth_chainId: %w", i, scrub(err, raw)))
			continue
		}
		if !id.IsUint64() || id.Uint64() != n.ChainID {
			c.Close()
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
