package deploy

import (
	"encoding/json"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
)

const testABI = `[{"type":"constructor","inputs":[
 {"name":"owner","type":"address"},{"name":"supply","type":"uint256"},{"name":"small","type":"uint8"},
 {"name":"delta","type":"int16"},{"name":"on","type":"bool"},{"name":"label","type":"string"},
 {"name":"blob","type":"bytes"},{"name":"tag","type":"bytes4"},{"name":"list","type":"uint256[]"},
 {"name":"pair","type":"address[2]"},
 {"name":"cfg","type":"tuple","components":[{"name":"a","type":"uint64"},{"name":"b","type":"bool"}]}]}]`

func raw(ss ...string) []json.RawMessage {
	out := make([]json.RawMessage, len(ss))
	for i, s := range ss {
		out[i] = json.RawMessage(s)
	}
	return out
}

func good() []string {
	a := `"0x` + strings.Repeat("ab", 20) + `"`
	return []string{a, `"1000000000000000000000000"`, `255`, `-32768`, `true`, `"hi"`, `"0x0102"`, `"0xdeadbeef"`, `["1", 2]`, `[` + a + `,` + a + `]`, `{"a": "7", "b": false}`}
}

func TestEncodeConstructorPacksEveryType(t *testing.T) {
	code, err := EncodeConstructor(testABI, "0x6001", raw(good()...))
	if err != nil {
		t.Fatal(err)
	}
	if len(code) <= 2 || code[0] != 0x60 || code[1] != 0x01 {
		t.Fatalf("creation code does not start with the bytecode: %x", code[:4])
	}
	parsed, _ := abi.JSON(strings.NewReader(testABI))
	vals, err := parsed.Constructor.Inputs.Unpack(code[2:])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := new(big.Int).SetString("1000000000000000000000000", 10)
	if vals[1].(*big.Int).Cmp(want) != 0 || vals[2].(uint8) != 255 || vals[3].(int16) != -32768 || vals[5].(string) != "hi" {
		t.Fatalf("round trip: %v", vals)
	}
	// A tuple may also come positionally.
	args := good()
	args[10] = `["7", true]`
	if _, err := EncodeConstructor(testABI, "0x6001", raw(args...)); err != nil {
		t.Fatal(err)
	}
}

func TestEncodeConstructorRefusesWhatDoesNotFit(t *testing.T) {
	for i, bad := range map[int][]string{
		0:  {`"0x12"`, `"abcd"`, `12`, `"0X` + strings.Repeat("ab", 20) + `"`},
		1:  {`"-1"`, `"115792089237316195423570985008687907853269984665640564039457584007913129639936"`, `"1e3"`, `1.5`, `true`},
		2:  {`256`, `-1`},
		3:  {`32768`, `-32769`},
		4:  {`"true"`, `1`},
		5:  {`5`},
		6:  {`"0x0"`, `"zz"`, `"0102"`},
		7:  {`"0x0102"`, `"0x0102030405"`},
		8:  {`"1"`, `{"a":1}`, `["x"]`},
		9:  {`[]`},
		10: {`{"a": "7"}`, `{"a": "7", "b": true, "c": 1}`, `[1]`},
	} {
		for _, v := range bad {
			args := good()
			args[i] = v
			_, err := EncodeConstructor(testABI, "0x6001", raw(args...))
			if !errors.Is(err, ErrInvalidArgs) {
				t.Errorf("argument %d = %s: error %v, want ErrInvalidArgs", i, v, err)
			}
		}
	}
	if _, err := EncodeConstructor(testABI, "0x6001", raw(good()[:3]...)); !errors.Is(err, ErrInvalidArgs) || !strings.Contains(err.Error(), "takes 11") {
		t.Errorf("wrong count: %v", err)
	}
	if _, err := EncodeConstructor(`[]`, "0x", nil); err == nil {
		t.Error("empty bytecode (an abstract contract) must be refused")
	}
}

// TestEncodeConstructorReadsAsTheAPIDoes: arguments are read by package
// ctorargs, as the API reads a template's, so forms the two used to read
// differently now read one way: "0755" is decimal (big.Int's base 0 made
// it octal), "0b1" and "1_000" are refused, a JSON integer beyond 2^53-1
// (which has lost digits on its way through the API) is refused, null is
// no string, and a uint24 packs instead of panicking.
func TestEncodeConstructorReadsAsTheAPIDoes(t *testing.T) {
	const abiJSON = `[{"type":"constructor","inputs":[{"name":"n","type":"uint256"},{"name":"s","type":"string"},{"name":"m","type":"uint24"}]}]`
	code, err := EncodeConstructor(abiJSON, "0x00", raw(`"0755"`, `"x"`, `"0xffffff"`))
	if err != nil {
		t.Fatal(err)
	}
	parsed, _ := abi.JSON(strings.NewReader(abiJSON))
	vals, err := parsed.Constructor.Inputs.Unpack(code[1:])
	if err != nil || vals[0].(*big.Int).Int64() != 755 || vals[2].(*big.Int).Int64() != 0xffffff {
		t.Fatalf("round trip: %v %v", vals, err)
	}
	for _, bad := range [][]string{
		{`"0b1"`, `"x"`, `1`}, {`"1_000"`, `"x"`, `1`}, {`123456789012345680000`, `"x"`, `1`}, {` " 1"`, `"x"`, `1`},
		{`1`, `null`, `1`}, {`1`, `"x"`, `16777216`},
	} {
		if _, err := EncodeConstructor(abiJSON, "0x00", raw(bad...)); !errors.Is(err, ErrInvalidArgs) {
			t.Errorf("%v: error %v, want ErrInvalidArgs", bad, err)
		}
	}
	_, err = EncodeConstructor(abiJSON, "0x00", raw(`1`, `null`, `1`))
	if want := "invalid constructor arguments: argument 1 (string s): want a string, got null"; err == nil || err.Error() != want {
		t.Errorf("error %v, want %q", err, want)
	}
}

func FuzzEncodeConstructor(f *testing.F) {
	for _, g := range good() {
		f.Add(g)
	}
	f.Add(`[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]`)
	f.Fuzz(func(t *testing.T, v string) {
		for i := range 11 {
			args := good()
			args[i] = v
			_, _ = EncodeConstructor(testABI, "0x6001", raw(args...))
		}
	})
}

func TestBumpFeesFollowsReplacementRules(t *testing.T) {
	gw := func(g int64) *big.Int { return new(big.Int).Mul(big.NewInt(g), big.NewInt(1e9)) }
	old := Fees{MaxFeePerGas: gw(10), MaxPriorityFeePerGas: gw(1)}
	nf, ok := bumpFees(old, Fees{BaseFee: gw(1), MaxPriorityFeePerGas: gw(1)}, 20, gw(100))
	if !ok || nf.MaxFeePerGas.Cmp(gw(12)) < 0 || nf.MaxPriorityFeePerGas.Cmp(new(big.Int).Div(gw(12), big.NewInt(10))) < 0 {
		t.Fatalf("bump %+v %v, want both fields +20%%", nf, ok)
	}
	// The market above the bump wins.
	nf, _ = bumpFees(old, Fees{BaseFee: gw(30), MaxPriorityFeePerGas: gw(2)}, 20, gw(100))
	if nf.MaxFeePerGas.Cmp(gw(62)) != 0 || nf.MaxPriorityFeePerGas.Cmp(gw(2)) != 0 {
		t.Fatalf("market bump %+v", nf)
	}
	// At the cap there is no room for a 10 % raise: no replacement.
	if _, ok := bumpFees(Fees{MaxFeePerGas: gw(95), MaxPriorityFeePerGas: gw(1)}, Fees{BaseFee: gw(1)}, 20, gw(100)); ok {
		t.Fatal("a replacement under the node's 10 % rule must not be signed")
	}
	// Zero fees (a base fee that fell to zero, no tip) still rise: a
	// replacement equal to the transaction it replaces is the same
	// transaction, with the same hash.
	zero := Fees{MaxFeePerGas: big.NewInt(0), MaxPriorityFeePerGas: big.NewInt(0)}
	nf, ok = bumpFees(zero, Fees{BaseFee: big.NewInt(0), MaxPriorityFeePerGas: big.NewInt(0)}, 20, gw(100))
	if !ok || nf.MaxFeePerGas.Sign() <= 0 || nf.MaxPriorityFeePerGas.Sign() <= 0 {
		t.Fatalf("bump of zero fees %+v %v, want both above zero", nf, ok)
	}
	for range 5 { // and keep rising, each a different transaction
		next, ok := bumpFees(nf, Fees{BaseFee: big.NewInt(0)}, 20, gw(100))
		if !ok || next.MaxFeePerGas.Cmp(nf.MaxFeePerGas) <= 0 || next.MaxPriorityFeePerGas.Cmp(nf.MaxPriorityFeePerGas) <= 0 {
			t.Fatalf("bump of %+v gave %+v %v", nf, next, ok)
		}
		nf = next
	}
}
