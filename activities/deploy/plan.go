package deploy

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/internal/create2"
)

// plan is the transaction a PrepareInput asks for, but for its sender,
// nonce, gas and fees: a plain creation, a creation through the
// deterministic deployment proxy (salted), or a call.
type plan struct {
	// to is nil for a plain creation, create2.FactoryAddress for a salted
	// one, the target for a call.
	to   *common.Address
	data []byte
	// init is a creation's init code (the bytecode and the encoded
	// constructor arguments); nil for a call.
	init []byte
	// salt is a salted creation's; saltHex as given.
	salt    [32]byte
	saltHex string
	// address is known before signing for a salted creation (its CREATE2
	// address) and a call (its target); zero for a plain creation.
	address common.Address
	// runtimeLen is the length of the compiled runtime code, -1 when the
	// input did not give it.
	runtimeLen int
	call       bool
}

func (p plan) salted() bool { return p.saltHex != "" }

// subject names what runs, for errors: the constructor or the call.
func (p plan) subject() string {
	if p.call {
		return "the call to " + p.address.Hex()
	}
	return "the constructor"
}

// toAddress is the deploy_txs row's to_address: lower-case hex, empty for
// a plain creation.
func (p plan) toAddress() string {
	if p.to == nil {
		return ""
	}
	return lowerHex(*p.to)
}

// msg is the eth_estimateGas call of p from from.
func (p plan) msg(from common.Address) ethereum.CallMsg {
	return ethereum.CallMsg{From: from, To: p.to, Data: p.data}
}

// initCodeHash is what approvers are shown: keccak256 of the init code
// (not of the proxy's calldata), or of a call's data.
func (p plan) initCodeHash() common.Hash {
	if p.call {
		return crypto.Keccak256Hash(p.data)
	}
	return crypto.Keccak256Hash(p.init)
}

// planOf reads in into the transaction it asks for. What it refuses, it
// refuses for good (ErrTypeInvalidArgs).
func planOf(in deployapi.PrepareInput) (plan, error) {
	p := plan{runtimeLen: -1}
	if in.DeployedBytecode != "" {
		code, err := hexBytes(in.DeployedBytecode)
		if err != nil {
			return plan{}, permanent(deployapi.ErrTypeInvalidArgs, fmt.Errorf("deployed bytecode: not hex: %w", err))
		}
		p.runtimeLen = len(code)
	}
	if in.To != "" || in.Data != "" {
		switch {
		case in.To == "":
			return plan{}, permanent(deployapi.ErrTypeInvalidArgs, errors.New("call data without a target (to)"))
		case in.Bytecode != "" || len(in.ConstructorArgs) > 0 || in.Salt != "":
			return plan{}, permanent(deployapi.ErrTypeInvalidArgs, errors.New("a call (to) takes no bytecode, constructor arguments or salt"))
		case !common.IsHexAddress(in.To) || common.HexToAddress(in.To) == (common.Address{}):
			return plan{}, permanent(deployapi.ErrTypeInvalidArgs, fmt.Errorf("call target %q is not an address", in.To))
		}
		data, err := hexBytes(in.Data)
		if err != nil {
			return plan{}, permanent(deployapi.ErrTypeInvalidArgs, fmt.Errorf("call data: not hex: %w", err))
		}
		to := common.HexToAddress(in.To)
		p.to, p.data, p.address, p.call = &to, data, to, true
		return p, nil
	}
	init, err := EncodeConstructor(in.ABI, in.Bytecode, in.ConstructorArgs)
	if err != nil {
		return plan{}, permanent(deployapi.ErrTypeInvalidArgs, err)
	}
	p.init, p.data = init, init
	if in.Salt == "" {
		return p, nil
	}
	salt, err := create2.ParseSalt(in.Salt)
	if err != nil {
		return plan{}, permanent(deployapi.ErrTypeInvalidArgs, err)
	}
	factory := create2.FactoryAddress
	p.to, p.data = &factory, create2.Calldata(salt, init)
	p.salt, p.saltHex, p.address = salt, in.Salt, create2.Address(salt, init)
	return p, nil
}

// check is what Prepare and Estimate check on chain before quoting: a
// salted deployment needs the proxy on n, its address as promised (the
// deployment row's contract address, when the API set one) and no other
// code there; alreadyDeployed says the address holds the contract
// already. A call's target must hold code.
func (a *Activities) check(ctx context.Context, n chain.Network, b chain.Backend, p plan, promised string) (alreadyDeployed bool, err error) {
	switch {
	case p.call:
		code, err := b.CodeAt(ctx, p.address, nil)
		if err != nil {
			return false, fmt.Errorf("read the code at %s: %w", p.address.Hex(), err)
		}
		if len(code) == 0 {
			return false, permanent(deployapi.ErrTypeNoCode, fmt.Errorf("the call's target %s holds no code on %s", p.address.Hex(), n.Name))
		}
		return false, nil
	case !p.salted():
		return false, nil
	}
	if promised != "" && !strings.EqualFold(promised, p.address.Hex()) {
		return false, permanent(deployapi.ErrTypeAddressMismatch, fmt.Errorf(
			"the deployment was promised address %s, but its compiled code with salt %s deploys to %s: the compiled code differs from what the address was computed from",
			common.HexToAddress(promised).Hex(), p.saltHex, p.address.Hex()))
	}
	if err := create2.Check(ctx, b); err != nil {
		if errors.Is(err, create2.ErrNoFactory) {
			return false, permanent(deployapi.ErrTypeNoFactory, fmt.Errorf("network %s has %w", n.Name, err))
		}
		return false, err
	}
	code, err := b.CodeAt(ctx, p.address, nil)
	if err != nil {
		return false, fmt.Errorf("read the code at %s: %w", p.address.Hex(), err)
	}
	switch {
	case len(code) == 0:
		return false, nil
	case len(code) == p.runtimeLen:
		return true, nil
	case p.runtimeLen < 0:
		return false, permanent(deployapi.ErrTypeAddressTaken, fmt.Errorf(
			"%s already holds code (%d bytes), and the deployment gave no runtime code to compare it with", p.address.Hex(), len(code)))
	}
	return false, permanent(deployapi.ErrTypeAddressTaken, fmt.Errorf(
		"the address holds different code: %s holds %d bytes of code, the contract's runtime code is %d bytes", p.address.Hex(), len(code), p.runtimeLen))
}
