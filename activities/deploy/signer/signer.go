// Package signer signs the deploy pipeline's transactions without holding
// a key in Slipway's memory where it can avoid it.
//
// A network's signer reference names either a secret holding a hex private
// key ("env:DEPLOYER_KEY", "file:…", "vault:…"), read afresh for every
// signature so that a rotated secret takes effect by itself, or an AWS KMS
// key ("awskms:alias/deployer"), whose private half never leaves KMS: the
// package asks KMS to sign the 32-byte transaction hash and turns KMS's DER
// answer into the [R || S || V] form Ethereum wants.
//
// Errors say what retrying can fix: those wrapping ErrConfig need a person
// (a missing or disabled key, a public test key on a real chain, a key KMS
// will not let Slipway sign with); all others are transient (KMS or the
// secrets store unreachable, throttling, 5xx) and worth retrying. No error
// quotes key material or AWS credentials.
package signer

import (
	"context"
	"crypto/ecdsa"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

// Signer signs digests for one address.
type Signer interface {
	Address() common.Address
	// SignHash answers a 65-byte [R || S || V] secp256k1 signature over digest, V in {0,1}, S low (EIP-2).
	SignHash(ctx context.Context, digest common.Hash) ([]byte, error)
}

// ErrConfig marks failures retrying cannot fix: malformed reference, not a
// secp256k1 key, a public test key on a non-dev chain, KMS key not found /
// disabled / pending deletion / wrong KeyUsage (must be SIGN_VERIFY) / wrong
// KeySpec (must be ECC_SECG_P256K1) / access denied. Errors not wrapping
// ErrConfig are transient (KMS unreachable, throttled, 5xx, secrets store
// unavailable).
var ErrConfig = errors.New("signer misconfigured")

// kmsPrefix starts a signer reference that names an AWS KMS key.
const kmsPrefix = "awskms:"

// IsKMS reports whether ref is an "awskms:" reference.
func IsKMS(ref string) bool { return strings.HasPrefix(ref, kmsPrefix) }

// SignTx signs tx (e.g. *types.DynamicFeeTx) for chainID with s, using
// types.LatestSignerForChainID. It recovers the sender of the result and
// checks it is s's address, so that a signer answering for the wrong key
// fails here rather than as a transaction the node rejects or, worse,
// accepts from an unexpected account.
func SignTx(ctx context.Context, s Signer, chainID *big.Int, tx types.TxData) (*types.Transaction, error) {
	if chainID == nil || chainID.Sign() <= 0 {
		// LatestSignerForChainID(nil) would answer a pre-EIP-155 signer,
		// whose signatures replay on every chain.
		return nil, fmt.Errorf("sign transaction: chain id %v is not a positive number", chainID)
	}
	ethSigner := types.LatestSignerForChainID(chainID)
	unsigned := types.NewTx(tx)
	sig, err := s.SignHash(ctx, ethSigner.Hash(unsigned))
	if err != nil {
		return nil, err
	}
	signed, err := unsigned.WithSignature(ethSigner, sig)
	if err != nil {
		return nil, fmt.Errorf("attach signature: %w", err)
	}
	from, err := types.Sender(ethSigner, signed)
	if err != nil {
		return nil, fmt.Errorf("recover transaction sender: %w", err)
	}
	if from != s.Address() {
		return nil, fmt.Errorf("check transaction sender: signature recovers to %s, want %s", from, s.Address())
	}
	return signed, nil
}

// NewLocal wraps an in-memory key (tests, and the dev stack). key must be a
// secp256k1 key, as crypto.GenerateKey and crypto.HexToECDSA answer.
func NewLocal(key *ecdsa.PrivateKey) Signer {
	return &localSigner{key: key, addr: crypto.PubkeyToAddress(key.PublicKey)}
}

// localSigner signs with a private key held in memory.
type localSigner struct {
	key  *ecdsa.PrivateKey
	addr common.Address
}

func (l *localSigner) Address() common.Address { return l.addr }

// SignHash signs with go-ethereum's secp256k1, which already answers a
// low-S signature with V in {0,1}.
func (l *localSigner) SignHash(_ context.Context, digest common.Hash) ([]byte, error) {
	sig, err := crypto.Sign(digest[:], l.key)
	if err != nil {
		// crypto.Sign's errors describe the key's shape, never its bytes.
		return nil, fmt.Errorf("sign with local key of %s: %w", l.addr, err)
	}
	return sig, nil
}
