// Package deploy is the deploy and confirm stages: it signs a deployment's
// transaction exactly once, broadcasts it, replaces it with higher fees
// when it is not included, and follows it to the network's confirmation
// depth through reorgs.
//
// Exactly once rests on Postgres, not on the chain or on Temporal: the
// signer's nonce is allocated and the signed transaction stored in one
// transaction (Prepare) before anything is broadcast, so a retry after any
// crash finds the stored bytes and re-broadcasts them, and every
// replacement reuses the nonce. The node answers such re-broadcasts with
// "already known" or "nonce too low", which are success once one of the
// deployment's own hashes is known.
//
// No key material leaves this package: the signer key is read from the
// secrets provider inside each activity, and workflow inputs and results
// carry only hashes, addresses and numbers.
package deploy

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"strings"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/activity"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/deploy/signer"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/metrics"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/status"
)

// Kinds of deploy_txs rows.
const (
	kindDeploy = "deploy"
	kindFiller = "filler"
)

// insufficientFundsAttempts is how many attempts a signer that cannot pay
// gets before the deployment fails: a top-up may be on its way.
const insufficientFundsAttempts = 4

// Activities holds the deploy stage's dependencies.
type Activities struct {
	Pool     *pgxpool.Pool
	Networks chain.Config
	Secrets  secrets.Provider
	// Signers resolves the networks' signer references; nil is a Resolver
	// over Secrets with the AWS SDK's default configuration for KMS keys.
	Signers *signer.Resolver
	// Dial connects to a network; nil is chain.Dial with Secrets resolving
	// the network's RPC URL references. The backend it answers is kept per
	// network for later activities, and chain.ErrChainIDMismatch from it
	// fails the deployment for good. Tests hand in a simulated backend.
	Dial   func(ctx context.Context, n chain.Network) (chain.Backend, error)
	Logger *slog.Logger
	// Metrics, when set, counts fee bumps, reorgs and nonce gaps and holds
	// the signer balances; nil records nothing.
	Metrics *metrics.Worker

	// AfterSign, when set, runs right after a signing transaction commits
	// and before anything is broadcast, told whether what was signed is a
	// call to a contract (an upgrade's) rather than a creation: crash
	// tests (SLIPWAY_FAILPOINT) stop the process there, the one moment
	// whose recovery rests on Postgres alone.
	AfterSign func(call bool)
	// skipSpend leaves the spend reservation out of signing: only the
	// benchmark's baseline sets it, to measure what budgets cost.
	skipSpend bool

	mu       sync.Mutex
	backends map[string]chain.Backend
	// balanceKick, while RunSignerBalances runs, asks it to read the
	// balances now (after a deployment spent from one).
	balanceKick chan struct{}
}

func (a *Activities) logger() *slog.Logger {
	if a.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return a.Logger
}

func (a *Activities) network(name string) (chain.Network, error) {
	n, ok := a.Networks.Lookup(name)
	if !ok {
		return chain.Network{}, permanent(deployapi.ErrTypeConfig, fmt.Errorf("network %q is not configured on this worker", name))
	}
	n.Gas = n.Gas.WithDefaults()
	return n, nil
}

// backend answers a connected, chain-id-checked backend for n, kept for
// later activities: ethclient reconnects per request by itself.
func (a *Activities) backend(ctx context.Context, n chain.Network) (chain.Backend, error) {
	a.mu.Lock()
	b, ok := a.backends[n.Name]
	a.mu.Unlock()
	if ok {
		return b, nil
	}
	dial := a.Dial
	if dial == nil {
		dial = func(ctx context.Context, n chain.Network) (chain.Backend, error) {
			return chain.Dial(ctx, n, a.Secrets)
		}
	}
	b, err := dial(ctx, n)
	if errors.Is(err, chain.ErrChainIDMismatch) {
		return nil, permanent(deployapi.ErrTypeConfig, err)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", n.Name, err)
	}
	a.mu.Lock()
	if a.backends == nil {
		a.backends = map[string]chain.Backend{}
	}
	a.backends[n.Name] = b
	a.mu.Unlock()
	return b, nil
}

// Prepare allocates the signer's nonce, signs the deployment and stores the
// signed bytes, and moves the deployment to DEPLOYING, all in one
// transaction under the deployment's row lock: a concurrent cancel either
// wins before (and Prepare fails as cancelled) or finds DEPLOYING. A retry
// finds the stored transaction and answers it again.
//
// A salted deployment (in.Salt) is a call to the deterministic deployment
// proxy with the salt and the init code, and its contract address the
// CREATE2 address; before anything is priced, the network must have the
// proxy, the address must be the one the deployment was promised (the
// row's contract address, when the API set one) and hold no other code. An
// address that holds the contract already (code of in.DeployedBytecode's
// length) is answered AlreadyDeployed with nothing signed. A call (in.To,
// in.Data) is signed exactly once like a deployment, its target recorded
// as the contract address.
func (a *Activities) Prepare(ctx context.Context, in deployapi.PrepareInput) (deployapi.PrepareResult, error) {
	id, err := uuid.Parse(in.DeploymentID)
	if err != nil {
		return deployapi.PrepareResult{}, permanent(deployapi.ErrTypeConfig, fmt.Errorf("deployment id: %w", err))
	}
	q := db.New(a.Pool)
	if res, ok, err := a.signed(ctx, q, id); err != nil || ok {
		return res, err
	}
	n, err := a.network(in.Network)
	if err != nil {
		return deployapi.PrepareResult{}, err
	}
	p, err := planOf(in)
	if err != nil {
		return deployapi.PrepareResult{}, err
	}
	// The chain first: an RPC serving another chain is the clearer error.
	b, err := a.backend(ctx, n)
	if err != nil {
		return deployapi.PrepareResult{}, err
	}
	if p.salted() || p.call {
		d, err := q.GetDeployment(ctx, id)
		if err != nil {
			return deployapi.PrepareResult{}, fmt.Errorf("read deployment: %w", err)
		}
		already, err := a.check(ctx, n, b, p, d.ContractAddress)
		if err != nil {
			return deployapi.PrepareResult{}, err
		}
		if already {
			return a.alreadyDeployed(ctx, d, p)
		}
	}
	ms, err := a.members(ctx, n, false)
	if err != nil {
		return deployapi.PrepareResult{}, err
	}
	if len(ms) == 0 {
		return deployapi.PrepareResult{WaitingForSigner: true, Message: fmt.Sprintf("every signer of %s is draining; waiting for one to be added", n.Name)}, nil
	}
	gas, fees, aboveCap, ms, err := a.quote(ctx, n, b, ms, p)
	if err != nil {
		return deployapi.PrepareResult{}, err
	}
	if aboveCap {
		return deployapi.PrepareResult{WaitingForFees: true, Message: fmt.Sprintf("base fee %s gwei is above the cap of %g gwei; waiting", weiToGwei(fees.BaseFee), n.Gas.MaxFeePerGasGwei)}, nil
	}
	worst := new(big.Int).Mul(new(big.Int).SetUint64(gas), fees.MaxFeePerGas)
	cands, why, err := a.candidates(ctx, n, b, ms, worst)
	if err != nil {
		return deployapi.PrepareResult{}, err
	}
	if len(cands) == 0 {
		a.logger().WarnContext(ctx, "no signer can pay; the deployment waits", "network", n.Name, "deployment", in.DeploymentID, "why", why)
		return deployapi.PrepareResult{WaitingForSigner: true, Message: why}, nil
	}
	chainID := new(big.Int).SetUint64(n.ChainID)
	var res deployapi.PrepareResult
	err = db.InTx(ctx, a.Pool, func(q *db.Queries) error {
		locked, err := q.LockDeploymentForDeploy(ctx, id)
		if err != nil {
			return fmt.Errorf("lock deployment: %w", err)
		}
		d := locked.Deployment
		switch {
		case d.Status == status.Cancelled:
			return permanent(deployapi.ErrTypeCancelled, errors.New("the deployment was cancelled before signing"))
		case status.IsTerminal(d.Status):
			return permanent(deployapi.ErrTypeEnded, fmt.Errorf("the deployment has ended (%s)", d.Status))
		}
		// A concurrent attempt may have signed while this one estimated.
		if r, ok, err := a.signed(ctx, q, id); err != nil || ok {
			res = r
			return err
		}
		if ceiling := a.Networks.GasCeiling(locked.UserTier, n); ceiling != 0 && gas > ceiling {
			return permanent(deployapi.ErrTypeGasCeiling, fmt.Errorf("the deployment needs %d gas (estimate plus margin), above the ceiling of %d gas per deployment for the %s tier on %s", gas, ceiling, locked.UserTier, n.Name))
		}
		if !a.skipSpend {
			if err := a.reserve(ctx, q, d, locked.UserTier, n, worst); err != nil {
				if errors.Is(err, errOverBudget) {
					return permanent(deployapi.ErrTypeBudget, err)
				}
				return err
			}
		}
		c, err := a.bind(ctx, q, n, cands)
		if err != nil {
			return err
		}
		from := c.address()
		// Only the chosen signer's: its nonce row, taken next, serialises
		// its allocations from here.
		chainNonce, err := b.PendingNonceAt(ctx, from)
		if err != nil {
			return fmt.Errorf("read pending nonce of %s: %w", from.Hex(), err)
		}
		nonce, err := q.AllocateNonce(ctx, db.AllocateNonceParams{Network: n.Name, Address: lowerHex(from), ChainNonce: int64(chainNonce)})
		if err != nil {
			return fmt.Errorf("allocate nonce: %w", err)
		}
		// A signing that fails rolls the nonce and the reservation back.
		tx, err := signer.SignTx(ctx, c.s, chainID, &types.DynamicFeeTx{
			ChainID: chainID, Nonce: uint64(nonce), GasTipCap: fees.MaxPriorityFeePerGas, GasFeeCap: fees.MaxFeePerGas,
			Gas: gas, To: p.to, Data: p.data,
		})
		if err != nil {
			return signError(from, err)
		}
		raw, err := tx.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode transaction: %w", err)
		}
		addr := p.address
		if p.to == nil {
			addr = crypto.CreateAddress(from, uint64(nonce))
		}
		if _, err := q.InsertDeployTx(ctx, db.InsertDeployTxParams{
			TxHash: lowerHex32(tx.Hash()), DeploymentID: id, Network: n.Name, Signer: lowerHex(from),
			Nonce: nonce, Attempt: 0, Kind: kindDeploy, RawTx: raw, GasLimit: int64(gas),
			MaxFeePerGas: db.Wei(fees.MaxFeePerGas), MaxPriorityFeePerGas: db.Wei(fees.MaxPriorityFeePerGas),
			ContractAddress: addr.Hex(), ToAddress: p.toAddress(),
		}); err != nil {
			return fmt.Errorf("store signed transaction: %w", err)
		}
		hash, addrHex := tx.Hash().Hex(), addr.Hex()
		what := "the deployment"
		switch {
		case p.call:
			what = "the call to " + addrHex
		case p.salted():
			what = fmt.Sprintf("the deployment to %s through the deterministic deployment proxy (salt %s)", addrHex, p.saltHex)
		}
		if _, _, err := db.RecordProgress(ctx, q, id, status.Deploying, db.Progress{
			Update:  db.UpdateDeploymentProgressParams{TxHash: &hash, ContractAddress: &addrHex},
			Message: fmt.Sprintf("signed %s (signer %s, nonce %d, max fee %s gwei)", what, from.Hex(), nonce, weiToGwei(fees.MaxFeePerGas)),
		}); err != nil {
			return err
		}
		res = deployapi.PrepareResult{TxHash: hash, Nonce: uint64(nonce), Signer: from.Hex(), ContractAddress: addrHex}
		return nil
	})
	if err != nil {
		return deployapi.PrepareResult{}, err
	}
	if a.AfterSign != nil {
		a.AfterSign(p.call)
	}
	return res, nil
}

// alreadyDeployed answers a salted deployment whose address holds the
// contract already: nothing is signed, reserved or recorded, so every
// retry, and every deployment of the same salt and code, answers the same.
// A cancelled or ended deployment is refused as Prepare's signing would.
func (a *Activities) alreadyDeployed(ctx context.Context, d db.Deployment, p plan) (deployapi.PrepareResult, error) {
	switch {
	case d.Status == status.Cancelled:
		return deployapi.PrepareResult{}, permanent(deployapi.ErrTypeCancelled, errors.New("the deployment was cancelled before signing"))
	case status.IsTerminal(d.Status):
		return deployapi.PrepareResult{}, permanent(deployapi.ErrTypeEnded, fmt.Errorf("the deployment has ended (%s)", d.Status))
	}
	a.logger().InfoContext(ctx, "the salted deployment's address holds the contract already; nothing signed",
		"network", d.Network, "deployment", d.ID, "address", p.address.Hex())
	return deployapi.PrepareResult{
		AlreadyDeployed: true, ContractAddress: p.address.Hex(),
		Message: fmt.Sprintf("%s already holds the contract (deployed before with salt %s and the same init code); nothing signed", p.address.Hex(), p.saltHex),
	}, nil
}

// quote estimates the transaction's gas limit (the estimate with its
// margin, within the block gas limit) and prices it within the network's
// cap; aboveCap says the next base fee is over it. A creation runs the
// same code from any member of ms: the first estimates it, and all are
// able to sign it. A call's outcome may depend on its sender (an upgrade
// is the proxy owner's to make): it is estimated from each member, able
// are those from which it does not revert, and the largest estimate is
// taken; when it reverts from every one, the first revert fails it.
func (a *Activities) quote(ctx context.Context, n chain.Network, b chain.Backend, ms []member, p plan) (gas uint64, fees Fees, aboveCap bool, able []member, err error) {
	var reverted error // the first member's revert
	for i, m := range ms {
		if i > 0 && !p.call {
			break
		}
		g, err := b.EstimateGas(ctx, p.msg(m.address()))
		switch {
		case err == nil:
			gas = max(gas, g)
			able = append(able, m)
		case p.call && isRevert(err):
			reverted = cmp.Or(reverted, err)
		default:
			return 0, Fees{}, false, nil, a.estimateError(ctx, m.address(), p, err)
		}
	}
	switch {
	case !p.call:
		able = ms
	case len(able) == 0 && len(ms) > 1:
		return 0, Fees{}, false, nil, permanent(deployapi.ErrTypeReverted, fmt.Errorf("%s reverts from every signer of %s: %w", p.subject(), n.Name, reverted))
	case len(able) == 0:
		return 0, Fees{}, false, nil, a.estimateError(ctx, ms[0].address(), p, reverted)
	}
	if gas, err = withHeadroom(ctx, b, gas); err != nil {
		return 0, Fees{}, false, nil, err
	}
	fees, aboveCap, err = suggestFees(ctx, b, n.Gas)
	return gas, fees, aboveCap, able, err
}

// estimateError classifies a failed eth_estimateGas of p from from.
func (a *Activities) estimateError(ctx context.Context, from common.Address, p plan, err error) error {
	switch {
	case isRevert(err):
		return permanent(deployapi.ErrTypeReverted, fmt.Errorf("%s reverts: %w", p.subject(), err))
	case isInsufficientFunds(err):
		return a.insufficient(ctx, from, err)
	case isOverBlockLimit(err):
		return permanent(deployapi.ErrTypeGasCeiling, fmt.Errorf("%s needs more gas than a block holds: %w", p.subject(), err))
	}
	return fmt.Errorf("estimate gas: %w", err)
}

// signed answers the deployment's stored first transaction, if any.
func (a *Activities) signed(ctx context.Context, q *db.Queries, id uuid.UUID) (deployapi.PrepareResult, bool, error) {
	txs, err := q.ListDeployTxs(ctx, id)
	if err != nil {
		return deployapi.PrepareResult{}, false, fmt.Errorf("read signed transactions: %w", err)
	}
	for _, t := range txs {
		if t.Kind == kindDeploy && t.Attempt == 0 {
			return deployapi.PrepareResult{TxHash: common.HexToHash(t.TxHash).Hex(), Nonce: uint64(t.Nonce),
				Signer: common.HexToAddress(t.Signer).Hex(), ContractAddress: t.ContractAddress}, true, nil
		}
	}
	return deployapi.PrepareResult{}, false, nil
}

func (a *Activities) insufficient(ctx context.Context, from common.Address, err error) error {
	if activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt >= insufficientFundsAttempts {
		return permanent(deployapi.ErrTypeInsufficientFunds, fmt.Errorf("insufficient funds: %w", err))
	}
	a.logger().WarnContext(ctx, "signer cannot pay for a deployment; retrying", "signer", from.Hex(), "err", err)
	return fmt.Errorf("insufficient funds: %w", err)
}

// Broadcast sends the deployment's newest signed transaction (the same
// bytes on every retry). "Already known" and a nonce that one of the
// deployment's own transactions used are success.
func (a *Activities) Broadcast(ctx context.Context, in deployapi.TxInput) error {
	n, b, txs, err := a.load(ctx, in)
	if err != nil {
		return err
	}
	if len(txs) == 0 {
		return permanent(deployapi.ErrTypeEnded, errors.New("nothing signed to broadcast"))
	}
	return a.send(ctx, n, b, txs, txs[len(txs)-1])
}

func (a *Activities) send(ctx context.Context, n chain.Network, b chain.Backend, all []db.DeployTx, t db.DeployTx) error {
	var tx types.Transaction
	if err := tx.UnmarshalBinary(t.RawTx); err != nil {
		return permanent(deployapi.ErrTypeRejected, fmt.Errorf("decode stored transaction %s: %w", t.TxHash, err))
	}
	err := b.SendTransaction(ctx, &tx)
	switch {
	case err == nil, isKnown(err):
	case isNonceTooLow(err), isUnderpriced(err):
		// The nonce is used or taken by a pending transaction. Success if
		// one of ours is mined; otherwise another sender used our nonce.
		r, _, rerr := a.receipt(ctx, b, all)
		if rerr != nil {
			return rerr
		}
		if r == nil && isNonceTooLow(err) {
			latest, nerr := b.NonceAt(ctx, common.HexToAddress(t.Signer), nil)
			if nerr != nil {
				return fmt.Errorf("read nonce: %w", nerr)
			}
			if latest > uint64(t.Nonce) {
				// Mined but not visible yet to this RPC, or taken: look
				// again on a retry before calling it taken.
				if activity.IsActivity(ctx) && activity.GetInfo(ctx).Attempt >= 5 {
					return permanent(deployapi.ErrTypeNonceTaken, fmt.Errorf("nonce %d of %s was used by a transaction Slipway did not sign", t.Nonce, t.Signer))
				}
				return fmt.Errorf("nonce %d is used but none of the deployment's transactions is mined yet", t.Nonce)
			}
		}
	case isInsufficientFunds(err):
		return a.insufficient(ctx, common.HexToAddress(t.Signer), err)
	case isRejected(err):
		return permanent(deployapi.ErrTypeRejected, fmt.Errorf("node refused transaction %s: %w", t.TxHash, err))
	default:
		return fmt.Errorf("broadcast %s on %s: %w", t.TxHash, n.Name, err)
	}
	if err := db.New(a.Pool).MarkDeployTxBroadcast(ctx, t.TxHash); err != nil {
		return fmt.Errorf("mark broadcast: %w", err)
	}
	return nil
}

func (a *Activities) load(ctx context.Context, in deployapi.TxInput) (chain.Network, chain.Backend, []db.DeployTx, error) {
	id, err := uuid.Parse(in.DeploymentID)
	if err != nil {
		return chain.Network{}, nil, nil, permanent(deployapi.ErrTypeConfig, fmt.Errorf("deployment id: %w", err))
	}
	n, err := a.network(in.Network)
	if err != nil {
		return chain.Network{}, nil, nil, err
	}
	b, err := a.backend(ctx, n)
	if err != nil {
		return chain.Network{}, nil, nil, err
	}
	all, err := db.New(a.Pool).ListDeployTxs(ctx, id)
	if err != nil {
		return chain.Network{}, nil, nil, fmt.Errorf("read signed transactions: %w", err)
	}
	var txs []db.DeployTx
	for _, t := range all {
		if t.Kind == kindDeploy {
			txs = append(txs, t)
		}
	}
	return n, b, txs, nil
}

// receipt answers the receipt of whichever of txs is mined, newest first.
func (a *Activities) receipt(ctx context.Context, b chain.Backend, txs []db.DeployTx) (*types.Receipt, db.DeployTx, error) {
	for i := len(txs) - 1; i >= 0; i-- {
		r, err := b.TransactionReceipt(ctx, common.HexToHash(txs[i].TxHash))
		if errors.Is(err, ethereum.NotFound) {
			continue
		}
		if err != nil {
			return nil, db.DeployTx{}, fmt.Errorf("read receipt: %w", err)
		}
		return r, txs[i], nil
	}
	return nil, db.DeployTx{}, nil
}

func lowerHex(a common.Address) string { return strings.ToLower(a.Hex()) }
func lowerHex32(h common.Hash) string  { return strings.ToLower(h.Hex()) }

func weiToGwei(w *big.Int) string {
	if w == nil {
		return "0"
	}
	f, _ := new(big.Float).Quo(new(big.Float).SetInt(w), gwei).Float64()
	return fmt.Sprintf("%.4g", f)
}

// Node error texts differ between clients; these match geth, anvil,
// Nethermind, Erigon and Besu's wording.
func has(err error, subs ...string) bool {
	if err == nil {
		return false
	}
	msg := strings.ToLower(err.Error())
	for _, s := range subs {
		if strings.Contains(msg, s) {
			return true
		}
	}
	return false
}

func isKnown(err error) bool {
	return has(err, "already known", "known transaction", "already imported", "already exists", "alreadyknown")
}
func isNonceTooLow(err error) bool { return has(err, "nonce too low", "nonce is too low", "oldnonce") }
func isUnderpriced(err error) bool {
	return has(err, "replacement transaction underpriced", "replacement fee too low", "underpriced")
}
func isInsufficientFunds(err error) bool {
	return has(err, "insufficient funds", "insufficient balance", "lack of funds")
}

// isOverBlockLimit is eth_estimateGas finding no gas limit a block allows
// enough for the call.
func isOverBlockLimit(err error) bool {
	return has(err, "gas required exceeds allowance", "exceeds block gas limit")
}
func isRevert(err error) bool { return has(err, "execution reverted", "revert", "invalid opcode") }
func isRejected(err error) bool {
	return has(err, "intrinsic gas too low", "intrinsic gas too high", "exceeds block gas limit", "gas limit too high", "exceeds the block gas limit", "gas limit reached", "max initcode size exceeded", "oversized data", "invalid sender", "invalid chain id")
}

// heartbeat reports liveness (and what is being waited for) when running
// as an activity; outside one (unit tests) it does nothing.
func heartbeat(ctx context.Context, details ...any) {
	if activity.IsActivity(ctx) {
		activity.RecordHeartbeat(ctx, details...)
	}
}

// sleep waits d or until ctx ends.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
