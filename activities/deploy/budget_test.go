package deploy_test

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"math/big"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/ethclient/simulated"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"go.temporal.io/sdk/temporal"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/secrets"
	"github.com/slipway-dev/slipway/internal/spend"
	"github.com/slipway-dev/slipway/internal/status"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// tinyInitCode deploys a one-byte contract (STOP) with no constructor
// arguments: about 53,000 gas.
const tinyInitCode = "0x6001600c60003960016000f300"

// sim is a deploy stage on go-ethereum's simulated chain (id 1337, a local
// chain every tier may use) with a funded signer and a fresh database.
type sim struct {
	t    *testing.T
	pool *pgxpool.Pool
	back *simulated.Backend
	a    *deploy.Activities
	key  *ecdsa.PrivateKey
}

func newSim(t *testing.T, cfg chain.Config) *sim {
	t.Helper()
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	return newSimOn(t, cfg, simBackend(t, types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(1000), big.NewInt(1e18))}}), key)
}

func newSimOn(t *testing.T, cfg chain.Config, back *simulated.Backend, key *ecdsa.PrivateKey) *sim {
	t.Helper()
	if len(cfg.Networks) == 0 {
		cfg.Networks = []chain.Network{{Name: "sim", ChainID: 1337, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 1, Signer: "env:SIGNER"}}
	}
	for i := range cfg.Networks {
		cfg.Networks[i].Signer = "env:SIGNER"
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	pool := dbtest.New(t)
	a := &deploy.Activities{
		Pool: pool, Networks: cfg,
		Secrets: secrets.Static{"env:SIGNER": secrets.NewSecretString(hex.EncodeToString(crypto.FromECDSA(key)))},
		Dial:    func(context.Context, chain.Network) (chain.Backend, error) { return back.Client(), nil },
	}
	return &sim{t: t, pool: pool, back: back, a: a, key: key}
}

func (s *sim) user(tier string) uuid.UUID {
	s.t.Helper()
	u, err := db.New(s.pool).CreateUser(s.t.Context(), db.CreateUserParams{Email: uuid.NewString() + "@example.com", PasswordHash: "x", Tier: &tier})
	if err != nil {
		s.t.Fatal(err)
	}
	return u.ID
}

func (s *sim) deployment(user uuid.UUID) uuid.UUID {
	s.t.Helper()
	id := uuid.New()
	if _, err := db.New(s.pool).CreateDeployment(s.t.Context(), db.CreateDeploymentParams{
		ID: id, UserID: user, Network: "sim", ContractName: "Tiny", RequiredConfirmations: 1,
		WorkflowID: "deployment-" + id.String(), Request: []byte("{}"),
	}); err != nil {
		s.t.Fatal(err)
	}
	return id
}

func (s *sim) prepare(id uuid.UUID, bytecode string) (deployapi.PrepareResult, error) {
	return s.a.Prepare(s.t.Context(), deployapi.PrepareInput{DeploymentID: id.String(), Network: "sim", ABI: "[]", Bytecode: bytecode})
}

func (s *sim) reservation(id uuid.UUID) db.SpendReservation {
	s.t.Helper()
	r, err := db.New(s.pool).GetSpendReservation(s.t.Context(), id)
	if err != nil {
		s.t.Fatalf("reservation of %s: %v", id, err)
	}
	return r
}

func (s *sim) setBudget(user uuid.UUID, wei *big.Int) {
	s.t.Helper()
	if _, err := db.New(s.pool).SetSpendBudget(s.t.Context(), db.SetSpendBudgetParams{UserID: user, Network: "sim", LimitWei: db.Wei(wei), PeriodSeconds: 86400}); err != nil {
		s.t.Fatal(err)
	}
}

func (s *sim) end(id uuid.UUID, status string, fee *big.Int) {
	s.t.Helper()
	if err := db.InTx(s.t.Context(), s.pool, func(q *db.Queries) error {
		_, _, err := db.RecordProgress(s.t.Context(), q, id, status, db.Progress{
			Update: db.UpdateDeploymentProgressParams{FeePaid: db.Wei(fee)}, Message: "end",
		})
		return err
	}); err != nil {
		s.t.Fatal(err)
	}
}

func appErrType(err error) string {
	var ae *temporal.ApplicationError
	if err == nil {
		return ""
	}
	if ok := asApp(err, &ae); ok {
		return ae.Type()
	}
	return "not an application error: " + err.Error()
}

func asApp(err error, target **temporal.ApplicationError) bool {
	for e := err; e != nil; {
		if ae, ok := e.(*temporal.ApplicationError); ok {
			*target = ae
			return true
		}
		u, ok := e.(interface{ Unwrap() error })
		if !ok {
			return false
		}
		e = u.Unwrap()
	}
	return false
}

// The worst case (gas limit × max fee) is reserved in the signing
// transaction, settles to the fee paid and is released on failure.
func TestPrepareReservesAndEndSettlesOrReleases(t *testing.T) {
	s := newSim(t, chain.Config{})
	user := s.user("free")
	id := s.deployment(user)
	res, err := s.prepare(id, tinyInitCode)
	if err != nil {
		t.Fatal(err)
	}
	txs, err := db.New(s.pool).ListDeployTxs(t.Context(), id)
	if err != nil || len(txs) != 1 {
		t.Fatalf("signed transactions: %v, %v", txs, err)
	}
	worst := new(big.Int).Mul(big.NewInt(txs[0].GasLimit), spend.WeiOf(txs[0].MaxFeePerGas))
	r := s.reservation(id)
	if r.State != "reserved" || spend.WeiOf(r.ReservedWei).Cmp(worst) != 0 {
		t.Fatalf("reservation = %s %s, want reserved %s", r.State, db.WeiString(r.ReservedWei), worst)
	}
	// A retry answers the stored transaction and reserves nothing more.
	again, err := s.prepare(id, tinyInitCode)
	if err != nil || again.TxHash != res.TxHash {
		t.Fatalf("retry = %+v, %v", again, err)
	}
	fee := big.NewInt(12345)
	s.end(id, status.Confirmed, fee)
	r = s.reservation(id)
	if r.State != "settled" || spend.WeiOf(r.SpentWei).Cmp(fee) != 0 || spend.WeiOf(r.ReservedWei).Sign() != 0 {
		t.Fatalf("after confirm: %s spent %s reserved %s", r.State, db.WeiString(r.SpentWei), db.WeiString(r.ReservedWei))
	}

	failed := s.deployment(user)
	if _, err := s.prepare(failed, tinyInitCode); err != nil {
		t.Fatal(err)
	}
	s.end(failed, status.Failed, nil)
	if r := s.reservation(failed); r.State != "released" || spend.WeiOf(r.ReservedWei).Sign() != 0 {
		t.Fatalf("after failure: %+v", r)
	}
	st, err := spend.Lookup(t.Context(), db.New(s.pool), s.a.Networks, user, "free", s.a.Networks.Networks[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Spent.Cmp(fee) != 0 || st.Reserved.Sign() != 0 || st.ResetsAt.IsZero() {
		t.Fatalf("status = %+v", st)
	}
}

// Concurrent deployments of one user never reserve past the budget: with
// room for two worst cases, exactly two of eight sign, and the others fail
// before signing, naming the budget, with no nonce taken.
func TestConcurrentReservationsNeverOverspend(t *testing.T) {
	s := newSim(t, chain.Config{})
	probeUser := s.user("paid")
	probe := s.deployment(probeUser)
	if _, err := s.prepare(probe, tinyInitCode); err != nil {
		t.Fatal(err)
	}
	one := spend.WeiOf(s.reservation(probe).ReservedWei)

	user := s.user("paid")
	budget := new(big.Int).Div(new(big.Int).Mul(one, big.NewInt(5)), big.NewInt(2)) // 2.5 worst cases
	s.setBudget(user, budget)
	var wg sync.WaitGroup
	errs := make([]error, 8)
	for i := range errs {
		id := s.deployment(user)
		wg.Go(func() { _, errs[i] = s.prepare(id, tinyInitCode) })
	}
	wg.Wait()
	signed := 0
	for _, err := range errs {
		switch {
		case err == nil:
			signed++
		case appErrType(err) == deployapi.ErrTypeBudget:
			if !strings.Contains(err.Error(), "spend budget on sim") {
				t.Errorf("refusal does not name the budget: %v", err)
			}
		default:
			t.Errorf("unexpected error: %v", err)
		}
	}
	if signed != 2 {
		t.Fatalf("%d deployments signed against a budget for 2.5", signed)
	}
	st, err := spend.Lookup(t.Context(), db.New(s.pool), s.a.Networks, user, "paid", s.a.Networks.Networks[0])
	if err != nil {
		t.Fatal(err)
	}
	if st.Used().Cmp(budget) > 0 {
		t.Fatalf("used %s of a budget of %s", st.Used(), budget)
	}
	// Nonces: the probe's and the two signed, no gap and no reuse.
	var next int64
	if err := s.pool.QueryRow(t.Context(), "SELECT next_nonce FROM signer_nonces").Scan(&next); err != nil || next != 3 {
		t.Fatalf("next nonce = %d, %v; want 3", next, err)
	}
}

// The tier's gas ceiling and the network's refuse a deployment before it
// signs; the lower of the two holds.
func TestGasCeilingRefusesBeforeSigning(t *testing.T) {
	cfg := chain.Config{
		Tiers:    map[string]chain.TierPolicy{"free": {MaxGasPerDeployment: 40_000}},
		Networks: []chain.Network{{Name: "sim", ChainID: 1337, RPCURLs: []string{"http://127.0.0.1:1"}, Confirmations: 1, Gas: chain.GasPolicy{MaxGasPerDeployment: 60_000}}},
	}
	s := newSim(t, cfg)
	free, paid := s.user("free"), s.user("paid")
	id := s.deployment(free)
	_, err := s.prepare(id, tinyInitCode)
	if appErrType(err) != deployapi.ErrTypeGasCeiling || !strings.Contains(err.Error(), "ceiling of 40000 gas per deployment for the free tier") {
		t.Fatalf("free deployment over its tier's ceiling: %v", err)
	}
	if _, err := db.New(s.pool).GetSpendReservation(t.Context(), id); !db.IsNotFound(err) {
		t.Fatalf("a refused deployment holds a reservation: %v", err)
	}
	// Paid's own ceiling (15M) is above the network's 60,000: the tiny
	// contract (about 64,000 with the margin) is over the network's.
	_, err = s.prepare(s.deployment(paid), tinyInitCode)
	if appErrType(err) != deployapi.ErrTypeGasCeiling || !strings.Contains(err.Error(), "ceiling of 60000") {
		t.Fatalf("paid deployment over the network's ceiling: %v", err)
	}
	var n int
	if err := s.pool.QueryRow(t.Context(), "SELECT count(*) FROM deploy_txs").Scan(&n); err != nil || n != 0 {
		t.Fatalf("%d transactions signed, %v", n, err)
	}
}

// The gas limit never passes the block's: the margin is cut to the block
// gas limit, and a constructor that alone needs more fails before signing
// instead of holding the signer's nonce.
func TestGasLimitStaysWithinTheBlock(t *testing.T) {
	key, err := crypto.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	from := crypto.PubkeyToAddress(key.PublicKey)
	s := newSimOn(t, chain.Config{}, simBackend(t, types.GenesisAlloc{from: {Balance: big.NewInt(1e18)}}, simulated.WithBlockGasLimit(60_000)), key)
	user := s.user("free")
	id := s.deployment(user)
	if _, err := s.prepare(id, tinyInitCode); err != nil {
		t.Fatal(err)
	}
	txs, err := db.New(s.pool).ListDeployTxs(t.Context(), id)
	if err != nil || len(txs) != 1 || txs[0].GasLimit != 60_000 {
		t.Fatalf("gas limit = %+v, %v; want the block's 60000", txs, err)
	}
	// 100 stores in the constructor: far more than 60,000 gas.
	var code strings.Builder
	code.WriteString("0x")
	for i := range 100 {
		code.WriteString("6001") // PUSH1 1
		code.WriteString("60" + hex.EncodeToString([]byte{byte(i)}))
		code.WriteString("55") // SSTORE
	}
	code.WriteString("00")
	_, err = s.prepare(s.deployment(user), code.String())
	if appErrType(err) != deployapi.ErrTypeGasCeiling || !strings.Contains(err.Error(), "more gas than a block holds") {
		t.Fatalf("constructor over the block gas limit: %v", err)
	}
}

// A fee bump whose worst case the budget cannot cover is not made: the
// transaction waits at its fees, and the reservation stays as it was.
func TestBumpWithinBudget(t *testing.T) {
	s := newSim(t, chain.Config{})
	s.commit(1) // the simulated chain answers receipts once it has indexed a block
	user := s.user("free")
	id := s.deployment(user)
	if _, err := s.prepare(id, tinyInitCode); err != nil {
		t.Fatal(err)
	}
	before := spend.WeiOf(s.reservation(id).ReservedWei)
	s.setBudget(user, before) // exactly what is reserved: no room to bump
	b, err := s.a.Bump(t.Context(), deployapi.TxInput{DeploymentID: id.String(), Network: "sim"})
	if err != nil {
		t.Fatal(err)
	}
	if b.Replaced || !strings.Contains(b.Message, "spend budget on sim") {
		t.Fatalf("bump over budget = %+v", b)
	}
	if got := spend.WeiOf(s.reservation(id).ReservedWei); got.Cmp(before) != 0 {
		t.Fatalf("reservation moved to %s", got)
	}
	// With room, the bump is made and the reservation grows to its worst case.
	s.setBudget(user, new(big.Int).Mul(before, big.NewInt(10)))
	b, err = s.a.Bump(t.Context(), deployapi.TxInput{DeploymentID: id.String(), Network: "sim"})
	if err != nil || !b.Replaced {
		t.Fatalf("bump within budget = %+v, %v", b, err)
	}
	txs, err := db.New(s.pool).ListDeployTxs(t.Context(), id)
	if err != nil || len(txs) != 2 {
		t.Fatalf("transactions: %d, %v", len(txs), err)
	}
	worst := new(big.Int).Mul(big.NewInt(txs[1].GasLimit), spend.WeiOf(txs[1].MaxFeePerGas))
	if got := spend.WeiOf(s.reservation(id).ReservedWei); got.Cmp(worst) != 0 || got.Cmp(before) <= 0 {
		t.Fatalf("reservation after bump = %s, want %s", got, worst)
	}
}
