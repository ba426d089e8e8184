package create2

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// ErrNoFactory reports that a network has no deterministic deployment proxy
// at FactoryAddress: no code there, or other code.
var ErrNoFactory = errors.New("no deterministic deployment proxy")

// Backend is the little of a node Check and Ensure use. *ethclient.Client
// and go-ethereum's simulated backend client satisfy it.
type Backend interface {
	CodeAt(ctx context.Context, account common.Address, blockNumber *big.Int) ([]byte, error)
	BalanceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (*big.Int, error)
	NonceAt(ctx context.Context, account common.Address, blockNumber *big.Int) (uint64, error)
	SendTransaction(ctx context.Context, tx *types.Transaction) error
	TransactionReceipt(ctx context.Context, txHash common.Hash) (*types.Receipt, error)
}

// sourceURL is where the proxy and its presigned transaction are published.
const sourceURL = "https://github.com/Arachnid/deterministic-deployment-proxy"

// receiptPollInterval is how often Ensure asks for the deployment's receipt.
const receiptPollInterval = 20 * time.Millisecond

// Check answers nil when the proxy is deployed on b's chain (FactoryAddress
// holds RuntimeCode), and otherwise an error wrapping ErrNoFactory that
// reads well after "network X has ": "no deterministic deployment proxy at
// 0x4e59…; deploy it from its presigned transaction …". Callers add the
// network: fmt.Errorf("network %s has %w", name, err). A failure to read the
// code is returned as such, not as ErrNoFactory.
func Check(ctx context.Context, b Backend) error {
	_, err := check(ctx, b)
	return err
}

// check is Check; present also says whether the account holds any code.
func check(ctx context.Context, b Backend) (present bool, err error) {
	code, err := b.CodeAt(ctx, FactoryAddress, nil)
	if err != nil {
		return false, fmt.Errorf("read the code at %s: %w", FactoryAddressHex, err)
	}
	switch {
	case len(code) == 0:
		return false, fmt.Errorf("%w at %s; deploy it from its presigned transaction: "+
			"send %s wei (0.01 ether) to %s, then broadcast the raw transaction published at %s",
			ErrNoFactory, FactoryAddressHex, DeploymentCost(), DeployerAddressHex, sourceURL)
	case !bytes.Equal(code, RuntimeCode()):
		return true, fmt.Errorf("%w at %s: that account holds other code (%d bytes, keccak256 %s)",
			ErrNoFactory, FactoryAddressHex, len(code), crypto.Keccak256Hash(code).Hex())
	}
	return true, nil
}

// Ensure deploys the proxy on a dev chain that lacks it, from its presigned
// transaction: when FactoryAddress already holds the proxy it does nothing;
// otherwise it funds DeployerAddress with what it lacks of DeploymentCost
// (fund is called with the shortfall, and not at all when the deployer
// already holds enough), broadcasts DeploymentTx, waits for its receipt
// (polling until ctx ends) and checks the code it left.
//
// fund must send wei to to and return once the transfer is in the chain's
// latest state (mined); nil fund means the deployer must already hold
// enough. The node must accept transactions without EIP-155 replay
// protection: anvil does; geth only with --rpc.allow-unprotected-txs, and
// Ensure's error says so when a node refuses.
//
// When FactoryAddress holds other code, or the deployer's one transaction
// was already mined without leaving the proxy, the proxy can never be
// installed there: Ensure answers an error wrapping ErrNoFactory.
func Ensure(ctx context.Context, b Backend, fund func(ctx context.Context, to common.Address, wei *big.Int) error) error {
	present, err := check(ctx, b)
	if err == nil || present || !errors.Is(err, ErrNoFactory) {
		return err
	}
	tx := deploymentTransaction()

	nonce, err := b.NonceAt(ctx, DeployerAddress, nil)
	if err != nil {
		return fmt.Errorf("read the nonce of the proxy's deployer %s: %w", DeployerAddressHex, err)
	}
	if nonce != tx.Nonce() {
		// It may have been mined since the code was read.
		if err := Check(ctx, b); err == nil || !errors.Is(err, ErrNoFactory) {
			return err
		}
		return fmt.Errorf("%w at %s, and none can be deployed: its deployer %s has nonce %d, so its presigned transaction was already used on this chain",
			ErrNoFactory, FactoryAddressHex, DeployerAddressHex, nonce)
	}

	need := tx.Cost()
	if err := ensureFunds(ctx, b, fund, need); err != nil {
		return err
	}

	if err := send(ctx, b, tx); err != nil && !alreadyKnown(err) {
		// A concurrent Ensure may have had it mined meanwhile.
		if cerr := Check(ctx, b); cerr == nil {
			return nil
		}
		if refusesUnprotected(err) {
			return fmt.Errorf("send the proxy's presigned deployment transaction: the node refuses transactions without EIP-155 replay protection (geth: --rpc.allow-unprotected-txs): %w", err)
		}
		return fmt.Errorf("send the proxy's presigned deployment transaction %s: %w", tx.Hash().Hex(), err)
	}

	receipt, err := waitReceipt(ctx, b, tx.Hash())
	if err != nil {
		return err
	}
	if receipt.Status != types.ReceiptStatusSuccessful {
		return fmt.Errorf("%w at %s: its presigned deployment transaction %s failed (status %d, gas used %d of %d)",
			ErrNoFactory, FactoryAddressHex, tx.Hash().Hex(), receipt.Status, receipt.GasUsed, tx.Gas())
	}
	if err := Check(ctx, b); err != nil {
		return fmt.Errorf("after the proxy's deployment transaction %s was mined: %w", tx.Hash().Hex(), err)
	}
	return nil
}

// poolLagWindow bounds how long send retries a transaction the node's pool
// refuses for want of funds that its latest block shows.
const poolLagWindow = 5 * time.Second

// send sends tx, whose sender the latest block shows funded. A node's
// transaction pool may still judge it on the state before the funding
// (geth's pool catches up with a new head asynchronously) and refuse it for
// insufficient funds: send retries that for up to poolLagWindow.
func send(ctx context.Context, b Backend, tx *types.Transaction) error {
	deadline := time.Now().Add(poolLagWindow)
	for {
		err := b.SendTransaction(ctx, tx)
		if err == nil || !strings.Contains(strings.ToLower(err.Error()), "insufficient funds") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(receiptPollInterval):
		}
	}
}

// ensureFunds has fund top DeployerAddress up to need.
func ensureFunds(ctx context.Context, b Backend, fund func(context.Context, common.Address, *big.Int) error, need *big.Int) error {
	balance, err := b.BalanceAt(ctx, DeployerAddress, nil)
	if err != nil {
		return fmt.Errorf("read the balance of the proxy's deployer %s: %w", DeployerAddressHex, err)
	}
	if balance.Cmp(need) >= 0 {
		return nil
	}
	shortfall := new(big.Int).Sub(need, balance)
	if fund == nil {
		return fmt.Errorf("the proxy's deployer %s holds %s wei and needs %s: send it %s wei", DeployerAddressHex, balance, need, shortfall)
	}
	if err := fund(ctx, DeployerAddress, new(big.Int).Set(shortfall)); err != nil {
		return fmt.Errorf("fund the proxy's deployer %s with %s wei: %w", DeployerAddressHex, shortfall, err)
	}
	if balance, err = b.BalanceAt(ctx, DeployerAddress, nil); err != nil {
		return fmt.Errorf("read the balance of the proxy's deployer %s: %w", DeployerAddressHex, err)
	}
	if balance.Cmp(need) < 0 {
		return fmt.Errorf("fund the proxy's deployer %s: it holds %s wei after funding, needs %s", DeployerAddressHex, balance, need)
	}
	return nil
}

// waitReceipt polls for hash's receipt until it is mined or ctx ends.
func waitReceipt(ctx context.Context, b Backend, hash common.Hash) (*types.Receipt, error) {
	t := time.NewTicker(receiptPollInterval)
	defer t.Stop()
	for {
		r, err := b.TransactionReceipt(ctx, hash)
		switch {
		case err == nil:
			return r, nil
		case ctx.Err() != nil:
			// The call failed because ctx ended, however the transport
			// put it.
			return nil, fmt.Errorf("wait for the proxy's deployment transaction %s to be mined: %w (last error: %v)", hash.Hex(), context.Cause(ctx), err)
		case !pending(err):
			return nil, fmt.Errorf("read the receipt of the proxy's deployment transaction %s: %w", hash.Hex(), err)
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the proxy's deployment transaction %s to be mined: %w", hash.Hex(), context.Cause(ctx))
		case <-t.C:
		}
	}
}

// pending reports whether a receipt lookup failed because the transaction
// is not mined yet: not found, or (geth) not found while the transaction
// index is still being built.
func pending(err error) bool {
	return errors.Is(err, ethereum.NotFound) || strings.Contains(err.Error(), "indexing is in progress")
}

// alreadyKnown reports whether a send failed because the node already holds
// the transaction (geth: "already known"; anvil: "transaction already
// imported"): it is then waited for like a fresh one.
func alreadyKnown(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "already known") || strings.Contains(msg, "already imported")
}

// refusesUnprotected reports whether a send failed because the node takes
// only EIP-155 transactions (geth: "only replay-protected (EIP-155)
// transactions allowed over RPC").
func refusesUnprotected(err error) bool {
	msg := strings.ToLower(err.Error())
	return strings.Contains(msg, "replay-protected") || strings.Contains(msg, "eip-155") || strings.Contains(msg, "eip155")
}
