package proxies

import (
	"encoding/hex"
	"encoding/json"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common"
)

// The upgrade calls decode with the ABIs of OpenZeppelin's own functions.
func TestUpgradeCall(t *testing.T) {
	const ozABI = `[
	 {"type":"function","name":"upgradeToAndCall","inputs":[{"name":"newImplementation","type":"address"},{"name":"data","type":"bytes"}],"outputs":[],"stateMutability":"payable"},
	 {"type":"function","name":"upgradeAndCall","inputs":[{"name":"proxy","type":"address"},{"name":"implementation","type":"address"},{"name":"data","type":"bytes"}],"outputs":[],"stateMutability":"payable"}]`
	parsed, err := abi.JSON(strings.NewReader(ozABI))
	if err != nil {
		t.Fatal(err)
	}
	proxy, impl := common.HexToAddress("0x1111111111111111111111111111111111111111"), common.HexToAddress("0x2222222222222222222222222222222222222222")
	data := []byte{0xde, 0xad, 0xbe, 0xef, 0x01}
	for _, tc := range []struct {
		kind, method string
		to           common.Address
		want         []any
	}{
		{UUPS, "upgradeToAndCall", proxy, []any{impl, data}},
		{Transparent, "upgradeAndCall", AdminAddress(proxy), []any{proxy, impl, data}},
	} {
		to, calldata, err := UpgradeCall(tc.kind, proxy, impl, data)
		if err != nil {
			t.Fatal(err)
		}
		if to != tc.to {
			t.Errorf("%s: to %s, want %s", tc.kind, to, tc.to)
		}
		m := parsed.Methods[tc.method]
		if hex.EncodeToString(calldata[:4]) != hex.EncodeToString(m.ID) {
			t.Fatalf("%s: selector %x, want %x", tc.kind, calldata[:4], m.ID)
		}
		got, err := m.Inputs.Unpack(calldata[4:])
		if err != nil {
			t.Fatal(err)
		}
		for i := range got {
			if !strings.EqualFold(common.Bytes2Hex(asBytes(got[i])), common.Bytes2Hex(asBytes(tc.want[i]))) {
				t.Errorf("%s arg %d: %v, want %v", tc.kind, i, got[i], tc.want[i])
			}
		}
	}
	if _, _, err := UpgradeCall("beacon", proxy, impl, nil); err == nil {
		t.Error("an unknown kind is refused")
	}
}

func asBytes(v any) []byte {
	switch x := v.(type) {
	case common.Address:
		return x.Bytes()
	case []byte:
		return x
	}
	return nil
}

func TestConstructorArgs(t *testing.T) {
	impl := common.HexToAddress("0x2222222222222222222222222222222222222222")
	args, err := ConstructorArgs(Transparent, impl, "0x3333333333333333333333333333333333333333", []byte{1})
	if err != nil || len(args) != 3 || string(args[2]) != `"0x01"` {
		t.Fatalf("transparent: %s %v", args, err)
	}
	if _, err := ConstructorArgs(Transparent, impl, "", nil); err == nil {
		t.Error("a transparent proxy needs its admin's owner")
	}
	args, err = ConstructorArgs(UUPS, impl, "", nil)
	if err != nil || len(args) != 2 || string(args[1]) != `"0x"` {
		t.Fatalf("uups: %s %v", args, err)
	}
}

func TestArgs(t *testing.T) {
	const implABI = `[{"type":"function","name":"initialize","inputs":[{"name":"recipient","type":"address"},{"name":"initialOwner","type":"address"}],"outputs":[],"stateMutability":"nonpayable"}]`
	impl := common.HexToAddress("0x2222222222222222222222222222222222222222")
	args := []json.RawMessage{json.RawMessage(`"0x1111111111111111111111111111111111111111"`), json.RawMessage(`"0x3333333333333333333333333333333333333333"`)}
	got, err := Args(Transparent, implABI, "initialize", args, 1, impl)
	if err != nil {
		t.Fatal(err)
	}
	if string(got[1]) != `"0x3333333333333333333333333333333333333333"` || !strings.HasPrefix(string(got[2]), `"0x`) || len(got[2]) != 2+2+2*(4+64) {
		t.Fatalf("transparent args %s", got)
	}
	if _, err := Args(Transparent, implABI, "initialize", args, -1, impl); err == nil {
		t.Error("a transparent proxy without an admin argument is refused")
	}
	if _, err := Args(UUPS, implABI, "initialize", args[:1], 0, impl); err == nil {
		t.Error("missing initializer arguments are refused")
	}
}
