// Package create2 is Slipway's side of the canonical deterministic
// deployment proxy (Arachnid's deterministic-deployment-proxy, the CREATE2
// factory Foundry's `forge create --salt` and `forge script` use) at
// FactoryAddress.
//
// A deployment that asks for a salt is a call to the proxy whose calldata is
// the 32-byte salt followed by the contract's init code (Calldata); the proxy
// CREATE2s the contract and returns its 20-byte address, which is known in
// advance (Address): it depends only on the salt and the init code, so the
// same contract with the same salt lands at the same address on every
// network that has the proxy.
//
// The proxy was deployed by a presigned transaction that predates EIP-155
// (it carries no chain id) from a one-time account whose key nobody holds
// (DeployerAddress, the sender recovered from a signature made up of 0x22
// bytes), so it has the same address on every chain, and anyone can install
// it on a chain that lacks it: fund the deployer with DeploymentCost and
// broadcast DeploymentTx. Ensure does that on dev chains; Check tells a
// network that lacks it.
//
// The package is a leaf: it imports go-ethereum and the standard library
// only.
package create2

import (
	"encoding/hex"
	"errors"
	"fmt"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
)

const (
	// FactoryAddressHex is the deterministic deployment proxy's address,
	// the same on every chain that has it (EIP-55 checksummed).
	FactoryAddressHex = "0x4e59b44847b379578588920cA78FbF26c0B4956C"
	// DeployerAddressHex is the one-time account that sends DeploymentTx:
	// the sender recovered from its signature. Nobody holds its key.
	DeployerAddressHex = "0x3fAB184622Dc19b6109349B94811493BF2a45362"
	// DeploymentTxHex is the presigned transaction that deploys the proxy:
	// a legacy transaction without EIP-155 replay protection (v = 27), nonce
	// 0, gas price DeploymentGasPrice, gas limit DeploymentGasLimit, no
	// recipient, no value, the proxy's init code as data, and r = s =
	// 0x2222…22. A node must accept unprotected transactions to take it
	// (geth: --rpc.allow-unprotected-txs).
	DeploymentTxHex = "0xf8a58085174876e800830186a08080b853604580600e600039806000f350fe" +
		"7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3" +
		"1ba02222222222222222222222222222222222222222222222222222222222222222a02222222222222222222222222222222222222222222222222222222222222222"
	// RuntimeCodeHex is the proxy's runtime code (69 bytes): what
	// DeploymentTx leaves at FactoryAddress.
	RuntimeCodeHex = "0x7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3"
	// DeploymentGasPrice is DeploymentTx's gas price in wei: 100 gwei.
	DeploymentGasPrice = 100_000_000_000
	// DeploymentGasLimit is DeploymentTx's gas limit.
	DeploymentGasLimit = 100_000
)

var (
	// FactoryAddress is the deterministic deployment proxy's address,
	// FactoryAddressHex.
	FactoryAddress = common.HexToAddress(FactoryAddressHex)
	// DeployerAddress is the one-time account that sends DeploymentTx,
	// DeployerAddressHex.
	DeployerAddress = common.HexToAddress(DeployerAddressHex)
)

// DeploymentTx answers the raw bytes of the presigned transaction that
// deploys the proxy (DeploymentTxHex), a fresh copy on every call.
func DeploymentTx() []byte { return hexutil.MustDecode(DeploymentTxHex) }

// RuntimeCode answers the proxy's runtime code (RuntimeCodeHex), a fresh
// copy on every call.
func RuntimeCode() []byte { return hexutil.MustDecode(RuntimeCodeHex) }

// DeploymentCost answers what DeployerAddress must hold for DeploymentTx to
// be mined: DeploymentGasPrice × DeploymentGasLimit = 0.01 ether.
func DeploymentCost() *big.Int {
	return new(big.Int).Mul(big.NewInt(DeploymentGasPrice), big.NewInt(DeploymentGasLimit))
}

// deploymentTransaction decodes DeploymentTx.
func deploymentTransaction() *types.Transaction {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(DeploymentTx()); err != nil {
		// A constant that does not decode is a bug, caught by the tests.
		panic(fmt.Sprintf("create2: decode the presigned deployment transaction: %v", err))
	}
	return tx
}

// Address answers where the proxy deploys initCode with salt: the EIP-1014
// address keccak256(0xff ‖ FactoryAddress ‖ salt ‖ keccak256(initCode))[12:].
// The salt is the one the proxy receives: for a salt in the "caller" scope,
// ScopedSalt's result.
func Address(salt [32]byte, initCode []byte) common.Address {
	return addressFrom(FactoryAddress, salt, initCode)
}

// addressFrom is EIP-1014's address of initCode created with salt by
// deployer.
func addressFrom(deployer common.Address, salt [32]byte, initCode []byte) common.Address {
	return crypto.CreateAddress2(deployer, salt, crypto.Keccak256(initCode))
}

// Calldata answers the data of a call to the proxy that deploys initCode
// with salt: the 32 bytes of salt followed by initCode, in a new slice.
func Calldata(salt [32]byte, initCode []byte) []byte {
	data := make([]byte, 0, len(salt)+len(initCode))
	data = append(data, salt[:]...)
	return append(data, initCode...)
}

// ScopedSalt answers the salt the proxy receives for a user's salt in the
// "caller" scope: keccak256(userID ‖ salt), the 16 bytes of the user's UUID
// followed by the 32 of the salt, as Solidity's
// keccak256(abi.encodePacked(bytes16(userID), salt)) computes it.
//
// A deployment's salt has one of two scopes:
//
//   - "caller": the proxy gets ScopedSalt(userID, salt). Two users who give
//     the same salt and init code get different addresses, and no user can
//     take another's address: that would take a salt whose scoped hash
//     collides with the victim's, a keccak256 preimage.
//   - "raw": the proxy gets salt as given, so the address is the one
//     Foundry's `--salt`, or anyone else calling the proxy, computes for the
//     same salt and init code. Anyone, on any network, can deploy there
//     first.
//
// This function defines where "caller"-scoped deployments land, on every
// network and for good: changing it moves every such address.
//
// userID is the UUID's 16 bytes: a uuid.UUID (github.com/google/uuid) is
// assignable to it as it is.
func ScopedSalt(userID [16]byte, salt [32]byte) [32]byte {
	var out [32]byte
	copy(out[:], crypto.Keccak256(userID[:], salt[:]))
	return out
}

// SaltHexLen is the length of a salt as ParseSalt reads it: "0x" and 64 hex
// digits.
const SaltHexLen = 2 + 64

// ErrSaltFormat is what ParseSalt's errors wrap.
var ErrSaltFormat = errors.New("salt must be 0x and 64 hex digits (32 bytes)")

// ParseSalt reads a salt written as "0x" (lower-case x) and exactly 64 hex
// digits of either case: a bytes32, with no padding or trimming done. Its
// errors wrap ErrSaltFormat and say what is wrong.
func ParseSalt(s string) ([32]byte, error) {
	var salt [32]byte
	if len(s) < 2 || s[:2] != "0x" {
		return salt, fmt.Errorf("%w: %s does not start with 0x", ErrSaltFormat, quoteSalt(s))
	}
	digits := s[2:]
	if len(digits) != 64 {
		return salt, fmt.Errorf("%w: %s has %d characters after 0x, want 64", ErrSaltFormat, quoteSalt(s), len(digits))
	}
	for i := 0; i < len(digits); i++ {
		if !isHexDigit(digits[i]) {
			return salt, fmt.Errorf("%w: %s has %q at offset %d, not a hex digit", ErrSaltFormat, quoteSalt(s), digits[i], 2+i)
		}
	}
	if _, err := hex.Decode(salt[:], []byte(digits)); err != nil {
		// Unreachable after the checks above; kept for safety.
		return [32]byte{}, fmt.Errorf("%w: %w", ErrSaltFormat, err)
	}
	return salt, nil
}

func isHexDigit(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

// quoteSalt quotes s for an error, shortened past 80 bytes so that a huge
// input does not make a huge message.
func quoteSalt(s string) string {
	const limit = 80
	if len(s) > limit {
		return fmt.Sprintf("%q… (%d bytes)", s[:limit], len(s))
	}
	return fmt.Sprintf("%q", s)
}
