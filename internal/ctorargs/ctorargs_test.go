package ctorargs

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
)

// tupleType is (uint64 a, bool b), as a compiled ABI declares a struct.
func tupleType(t testing.TB) abi.Type {
	t.Helper()
	typ, err := abi.NewType("tuple", "struct S", []abi.ArgumentMarshaling{{Name: "a", Type: "uint64"}, {Name: "b", Type: "bool"}})
	if err != nil {
		t.Fatal(err)
	}
	return typ
}

func mustType(t testing.TB, s string) abi.Type {
	t.Helper()
	if s == "tuple" {
		return tupleType(t)
	}
	typ, err := Type(s)
	if err != nil {
		t.Fatalf("Type(%q): %v", s, err)
	}
	return typ
}

const (
	lowerAddr   = `"0xabababababababababababababababababababab"`
	eip55Addr   = `"0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed"`
	badChecksum = `"0x5aaeb6053F3E94C9b9A09f33669435E7Ef1BeAed"`
	maxUint256  = "115792089237316195423570985008687907853269984665640564039457584007913129639935"
)

// TestAcceptedForms is the package doc's list, form by form: each value is
// accepted as the value the want column spells canonically (integers in
// decimal, addresses checksummed, bytes in lower-case hex), or refused
// with an error containing want's text after "!".
func TestAcceptedForms(t *testing.T) {
	cases := []struct{ typ, value, want string }{
		// Integers: JSON numbers up to 2^53-1, decimal and 0x-hex strings.
		{"uint256", `1000`, `"1000"`},
		{"uint256", `"1000000000000000000000"`, `"1000000000000000000000"`},
		{"uint256", `"0xff"`, `"255"`},
		{"uint256", `"0xFF"`, `"255"`},
		{"uint256", `"007"`, `"7"`},
		{"uint256", `"` + maxUint256 + `"`, `"` + maxUint256 + `"`},
		{"uint256", `9007199254740991`, `"9007199254740991"`},
		{"uint256", `1.0`, `"1"`}, // a JSON number is a double: 1.0 is 1
		{"int8", `-128`, `"-128"`},
		{"int8", `"-0x80"`, `"-128"`},
		{"int16", `"-32768"`, `"-32768"`},
		{"uint8", `255`, `"255"`},
		{"uint24", `"16777215"`, `"16777215"`},
		{"int40", `-5`, `"-5"`},
		{"uint", `"0x10"`, `"16"`},
		{"uint8", `256`, `!256 is out of range for uint8 (0 to 255)`},
		{"uint8", `-1`, `!-1 is out of range for uint8`},
		{"int8", `"-129"`, `!out of range`},
		{"int8", `"0xff"`, `!255 is out of range for int8 (-128 to 127)`},
		{"uint256", `"` + maxUint256[:len(maxUint256)-1] + `6"`, `!out of range`},
		{"uint256", `9007199254740992`, `!beyond 2^53-1`},
		{"uint256", `1e300`, `!beyond 2^53-1`},
		{"uint256", `1e400`, `!beyond 2^53-1`},
		{"uint256", `1.5`, `!want an integer, got 1.5`},
		{"uint256", `"12abc"`, `!want an integer`},
		{"uint256", `"1e3"`, `!want an integer`},
		{"uint256", `"1.5"`, `!want an integer`},
		{"uint256", `"+1"`, `!want an integer`},
		{"uint256", `" 1"`, `!want an integer`},
		{"uint256", `"1_000"`, `!want an integer`},
		{"uint256", `"0b1"`, `!want an integer`},
		{"uint256", `"0o7"`, `!want an integer`},
		{"uint256", `"0X1f"`, `!want an integer`},
		{"uint256", `""`, `!want an integer`},
		{"uint256", `"-"`, `!want an integer`},
		{"uint256", `"0x"`, `!want an integer`},
		{"uint256", `"` + strings.Repeat("0", 101) + `"`, `!a 101-character string`},
		{"uint256", `true`, `!got a boolean`},
		{"uint256", `null`, `!got null`},
		{"uint256", `[1]`, `!got an array`},
		// Booleans.
		{"bool", `true`, `true`},
		{"bool", `false`, `false`},
		{"bool", `"true"`, `!want true or false, got "true"`},
		{"bool", `1`, `!want true or false, got 1`},
		{"bool", `null`, `!want true or false, got null`},
		// Addresses.
		{"address", lowerAddr, `"0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"`},
		{"address", strings.ToUpper(lowerAddr[:3]) + lowerAddr[3:], `!want an address`}, // "0X…"
		{"address", `"0xABABABABABABABABABABABABABABABABABABABAB"`, `"0xABaBaBaBABabABabAbAbABAbABabababaBaBABaB"`},
		{"address", eip55Addr, eip55Addr},
		{"address", badChecksum, `!bad EIP-55 checksum`},
		{"address", `"` + eip55Addr[3:len(eip55Addr)-1] + `"`, `!want an address`},
		{"address", `"0xAB"`, `!want an address, a 0x-prefixed string of 40 hex digits, got "0xAB"`},
		{"address", `12`, `!want an address`},
		{"address", `"vitalik.eth"`, `!want an address`},
		// Bytes.
		{"bytes", `"0x"`, `"0x"`},
		{"bytes", `"0xDEADbeef"`, `"0xdeadbeef"`},
		{"bytes", `"0xabc"`, `!want bytes`},
		{"bytes", `"abcd"`, `!want bytes`},
		{"bytes", `"0Xabcd"`, `!want bytes`},
		{"bytes", `[1, 2]`, `!want bytes`},
		{"bytes4", `"0x01020304"`, `"0x01020304"`},
		{"bytes32", `"0x` + strings.Repeat("00", 32) + `"`, `"0x` + strings.Repeat("00", 32) + `"`},
		{"bytes32", `"0x00"`, `!want bytes32, a 0x-prefixed string of 64 hex digits`},
		{"bytes4", `"0x0102030405"`, `!8 hex digits`},
		// Strings.
		{"string", `"hi"`, `"hi"`},
		{"string", `"é \u00e9 \n"`, `"é é \n"`},
		{"string", `""`, `""`},
		{"string", `1`, `!want a string, got 1`},
		{"string", `null`, `!want a string, got null`},
		// Arrays.
		{"uint256[]", `[1, "2", "0x3"]`, `["1","2","3"]`},
		{"uint256[]", `[]`, `[]`},
		{"uint256[]", `[1, "x"]`, `!element 1: want an integer`},
		{"uint8[]", `{}`, `!want a JSON array, got an object`},
		{"uint8[]", `null`, `!want a JSON array, got null`},
		{"address[2]", `[` + lowerAddr + `]`, `!want 2 elements, got 1`},
		{"uint8[][2]", `[[1],[2,3]]`, `[["1"],["2","3"]]`},
		{"bool[2][]", `[[true,false]]`, `[[true,false]]`},
		// Tuples.
		{"tuple", `["7", true]`, `["7",true]`},
		{"tuple", `{"b": false, "a": 7}`, `["7",false]`},
		{"tuple", `{"a": "7"}`, `!component "b" is missing`},
		{"tuple", `{"a": 7, "b": true, "c": 1}`, `!component "c" is not one of the tuple's (a, b)`},
		{"tuple", `{"a": 7, "a": 8, "b": true}`, `!component "a" is given twice`},
		{"tuple", `[1]`, `!want 2 components, got 1`},
		{"tuple", `[1, 2]`, `!component 1 (b): want true or false`},
		{"tuple", `"x"`, `!want a JSON array or object for a tuple`},
		// Not JSON.
		{"string", `"a`, `!not a JSON value`},
		{"string", "\"\xff\"", `!not valid UTF-8`},
	}
	for _, c := range cases {
		t.Run(c.typ+" "+c.value, func(t *testing.T) {
			typ := mustType(t, c.typ)
			v, err := Value(typ, json.RawMessage(c.value))
			if want, refused := strings.CutPrefix(c.want, "!"); refused {
				if err == nil || !strings.Contains(err.Error(), want) {
					t.Fatalf("Value = %v, %v; want an error containing %q", v, err, want)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := string(format(t, typ, v)); got != c.want {
				t.Fatalf("Value = %s, want %s", got, c.want)
			}
		})
	}
}

func TestType(t *testing.T) {
	for _, s := range []string{"address", "bool", "string", "bytes", "bytes1", "bytes32", "uint8", "uint256", "int8", "int256", "uint", "int",
		"uint256[]", "address[2]", "uint8[][3]", "bytes32[1000]", "bool" + strings.Repeat("[]", MaxDepth)} {
		if _, err := Type(s); err != nil {
			t.Errorf("Type(%q): %v", s, err)
		}
	}
	for _, s := range []string{"", "uint7", "uint264", "uint0", "uint08", "bytes0", "bytes33", "bytes01", "tuple", "function", "fixed128x18",
		"uint8[0]", "uint8[01]", "uint8[", "uint8]", "[]", "uint256[", "uint8[[]]", "uint8[1048577]", "uint8[1024][1025]", "Address", " uint8", "uint8 ",
		"bool" + strings.Repeat("[]", MaxDepth+1)} {
		if _, err := Type(s); err == nil || !strings.Contains(err.Error(), "unsupported type") {
			t.Errorf("Type(%q) = %v, want unsupported type", s, err)
		}
	}
}

func TestEncodeNamesTheArgument(t *testing.T) {
	params := abi.Arguments{{Name: "recipient", Type: mustType(t, "address")}, {Name: "cap", Type: mustType(t, "uint256")}, {Type: mustType(t, "bool")}}
	_, err := Encode(params, raws(lowerAddr, `"-1"`, `true`))
	var ae *ArgError
	if !errors.As(err, &ae) || ae.Index != 1 || err.Error() != "argument 1 (uint256 cap): -1 is out of range for uint256 (0 to "+maxUint256+")" {
		t.Fatalf("Encode: %v", err)
	}
	_, err = Encode(params, raws(lowerAddr, `1`, `0`))
	if !errors.As(err, &ae) || ae.Name() != "#2" || !strings.HasPrefix(err.Error(), "argument 2 (bool #2): want true or false") {
		t.Fatalf("Encode: %v", err)
	}
	_, err = Encode(params, raws(lowerAddr))
	var ce *CountError
	if !errors.As(err, &ce) || err.Error() != "the constructor takes 3 argument(s) (address recipient, uint256 cap, bool), got 1" {
		t.Fatalf("Encode: %v", err)
	}
	if _, err = Encode(nil, raws(`1`)); err == nil || err.Error() != "the constructor takes 0 argument(s) (none), got 1" {
		t.Fatalf("Encode: %v", err)
	}
	packed, err := Encode(params, raws(lowerAddr, `"0x10"`, `true`))
	if err != nil {
		t.Fatal(err)
	}
	vals, err := params.Unpack(packed)
	if err != nil || vals[1].(*big.Int).Int64() != 16 || vals[2] != true {
		t.Fatalf("round trip: %v %v", vals, err)
	}
}

// TestUnsupportedTypes: types a compiled ABI may hold but the package does
// not read are refused before the value is looked at, and fixed arrays too
// big to be Go types never become one.
func TestUnsupportedTypes(t *testing.T) {
	fn, _ := abi.NewType("function", "", nil)
	fixed, _ := abi.NewType("fixed128x18", "", nil)
	huge, err := abi.NewType("uint8[1000000000000000000][]", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, typ := range []abi.Type{fn, fixed, huge} {
		if _, err := Value(typ, json.RawMessage(`[]`)); err == nil {
			t.Errorf("Value(%s) accepted", typ.String())
		}
	}
}

func raws(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

// format writes a value Value answered for typ in the canonical form of
// the accepted ones: integers as decimal strings, addresses checksummed,
// bytes in lower-case hex, tuples as arrays.
func format(t testing.TB, typ abi.Type, v any) json.RawMessage {
	t.Helper()
	var out any
	switch typ.T {
	case abi.UintTy, abi.IntTy:
		out = fmt.Sprint(v) // *big.Int and Go integers print in decimal
	case abi.AddressTy:
		out = v.(common.Address).Hex()
	case abi.BytesTy:
		out = "0x" + hex.EncodeToString(v.([]byte))
	case abi.FixedBytesTy:
		rv := reflect.ValueOf(v)
		b := make([]byte, rv.Len())
		reflect.Copy(reflect.ValueOf(b), rv)
		out = "0x" + hex.EncodeToString(b)
	case abi.BoolTy, abi.StringTy:
		out = v
	case abi.SliceTy, abi.ArrayTy:
		rv := reflect.ValueOf(v)
		items := make([]json.RawMessage, rv.Len())
		for i := range items {
			items[i] = format(t, *typ.Elem, rv.Index(i).Interface())
		}
		out = items
	case abi.TupleTy:
		rv := reflect.ValueOf(v)
		items := make([]json.RawMessage, rv.NumField())
		for i := range items {
			items[i] = format(t, *typ.TupleElems[i], rv.Field(i).Interface())
		}
		out = items
	default:
		t.Fatalf("format: type %s", typ.String())
	}
	b, err := json.Marshal(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fuzzTypes are the types FuzzValue reads values as: every kind, the edges
// of each size, nesting, and a struct.
var fuzzTypes = []string{"address", "bool", "string", "bytes", "bytes1", "bytes4", "bytes32",
	"uint8", "uint16", "uint24", "uint64", "uint72", "uint256", "int8", "int64", "int72", "int256",
	"uint256[]", "address[2]", "uint8[][3]", "bytes32[]", "string[2][]", "tuple", "tuple[]"}

func fuzzType(t testing.TB, i uint8) abi.Type {
	s := fuzzTypes[int(i)%len(fuzzTypes)]
	if s == "tuple[]" {
		typ, err := abi.NewType("tuple[]", "struct S[]", []abi.ArgumentMarshaling{{Name: "a", Type: "uint64"}, {Name: "b", Type: "bool"}})
		if err != nil {
			t.Fatal(err)
		}
		return typ
	}
	return mustType(t, s)
}

// FuzzValue reads any bytes as each type. Properties:
//   - no panic, and an error always says something;
//   - what is accepted packs (Encode never fails after Parse), and packing
//     then unpacking gives the same value back;
//   - the canonical form of an accepted value reads back as the same value
//     (a fixed point), so users may send back what Slipway shows them;
//   - the API path agrees: the bytes the API hands the workflow, protojson
//     of the structpb.Value it decoded the request into, read the same as
//     the bytes themselves, accepted as the same value or refused both.
func FuzzValue(f *testing.F) {
	for i, s := range []string{lowerAddr, eip55Addr, badChecksum, `true`, `"hi"`, `"0x"`, `"0x01020304"`,
		`255`, `"0xff"`, `"-0x80"`, `"` + maxUint256 + `"`, `9007199254740991`, `9007199254740993`, `1e21`, `-0`, `1.0`, `1e-400`,
		`[1, "2", "0x3"]`, `[` + lowerAddr + `,` + lowerAddr + `]`, `[[1],[2],[3]]`, `["0x` + strings.Repeat("00", 32) + `"]`,
		`[["a","b"]]`, `{"a": "7", "b": false}`, `["7", true]`, `[{"a":1,"b":true},["2",false]]`, `{"a":1,"a":2,"b":true}`,
		`null`, `"1_000"`, `"0b1"`, `"0755"`, `" 1"`, `"\u00e9"`, "\"\xff\"", `[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]`,
	} {
		for j := range fuzzTypes {
			if j%4 == i%4 { // each seed under a quarter of the types
				f.Add(uint8(j), []byte(s))
			}
		}
	}
	f.Fuzz(func(t *testing.T, ti uint8, raw []byte) {
		typ := fuzzType(t, ti)
		v, err := Value(typ, raw)
		if err != nil {
			if err.Error() == "" {
				t.Fatal("empty error")
			}
		} else {
			params := abi.Arguments{{Name: "p", Type: typ}}
			packed, err := params.Pack(v)
			if err != nil {
				t.Fatalf("%s %q accepted as %v but does not pack: %v", typ.String(), raw, v, err)
			}
			back, err := params.Unpack(packed)
			if err != nil {
				t.Fatalf("unpack: %v", err)
			}
			canon := format(t, typ, v)
			if got := format(t, typ, back[0]); string(got) != string(canon) {
				t.Fatalf("%s %q: packed %s, unpacked %s", typ.String(), raw, canon, got)
			}
			again, err := Value(typ, canon)
			if err != nil {
				t.Fatalf("%s %q: canonical %s refused: %v", typ.String(), raw, canon, err)
			}
			if got := format(t, typ, again); string(got) != string(canon) {
				t.Fatalf("%s %q: canonical %s reads as %s", typ.String(), raw, canon, got)
			}
		}
		var pv structpb.Value
		if protojson.Unmarshal(raw, &pv) != nil {
			return
		}
		api, err2 := protojson.Marshal(&pv)
		if err2 != nil {
			t.Fatal(err2)
		}
		v2, err2 := Value(typ, api)
		if (err == nil) != (err2 == nil) {
			t.Fatalf("%s: %q reads as %v, %v but the API's %s as %v, %v", typ.String(), raw, v, err, api, v2, err2)
		}
		if err == nil && string(format(t, typ, v)) != string(format(t, typ, v2)) {
			t.Fatalf("%s: %q reads as %s but the API's %s as %s", typ.String(), raw, format(t, typ, v), api, format(t, typ, v2))
		}
	})
}

func TestEncodeCall(t *testing.T) {
	const abiJSON = `[{"type":"function","name":"initialize","inputs":[{"name":"initialOwner","type":"address"},{"name":"cap","type":"uint256"}],"outputs":[],"stateMutability":"nonpayable"}]`
	got, err := EncodeCall(abiJSON, "initialize", []json.RawMessage{json.RawMessage(`"0x00000000000000000000000000000000000000aa"`), json.RawMessage(`"5"`)})
	if err != nil {
		t.Fatal(err)
	}
	// keccak256("initialize(address,uint256)")[:4] is 0xcd6dc687.
	want := "cd6dc687" + strings.Repeat("0", 62) + "aa" + strings.Repeat("0", 63) + "5"
	if hex.EncodeToString(got) != want {
		t.Fatalf("calldata %x, want %s", got, want)
	}
	if _, err := EncodeCall(abiJSON, "init", nil); err == nil || !strings.Contains(err.Error(), "no function init") {
		t.Fatalf("unknown method: %v", err)
	}
	var ce *CountError
	if _, err := EncodeCall(abiJSON, "initialize", nil); !errors.As(err, &ce) {
		t.Fatalf("missing arguments: %v", err)
	}
}
