package anvil

import (
	"context"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/ethclient"

	"github.com/slipway-dev/slipway/internal/create2"
	"github.com/slipway-dev/slipway/internal/proc"
)

// EnsureCreate2Factory makes sure the chain has the deterministic deployment
// proxy at create2.FactoryAddress, through which deployments with a salt go
// (create2.Ensure). anvil puts it there at genesis unless started with
// Options.NoDefaultCreate2Deployer, and a state file keeps it, so this is
// usually one eth_getCode; otherwise it deploys the proxy from its
// well-known presigned transaction, funding the proxy's one-time deployer
// from the first dev account (an eth_sendTransaction: anvil's dev accounts
// are unlocked), which costs that account a nonce and 0.01 ether. With a
// block time it waits up to two blocks.
func (n *Node) EnsureCreate2Factory(ctx context.Context) error {
	c, err := ethclient.DialContext(ctx, n.rpcURL)
	if err != nil {
		return fmt.Errorf("dial anvil: %w", err)
	}
	defer c.Close()
	if err := create2.Ensure(ctx, c, n.fundFromDevAccount(c)); err != nil {
		return fmt.Errorf("ensure the deterministic deployment proxy on anvil: %w", err)
	}
	return nil
}

// fundFromDevAccount answers a create2.Ensure funder that sends from the
// first dev account and waits for the transfer to be mined.
func (n *Node) fundFromDevAccount(c *ethclient.Client) func(ctx context.Context, to common.Address, wei *big.Int) error {
	return func(ctx context.Context, to common.Address, wei *big.Int) error {
		if len(n.accounts) == 0 {
			return errors.New("anvil has no dev account to send from")
		}
		from := n.accounts[0].Address
		var hash common.Hash
		if err := c.Client().CallContext(ctx, &hash, "eth_sendTransaction", map[string]any{
			"from": from, "to": to, "value": (*hexutil.Big)(wei),
		}); err != nil {
			return fmt.Errorf("send %s wei from dev account %s: %w", wei, from.Hex(), err)
		}
		var r *types.Receipt
		if err := poll(ctx, n.proc.Done(), func(ctx context.Context) error {
			var err error
			r, err = c.TransactionReceipt(ctx, hash)
			return err
		}); err != nil {
			if errors.Is(err, proc.ErrExited) {
				return fmt.Errorf("wait for transfer %s: anvil exited: %w", hash.Hex(), err)
			}
			return fmt.Errorf("wait for transfer %s: %w", hash.Hex(), err)
		}
		if r.Status != types.ReceiptStatusSuccessful {
			return fmt.Errorf("transfer %s from dev account %s failed", hash.Hex(), from.Hex())
		}
		return nil
	}
}
