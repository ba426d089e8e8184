// Package proxies names the proxy contracts upgradeable deployments put in
// front of their implementation, and the calls that upgrade them: OpenZeppelin
// Contracts 5's own ERC1967Proxy (UUPS) and TransparentUpgradeableProxy,
// compiled from the installed @openzeppelin/contracts like any other source.
//
// The compile pool answers only the contracts of a request's own files, so
// each proxy is a contract of one small file that inherits OpenZeppelin's
// and only passes its constructor arguments on: its code is OpenZeppelin's,
// and explorers recognise it as an EIP-1967 proxy by its storage slots.
package proxies

import (
	"encoding/json"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slipway-dev/slipway/internal/ctorargs"
)

// Kinds, as the template option upgradeable and deployments.proxy_kind
// name them.
const (
	UUPS        = "uups"
	Transparent = "transparent"
)

// CompilerVersion is the solc release the proxies are compiled with: the
// one generated sources use, so the same installed compiler serves both.
const CompilerVersion = "0.8.37"

// Contract is the source of one proxy.
type Contract struct {
	File, Name, Source string
}

// For answers kind's proxy contract.
func For(kind string) (Contract, error) {
	switch kind {
	case UUPS:
		return Contract{File: "SlipwayERC1967Proxy.sol", Name: "SlipwayERC1967Proxy", Source: `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.22;

import {ERC1967Proxy} from "@openzeppelin/contracts/proxy/ERC1967/ERC1967Proxy.sol";

/// OpenZeppelin's ERC1967Proxy, as Slipway deploys it in front of a UUPS
/// implementation: data is the implementation's initialize call.
contract SlipwayERC1967Proxy is ERC1967Proxy {
    constructor(address implementation, bytes memory data) payable ERC1967Proxy(implementation, data) {}
}
`}, nil
	case Transparent:
		return Contract{File: "SlipwayTransparentProxy.sol", Name: "SlipwayTransparentProxy", Source: `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.22;

import {TransparentUpgradeableProxy} from "@openzeppelin/contracts/proxy/transparent/TransparentUpgradeableProxy.sol";

/// OpenZeppelin's TransparentUpgradeableProxy, as Slipway deploys it: it
/// creates its own ProxyAdmin owned by initialOwner; data is the
/// implementation's initialize call.
contract SlipwayTransparentProxy is TransparentUpgradeableProxy {
    constructor(address logic, address initialOwner, bytes memory data)
        payable
        TransparentUpgradeableProxy(logic, initialOwner, data)
    {}
}
`}, nil
	}
	return Contract{}, fmt.Errorf("unknown proxy kind %q (want %q or %q)", kind, UUPS, Transparent)
}

// ConstructorArgs are the proxy's constructor arguments as JSON values (the
// form deployments take them in): the implementation, the ProxyAdmin's
// owner for a transparent proxy, and the initialize calldata.
func ConstructorArgs(kind string, implementation common.Address, adminOwner string, initData []byte) ([]json.RawMessage, error) {
	q := func(s string) json.RawMessage { b, _ := json.Marshal(s); return b }
	data := q("0x" + common.Bytes2Hex(initData))
	switch kind {
	case UUPS:
		return []json.RawMessage{q(implementation.Hex()), data}, nil
	case Transparent:
		if !common.IsHexAddress(adminOwner) {
			return nil, fmt.Errorf("the ProxyAdmin's owner %q is not an address", adminOwner)
		}
		return []json.RawMessage{q(implementation.Hex()), q(common.HexToAddress(adminOwner).Hex()), data}, nil
	}
	return nil, fmt.Errorf("unknown proxy kind %q", kind)
}

// OptimizerRuns is the optimizer setting proxies are compiled with
// (enabled), whatever the implementation's: the proxy's code, and so its
// CREATE2 address, is then the same for every deployment of a kind.
const OptimizerRuns = 200

// Args are the constructor arguments of kind's proxy in front of
// implementation, whose ABI is implABI: its initializer called with args
// (the arguments a plain contract's constructor would take), and for a
// transparent proxy the ProxyAdmin's owner, args[adminArg] (the
// initializer's owner or admin). The API, to answer a salted proxy's
// address at once, and the workflow, to deploy it, both build them here.
func Args(kind, implABI, initializer string, args []json.RawMessage, adminArg int, implementation common.Address) ([]json.RawMessage, error) {
	data, err := ctorargs.EncodeCall(implABI, initializer, args)
	if err != nil {
		return nil, fmt.Errorf("encode the %s call: %w", initializer, err)
	}
	var admin string
	if kind == Transparent {
		if adminArg < 0 || adminArg >= len(args) || json.Unmarshal(args[adminArg], &admin) != nil {
			return nil, fmt.Errorf("a transparent proxy's ProxyAdmin needs an owner: argument %d of %s", adminArg, initializer)
		}
	}
	return ConstructorArgs(kind, implementation, admin, data)
}

// AdminAddress is the ProxyAdmin a TransparentUpgradeableProxy at proxy
// created in its constructor: the proxy's first CREATE (contracts start at
// nonce 1, EIP-161).
func AdminAddress(proxy common.Address) common.Address { return crypto.CreateAddress(proxy, 1) }

// UpgradeCall answers the transaction that points proxy at
// implementation, calling data on it (none when empty): to the proxy
// itself for UUPS (upgradeToAndCall, authorised by the implementation's
// _authorizeUpgrade), to its ProxyAdmin for a transparent one
// (upgradeAndCall, by the admin's owner).
func UpgradeCall(kind string, proxy, implementation common.Address, data []byte) (to common.Address, calldata []byte, err error) {
	switch kind {
	case UUPS:
		return proxy, pack("upgradeToAndCall(address,bytes)", implementation, data), nil
	case Transparent:
		return AdminAddress(proxy), pack("upgradeAndCall(address,address,bytes)", proxy, implementation, data), nil
	}
	return common.Address{}, nil, fmt.Errorf("unknown proxy kind %q", kind)
}

// pack ABI-encodes a call of signature whose arguments are addresses
// followed by one bytes value: the only shapes UpgradeCall needs.
func pack(signature string, args ...any) []byte {
	addr, _ := abi.NewType("address", "", nil)
	bytesT, _ := abi.NewType("bytes", "", nil)
	params := make(abi.Arguments, len(args))
	for i := range args {
		params[i] = abi.Argument{Type: addr}
	}
	params[len(args)-1] = abi.Argument{Type: bytesT}
	packed, err := params.Pack(args...)
	if err != nil {
		// The arguments are this package's own, of the types above.
		panic(fmt.Sprintf("proxies: pack %s: %v", signature, err))
	}
	return append(crypto.Keccak256([]byte(signature))[:4], packed...)
}
