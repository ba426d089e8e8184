package deploy

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"

	"github.com/slipway-dev/slipway/internal/ctorargs"
)

// ErrInvalidArgs reports constructor arguments that do not fit the
// contract's ABI: wrong count, type, format or range. Retrying cannot fix
// it, and nothing is signed.
var ErrInvalidArgs = errors.New("invalid constructor arguments")

// EncodeConstructor answers the contract creation code: bytecode followed by
// the ABI-encoded constructor arguments, given as JSON values in the forms
// package ctorargs documents (the API checks template arguments with the
// same reader, so both accept exactly the same).
func EncodeConstructor(abiJSON, bytecode string, args []json.RawMessage) ([]byte, error) {
	code, err := hexBytes(bytecode)
	if err != nil || len(code) == 0 {
		return nil, fmt.Errorf("bytecode: not deployable hex (an abstract contract or interface has none)")
	}
	parsed, err := abi.JSON(strings.NewReader(abiJSON))
	if err != nil {
		return nil, fmt.Errorf("parse abi: %w", err)
	}
	packed, err := ctorargs.Encode(parsed.Constructor.Inputs, args)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgs, err)
	}
	return append(code, packed...), nil
}

func hexBytes(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s)%2 != 0 {
		return nil, errors.New("odd number of hex digits")
	}
	return hex.DecodeString(s)
}
