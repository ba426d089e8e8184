package deploy

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// ErrInvalidArgs reports constructor arguments that do not fit the
// contract's ABI: wrong count, type, format or range. Retrying cannot fix
// it, and nothing is signed.
var ErrInvalidArgs = errors.New("invalid constructor arguments")

// maxArgDepth bounds nested arrays and tuples, so hostile input cannot make
// the encoder recurse without end.
const maxArgDepth = 16

// EncodeConstructor answers the contract creation code: bytecode followed by
// the ABI-encoded constructor arguments, given as JSON values (strings for
// addresses, bytes and big integers; numbers; booleans; arrays for arrays
// and tuples, or objects for tuples by component name).
func EncodeConstructor(abiJSON, bytecode string, args []json.RawMessage) ([]byte, error) {
	code, err := hexBytes(bytecode)
	if err != nil || len(code) == 0 {
		return nil, fmt.Errorf("bytecode: not deployable hex (an abstract contract or interface has none)")
	}
	parsed, err := abi.JSON(strings.NewReader(abiJSON))
	if err != nil {
		return nil, fmt.Errorf("parse abi: %w", err)
	}
	inputs := parsed.Constructor.Inputs
	if len(args) != len(inputs) {
		return nil, fmt.Errorf("%w: the constructor takes %d (%s), got %d", ErrInvalidArgs, len(inputs), signature(inputs), len(args))
	}
	vals := make([]any, len(inputs))
	for i, in := range inputs {
		v, err := convert(in.Type, args[i], 0)
		if err != nil {
			name := in.Name
			if name == "" {
				name = fmt.Sprintf("#%d", i)
			}
			return nil, fmt.Errorf("%w: argument %d (%s %s): %v", ErrInvalidArgs, i, in.Type.String(), name, err)
		}
		vals[i] = v
	}
	packed, err := inputs.Pack(vals...)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrInvalidArgs, err)
	}
	return append(code, packed...), nil
}

func signature(in abi.Arguments) string {
	parts := make([]string, len(in))
	for i, a := range in {
		parts[i] = strings.TrimSpace(a.Type.String() + " " + a.Name)
	}
	return strings.Join(parts, ", ")
}

func hexBytes(s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	if len(s)%2 != 0 {
		return nil, errors.New("odd number of hex digits")
	}
	return hex.DecodeString(s)
}

// convert turns one JSON value into the Go value go-ethereum's encoder
// wants for t.
func convert(t abi.Type, raw json.RawMessage, depth int) (any, error) {
	if depth > maxArgDepth {
		return nil, errors.New("nested too deeply")
	}
	raw = bytes.TrimSpace(raw)
	switch t.T {
	case abi.AddressTy:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil || !common.IsHexAddress(s) || !strings.HasPrefix(s, "0x") {
			return nil, errors.New("want a 0x-prefixed address of 40 hex digits")
		}
		return common.HexToAddress(s), nil
	case abi.BoolTy:
		var b bool
		if err := json.Unmarshal(raw, &b); err != nil {
			return nil, errors.New("want true or false")
		}
		return b, nil
	case abi.StringTy:
		var s string
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("want a string")
		}
		return s, nil
	case abi.UintTy, abi.IntTy:
		return convertInt(t, raw)
	case abi.BytesTy:
		b, err := jsonHex(raw)
		if err != nil {
			return nil, err
		}
		return b, nil
	case abi.FixedBytesTy:
		b, err := jsonHex(raw)
		if err != nil {
			return nil, err
		}
		if len(b) != t.Size {
			return nil, fmt.Errorf("want exactly %d bytes, got %d", t.Size, len(b))
		}
		arr := reflect.New(t.GetType()).Elem()
		reflect.Copy(arr, reflect.ValueOf(b))
		return arr.Interface(), nil
	case abi.SliceTy, abi.ArrayTy:
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, errors.New("want a JSON array")
		}
		if t.T == abi.ArrayTy && len(items) != t.Size {
			return nil, fmt.Errorf("want %d elements, got %d", t.Size, len(items))
		}
		var out reflect.Value
		if t.T == abi.ArrayTy {
			out = reflect.New(t.GetType()).Elem()
		} else {
			out = reflect.MakeSlice(t.GetType(), len(items), len(items))
		}
		for i, it := range items {
			v, err := convert(*t.Elem, it, depth+1)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out.Index(i).Set(reflect.ValueOf(v))
		}
		return out.Interface(), nil
	case abi.TupleTy:
		out := reflect.New(t.GetType()).Elem()
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			var byName map[string]json.RawMessage
			if err := json.Unmarshal(raw, &byName); err != nil {
				return nil, errors.New("want a JSON array or object for a tuple")
			}
			items = make([]json.RawMessage, len(t.TupleElems))
			for i, name := range t.TupleRawNames {
				v, ok := byName[name]
				if !ok {
					return nil, fmt.Errorf("component %q is missing", name)
				}
				items[i] = v
			}
			if len(byName) != len(items) {
				return nil, errors.New("unknown tuple components")
			}
		}
		if len(items) != len(t.TupleElems) {
			return nil, fmt.Errorf("want %d components, got %d", len(t.TupleElems), len(items))
		}
		for i, it := range items {
			v, err := convert(*t.TupleElems[i], it, depth+1)
			if err != nil {
				return nil, fmt.Errorf("component %d: %w", i, err)
			}
			out.Field(i).Set(reflect.ValueOf(v))
		}
		return out.Interface(), nil
	}
	return nil, fmt.Errorf("type %s is not supported as a constructor argument", t.String())
}

func jsonHex(raw json.RawMessage) ([]byte, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || !strings.HasPrefix(s, "0x") {
		return nil, errors.New("want a 0x-prefixed hex string")
	}
	b, err := hexBytes(s)
	if err != nil {
		return nil, fmt.Errorf("want hex: %v", err)
	}
	return b, nil
}

// convertInt accepts a JSON integer or a decimal (or 0x hex) string and
// checks the range of t.
func convertInt(t abi.Type, raw json.RawMessage) (any, error) {
	var s string
	if len(raw) > 0 && raw[0] == '"' {
		if err := json.Unmarshal(raw, &s); err != nil {
			return nil, errors.New("want an integer")
		}
	} else {
		s = string(raw)
	}
	if len(s) > 100 {
		return nil, errors.New("integer too long")
	}
	v, ok := new(big.Int).SetString(s, 0)
	if !ok {
		return nil, fmt.Errorf("want an integer, got %s", truncate(string(raw)))
	}
	signed := t.T == abi.IntTy
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(t.Size))
	if signed {
		hi.Rsh(hi, 1)
		lo.Neg(hi)
	}
	hi.Sub(hi, big.NewInt(1))
	if v.Cmp(lo) < 0 || v.Cmp(hi) > 0 {
		return nil, fmt.Errorf("%s is out of range %s to %s", v, lo, hi)
	}
	if t.Size > 64 {
		return v, nil
	}
	out := reflect.New(t.GetType()).Elem()
	if signed {
		out.SetInt(v.Int64())
	} else {
		out.SetUint(v.Uint64())
	}
	return out.Interface(), nil
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
