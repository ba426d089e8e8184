package deploy

import (
	"context"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/deploy/signer"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/create2"
	"github.com/slipway-dev/slipway/internal/status"
)

// maxWaitPerCall bounds one Await or Confirm call, so that a long wait is a
// series of activities (each visible, each with a fresh timeout) rather
// than one that runs for hours.
const maxWaitPerCall = 5 * time.Minute

// blockTime is the network's block interval, or a second for chains that
// mine on demand, so timeouts counted in blocks still end.
func blockTime(n chain.Network) time.Duration {
	if n.BlockTimeSeconds <= 0 {
		return time.Second
	}
	return time.Duration(n.BlockTimeSeconds * float64(time.Second))
}

// pollInterval polls a few times per block, within 50 ms to 2 s.
func pollInterval(n chain.Network) time.Duration {
	d := time.Duration(n.BlockTimeSeconds * float64(time.Second) / 4)
	return min(max(d, 50*time.Millisecond), 2*time.Second)
}

// outage tracks how long the RPC has failed in a row.
type outage struct {
	since  time.Time
	window time.Duration
}

// fail notes a failed call; it answers an error once the failures have
// lasted longer than the window.
func (o *outage) fail(n chain.Network, err error) error {
	if o.since.IsZero() {
		o.since = time.Now()
	}
	if time.Since(o.since) > o.window {
		return permanent(deployapi.ErrTypeUnreachable, fmt.Errorf("network %s unreachable for %s: %w", n.Name, time.Since(o.since).Round(time.Second), err))
	}
	return nil
}

func (o *outage) ok() { o.since = time.Time{} }

// Await waits for one of the deployment's transactions to be mined, for
// the network's bump interval (counted in blocks, and in wall time scaled
// by the block time for chains that mine on demand). Not included by then,
// it repairs nonce gaps below the deployment's nonce and answers so; the
// workflow then bumps the fees. RPC failures are waited out, up to the
// network's outage window.
func (a *Activities) Await(ctx context.Context, in deployapi.TxInput) (deployapi.AwaitResult, error) {
	n, b, txs, err := a.load(ctx, in)
	if err != nil {
		return deployapi.AwaitResult{}, err
	}
	if len(txs) == 0 {
		return deployapi.AwaitResult{}, permanent(deployapi.ErrTypeEnded, errors.New("nothing signed to wait for"))
	}
	o := outage{window: time.Duration(n.Gas.OutageWindowSeconds) * time.Second}
	start := time.Now()
	var startHead uint64
	wall := time.Duration(float64(n.Gas.BumpIntervalBlocks)*1.5) * blockTime(n)
	for {
		r, t, err := a.receipt(ctx, b, txs)
		if err == nil && r != nil {
			return deployapi.AwaitResult{Included: true, TxHash: common.HexToHash(t.TxHash).Hex(), BlockNumber: r.BlockNumber.Uint64()}, nil
		}
		var head uint64
		if err == nil {
			head, err = b.BlockNumber(ctx)
		}
		if err != nil {
			if ferr := o.fail(n, err); ferr != nil {
				return deployapi.AwaitResult{}, ferr
			}
			a.logger().WarnContext(ctx, "chain rpc failing; waiting", "network", n.Name, "err", err)
		} else {
			o.ok()
			if startHead == 0 {
				startHead = head
			}
			waited := head - startHead
			if waited >= uint64(n.Gas.BumpIntervalBlocks) || time.Since(start) >= wall || time.Since(start) >= maxWaitPerCall {
				if err := a.repairGaps(ctx, n, b, txs[len(txs)-1]); err != nil {
					a.logger().WarnContext(ctx, "nonce gap repair failed", "network", n.Name, "err", err)
				}
				return deployapi.AwaitResult{BlocksWaited: waited}, nil
			}
		}
		heartbeat(ctx, head)
		if err := sleep(ctx, pollInterval(n)); err != nil {
			return deployapi.AwaitResult{}, err
		}
	}
}

// repairGaps makes the signer's nonces below t's usable again: a nonce
// gap would block t, and every later deployment from the signer, for ever.
// A nonce whose transaction Slipway signed for a deployment that has ended
// (the chain lost it: a node restarted from an older state) is re-sent with
// the same bytes, which restores that contract at its address; one that
// nothing holds is filled with a zero-value self-transfer. A nonce of a
// deployment still running is left to it: it re-broadcasts by itself.
func (a *Activities) repairGaps(ctx context.Context, n chain.Network, b chain.Backend, t db.DeployTx) error {
	from := common.HexToAddress(t.Signer)
	pending, err := b.PendingNonceAt(ctx, from)
	if err != nil {
		return fmt.Errorf("read pending nonce: %w", err)
	}
	if pending >= uint64(t.Nonce) {
		return nil
	}
	q := db.New(a.Pool)
	for k := pending; k < uint64(t.Nonce); k++ {
		held, err := q.ListDeployTxsByNonce(ctx, db.ListDeployTxsByNonceParams{Network: n.Name, Signer: t.Signer, Nonce: int64(k)})
		if err != nil {
			return fmt.Errorf("look up nonce %d: %w", k, err)
		}
		if len(held) == 0 {
			if err := a.fill(ctx, n, b, from, t.DeploymentID, k, nil); err != nil {
				return err
			}
			a.Metrics.NonceGapRepaired(n.Name)
			continue
		}
		if !status.IsTerminal(held[0].DeploymentStatus) {
			continue
		}
		// The newest is what the chain had last: a failed deployment's
		// filler, never the contract of a deployment that failed. Only a
		// confirmed deployment's mined transaction outranks it.
		resend := held[0]
		for _, h := range held {
			if h.DeploymentStatus == status.Confirmed && strings.EqualFold(h.TxHash, h.DeploymentTxHash) {
				resend = h
			}
		}
		var tx types.Transaction
		if err := tx.UnmarshalBinary(resend.RawTx); err != nil {
			return fmt.Errorf("decode stored transaction %s: %w", resend.TxHash, err)
		}
		if err := b.SendTransaction(ctx, &tx); err != nil && !isKnown(err) && !isNonceTooLow(err) && !isUnderpriced(err) {
			return fmt.Errorf("re-send nonce %d: %w", k, err)
		}
		a.Metrics.NonceGapRepaired(n.Name)
		a.logger().WarnContext(ctx, "the chain lost a transaction of an ended deployment; re-sent its bytes",
			"network", n.Name, "nonce", k, "tx", resend.TxHash, "deployment", resend.DeploymentID)
	}
	return nil
}

// fill signs with from, stores and sends a zero-value self-transfer at
// nonce k, with fees above floor (the transaction it replaces) when given.
func (a *Activities) fill(ctx context.Context, n chain.Network, b chain.Backend, from common.Address, deployment uuid.UUID, k uint64, floor *Fees) error {
	s, err := a.signerFor(ctx, n, from)
	if err != nil {
		return err
	}
	fees, _, err := suggestFees(ctx, b, n.Gas)
	if err != nil {
		return err
	}
	if floor != nil {
		if bumped, ok := bumpFees(*floor, fees, max(n.Gas.BumpPercent, 10), gweiToWei(n.Gas.MaxFeePerGasGwei)); ok {
			fees = bumped
		}
	}
	chainID := new(big.Int).SetUint64(n.ChainID)
	tx, err := signer.SignTx(ctx, s, chainID, &types.DynamicFeeTx{
		ChainID: chainID, Nonce: k, GasTipCap: fees.MaxPriorityFeePerGas, GasFeeCap: fees.MaxFeePerGas, Gas: 21000, To: &from,
	})
	if err != nil {
		return fmt.Errorf("filler: %w", signError(from, err))
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		return fmt.Errorf("encode filler: %w", err)
	}
	if _, err := db.New(a.Pool).InsertDeployTx(ctx, db.InsertDeployTxParams{
		TxHash: lowerHex32(tx.Hash()), DeploymentID: deployment, Network: n.Name, Signer: lowerHex(from),
		// A filler's attempt is the nonce it fills: one filler per nonce
		// per deployment.
		Nonce: int64(k), Attempt: int32(k), Kind: kindFiller, RawTx: raw, GasLimit: 21000,
		MaxFeePerGas: db.Wei(fees.MaxFeePerGas), MaxPriorityFeePerGas: db.Wei(fees.MaxPriorityFeePerGas),
	}); err != nil && !db.IsUniqueViolation(err, "") {
		return fmt.Errorf("store filler: %w", err)
	}
	if err := b.SendTransaction(ctx, tx); err != nil && !isKnown(err) && !isNonceTooLow(err) && !isUnderpriced(err) {
		return fmt.Errorf("send filler for nonce %d: %w", k, err)
	}
	a.logger().InfoContext(ctx, "filled a nonce gap", "network", n.Name, "signer", from.Hex(), "nonce", k, "tx", tx.Hash().Hex())
	return nil
}

// Bump replaces the deployment's newest transaction with the same nonce,
// recipient (the deterministic deployment proxy, a call's target) and data
// and fees raised by at least the network's bump percent, stores the
// replacement and sends it. It answers Replaced false (with a message) when
// the cap or the bump limit leaves no room, or when a transaction is mined.
func (a *Activities) Bump(ctx context.Context, in deployapi.TxInput) (deployapi.BumpResult, error) {
	n, b, _, err := a.load(ctx, in)
	if err != nil {
		return deployapi.BumpResult{}, err
	}
	now, _, err := suggestFees(ctx, b, n.Gas)
	if err != nil {
		return deployapi.BumpResult{}, err
	}
	id := uuid.MustParse(in.DeploymentID)
	var res deployapi.BumpResult
	var newest db.DeployTx
	var all []db.DeployTx
	exhausted := false
	err = db.InTx(ctx, a.Pool, func(q *db.Queries) error {
		exhausted = false
		locked, err := q.LockDeploymentForDeploy(ctx, id)
		if err != nil {
			return fmt.Errorf("lock deployment: %w", err)
		}
		d := locked.Deployment
		txs, err := q.ListDeployTxs(ctx, id)
		if err != nil {
			return fmt.Errorf("read signed transactions: %w", err)
		}
		for _, t := range txs {
			if t.Kind == kindDeploy {
				all = append(all, t)
			}
		}
		if len(all) == 0 {
			return permanent(deployapi.ErrTypeEnded, errors.New("nothing signed to replace"))
		}
		if r, _, err := a.receipt(ctx, b, all); err != nil || r != nil {
			res = deployapi.BumpResult{Message: "already mined"}
			return err
		}
		last := all[len(all)-1]
		if int(last.Attempt) >= n.Gas.MaxBumps {
			exhausted = true
			res = deployapi.BumpResult{Message: fmt.Sprintf("not included after %d fee bumps; waiting at max fee %s gwei", last.Attempt, weiToGwei(db.WeiInt(last.MaxFeePerGas)))}
			return nil
		}
		old := Fees{MaxFeePerGas: db.WeiInt(last.MaxFeePerGas), MaxPriorityFeePerGas: db.WeiInt(last.MaxPriorityFeePerGas)}
		fees, ok := bumpFees(old, now, n.Gas.BumpPercent, gweiToWei(n.Gas.MaxFeePerGasGwei))
		if !ok {
			exhausted = true
			res = deployapi.BumpResult{Message: fmt.Sprintf("fees are at the cap of %g gwei (base fee %s gwei); waiting", n.Gas.MaxFeePerGasGwei, weiToGwei(now.BaseFee))}
			return nil
		}
		var prev types.Transaction
		if err := prev.UnmarshalBinary(last.RawTx); err != nil {
			return fmt.Errorf("decode stored transaction: %w", err)
		}
		worst := new(big.Int).Mul(new(big.Int).SetUint64(prev.Gas()), fees.MaxFeePerGas)
		// A bump the budget cannot cover is not made: the transaction
		// waits at its current fees.
		if err := a.reserve(ctx, q, d, locked.UserTier, n, worst); errors.Is(err, errOverBudget) {
			exhausted = true
			res = deployapi.BumpResult{Message: "not replaced with higher fees: " + err.Error() + "; waiting at the current fees"}
			return nil
		} else if err != nil {
			return err
		}
		from := common.HexToAddress(last.Signer)
		s, err := a.signerFor(ctx, n, from)
		if err != nil {
			return err
		}
		chainID := new(big.Int).SetUint64(n.ChainID)
		tx, err := signer.SignTx(ctx, s, chainID, &types.DynamicFeeTx{
			ChainID: chainID, Nonce: prev.Nonce(), GasTipCap: fees.MaxPriorityFeePerGas, GasFeeCap: fees.MaxFeePerGas,
			Gas: prev.Gas(), To: prev.To(), Data: prev.Data(),
		})
		if err != nil {
			return fmt.Errorf("replacement: %w", signError(from, err))
		}
		raw, err := tx.MarshalBinary()
		if err != nil {
			return fmt.Errorf("encode replacement: %w", err)
		}
		newest, err = q.InsertDeployTx(ctx, db.InsertDeployTxParams{
			TxHash: lowerHex32(tx.Hash()), DeploymentID: id, Network: n.Name, Signer: last.Signer,
			Nonce: last.Nonce, Attempt: last.Attempt + 1, Kind: kindDeploy, RawTx: raw, GasLimit: last.GasLimit,
			MaxFeePerGas: db.Wei(fees.MaxFeePerGas), MaxPriorityFeePerGas: db.Wei(fees.MaxPriorityFeePerGas),
			ContractAddress: last.ContractAddress, ToAddress: last.ToAddress,
		})
		if err != nil {
			return fmt.Errorf("store replacement: %w", err)
		}
		all = append(all, newest)
		hash := tx.Hash().Hex()
		if _, _, err := db.RecordProgress(ctx, q, id, d.Status, db.Progress{
			Update: db.UpdateDeploymentProgressParams{TxHash: &hash},
			Message: fmt.Sprintf("not included; replaced with higher fees (bump %d: max fee %s gwei, tip %s gwei)",
				newest.Attempt, weiToGwei(fees.MaxFeePerGas), weiToGwei(fees.MaxPriorityFeePerGas)),
		}); err != nil {
			return err
		}
		res = deployapi.BumpResult{Replaced: true, TxHash: hash}
		return nil
	})
	switch {
	case err != nil:
		return res, err
	case exhausted:
		a.Metrics.FeeBumpsExhausted(n.Name)
	case res.Replaced:
		// Counted once stored, whether or not the send below succeeds:
		// the replacement exists, and a retry of Bump replaces it in turn.
		a.Metrics.FeeBumped(n.Name)
	}
	if !res.Replaced {
		return res, nil
	}
	return res, a.send(ctx, n, b, all, newest)
}

// Confirm follows the mined transaction until the required depth is
// reached on the canonical chain, recording each new confirmation count. It
// checks the receipt's status and that code exists at the contract
// address (the receipt's, or for a CREATE2 deployment or a call, which
// have none, the one stored at signing), and notices reorgs: a receipt that
// moves to another block is followed there (with an event); one that
// disappears answers Dropped. A salted deployment whose transaction
// reverted because a concurrent deployment of the same salt and init code
// took the address first confirms all the same when the address holds code
// of in.DeployedCodeLength bytes: the contract is there.
func (a *Activities) Confirm(ctx context.Context, in deployapi.ConfirmInput) (deployapi.ConfirmResult, error) {
	n, b, txs, err := a.load(ctx, in.TxInput)
	if err != nil {
		return deployapi.ConfirmResult{}, err
	}
	id := uuid.MustParse(in.DeploymentID)
	o := outage{window: time.Duration(n.Gas.OutageWindowSeconds) * time.Second}
	start := time.Now()
	var seenBlock common.Hash
	var seenConf uint32
	codeChecked := false
	for {
		res, done, err := a.confirmStep(ctx, n, b, txs, in, &seenBlock, &seenConf, &codeChecked, id)
		if err != nil {
			var perm interface{ NonRetryable() bool }
			if errors.As(err, &perm) && perm.NonRetryable() {
				return deployapi.ConfirmResult{}, err
			}
			if ctx.Err() != nil {
				return deployapi.ConfirmResult{}, ctx.Err()
			}
			if ferr := o.fail(n, err); ferr != nil {
				return deployapi.ConfirmResult{}, ferr
			}
			a.logger().WarnContext(ctx, "chain rpc failing; waiting", "network", n.Name, "err", err)
		} else {
			o.ok()
			if done || time.Since(start) > maxWaitPerCall {
				if res.Confirmed {
					a.kickBalances()
				}
				return res, nil
			}
		}
		heartbeat(ctx, seenConf)
		if err := sleep(ctx, pollInterval(n)); err != nil {
			return deployapi.ConfirmResult{}, err
		}
	}
}

func (a *Activities) confirmStep(ctx context.Context, n chain.Network, b chain.Backend, txs []db.DeployTx, in deployapi.ConfirmInput,
	seenBlock *common.Hash, seenConf *uint32, codeChecked *bool, id uuid.UUID) (deployapi.ConfirmResult, bool, error) {
	required := in.Required
	r, t, err := a.receipt(ctx, b, txs)
	if err != nil {
		return deployapi.ConfirmResult{}, false, err
	}
	if r == nil {
		err := a.record(ctx, id, "reorg: the deployment's block left the canonical chain; re-broadcasting", nil)
		if err == nil {
			a.Metrics.Reorg(n.Name)
		}
		return deployapi.ConfirmResult{Dropped: true}, true, err
	}
	// A CREATE2 deployment's or a call's receipt has no contract address
	// (the transaction has a recipient): the one stored at signing is the
	// CREATE2 address or the call's target.
	addr := common.HexToAddress(t.ContractAddress)
	if r.ContractAddress != (common.Address{}) {
		addr = r.ContractAddress
	}
	// note, when set, says why a reverted transaction confirms all the same.
	var note string
	if r.Status != types.ReceiptStatusSuccessful {
		taken, why, err := a.takenBySameCode(ctx, b, t, r, addr, in.DeployedCodeLength)
		if err != nil {
			return deployapi.ConfirmResult{}, false, err
		}
		if !taken {
			// The gas is spent all the same: it counts against the budget.
			if err := a.settleReceipt(ctx, id, r); err != nil {
				return deployapi.ConfirmResult{}, false, err
			}
			return deployapi.ConfirmResult{}, false, permanent(deployapi.ErrTypeReverted, fmt.Errorf("%s reverted on chain in block %d (gas used %d)%s", subjectOf(t), r.BlockNumber, r.GasUsed, why))
		}
		note = fmt.Sprintf("; the transaction reverted because %s already holds the contract, deployed meanwhile from the same init code and salt: the deployment is confirmed at that address", addr.Hex())
	}
	head, err := b.BlockNumber(ctx)
	if err != nil {
		return deployapi.ConfirmResult{}, false, fmt.Errorf("read block number: %w", err)
	}
	hdr, err := b.HeaderByNumber(ctx, r.BlockNumber)
	if err != nil {
		return deployapi.ConfirmResult{}, false, fmt.Errorf("read block %d: %w", r.BlockNumber, err)
	}
	if hdr.Hash() != r.BlockHash {
		// The node is mid-reorg: the receipt and the canonical block at its
		// height disagree. Look again on the next poll.
		return deployapi.ConfirmResult{}, false, nil
	}
	if !*codeChecked {
		code, err := b.CodeAt(ctx, addr, r.BlockNumber)
		if err != nil {
			return deployapi.ConfirmResult{}, false, fmt.Errorf("read code: %w", err)
		}
		if len(code) == 0 {
			return deployapi.ConfirmResult{}, false, permanent(deployapi.ErrTypeNoCode, fmt.Errorf("no code at %s after a successful receipt", addr.Hex()))
		}
		*codeChecked = true
	}
	conf := uint32(0)
	if head >= r.BlockNumber.Uint64() {
		conf = uint32(min(head-r.BlockNumber.Uint64()+1, 1<<31))
	}
	price := r.EffectiveGasPrice
	if price == nil {
		price = new(big.Int)
	}
	fee := new(big.Int).Mul(price, new(big.Int).SetUint64(r.GasUsed))
	res := deployapi.ConfirmResult{
		Confirmed: conf >= required, TxHash: r.TxHash.Hex(), ContractAddress: addr.Hex(),
		BlockNumber: r.BlockNumber.Uint64(), Confirmations: conf, GasUsed: r.GasUsed,
		EffectiveGasPrice: price.String(), FeePaid: fee.String(),
	}
	moved := *seenBlock != (common.Hash{}) && *seenBlock != r.BlockHash
	if moved || conf != *seenConf {
		msg := fmt.Sprintf("%d of %d confirmations (block %d)%s", min(conf, required), required, r.BlockNumber, note)
		if moved {
			msg = fmt.Sprintf("reorg: the transaction is now in block %d; %s", r.BlockNumber, msg)
		}
		if err := a.record(ctx, id, msg, &res); err != nil {
			return deployapi.ConfirmResult{}, false, err
		}
		if moved {
			a.Metrics.Reorg(n.Name)
		}
		*seenBlock, *seenConf = r.BlockHash, conf
	}
	return res, res.Confirmed, nil
}

// subjectOf names what t runs, for a revert: the constructor (of a plain
// or a CREATE2 deployment) or a call.
func subjectOf(t db.DeployTx) string {
	if t.ToAddress != "" && !strings.EqualFold(t.ToAddress, create2.FactoryAddressHex) {
		return "the call to " + common.HexToAddress(t.ToAddress).Hex()
	}
	return "the constructor"
}

// takenBySameCode tells whether a salted deployment's transaction t, whose
// receipt r reverted, reverted because its address addr was taken
// meanwhile by the same init code (a concurrent deployment of the same
// salt and code): CREATE2 puts code there from this init code only, so
// code of the contract's runtime length (wantLen) at r's block means the
// contract is deployed, and the deployment confirms. Otherwise why says,
// when it helps, what is at the address.
func (a *Activities) takenBySameCode(ctx context.Context, b chain.Backend, t db.DeployTx, r *types.Receipt, addr common.Address, wantLen int) (taken bool, why string, err error) {
	if !strings.EqualFold(t.ToAddress, create2.FactoryAddressHex) {
		return false, "", nil
	}
	code, err := b.CodeAt(ctx, addr, r.BlockNumber)
	if err != nil {
		return false, "", fmt.Errorf("read code: %w", err)
	}
	switch {
	case len(code) == 0:
		return false, "", nil
	case wantLen > 0 && len(code) == wantLen:
		return true, "", nil
	case wantLen > 0:
		return false, fmt.Sprintf("; %s holds other code (%d bytes, the contract's runtime code is %d bytes)", addr.Hex(), len(code), wantLen), nil
	}
	return false, fmt.Sprintf("; %s holds code (%d bytes), but the contract's runtime length was not given to compare it with", addr.Hex(), len(code)), nil
}

// record appends a CONFIRMING event with the receipt's figures, if any.
func (a *Activities) record(ctx context.Context, id uuid.UUID, msg string, r *deployapi.ConfirmResult) error {
	var u db.UpdateDeploymentProgressParams
	if r != nil {
		block, gas, conf := int64(r.BlockNumber), int64(r.GasUsed), int32(min(r.Confirmations, 1<<30))
		u = db.UpdateDeploymentProgressParams{TxHash: &r.TxHash, ContractAddress: &r.ContractAddress,
			BlockNumber: &block, GasUsed: &gas, Confirmations: &conf,
			EffectiveGasPrice: db.Wei(decimal(r.EffectiveGasPrice)), FeePaid: db.Wei(decimal(r.FeePaid))}
	} else {
		zero := int32(0)
		u.Confirmations = &zero
	}
	err := db.InTx(ctx, a.Pool, func(q *db.Queries) error {
		_, _, err := db.RecordProgress(ctx, q, id, status.Confirming, db.Progress{Update: u, Message: msg})
		return err
	})
	if errors.Is(err, db.ErrDeploymentEnded) {
		return permanent(deployapi.ErrTypeEnded, err)
	}
	return err
}

func decimal(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 10)
	if !ok {
		return nil
	}
	return v
}

// FillNonce uses up the nonce of a deployment that failed after signing
// and was never mined, with a zero-value self-transfer that replaces it, so
// the signer's later deployments are not stuck behind a gap.
func (a *Activities) FillNonce(ctx context.Context, in deployapi.TxInput) (deployapi.FillResult, error) {
	n, b, txs, err := a.load(ctx, in)
	if err != nil || len(txs) == 0 {
		return deployapi.FillResult{}, err
	}
	if r, _, err := a.receipt(ctx, b, txs); err != nil || r != nil {
		return deployapi.FillResult{DeployMined: r != nil}, err
	}
	last := txs[len(txs)-1]
	latest, err := b.NonceAt(ctx, common.HexToAddress(last.Signer), nil)
	if err != nil {
		return deployapi.FillResult{}, fmt.Errorf("read nonce: %w", err)
	}
	if latest > uint64(last.Nonce) {
		return deployapi.FillResult{}, nil // used already
	}
	floor := Fees{MaxFeePerGas: db.WeiInt(last.MaxFeePerGas), MaxPriorityFeePerGas: db.WeiInt(last.MaxPriorityFeePerGas)}
	if err := a.fill(ctx, n, b, common.HexToAddress(last.Signer), last.DeploymentID, uint64(last.Nonce), &floor); err != nil {
		return deployapi.FillResult{}, err
	}
	return deployapi.FillResult{FillerHash: "sent"}, nil
}
