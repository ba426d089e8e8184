package deploy_test

import (
	"math/big"
	"strings"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/kms"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/activities/deploy"
	"github.com/slipway-dev/slipway/activities/deploy/deployapi"
	"github.com/slipway-dev/slipway/activities/deploy/signer"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/localkms"
)

// kmsSim is a simulated network whose only signer is a secp256k1 key in a
// local KMS (the real local-kms), funded at genesis.
type kmsSim struct {
	*sim
	kms   *localkms.Server
	keyID string
	from  string
}

func newKMSSim(t *testing.T) *kmsSim {
	t.Helper()
	srv := localkms.NewForTest(t)
	keyID, from, err := srv.CreateSecp256k1Key(t.Context(), "alias/deployer")
	if err != nil {
		t.Fatal(err)
	}
	s := newSimOn(t, simNet(fast), simBackend(t, types.GenesisAlloc{from: {Balance: new(big.Int).Mul(big.NewInt(100), ether)}}), mustKey(t, ""))
	n := &s.a.Networks.Networks[0]
	n.Signer = chain.KMSPrefix + "alias/deployer"
	// Few attempts per call: an outage shows as an activity error at once,
	// and Temporal's retries (here, the test's) ride it out.
	s.a.Signers = &signer.Resolver{KMS: srv.Client(t.Context(), func(o *kms.Options) { o.RetryMaxAttempts = 2 })}
	return &kmsSim{sim: s, kms: srv, keyID: keyID, from: from.Hex()}
}

// A deployment signed through KMS is signed by the key's address, mined
// and confirmed; the key never left KMS.
func TestKMSDeploymentConfirms(t *testing.T) {
	k := newKMSSim(t)
	id := k.deployment(k.user("paid"))
	res, err := k.prepare(id, tinyInitCode)
	if err != nil || res.Signer != k.from {
		t.Fatalf("prepare = %+v, %v; want signed by %s", res, err, k.from)
	}
	k.broadcast(id)
	k.commit(1)
	if aw, err := k.await(id); err != nil || !aw.Included {
		t.Fatalf("await = %+v, %v", aw, err)
	}
	if c, err := k.confirm(t.Context(), id, 1); err != nil || !c.Confirmed {
		t.Fatalf("confirm = %+v, %v", c, err)
	}
	tx, _, err := k.client().TransactionByHash(t.Context(), common.HexToHash(res.TxHash))
	if err != nil {
		t.Fatal(err)
	}
	if sender, err := types.Sender(types.LatestSignerForChainID(big.NewInt(1337)), tx); err != nil || sender.Hex() != k.from {
		t.Fatalf("sender %s, %v; want %s", sender.Hex(), err, k.from)
	}
}

// A KMS outage during signing is an error Temporal retries, with nothing
// stored and no nonce taken; once KMS is back the next attempt signs nonce
// 0, so the signer has no gap.
func TestKMSOutageDuringSigningRetriesWithoutAGap(t *testing.T) {
	k := newKMSSim(t)
	if err := deploy.CheckSigners(t.Context(), k.a); err != nil { // resolves and caches the address
		t.Fatal(err)
	}
	id := k.deployment(k.user("paid"))
	k.kms.Stop()
	_, err := k.prepare(id, tinyInitCode)
	if err == nil || !isRetryable(err) {
		t.Fatalf("prepare during the outage: %v; want a retryable error", err)
	}
	if n := k.countTxs(); n != 0 {
		t.Fatalf("%d transactions stored during the outage", n)
	}
	if err := k.kms.Restart(t.Context()); err != nil {
		t.Fatal(err)
	}
	res, err := k.prepare(id, tinyInitCode)
	if err != nil || res.Nonce != 0 || res.Signer != k.from {
		t.Fatalf("prepare after the outage = %+v, %v; want nonce 0 from %s", res, err, k.from)
	}
}

// A key KMS refuses to use fails the deployment for good, naming the key,
// and rolls back the nonce and the spend reservation.
func TestKMSDeniedKeyFailsAndReleasesTheNonce(t *testing.T) {
	k := newKMSSim(t)
	if err := deploy.CheckSigners(t.Context(), k.a); err != nil {
		t.Fatal(err)
	}
	if _, err := k.kms.Client(t.Context()).DisableKey(t.Context(), &kms.DisableKeyInput{KeyId: aws.String(k.keyID)}); err != nil {
		t.Fatal(err)
	}
	id := k.deployment(k.user("paid"))
	_, err := k.prepare(id, tinyInitCode)
	if appErrType(err) != deployapi.ErrTypeConfig || !strings.Contains(err.Error(), "alias/deployer") {
		t.Fatalf("prepare with a disabled key: %v; want %s naming the key", err, deployapi.ErrTypeConfig)
	}
	if n := k.countTxs(); n != 0 {
		t.Fatalf("%d transactions stored", n)
	}
	var next int64 = -1
	if err := k.pool.QueryRow(t.Context(), "SELECT next_nonce FROM signer_nonces WHERE address = lower($1)", k.from).Scan(&next); !db.IsNotFound(err) {
		t.Fatalf("a nonce stayed allocated (next %d, %v)", next, err)
	}
	if _, err := db.New(k.pool).GetSpendReservation(t.Context(), id); !db.IsNotFound(err) {
		t.Fatalf("a reservation stayed: %v", err)
	}
}
