package deploy_test

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/eth/ethconfig"
	"github.com/ethereum/go-ethereum/node"
	"github.com/google/uuid"

	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/create2"
	"github.com/slipway-dev/slipway/internal/status"
)

// saltA is the salt of the salted deployments below, as the proxy gets it.
const saltA = "0x" + "ab00000000000000000000000000000000000000000000000000000000000017"

// tinyRuntime is what tinyInitCode leaves: STOP.
const tinyRuntime = "0x00"

// tinyAt is where the proxy deploys tinyInitCode with saltA.
func tinyAt() common.Address {
	salt, err := create2.ParseSalt(saltA)
	if err != nil {
		panic(err)
	}
	return create2.Address(salt, hexutil.MustDecode(tinyInitCode))
}

// storeWordCode is a call target that stores the first word of its call
// data at slot 0: PUSH1 0 CALLDATALOAD PUSH1 0 SSTORE STOP.
const storeWordCode = "0x6000356000550000"

// revertNopeCode is a call target that reverts with Error("nope"):
// PUSH1 100 PUSH1 12 PUSH1 0 CODECOPY PUSH1 100 PUSH1 0 REVERT, then the
// 100 bytes of the revert data.
var revertNopeCode = "0x6064600c60003960646000fd" +
	"08c379a0" +
	"0000000000000000000000000000000000000000000000000000000000000020" +
	"0000000000000000000000000000000000000000000000000000000000000004" +
	hex.EncodeToString([]byte("nope")) + strings.Repeat("00", 28)

// onlyCallerCode is a call target that reverts unless called by caller,
// and otherwise stores 1 at slot 0: CALLER PUSH20 caller EQ PUSH1 0x1e
// JUMPI PUSH1 0 DUP1 REVERT JUMPDEST PUSH1 1 PUSH1 0 SSTORE STOP.
func onlyCallerCode(caller common.Address) []byte {
	return hexutil.MustDecode("0x3373" + hex.EncodeToString(caller[:]) + "14601e57600080fd5b600160005500")
}

// newSimAlloc is a deploy stage on a simulated chain with a funded signer
// and alloc besides; noFactory takes the deterministic deployment proxy
// out of the genesis (the simulated backend puts it there, EIP-7997).
func newSimAlloc(t *testing.T, alloc types.GenesisAlloc, noFactory bool) *sim {
	t.Helper()
	key := mustKey(t, "")
	all := types.GenesisAlloc{addr(key): {Balance: new(big.Int).Mul(big.NewInt(1000), ether)}}
	for a, acct := range alloc {
		all[a] = acct
	}
	back := simBackend(t, all, func(_ *node.Config, ec *ethconfig.Config) {
		if noFactory {
			delete(ec.Genesis.Alloc, create2.FactoryAddress)
		}
	})
	return newSimOn(t, simNet(), back, key)
}

// saltedDeployment creates a deployment row with salt and the address the
// API promised ("" for none).
func (s *sim) saltedDeployment(user uuid.UUID, salt, promised string) uuid.UUID {
	s.t.Helper()
	id := uuid.New()
	if _, err := db.New(s.pool).CreateDeployment(s.ctx(), db.CreateDeploymentParams{
		ID: id, UserID: user, Network: "sim", ContractName: "Tiny", RequiredConfirmations: 1,
		WorkflowID: "deployment-" + id.String(), Request: []byte("{}"), Salt: salt, ContractAddress: promised,
	}); err != nil {
		s.t.Fatal(err)
	}
	return id
}

// saltedIn is tinyInitCode deployed with saltA.
func saltedIn(id uuid.UUID) deployapi.PrepareInput {
	return deployapi.PrepareInput{DeploymentID: id.String(), Network: "sim", ABI: "[]", Bytecode: tinyInitCode, Salt: saltA, DeployedBytecode: tinyRuntime}
}

func callIn(id uuid.UUID, to common.Address, data string) deployapi.PrepareInput {
	return deployapi.PrepareInput{DeploymentID: id.String(), Network: "sim", To: to.Hex(), Data: data}
}

func (s *sim) mustPrepare(in deployapi.PrepareInput) deployapi.PrepareResult {
	s.t.Helper()
	res, err := s.a.Prepare(s.ctx(), in)
	if err != nil {
		s.t.Fatalf("prepare: %v", err)
	}
	if res.TxHash == "" {
		s.t.Fatalf("prepare signed nothing: %+v", res)
	}
	return res
}

func (s *sim) confirmWith(id uuid.UUID, codeLen int) (deployapi.ConfirmResult, error) {
	ctx, cancel := bounded(s.ctx())
	defer cancel()
	return s.a.Confirm(ctx, deployapi.ConfirmInput{TxInput: s.in(id), Required: 1, DeployedCodeLength: codeLen})
}

// A salted deployment is a call to the deterministic deployment proxy with
// the salt and the init code; Estimate prices that very transaction, the
// contract lands at its CREATE2 address (the one the API promised), and
// Confirm answers that address, which the receipt does not carry.
func TestPrepareSaltedDeploysThroughTheProxy(t *testing.T) {
	s := newSim(t, simNet())
	s.commit(1)
	want := tinyAt()
	id := s.saltedDeployment(s.user("free"), saltA, want.Hex())
	in := saltedIn(id)
	init := hexutil.MustDecode(tinyInitCode)

	est, err := s.a.Estimate(t.Context(), in)
	if err != nil {
		t.Fatalf("estimate: %v", err)
	}
	if est.To != create2.FactoryAddressHex || est.ContractAddress != want.Hex() || est.AlreadyDeployed ||
		est.InitCodeHash != crypto.Keccak256Hash(init).Hex() {
		t.Fatalf("estimate = %+v, want the proxy's call deploying to %s", est, want.Hex())
	}

	res := s.mustPrepare(in)
	if res.ContractAddress != want.Hex() || res.AlreadyDeployed || res.Nonce != 0 || res.Signer != s.from().Hex() {
		t.Fatalf("prepare = %+v, want the contract at %s", res, want.Hex())
	}
	txs := s.txs(id, "")
	if len(txs) != 1 {
		t.Fatalf("%d stored transactions, want 1", len(txs))
	}
	st := txs[0]
	salt, _ := create2.ParseSalt(saltA)
	tx := decodeTx(t, st.RawTx)
	switch {
	case tx.To() == nil || *tx.To() != create2.FactoryAddress:
		t.Fatalf("signed transaction goes to %v, want the proxy", tx.To())
	case !bytes.Equal(tx.Data(), create2.Calldata(salt, init)):
		t.Fatalf("data = %x, want the salt and the init code", tx.Data())
	case st.ToAddress != strings.ToLower(create2.FactoryAddressHex) || st.ContractAddress != want.Hex():
		t.Fatalf("row: to %q, contract %q", st.ToAddress, st.ContractAddress)
	case tx.Gas() != est.Gas:
		t.Fatalf("signed gas %d, estimated %d: Estimate priced another transaction", tx.Gas(), est.Gas)
	}
	if d := s.row(id); d.ContractAddress != want.Hex() || d.Status != status.Deploying {
		t.Fatalf("deployment = %s at %s", d.Status, d.ContractAddress)
	}
	if !s.hasEvent(id, "signed the deployment to "+want.Hex()+" through the deterministic deployment proxy") {
		t.Fatalf("events = %q", s.events(id))
	}
	if again, err := s.a.Prepare(t.Context(), in); err != nil || again != res {
		t.Fatalf("retry = %+v, %v; want %+v", again, err, res)
	}

	s.broadcast(id)
	s.commit(1)
	if r := s.receipt(res.TxHash); r == nil || r.Status != types.ReceiptStatusSuccessful || r.ContractAddress != (common.Address{}) {
		t.Fatalf("receipt = %+v", r)
	}
	c, err := s.confirm(t.Context(), id, 1)
	if err != nil || !c.Confirmed || c.ContractAddress != want.Hex() || c.TxHash != res.TxHash {
		t.Fatalf("confirm = %+v, %v; want confirmed at %s", c, err, want.Hex())
	}
	if code := s.code(want.Hex()); hexutil.Encode(code) != tinyRuntime {
		t.Fatalf("code at %s = %x", want.Hex(), code)
	}
	if code := s.code(crypto.CreateAddress(s.from(), 0).Hex()); len(code) != 0 {
		t.Fatal("a plain creation was made")
	}
}

// Once the address holds the contract, a deployment of the same salt and
// code (another row, another user; a retry) is answered AlreadyDeployed:
// nothing signed, no nonce, no reservation, the row untouched.
func TestPrepareSaltedAlreadyDeployed(t *testing.T) {
	s := newSim(t, simNet())
	s.commit(1)
	want := tinyAt()
	first := s.saltedDeployment(s.user("free"), saltA, "")
	s.mustPrepare(saltedIn(first))
	s.broadcast(first)
	s.commit(1)
	if len(s.code(want.Hex())) == 0 {
		t.Fatal("the first deployment left no code")
	}
	nonce, rows := s.nextNonce(), s.countTxs()

	second := s.saltedDeployment(s.user("free"), saltA, "")
	promised := s.saltedDeployment(s.user("paid"), saltA, strings.ToLower(want.Hex()))
	for _, id := range []uuid.UUID{second, second, promised} {
		res, err := s.a.Prepare(t.Context(), saltedIn(id))
		if err != nil {
			t.Fatalf("prepare: %v", err)
		}
		if !res.AlreadyDeployed || res.ContractAddress != want.Hex() || res.TxHash != "" || res.Signer != "" || res.Nonce != 0 ||
			!strings.Contains(res.Message, "already holds the contract") {
			t.Fatalf("prepare = %+v, want AlreadyDeployed at %s", res, want.Hex())
		}
		if got := s.txs(id, ""); len(got) != 0 {
			t.Fatalf("%d transactions signed", len(got))
		}
		if _, err := db.New(s.pool).GetSpendReservation(t.Context(), id); !db.IsNotFound(err) {
			t.Fatalf("a reservation was made: %v", err)
		}
		if d := s.row(id); d.Status != status.Pending || d.TxHash != "" {
			t.Fatalf("deployment is %s (tx %q)", d.Status, d.TxHash)
		}
	}
	if s.nextNonce() != nonce || s.countTxs() != rows || s.pendingNonce() != 1 {
		t.Fatalf("next nonce %d (was %d), %d rows (was %d), pending %d", s.nextNonce(), nonce, s.countTxs(), rows, s.pendingNonce())
	}
	est, err := s.a.Estimate(t.Context(), saltedIn(second))
	if err != nil || !est.AlreadyDeployed || est.Gas != 0 || est.ContractAddress != want.Hex() {
		t.Fatalf("estimate = %+v, %v; want AlreadyDeployed", est, err)
	}
	// A cancelled deployment is refused as the signing would refuse it.
	s.setStatus(second, status.Cancelled)
	if _, err := s.a.Prepare(t.Context(), saltedIn(second)); appErrType(err) != deployapi.ErrTypeCancelled {
		t.Fatalf("prepare of a cancelled deployment = %v", err)
	}
}

// What Prepare refuses for a salted deployment or a call, it refuses for
// good and before signing: no transaction, no nonce, no reservation.
func TestPrepareSaltedAndCallRefusals(t *testing.T) {
	reverter := common.Address{0x7e}
	cases := []struct {
		name      string
		alloc     types.GenesisAlloc
		noFactory bool
		promised  string
		in        func(id uuid.UUID) deployapi.PrepareInput
		typ, msg  string
	}{
		{name: "promised another address", promised: common.Address{0x12}.Hex(),
			typ: deployapi.ErrTypeAddressMismatch, msg: "the compiled code differs from what the address was computed from"},
		{name: "different code at the address", alloc: types.GenesisAlloc{tinyAt(): {Code: []byte{0x60, 0x00, 0x00}}},
			typ: deployapi.ErrTypeAddressTaken, msg: "the address holds different code: " + tinyAt().Hex() + " holds 3 bytes of code, the contract's runtime code is 1 bytes"},
		{name: "code at the address, no runtime code to compare", alloc: types.GenesisAlloc{tinyAt(): {Code: []byte{0x00}}},
			in: func(id uuid.UUID) deployapi.PrepareInput {
				in := saltedIn(id)
				in.DeployedBytecode = ""
				return in
			},
			typ: deployapi.ErrTypeAddressTaken, msg: "gave no runtime code to compare"},
		{name: "no proxy on the network", noFactory: true,
			typ: deployapi.ErrTypeNoFactory, msg: "network sim has no deterministic deployment proxy at " + create2.FactoryAddressHex},
		{name: "malformed salt", in: func(id uuid.UUID) deployapi.PrepareInput {
			in := saltedIn(id)
			in.Salt = "0x12"
			return in
		}, typ: deployapi.ErrTypeInvalidArgs, msg: "salt must be 0x and 64 hex digits"},
		{name: "constructor reverts through the proxy", in: func(id uuid.UUID) deployapi.PrepareInput {
			in := saltedIn(id)
			in.Bytecode = revertingInitCode
			return in
		}, typ: deployapi.ErrTypeReverted, msg: "the constructor reverts"},
		{name: "call reverts", alloc: types.GenesisAlloc{reverter: {Code: hexutil.MustDecode(revertNopeCode)}},
			in:  func(id uuid.UUID) deployapi.PrepareInput { return callIn(id, reverter, "0x") },
			typ: deployapi.ErrTypeReverted, msg: "the call to " + reverter.Hex() + " reverts: execution reverted: nope"},
		{name: "call to an account without code",
			in:  func(id uuid.UUID) deployapi.PrepareInput { return callIn(id, common.Address{0x99}, "0x") },
			typ: deployapi.ErrTypeNoCode, msg: "holds no code"},
		{name: "call with bytecode", in: func(id uuid.UUID) deployapi.PrepareInput {
			in := callIn(id, reverter, "0x")
			in.Bytecode = tinyInitCode
			return in
		}, typ: deployapi.ErrTypeInvalidArgs, msg: "a call (to) takes no bytecode"},
		{name: "call data without a target", in: func(id uuid.UUID) deployapi.PrepareInput {
			return deployapi.PrepareInput{DeploymentID: id.String(), Network: "sim", Data: "0x01"}
		}, typ: deployapi.ErrTypeInvalidArgs, msg: "without a target"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSimAlloc(t, c.alloc, c.noFactory)
			s.commit(1)
			id := s.saltedDeployment(s.user("free"), saltA, c.promised)
			in := saltedIn(id)
			if c.in != nil {
				in = c.in(id)
			}
			res, err := s.a.Prepare(t.Context(), in)
			if appErrType(err) != c.typ || !strings.Contains(err.Error(), c.msg) {
				t.Fatalf("prepare = %+v, %v; want %s with %q", res, err, c.typ, c.msg)
			}
			if _, err := s.a.Estimate(t.Context(), in); appErrType(err) != c.typ {
				t.Fatalf("estimate = %v; want %s as Prepare", err, c.typ)
			}
			if n := s.countTxs(); n != 0 {
				t.Fatalf("%d transactions signed", n)
			}
			if n := s.nextNonce(); n != -1 {
				t.Fatalf("a nonce was allocated (next %d)", n)
			}
			if _, err := db.New(s.pool).GetSpendReservation(t.Context(), id); !db.IsNotFound(err) {
				t.Fatalf("a reservation was made: %v", err)
			}
			if d := s.row(id); d.Status != status.Pending || d.TxHash != "" {
				t.Fatalf("deployment is %s (tx %q)", d.Status, d.TxHash)
			}
		})
	}
}

// A call (an upgrade) is signed exactly once like a deployment: its target
// is the deployment's contract address, a retry answers the same hash, and
// it confirms at the target.
func TestPrepareCall(t *testing.T) {
	target := common.Address{0x5a}
	s := newSimAlloc(t, types.GenesisAlloc{target: {Code: hexutil.MustDecode(storeWordCode)}}, false)
	s.commit(1)
	word := common.BigToHash(big.NewInt(42))
	id := s.deployment(s.user("free"))
	in := callIn(id, target, word.Hex())

	est, err := s.a.Estimate(t.Context(), in)
	if err != nil || est.To != target.Hex() || est.ContractAddress != target.Hex() || est.InitCodeHash != crypto.Keccak256Hash(word[:]).Hex() || len(est.Args) != 0 {
		t.Fatalf("estimate = %+v, %v", est, err)
	}
	res := s.mustPrepare(in)
	if res.ContractAddress != target.Hex() || res.Nonce != 0 {
		t.Fatalf("prepare = %+v, want the call to %s", res, target.Hex())
	}
	txs := s.txs(id, "")
	if len(txs) != 1 {
		t.Fatalf("%d stored transactions", len(txs))
	}
	tx := decodeTx(t, txs[0].RawTx)
	switch {
	case tx.To() == nil || *tx.To() != target || !bytes.Equal(tx.Data(), word[:]) || tx.Value().Sign() != 0:
		t.Fatalf("signed: to %v data %x value %s", tx.To(), tx.Data(), tx.Value())
	case txs[0].ToAddress != strings.ToLower(target.Hex()) || txs[0].ContractAddress != target.Hex():
		t.Fatalf("row: to %q, contract %q", txs[0].ToAddress, txs[0].ContractAddress)
	case tx.Gas() != est.Gas:
		t.Fatalf("signed gas %d, estimated %d", tx.Gas(), est.Gas)
	}
	if d := s.row(id); d.ContractAddress != target.Hex() || !s.hasEvent(id, "signed the call to "+target.Hex()) {
		t.Fatalf("deployment at %s, events %q", d.ContractAddress, s.events(id))
	}
	for range 2 {
		if again, err := s.a.Prepare(t.Context(), in); err != nil || again != res {
			t.Fatalf("retry = %+v, %v; want %+v", again, err, res)
		}
	}
	if s.countTxs() != 1 || s.nextNonce() != 1 {
		t.Fatalf("retries signed again: %d rows, next nonce %d", s.countTxs(), s.nextNonce())
	}
	s.broadcast(id)
	s.commit(1)
	c, err := s.confirm(t.Context(), id, 1)
	if err != nil || !c.Confirmed || c.ContractAddress != target.Hex() || c.TxHash != res.TxHash {
		t.Fatalf("confirm = %+v, %v", c, err)
	}
	stored, err := s.client().StorageAt(t.Context(), target, common.Hash{}, nil)
	if err != nil || common.BytesToHash(stored) != word {
		t.Fatalf("slot 0 of the target = %x, %v; want the call to have run", stored, err)
	}
}

// A call whose target only its owner may call is signed by the pool's
// member that owns it, even when another would be chosen; a call no
// member may make fails for good.
func TestPrepareCallFromTheMemberThatCan(t *testing.T) {
	owned, nobodys := common.Address{0x0a}, common.Address{0x0b}
	p := newPoolSimWith(t, []int64{100, 10}, func(signers []common.Address) types.GenesisAlloc {
		return types.GenesisAlloc{
			owned:   {Code: onlyCallerCode(signers[1])},
			nobodys: {Code: onlyCallerCode(common.Address{0xff})},
		}
	})
	p.commit(1)
	id := p.deployment(p.user("free"))
	res, err := p.a.Prepare(t.Context(), callIn(id, owned, "0x"))
	if err != nil || res.Signer != p.addrs[1] {
		t.Fatalf("prepare = %+v, %v; want signed by the owner %s", res, err, p.addrs[1])
	}
	p.broadcast(id)
	p.commit(1)
	if r := p.receipt(res.TxHash); r == nil || r.Status != types.ReceiptStatusSuccessful {
		t.Fatalf("receipt = %+v", r)
	}
	other := p.deployment(p.user("free"))
	_, err = p.a.Prepare(t.Context(), callIn(other, nobodys, "0x"))
	if appErrType(err) != deployapi.ErrTypeReverted || !strings.Contains(err.Error(), "reverts from every signer of sim") {
		t.Fatalf("prepare = %v; want reverted from every signer", err)
	}
}

// A fee bump keeps the recipient and the data: the proxy and the salt and
// init code of a salted deployment, the target and data of a call.
func TestBumpKeepsTheRecipient(t *testing.T) {
	target := common.Address{0x5a}
	word := common.BigToHash(big.NewInt(7))
	cases := []struct {
		name string
		in   func(id uuid.UUID) deployapi.PrepareInput
		to   common.Address // the transaction's recipient
		at   common.Address // the contract address confirmed
	}{
		{name: "salted", in: saltedIn, to: create2.FactoryAddress, at: tinyAt()},
		{name: "call", in: func(id uuid.UUID) deployapi.PrepareInput { return callIn(id, target, word.Hex()) }, to: target, at: target},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSimAlloc(t, types.GenesisAlloc{target: {Code: hexutil.MustDecode(storeWordCode)}}, false)
			s.commit(1)
			salt := ""
			if c.to == create2.FactoryAddress {
				salt = saltA
			}
			id := s.saltedDeployment(s.user("free"), salt, "")
			s.mustPrepare(c.in(id))
			s.broadcast(id)
			mustBump(s, id)
			txs := s.txs(id, "deploy")
			if len(txs) != 2 {
				t.Fatalf("%d transactions stored", len(txs))
			}
			old, repl := decodeTx(t, txs[0].RawTx), decodeTx(t, txs[1].RawTx)
			switch {
			case repl.To() == nil || *repl.To() != c.to || old.To() == nil || *old.To() != c.to:
				t.Fatalf("recipient %v, replaced %v; want %s", repl.To(), old.To(), c.to.Hex())
			case !bytes.Equal(repl.Data(), old.Data()) || repl.Nonce() != old.Nonce() || repl.Gas() != old.Gas():
				t.Fatal("the replacement changed more than the fees")
			case repl.GasFeeCap().Cmp(old.GasFeeCap()) <= 0:
				t.Fatalf("fee cap %s, replaced %s", repl.GasFeeCap(), old.GasFeeCap())
			case txs[1].ToAddress != strings.ToLower(c.to.Hex()) || txs[1].ContractAddress != c.at.Hex():
				t.Fatalf("replacement row: to %q, contract %q", txs[1].ToAddress, txs[1].ContractAddress)
			}
			s.commit(1)
			if s.receipt(txs[1].TxHash) == nil {
				t.Fatal("the replacement was not mined")
			}
			res, err := s.confirm(t.Context(), id, 1)
			if err != nil || !res.Confirmed || res.ContractAddress != c.at.Hex() || !strings.EqualFold(res.TxHash, txs[1].TxHash) {
				t.Fatalf("confirm = %+v, %v; want %s", res, err, c.at.Hex())
			}
			if len(s.code(c.at.Hex())) == 0 {
				t.Fatalf("no code at %s", c.at.Hex())
			}
		})
	}
}

// Two deployments of the same salt and code signed before either is mined:
// the second's transaction reverts (the address is taken), and it
// confirms all the same when the address holds code of the contract's
// runtime length; otherwise the revert fails it as any revert does.
func TestConfirmSaltedAddressTakenMeanwhile(t *testing.T) {
	cases := []struct {
		name    string
		codeLen int    // ConfirmInput.DeployedCodeLength
		msg     string // in the failure; "" confirms
	}{
		{name: "same length confirms", codeLen: 1},
		{name: "other length fails", codeLen: 7, msg: "holds other code (1 bytes, the contract's runtime code is 7 bytes)"},
		{name: "unknown length fails", codeLen: 0, msg: "runtime length was not given"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			s := newSim(t, simNet())
			s.commit(1)
			want := tinyAt()
			first, second := s.saltedDeployment(s.user("free"), saltA, ""), s.saltedDeployment(s.user("free"), saltA, "")
			res1, res2 := s.mustPrepare(saltedIn(first)), s.mustPrepare(saltedIn(second))
			s.broadcast(first)
			s.broadcast(second)
			s.commit(1)
			r1, r2 := s.receipt(res1.TxHash), s.receipt(res2.TxHash)
			if r1 == nil || r1.Status != types.ReceiptStatusSuccessful || r2 == nil || r2.Status != types.ReceiptStatusFailed {
				t.Fatalf("receipts %+v, %+v; want the first mined, the second reverted", r1, r2)
			}
			if got, err := s.confirmWith(first, 1); err != nil || !got.Confirmed || got.ContractAddress != want.Hex() {
				t.Fatalf("confirm the first = %+v, %v", got, err)
			}
			got, err := s.confirmWith(second, c.codeLen)
			if c.msg != "" {
				if appErrType(err) != deployapi.ErrTypeReverted || !strings.Contains(err.Error(), "reverted on chain") || !strings.Contains(err.Error(), c.msg) {
					t.Fatalf("confirm = %+v, %v; want reverted with %q", got, err, c.msg)
				}
				if rv := s.reservation(second); rv.State != "settled" {
					t.Fatalf("reservation %s, want settled to the gas burnt", rv.State)
				}
				return
			}
			if err != nil || !got.Confirmed || got.ContractAddress != want.Hex() || got.TxHash != res2.TxHash ||
				got.BlockNumber != r2.BlockNumber.Uint64() || got.GasUsed != r2.GasUsed {
				t.Fatalf("confirm = %+v, %v; want confirmed at %s by the reverted %s", got, err, want.Hex(), res2.TxHash)
			}
			if !s.hasEvent(second, "already holds the contract, deployed meanwhile from the same init code and salt") {
				t.Fatalf("events = %q", s.events(second))
			}
			if d := s.row(second); d.ContractAddress != want.Hex() || d.Status != status.Confirming {
				t.Fatalf("deployment = %s at %s", d.Status, d.ContractAddress)
			}
		})
	}
}

// A call that reverts on chain fails for good, naming the call.
func TestConfirmCallRevertedOnChain(t *testing.T) {
	// A target that reverts once trip holds ether (which happens between
	// signing and mining): PUSH20 trip BALANCE ISZERO PUSH1 0x1e JUMPI
	// PUSH1 0 DUP1 REVERT JUMPDEST STOP.
	trip, target := common.Address{0xee}, common.Address{0x5b}
	other := mustKey(t, "")
	s := newSimAlloc(t, types.GenesisAlloc{
		target:      {Code: hexutil.MustDecode("0x73" + hex.EncodeToString(trip[:]) + "3115601e576000" + "80fd5b00")},
		addr(other): {Balance: ether},
	}, false)
	s.commit(1)
	id := s.deployment(s.user("free"))
	res := s.mustPrepare(callIn(id, target, "0x"))
	s.mine(s.transfer(other, 0, trip, 1))
	s.broadcast(id)
	s.commit(1)
	if r := s.receipt(res.TxHash); r == nil || r.Status != types.ReceiptStatusFailed {
		t.Fatalf("receipt = %+v, want a revert", r)
	}
	_, err := s.confirmWith(id, 0)
	if appErrType(err) != deployapi.ErrTypeReverted || !strings.Contains(err.Error(), "the call to "+target.Hex()+" reverted on chain") {
		t.Fatalf("confirm = %v", err)
	}
}
