// Package ctorargs is the one reader of constructor arguments: the API
// checks a template deployment's arguments with it before anything starts,
// and the deploy stage (and the API's pre-compile of user sources) encodes
// them with it against the compiled ABI, so that what the API accepts is
// exactly what the worker deploys.
//
// A deployment's constructorArgs are JSON values, one per constructor
// parameter, in the forms ethers, viem and Foundry users write:
//
//   - uintN, intN: a JSON number that is an integer no larger in magnitude
//     than 2^53−1 (JavaScript's Number.MAX_SAFE_INTEGER: JSON numbers are
//     doubles, so bigger ones have already lost digits, and 2^53 may be
//     2^53+1 rounded), such as 1000 or -5; or a string of decimal digits
//     ("1000000000000000000000", "-5"; "007" is 7), or of "0x" and hex
//     digits ("0xff", "-0x80"), with a leading "-" for negatives, at most
//     100 characters. The value must fit the type's range. Refused: "+1",
//     " 1", "1_000", "1e3" or "1.5" as strings, "0b1", "0o7", "0X1f",
//     two's-complement hex for negatives, fractions.
//   - bool: true or false; not "true", 0 or 1.
//   - address: "0x" and 40 hex digits, all lower case, all upper case, or
//     EIP-55 mixed case. Mixed case with a wrong checksum is refused, as
//     ethers and viem refuse it: mixed case promises the address was copied
//     whole. No "0X", no missing prefix, no ENS names.
//   - bytes: "0x" and an even number of hex digits ("0x" is empty).
//   - bytesN: "0x" and exactly 2N hex digits, no padding.
//   - string: a JSON string.
//   - T[] and T[k]: a JSON array of T values; exactly k of them for T[k].
//   - tuples (structs): a JSON array of the components in order, or a JSON
//     object holding every component by name and nothing else.
//
// null is no value of any type; function, fixed and ufixed parameters are
// not supported. Values nest at most 16 levels deep.
package ctorargs

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"math/big"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// MaxDepth bounds the nesting of arrays and tuples, so that a hostile type
// or value cannot recurse without end.
const MaxDepth = 16

// maxIntString is the longest integer string read: uint256's largest value
// takes 78 decimal digits.
const maxIntString = 100

// maxSafeInteger is the largest integer a JSON number is trusted to carry
// exactly (Number.MAX_SAFE_INTEGER).
const maxSafeInteger = 1<<53 - 1

// maxStaticElems bounds the elements of a fixed-size array type (nested
// ones multiplied), so that a type like uint8[1e18] never becomes a Go
// array type.
const maxStaticElems = 1 << 20

// CountError is a wrong number of arguments.
type CountError struct {
	Params abi.Arguments
	Got    int
}

func (e *CountError) Error() string {
	return fmt.Sprintf("the constructor takes %d argument(s) (%s), got %d", len(e.Params), Signature(e.Params), e.Got)
}

// ArgError is an argument that does not fit its parameter.
type ArgError struct {
	Index int
	Param abi.Argument
	Err   error
}

// Name is the parameter's name, or #index for an unnamed one.
func (e *ArgError) Name() string {
	if e.Param.Name == "" {
		return fmt.Sprintf("#%d", e.Index)
	}
	return e.Param.Name
}

func (e *ArgError) Error() string {
	return fmt.Sprintf("argument %d (%s %s): %v", e.Index, e.Param.Type.String(), e.Name(), e.Err)
}

func (e *ArgError) Unwrap() error { return e.Err }

// Signature lists parameters for an error message: "address owner,
// uint256 cap", or "none".
func Signature(params abi.Arguments) string {
	if len(params) == 0 {
		return "none"
	}
	parts := make([]string, len(params))
	for i, a := range params {
		parts[i] = strings.TrimSpace(a.Type.String() + " " + a.Name)
	}
	return strings.Join(parts, ", ")
}

// Encode reads args against params and answers their ABI encoding (what
// follows the bytecode in creation code). Errors are a *CountError or an
// *ArgError.
func Encode(params abi.Arguments, args []json.RawMessage) ([]byte, error) {
	vals, err := Parse(params, args)
	if err != nil {
		return nil, err
	}
	packed, err := params.Pack(vals...)
	if err != nil {
		// Parse answers only values that pack; this is a bug, said plainly.
		return nil, fmt.Errorf("encode constructor arguments: %w", err)
	}
	return packed, nil
}

// EncodeCall answers the calldata of a call to method of the contract
// whose ABI (JSON text) is abiJSON: its selector and args read as Encode
// reads constructor arguments. An upgradeable contract's initialize call
// (the data a proxy's constructor runs) is made with it, from the same
// arguments a plain contract's constructor would take.
func EncodeCall(abiJSON, method string, args []json.RawMessage) ([]byte, error) {
	parsed, err := abi.JSON(strings.NewReader(abiJSON))
	if err != nil {
		return nil, fmt.Errorf("parse abi: %w", err)
	}
	m, ok := parsed.Methods[method]
	if !ok {
		return nil, fmt.Errorf("the contract has no function %s", method)
	}
	packed, err := Encode(m.Inputs, args)
	if err != nil {
		return nil, err
	}
	return append(append([]byte{}, m.ID...), packed...), nil
}

// Parse reads args against params and answers the Go values
// abi.Arguments.Pack takes for them. Errors are a *CountError or an
// *ArgError.
func Parse(params abi.Arguments, args []json.RawMessage) ([]any, error) {
	if len(args) != len(params) {
		return nil, &CountError{Params: params, Got: len(args)}
	}
	vals := make([]any, len(params))
	for i, p := range params {
		v, err := Value(p.Type, args[i])
		if err != nil {
			return nil, &ArgError{Index: i, Param: p, Err: err}
		}
		vals[i] = v
	}
	return vals, nil
}

// Value reads one JSON value of type t, in the forms of the package doc,
// and answers the Go value abi.Arguments.Pack takes for it.
func Value(t abi.Type, raw json.RawMessage) (any, error) {
	if err := checkType(t); err != nil {
		return nil, err
	}
	raw = bytes.TrimSpace(raw)
	if !utf8.Valid(raw) {
		return nil, errors.New("not valid UTF-8")
	}
	if !json.Valid(raw) {
		return nil, fmt.Errorf("not a JSON value: %s", truncate(string(raw)))
	}
	return value(t, raw, 0)
}

// Type parses a Solidity type written as a string (address, bool, string,
// bytes, bytesN, uintN, intN, and arrays of them), refusing what solc would
// not write: uint7, bytes33, uint8[0], a tuple without its components.
// uint and int are uint256 and int256.
func Type(s string) (abi.Type, error) {
	bad := fmt.Errorf("unsupported type %q", s)
	base, suffix := s, ""
	for depth := 0; strings.HasSuffix(base, "]"); depth++ {
		i := strings.LastIndexByte(base, '[')
		if i < 0 || depth >= MaxDepth {
			return abi.Type{}, bad
		}
		if n := base[i+1 : len(base)-1]; n != "" {
			if _, ok := size(n); !ok {
				return abi.Type{}, bad
			}
		}
		suffix = base[i:] + suffix
		base = base[:i]
	}
	switch {
	case base == "address", base == "bool", base == "string", base == "bytes":
	case base == "uint", base == "int":
		base += "256"
	case strings.HasPrefix(base, "bytes"):
		if n, ok := size(base[len("bytes"):]); !ok || n > 32 {
			return abi.Type{}, bad
		}
	case strings.HasPrefix(base, "uint"), strings.HasPrefix(base, "int"):
		if n, ok := size(strings.TrimPrefix(strings.TrimPrefix(base, "u"), "int")); !ok || n%8 != 0 || n > 256 {
			return abi.Type{}, bad
		}
	default:
		return abi.Type{}, bad
	}
	t, err := abi.NewType(base+suffix, "", nil)
	if err != nil {
		return abi.Type{}, bad
	}
	if err := checkType(t); err != nil {
		return abi.Type{}, bad
	}
	return t, nil
}

// size parses a type's size or an array's length: a positive decimal
// number of at most 7 digits, without leading zeros.
func size(s string) (int, bool) {
	if s == "" || len(s) > 7 || s[0] == '0' {
		return 0, false
	}
	n, err := strconv.Atoi(s)
	return n, err == nil && n > 0
}

// checkType refuses types this package does not read, and fixed-size
// arrays too big to be Go types, before any value is read.
func checkType(t abi.Type) error {
	_, err := staticElems(t, 0)
	return err
}

// staticElems counts the values a fixed-size type holds (arrays
// multiplied, tuples summed; a dynamic array counts as one).
func staticElems(t abi.Type, depth int) (uint64, error) {
	if depth > MaxDepth {
		return 0, fmt.Errorf("type nests deeper than %d levels", MaxDepth)
	}
	switch t.T {
	case abi.AddressTy, abi.BoolTy, abi.StringTy, abi.BytesTy:
		return 1, nil
	case abi.UintTy, abi.IntTy:
		if t.Size <= 0 || t.Size > 256 {
			return 0, fmt.Errorf("unsupported type %s", t.String())
		}
		return 1, nil
	case abi.FixedBytesTy:
		if t.Size <= 0 || t.Size > 32 {
			return 0, fmt.Errorf("unsupported type %s", t.String())
		}
		return 1, nil
	case abi.SliceTy, abi.ArrayTy:
		if t.Elem == nil {
			return 0, fmt.Errorf("unsupported type %s", t.String())
		}
		n, err := staticElems(*t.Elem, depth+1)
		if err != nil {
			return 0, err
		}
		if t.T == abi.SliceTy {
			return 1, nil
		}
		if t.Size <= 0 || uint64(t.Size) > maxStaticElems/n {
			return 0, fmt.Errorf("type %s holds more than %d values", t.String(), maxStaticElems)
		}
		return uint64(t.Size) * n, nil
	case abi.TupleTy:
		var sum uint64 = 1
		for _, c := range t.TupleElems {
			n, err := staticElems(*c, depth+1)
			if err != nil {
				return 0, err
			}
			if sum += n; sum > maxStaticElems {
				return 0, fmt.Errorf("type %s holds more than %d values", t.String(), maxStaticElems)
			}
		}
		return sum, nil
	}
	return 0, fmt.Errorf("type %s is not supported as a constructor argument", t.String())
}

var (
	hexDigits  = regexp.MustCompile(`^0x(?:[0-9a-fA-F]{2})*$`)
	hexAddress = regexp.MustCompile(`^0x[0-9a-fA-F]{40}$`)
	decimalInt = regexp.MustCompile(`^-?[0-9]+$`)
	hexInt     = regexp.MustCompile(`^-?0x[0-9a-fA-F]+$`)
)

// value reads raw, valid JSON, as t.
func value(t abi.Type, raw json.RawMessage, depth int) (any, error) {
	if depth > MaxDepth {
		return nil, fmt.Errorf("nested deeper than %d levels", MaxDepth)
	}
	raw = bytes.TrimSpace(raw)
	switch t.T {
	case abi.AddressTy:
		s, ok := stringOf(raw)
		if !ok || !hexAddress.MatchString(s) {
			return nil, fmt.Errorf("want an address, a 0x-prefixed string of 40 hex digits, got %s", describe(raw))
		}
		if !checksumOK(s) {
			return nil, fmt.Errorf("address %s has a bad EIP-55 checksum (mixed case that does not match); check it, or write it in one case", s)
		}
		return common.HexToAddress(s), nil
	case abi.BoolTy:
		switch string(raw) {
		case "true":
			return true, nil
		case "false":
			return false, nil
		}
		return nil, fmt.Errorf("want true or false, got %s", describe(raw))
	case abi.StringTy:
		s, ok := stringOf(raw)
		if !ok {
			return nil, fmt.Errorf("want a string, got %s", describe(raw))
		}
		return s, nil
	case abi.UintTy, abi.IntTy:
		return integer(t, raw)
	case abi.BytesTy:
		s, ok := stringOf(raw)
		if !ok || !hexDigits.MatchString(s) {
			return nil, fmt.Errorf("want bytes, a 0x-prefixed string of an even number of hex digits, got %s", describe(raw))
		}
		b, _ := hex.DecodeString(s[2:])
		return b, nil
	case abi.FixedBytesTy:
		s, ok := stringOf(raw)
		if !ok || !hexDigits.MatchString(s) || len(s) != 2+2*t.Size {
			return nil, fmt.Errorf("want %s, a 0x-prefixed string of %d hex digits, got %s", t.String(), 2*t.Size, describe(raw))
		}
		b, _ := hex.DecodeString(s[2:])
		arr := reflect.New(t.GetType()).Elem()
		reflect.Copy(arr, reflect.ValueOf(b))
		return arr.Interface(), nil
	case abi.SliceTy, abi.ArrayTy:
		if kind(raw) != '[' {
			return nil, fmt.Errorf("want a JSON array, got %s", describe(raw))
		}
		var items []json.RawMessage
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, fmt.Errorf("want a JSON array, got %s", describe(raw))
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
			v, err := value(*t.Elem, it, depth+1)
			if err != nil {
				return nil, fmt.Errorf("element %d: %w", i, err)
			}
			out.Index(i).Set(reflect.ValueOf(v))
		}
		return out.Interface(), nil
	case abi.TupleTy:
		items, err := components(t, raw)
		if err != nil {
			return nil, err
		}
		out := reflect.New(t.GetType()).Elem()
		for i, it := range items {
			v, err := value(*t.TupleElems[i], it, depth+1)
			if err != nil {
				return nil, fmt.Errorf("component %d (%s): %w", i, t.TupleRawNames[i], err)
			}
			out.Field(i).Set(reflect.ValueOf(v))
		}
		return out.Interface(), nil
	}
	return nil, fmt.Errorf("type %s is not supported as a constructor argument", t.String())
}

// components answers a tuple's component values in order, from a JSON
// array or an object by name.
func components(t abi.Type, raw json.RawMessage) ([]json.RawMessage, error) {
	var items []json.RawMessage
	switch kind(raw) {
	case '[':
		if err := json.Unmarshal(raw, &items); err != nil {
			return nil, err
		}
	case '{':
		byName, err := object(raw)
		if err != nil {
			return nil, err
		}
		items = make([]json.RawMessage, len(t.TupleElems))
		for i, name := range t.TupleRawNames {
			v, ok := byName[name]
			if !ok {
				return nil, fmt.Errorf("component %q is missing", name)
			}
			items[i] = v
			delete(byName, name)
		}
		for name := range byName {
			return nil, fmt.Errorf("component %q is not one of the tuple's (%s)", name, strings.Join(t.TupleRawNames, ", "))
		}
	default:
		return nil, fmt.Errorf("want a JSON array or object for a tuple, got %s", describe(raw))
	}
	if len(items) != len(t.TupleElems) {
		return nil, fmt.Errorf("want %d components, got %d", len(t.TupleElems), len(items))
	}
	return items, nil
}

// object reads a JSON object's members, refusing a name given twice
// (encoding/json would keep the last quietly; the API's protojson refuses).
func object(raw json.RawMessage) (map[string]json.RawMessage, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil { // {
		return nil, err
	}
	out := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		name, _ := tok.(string)
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return nil, err
		}
		if _, dup := out[name]; dup {
			return nil, fmt.Errorf("component %q is given twice", name)
		}
		out[name] = v
	}
	return out, nil
}

// integer reads an intN or uintN value and checks its range.
func integer(t abi.Type, raw json.RawMessage) (any, error) {
	var x *big.Int
	switch kind(raw) {
	case '0':
		f, err := strconv.ParseFloat(string(raw), 64)
		if err == nil && f != math.Trunc(f) {
			return nil, fmt.Errorf("want an integer, got %s", truncate(string(raw)))
		}
		if err != nil || math.Abs(f) > maxSafeInteger {
			return nil, fmt.Errorf("%s is beyond 2^53-1, where JSON numbers lose digits; pass it as a decimal string", truncate(string(raw)))
		}
		x = big.NewInt(int64(f))
	case '"':
		s, _ := stringOf(raw)
		if len(s) > maxIntString {
			return nil, fmt.Errorf("want an integer, got a %d-character string", len(s))
		}
		var ok bool
		switch {
		case decimalInt.MatchString(s):
			x, ok = new(big.Int).SetString(s, 10)
		case hexInt.MatchString(s):
			x, ok = new(big.Int).SetString(strings.TrimPrefix(strings.TrimPrefix(s, "-"), "0x"), 16)
			if ok && strings.HasPrefix(s, "-") {
				x.Neg(x)
			}
		}
		if !ok {
			return nil, fmt.Errorf("want an integer as a JSON number or a decimal or 0x-hex string, got %q", s)
		}
	default:
		return nil, fmt.Errorf("want an integer as a JSON number or a decimal or 0x-hex string, got %s", describe(raw))
	}
	lo, hi := new(big.Int), new(big.Int).Lsh(big.NewInt(1), uint(t.Size))
	if t.T == abi.IntTy {
		hi.Rsh(hi, 1)
		lo.Neg(hi)
	}
	hi.Sub(hi, big.NewInt(1))
	if x.Cmp(lo) < 0 || x.Cmp(hi) > 0 {
		return nil, fmt.Errorf("%s is out of range for %s (%s to %s)", x, t.String(), lo, hi)
	}
	// go-ethereum wants uint8..uint64 (int8..int64) as Go integers of that
	// size and every other size as *big.Int.
	out := reflect.New(t.GetType()).Elem()
	switch out.Kind() {
	case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		out.SetInt(x.Int64())
	case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		out.SetUint(x.Uint64())
	default:
		return x, nil
	}
	return out.Interface(), nil
}

// checksumOK accepts all-lower and all-upper hex, and mixed case only when
// it is the EIP-55 checksum.
func checksumOK(s string) bool {
	digits := s[2:]
	if digits == strings.ToLower(digits) || digits == strings.ToUpper(digits) {
		return true
	}
	return common.HexToAddress(s).Hex() == s
}

// kind is a JSON value's kind by its first byte: '"', '[', '{', 't' or 'f'
// (a boolean), 'n' (null), or '0' for a number.
func kind(raw json.RawMessage) byte {
	if len(raw) == 0 {
		return 0
	}
	switch c := raw[0]; c {
	case '"', '[', '{', 'n':
		return c
	case 't', 'f':
		return 't'
	}
	return '0'
}

func stringOf(raw json.RawMessage) (string, bool) {
	if kind(raw) != '"' {
		return "", false
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil {
		return "", false
	}
	return s, true
}

// describe names a wrong value for an error: short strings quoted, numbers
// as written, the kind of anything else.
func describe(raw json.RawMessage) string {
	switch kind(raw) {
	case '"':
		s, _ := stringOf(raw)
		if len(s) <= 80 {
			return strconv.Quote(s)
		}
		return fmt.Sprintf("a %d-character string", len(s))
	case '0':
		return truncate(string(raw))
	case 't':
		return "a boolean"
	case 'n':
		return "null"
	case '[':
		return "an array"
	case '{':
		return "an object"
	}
	return "nothing"
}

func truncate(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// Named is one constructor argument as the ABI names and types it, for
// people to read (approvers): the value as the request gave it.
type Named struct {
	Name  string          `json:"name"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// Describe pairs args with the constructor's parameters, in order; use it
// on arguments Encode accepted.
func Describe(params abi.Arguments, args []json.RawMessage) []Named {
	out := make([]Named, 0, min(len(params), len(args)))
	for i := range min(len(params), len(args)) {
		out = append(out, Named{Name: params[i].Name, Type: params[i].Type.String(), Value: args[i]})
	}
	return out
}
