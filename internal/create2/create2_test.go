package create2

import (
	"bytes"
	"errors"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/google/uuid"
	"golang.org/x/crypto/sha3"
)

// The proxy's init code: a 14-byte constructor that returns the 69 bytes
// after it (foundry's DEFAULT_CREATE2_DEPLOYER_CODE).
const initCodeHex = "0x604580600e600039806000f350fe" + "7fffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffe03601600081602082378035828234f58015156039578182fd5b8082525050506014600cf3"

// runtimeCodeHash is keccak256(RuntimeCode()) as foundry records it
// (DEFAULT_CREATE2_DEPLOYER_CODEHASH).
const runtimeCodeHash = "0x2fa86add0aed31f33a762c9d88e807c475bd51d0f52bd0955754b2608f7e4989"

func TestPresignedDeploymentTransaction(t *testing.T) {
	tx := new(types.Transaction)
	if err := tx.UnmarshalBinary(DeploymentTx()); err != nil {
		t.Fatalf("decode: %v", err)
	}
	if tx.Type() != types.LegacyTxType || tx.Protected() {
		t.Errorf("type %d, protected %v: want a legacy transaction without EIP-155", tx.Type(), tx.Protected())
	}
	sender, err := types.Sender(types.HomesteadSigner{}, tx)
	if err != nil {
		t.Fatalf("recover sender: %v", err)
	}
	if sender != DeployerAddress {
		t.Errorf("sender %s, want %s", sender.Hex(), DeployerAddressHex)
	}
	if sender.Hex() != DeployerAddressHex || FactoryAddress.Hex() != FactoryAddressHex {
		t.Errorf("address constants are not EIP-55 checksummed: %s, %s", sender.Hex(), FactoryAddress.Hex())
	}
	if got := crypto.CreateAddress(sender, tx.Nonce()); got != FactoryAddress || tx.Nonce() != 0 {
		t.Errorf("CreateAddress(sender, %d) = %s, want %s at nonce 0", tx.Nonce(), got.Hex(), FactoryAddressHex)
	}
	v, r, s := tx.RawSignatureValues()
	two := new(big.Int).SetBytes(bytes.Repeat([]byte{0x22}, 32))
	if v.Cmp(big.NewInt(27)) != 0 || r.Cmp(two) != 0 || s.Cmp(two) != 0 {
		t.Errorf("signature v=%s r=%x s=%x, want 27 and 0x22…22 twice", v, r, s)
	}
	if tx.To() != nil || tx.Value().Sign() != 0 {
		t.Errorf("to %v, value %s: want a contract creation without value", tx.To(), tx.Value())
	}
	if tx.GasPrice().Cmp(big.NewInt(100e9)) != 0 || tx.GasPrice().Cmp(big.NewInt(DeploymentGasPrice)) != 0 {
		t.Errorf("gas price %s, want 100 gwei", tx.GasPrice())
	}
	if tx.Gas() != 100_000 || tx.Gas() != DeploymentGasLimit {
		t.Errorf("gas limit %d, want 100000", tx.Gas())
	}
	if cost := DeploymentCost(); tx.Cost().Cmp(cost) != 0 || cost.Cmp(big.NewInt(1e16)) != 0 {
		t.Errorf("cost %s, DeploymentCost %s, want 0.01 ether", tx.Cost(), cost)
	}
	if !bytes.Equal(tx.Data(), hexutil.MustDecode(initCodeHex)) {
		t.Errorf("data %x, want the proxy's init code", tx.Data())
	}
	runtime := RuntimeCode()
	if len(runtime) != 69 || !bytes.HasSuffix(tx.Data(), runtime) {
		t.Errorf("runtime code (%d bytes) is not the tail of the init code", len(runtime))
	}
	if got := crypto.Keccak256Hash(runtime).Hex(); got != runtimeCodeHash {
		t.Errorf("keccak256(runtime code) %s, want %s", got, runtimeCodeHash)
	}
	if got := deploymentTransaction().Hash(); got != tx.Hash() {
		t.Errorf("deploymentTransaction hash %s, want %s", got, tx.Hash())
	}
}

func TestCopiesAreFresh(t *testing.T) {
	DeploymentTx()[0] ^= 0xff
	RuntimeCode()[0] ^= 0xff
	if DeploymentTx()[0] != 0xf8 || RuntimeCode()[0] != 0x7f {
		t.Error("DeploymentTx or RuntimeCode share their bytes with callers")
	}
}

func salt(t testing.TB, s string) [32]byte {
	t.Helper()
	b := common.FromHex(s)
	if len(b) > 32 {
		t.Fatalf("salt %s is longer than 32 bytes", s)
	}
	return common.BytesToHash(b)
}

// TestAddressEIP1014 checks the address computation on EIP-1014's examples.
func TestAddressEIP1014(t *testing.T) {
	for _, tc := range []struct{ deployer, salt, code, want string }{
		{"0x0000000000000000000000000000000000000000", "0x00", "0x00", "0x4D1A2e2bB4F88F0250f26Ffff098B0b30B26BF38"},
		{"0xdeadbeef00000000000000000000000000000000", "0x00", "0x00", "0xB928f69Bb1D91Cd65274e3c79d8986362984fDA3"},
		{"0xdeadbeef00000000000000000000000000000000", "0x000000000000000000000000feed000000000000000000000000000000000000", "0x00", "0xD04116cDd17beBE565EB2422F2497E06cC1C9833"},
		{"0x0000000000000000000000000000000000000000", "0x00", "0xdeadbeef", "0x70f2b2914A2a4b783FaEFb75f459A580616Fcb5e"},
		{"0x00000000000000000000000000000000deadbeef", "0xcafebabe", "0xdeadbeef", "0x60f3f640a8508fC6a86d45DF051962668E1e8AC7"},
		{"0x00000000000000000000000000000000deadbeef", "0xcafebabe", "0x" + strings.Repeat("deadbeef", 11), "0x1d8bfDC5D46DC4f61D6b6115972536eBE6A8854C"},
		{"0x0000000000000000000000000000000000000000", "0x00", "0x", "0xE33C0C7F7df4809055C3ebA6c09CFe4BaF1BD9e0"},
	} {
		got := addressFrom(common.HexToAddress(tc.deployer), salt(t, tc.salt), common.FromHex(tc.code))
		if got.Hex() != tc.want {
			t.Errorf("deployer %s salt %s code %s: %s, want %s", tc.deployer, tc.salt, tc.code, got.Hex(), tc.want)
		}
	}
}

func TestAddressUsesFactory(t *testing.T) {
	s := salt(t, "0x01")
	code := common.FromHex("0xdeadbeef")
	if got, want := Address(s, code), addressFrom(FactoryAddress, s, code); got != want {
		t.Errorf("Address %s, want %s", got.Hex(), want.Hex())
	}
	// Independently: keccak256(0xff ‖ factory ‖ salt ‖ keccak256(code))[12:].
	h := sha3.NewLegacyKeccak256()
	h.Write(code)
	codeHash := h.Sum(nil)
	h = sha3.NewLegacyKeccak256()
	h.Write([]byte{0xff})
	h.Write(FactoryAddress[:])
	h.Write(s[:])
	h.Write(codeHash)
	if got, want := Address(s, code), common.BytesToAddress(h.Sum(nil)[12:]); got != want {
		t.Errorf("Address %s, want %s", got.Hex(), want.Hex())
	}
}

func TestCalldata(t *testing.T) {
	s := salt(t, "0x"+strings.Repeat("ab", 32))
	code := []byte{1, 2, 3}
	got := Calldata(s, code)
	if want := append(bytes.Repeat([]byte{0xab}, 32), 1, 2, 3); !bytes.Equal(got, want) {
		t.Errorf("Calldata %x, want %x", got, want)
	}
	got[32] = 9
	if code[0] != 1 {
		t.Error("Calldata shares the init code's bytes")
	}
	if got := Calldata(s, nil); !bytes.Equal(got, s[:]) {
		t.Errorf("Calldata without init code %x, want the salt", got)
	}
}

func TestScopedSalt(t *testing.T) {
	user := uuid.MustParse("0192f1a4-7c3e-7b5a-9d2c-3e4f5a6b7c8d")
	s := salt(t, "0x"+strings.Repeat("11", 32))
	got := ScopedSalt(user, s) // a uuid.UUID is assignable to [16]byte

	// keccak256(abi.encodePacked(bytes16(user), salt)), hashed independently.
	h := sha3.NewLegacyKeccak256()
	h.Write(user[:])
	h.Write(s[:])
	if want := common.BytesToHash(h.Sum(nil)); common.Hash(got) != want {
		t.Errorf("ScopedSalt %x, want %x", got, want)
	}
	// Pinned, as ethers' solidityPackedKeccak256(["bytes16", "bytes32"],
	// [user, salt]) computes it: changing the derivation moves every
	// caller-scoped address.
	if want := "0x30629af8508bf9d3a09b9011e6c2430bac1234284e2d510d979f2e55e6ea01b7"; hexutil.Encode(got[:]) != want {
		t.Errorf("ScopedSalt %s, want the pinned %s", hexutil.Encode(got[:]), want)
	}
	other := uuid.MustParse("0192f1a4-7c3e-7b5a-9d2c-3e4f5a6b7c8e")
	if ScopedSalt(other, s) == got {
		t.Error("two users get the same scoped salt")
	}
	if ScopedSalt(user, salt(t, "0x12")) == got {
		t.Error("two salts get the same scoped salt")
	}
	if got == s {
		t.Error("the scoped salt is the raw salt")
	}
}

func TestParseSalt(t *testing.T) {
	valid := "0x" + strings.Repeat("0123456789abcdef", 4)
	for _, tc := range []struct {
		in   string
		want string // substring of the error; "" for success
	}{
		{valid, ""},
		{"0x" + strings.Repeat("AbCdEf01", 8), ""},
		{"0x" + strings.Repeat("0", 64), ""},
		{"", "does not start with 0x"},
		{"0", "does not start with 0x"},
		{strings.Repeat("ab", 32), "does not start with 0x"},
		{"0X" + strings.Repeat("ab", 32), "does not start with 0x"},
		{" " + valid, "does not start with 0x"},
		{"0x", "has 0 characters after 0x, want 64"},
		{"0x01", "has 2 characters after 0x, want 64"},
		{valid + "0", "has 65 characters after 0x, want 64"},
		{valid + " ", "has 65 characters after 0x, want 64"},
		{"0x" + strings.Repeat("ab", 33), "has 66 characters after 0x, want 64"},
		{"0x" + strings.Repeat("ab", 31) + "ag", `has 'g' at offset 65`},
		{"0x" + strings.Repeat("ab", 31) + "-1", `has '-' at offset 64`},
		{"0x" + strings.Repeat("é", 32), "not a hex digit"},
		{"0x" + strings.Repeat("f", 200), "… (202 bytes)"},
	} {
		got, err := ParseSalt(tc.in)
		if tc.want == "" {
			if err != nil {
				t.Errorf("ParseSalt(%q): %v", tc.in, err)
			} else if hexutil.Encode(got[:]) != strings.ToLower(tc.in) {
				t.Errorf("ParseSalt(%q) = %x", tc.in, got)
			}
			continue
		}
		if err == nil {
			t.Errorf("ParseSalt(%q) = %x, want an error", tc.in, got)
			continue
		}
		if !errors.Is(err, ErrSaltFormat) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseSalt(%q): %q, want ErrSaltFormat mentioning %q", tc.in, err, tc.want)
		}
		if got != ([32]byte{}) {
			t.Errorf("ParseSalt(%q) failed but answered %x", tc.in, got)
		}
	}
}

func FuzzParseSalt(f *testing.F) {
	for _, s := range []string{"", "0x", "0x00", "0x" + strings.Repeat("ab", 32), "0X" + strings.Repeat("AB", 32), "0x" + strings.Repeat("zz", 32)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := ParseSalt(s)
		valid := len(s) == SaltHexLen && strings.HasPrefix(s, "0x") && isHex(s[2:])
		if valid != (err == nil) {
			t.Fatalf("ParseSalt(%q): err %v, but valid = %v", s, err, valid)
		}
		if err != nil {
			if !errors.Is(err, ErrSaltFormat) || got != ([32]byte{}) {
				t.Fatalf("ParseSalt(%q): %v, %x", s, err, got)
			}
			if len(err.Error()) > 512 { // the input is quoted shortened
				t.Fatalf("ParseSalt(%q): a %d-byte error", s, len(err.Error()))
			}
			return
		}
		if hexutil.Encode(got[:]) != strings.ToLower(s) {
			t.Fatalf("ParseSalt(%q) = %x", s, got)
		}
		if back, err := ParseSalt(hexutil.Encode(got[:])); err != nil || back != got {
			t.Fatalf("round trip of %q: %x, %v", s, back, err)
		}
	})
}

func isHex(s string) bool {
	for _, c := range []byte(s) {
		if !strings.ContainsRune("0123456789abcdefABCDEF", rune(c)) {
			return false
		}
	}
	return true
}
