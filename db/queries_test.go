package db_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"math/big"
	"math/rand/v2"
	"net/netip"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
	"github.com/slipway-dev/slipway/internal/status"
	"github.com/slipway-dev/slipway/internal/usertier"
)

func newQueries(t *testing.T) (*db.Queries, *pgxpool.Pool) {
	t.Helper()
	t.Parallel()
	pool := dbtest.New(t)
	return db.New(pool), pool
}

func createUser(t *testing.T, q *db.Queries, email string) db.User {
	t.Helper()
	u, err := q.CreateUser(context.Background(), db.CreateUserParams{Email: email, PasswordHash: "argon2id$x"})
	require.NoError(t, err)
	return u
}

// newDeployment creates a user with email and one deployment of theirs.
func newDeployment(t *testing.T, q *db.Queries, email string) db.Deployment {
	t.Helper()
	d, err := createDeployment(t, q, createUser(t, q, email).ID, "")
	require.NoError(t, err)
	return d
}

func createDeployment(t *testing.T, q db.Querier, userID uuid.UUID, key string) (db.Deployment, error) {
	t.Helper()
	id := uuid.New()
	return q.CreateDeployment(context.Background(), db.CreateDeploymentParams{
		ID:                    id,
		UserID:                userID,
		Network:               "dev",
		ContractName:          "Token",
		RequiredConfirmations: 2,
		CompilerVersion:       "0.8.28",
		WorkflowID:            "deployment-" + id.String(),
		Request:               []byte(`{"template":{"kind":"ERC20"}}`),
		IdempotencyKey:        key,
	})
}

func pgCode(err error) string {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return pgErr.Code
	}
	return ""
}

func TestUserEmailIsUniqueWhateverItsCase(t *testing.T) {
	q, _ := newQueries(t)
	ctx := context.Background()
	u := createUser(t, q, "Alice@Example.com")
	require.Equal(t, usertier.Free, u.Tier)
	require.Equal(t, "Alice@Example.com", u.Email, "the address is kept as typed")

	_, err := q.CreateUser(ctx, db.CreateUserParams{Email: "alice@example.COM", PasswordHash: "h"})
	require.True(t, db.IsUniqueViolation(err, db.ConstraintUserEmail), "got %v", err)

	got, err := q.GetUserByEmail(ctx, "ALICE@example.com")
	require.NoError(t, err)
	require.Equal(t, u.ID, got.ID)
	got, err = q.GetUserByID(ctx, u.ID)
	require.NoError(t, err)
	require.Equal(t, u.Email, got.Email)

	_, err = q.GetUserByEmail(ctx, "bob@example.com")
	require.True(t, db.IsNotFound(err))

	createUser(t, q, "bob@example.com")
}

func TestSetUserTierByEmail(t *testing.T) {
	q, _ := newQueries(t)
	ctx := context.Background()
	u := createUser(t, q, "carol@example.com")

	got, err := q.SetUserTierByEmail(ctx, db.SetUserTierByEmailParams{Email: "CAROL@example.com", Tier: usertier.Paid})
	require.NoError(t, err)
	require.Equal(t, usertier.Paid, got.Tier)
	require.False(t, got.UpdatedAt.Before(u.UpdatedAt))

	_, err = q.SetUserTierByEmail(ctx, db.SetUserTierByEmailParams{Email: "carol@example.com", Tier: "gold"})
	require.Equal(t, "23514", pgCode(err), "unknown tiers are refused: %v", err)
	_, err = q.SetUserTierByEmail(ctx, db.SetUserTierByEmailParams{Email: "nobody@example.com", Tier: usertier.Paid})
	require.True(t, db.IsNotFound(err))
}

func TestAPIKeys(t *testing.T) {
	q, _ := newQueries(t)
	ctx := context.Background()
	owner := createUser(t, q, "dave@example.com")
	other := createUser(t, q, "erin@example.com")

	k1, err := q.CreateAPIKey(ctx, db.CreateAPIKeyParams{UserID: owner.ID, Name: "ci", Prefix: "sk_aaaa", SecretHash: []byte{1}, Scopes: []string{"read"}})
	require.NoError(t, err)
	k2, err := q.CreateAPIKey(ctx, db.CreateAPIKeyParams{UserID: owner.ID, Name: "laptop", Prefix: "sk_bbbb", SecretHash: []byte{2}, Scopes: []string{"read"}})
	require.NoError(t, err)
	_, err = q.CreateAPIKey(ctx, db.CreateAPIKeyParams{UserID: other.ID, Name: "x", Prefix: "sk_aaaa", SecretHash: []byte{3}, Scopes: []string{"read"}})
	require.True(t, db.IsUniqueViolation(err, db.ConstraintAPIKeyPrefix), "got %v", err)

	keys, err := q.ListAPIKeysByUser(ctx, owner.ID)
	require.NoError(t, err)
	require.ElementsMatch(t, []uuid.UUID{k1.ID, k2.ID}, []uuid.UUID{keys[0].ID, keys[1].ID})
	keys, err = q.ListAPIKeysByUser(ctx, other.ID)
	require.NoError(t, err)
	require.Empty(t, keys)
	require.NotNil(t, keys, "empty lists are empty slices, not nil")

	row, err := q.GetAPIKeyByPrefix(ctx, "sk_aaaa")
	require.NoError(t, err)
	require.Equal(t, k1.ID, row.APIKey.ID)
	require.Equal(t, []byte{1}, row.APIKey.SecretHash)
	require.Equal(t, usertier.Free, row.UserTier)

	// Batched last-used times never move backwards.
	t1 := time.Now().UTC().Truncate(time.Microsecond)
	require.NoError(t, q.TouchAPIKeysLastUsed(ctx, db.TouchAPIKeysLastUsedParams{Ids: []uuid.UUID{k1.ID, k2.ID}, UsedAt: t1}))
	require.NoError(t, q.TouchAPIKeysLastUsed(ctx, db.TouchAPIKeysLastUsedParams{Ids: []uuid.UUID{k1.ID}, UsedAt: t1.Add(-time.Hour)}))
	keys, err = q.ListAPIKeysByUser(ctx, owner.ID)
	require.NoError(t, err)
	for _, k := range keys {
		require.NotNil(t, k.LastUsedAt)
		require.True(t, t1.Equal(*k.LastUsedAt), "last used %v, want %v", *k.LastUsedAt, t1)
	}

	// Revocation is scoped to the owner and takes effect at once.
	n, err := q.RevokeAPIKey(ctx, db.RevokeAPIKeyParams{ID: k1.ID, UserID: other.ID})
	require.NoError(t, err)
	require.Zero(t, n, "another user cannot revoke the key")
	n, err = q.RevokeAPIKey(ctx, db.RevokeAPIKeyParams{ID: k1.ID, UserID: owner.ID})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	_, err = q.GetAPIKeyByPrefix(ctx, "sk_aaaa")
	require.True(t, db.IsNotFound(err), "a revoked key no longer authenticates")
	keys, err = q.ListAPIKeysByUser(ctx, owner.ID)
	require.NoError(t, err)
	require.Len(t, keys, 1)
	require.Equal(t, k2.ID, keys[0].ID)
	n, err = q.RevokeAPIKey(ctx, db.RevokeAPIKeyParams{ID: k1.ID, UserID: owner.ID})
	require.NoError(t, err)
	require.EqualValues(t, 1, n, "revoking twice is not an error")
}

func TestSessionsAndRefreshTokens(t *testing.T) {
	q, _ := newQueries(t)
	ctx := context.Background()
	u := createUser(t, q, "frank@example.com")
	now := time.Now()
	ip := netip.MustParseAddr("203.0.113.7")
	s, err := q.CreateSession(ctx, db.CreateSessionParams{
		UserID:            u.ID,
		IdleExpiresAt:     now.Add(24 * time.Hour),
		AbsoluteExpiresAt: now.Add(30 * 24 * time.Hour),
		UserAgent:         "curl/8",
		IP:                &ip,
	})
	require.NoError(t, err)
	require.Equal(t, ip, *s.IP)

	first, err := q.CreateRefreshToken(ctx, db.CreateRefreshTokenParams{SessionID: s.ID, TokenHash: []byte("h1"), ExpiresAt: now.Add(time.Hour)})
	require.NoError(t, err)
	require.Nil(t, first.ParentID)

	got, err := q.GetRefreshTokenByHash(ctx, []byte("h1"))
	require.NoError(t, err)
	require.Equal(t, first.ID, got.RefreshToken.ID)
	require.Equal(t, u.ID, got.Session.UserID)
	require.Nil(t, got.RefreshToken.UsedAt)

	// Many refreshes race with the same token: exactly one wins.
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			n, err := q.MarkRefreshTokenUsed(ctx, db.MarkRefreshTokenUsedParams{ID: first.ID, UsedAt: time.Now()})
			assert.NoError(t, err)
			wins.Add(int32(n))
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, wins.Load())
	n, err := q.MarkRefreshTokenUsed(ctx, db.MarkRefreshTokenUsedParams{ID: first.ID, UsedAt: time.Now()})
	require.NoError(t, err)
	require.Zero(t, n, "a used token cannot be claimed again")

	second, err := q.CreateRefreshToken(ctx, db.CreateRefreshTokenParams{SessionID: s.ID, ParentID: &first.ID, TokenHash: []byte("h2"), ExpiresAt: now.Add(time.Hour)})
	require.NoError(t, err)
	require.Equal(t, first.ID, *second.ParentID)
	_, err = q.CreateRefreshToken(ctx, db.CreateRefreshTokenParams{SessionID: s.ID, TokenHash: []byte("h2"), ExpiresAt: now.Add(time.Hour)})
	require.True(t, db.IsUniqueViolation(err, db.ConstraintRefreshTokenHash))

	// Sliding the idle expiry never passes the absolute one.
	n, err = q.TouchSession(ctx, db.TouchSessionParams{ID: s.ID, LastUsedAt: now, IdleExpiresAt: now.Add(365 * 24 * time.Hour)})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	auth, err := q.GetSessionForAuth(ctx, s.ID)
	require.NoError(t, err)
	require.True(t, auth.IdleExpiresAt.Equal(auth.AbsoluteExpiresAt))
	require.Nil(t, auth.RevokedAt)

	// Reuse detection revokes the family; the first reason sticks.
	n, err = q.RevokeSession(ctx, db.RevokeSessionParams{ID: s.ID, Reason: "refresh token reused"})
	require.NoError(t, err)
	require.EqualValues(t, 1, n)
	_, err = q.RevokeSession(ctx, db.RevokeSessionParams{ID: s.ID, Reason: "logout"})
	require.NoError(t, err)
	auth, err = q.GetSessionForAuth(ctx, s.ID)
	require.NoError(t, err)
	require.NotNil(t, auth.RevokedAt)
	got, err = q.GetRefreshTokenByHash(ctx, []byte("h2"))
	require.NoError(t, err)
	require.Equal(t, "refresh token reused", *got.Session.RevokeReason)
	n, err = q.TouchSession(ctx, db.TouchSessionParams{ID: s.ID, LastUsedAt: now, IdleExpiresAt: now})
	require.NoError(t, err)
	require.Zero(t, n, "a revoked session is not extended")

	// Revoking all of a user's sessions counts only live ones.
	for range 3 {
		_, err := q.CreateSession(ctx, db.CreateSessionParams{UserID: u.ID, IdleExpiresAt: now.Add(time.Hour), AbsoluteExpiresAt: now.Add(time.Hour)})
		require.NoError(t, err)
	}
	n, err = q.RevokeSessionsByUser(ctx, db.RevokeSessionsByUserParams{UserID: u.ID, Reason: "password changed"})
	require.NoError(t, err)
	require.EqualValues(t, 3, n)
}

func TestDeploymentIdempotencyKeyIsPerUser(t *testing.T) {
	q, _ := newQueries(t)
	ctx := context.Background()
	alice := createUser(t, q, "alice@example.com")
	bob := createUser(t, q, "bob@example.com")

	d1, err := createDeployment(t, q, alice.ID, "key-1")
	require.NoError(t, err)
	require.Equal(t, status.Pending, d1.Status)
	require.Equal(t, "key-1", *d1.IdempotencyKey)

	_, err = createDeployment(t, q, alice.ID, "key-1")
	require.ErrorIs(t, err, pgx.ErrNoRows, "the same user's key does not create a second deployment")
	again, err := q.GetDeploymentByIdempotencyKey(ctx, db.GetDeploymentByIdempotencyKeyParams{UserID: alice.ID, IdempotencyKey: "key-1"})
	require.NoError(t, err)
	require.Equal(t, d1.ID, again.ID)

	d2, err := createDeployment(t, q, bob.ID, "key-1")
	require.NoError(t, err, "another user's equal key is unrelated")
	require.NotEqual(t, d1.ID, d2.ID)

	// No key: every request creates.
	e1, err := createDeployment(t, q, alice.ID, "")
	require.NoError(t, err)
	e2, err := createDeployment(t, q, alice.ID, "")
	require.NoError(t, err)
	require.NotEqual(t, e1.ID, e2.ID)
	require.Nil(t, e1.IdempotencyKey)

	// Racing requests with one key: exactly one deployment.
	var created atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			_, err := createDeployment(t, q, bob.ID, "race")
			if err == nil {
				created.Add(1)
			} else {
				assert.ErrorIs(t, err, pgx.ErrNoRows)
			}
		})
	}
	wg.Wait()
	require.EqualValues(t, 1, created.Load())

	_, err = q.GetDeploymentForUser(ctx, db.GetDeploymentForUserParams{ID: d1.ID, UserID: bob.ID})
	require.True(t, db.IsNotFound(err), "another user's deployment is not found")
	got, err := q.GetDeploymentForUser(ctx, db.GetDeploymentForUserParams{ID: d1.ID, UserID: alice.ID})
	require.NoError(t, err)
	require.JSONEq(t, `{"template":{"kind":"ERC20"}}`, string(got.Request))
}

func TestListDeploymentsKeysetPagination(t *testing.T) {
	q, pool := newQueries(t)
	ctx := context.Background()
	alice := createUser(t, q, "alice@example.com")
	bob := createUser(t, q, "bob@example.com")

	var want []uuid.UUID
	wantFailed := map[uuid.UUID]bool{}
	// Half in one transaction, so they share created_at and only the id
	// orders them; half one by one.
	require.NoError(t, db.InTx(ctx, pool, func(tq *db.Queries) error {
		for range 23 {
			d, err := createDeployment(t, tq, alice.ID, "")
			if err != nil {
				return err
			}
			want = append(want, d.ID)
		}
		return nil
	}))
	for i := range 24 {
		d, err := createDeployment(t, q, alice.ID, "")
		require.NoError(t, err)
		want = append(want, d.ID)
		if i%3 == 0 {
			_, err := q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: status.Failed})
			require.NoError(t, err)
			wantFailed[d.ID] = true
		}
		_, err = createDeployment(t, q, bob.ID, "")
		require.NoError(t, err)
	}

	page := func(status *string) []db.Deployment {
		var all []db.Deployment
		var after *db.Deployment
		for pages := 0; ; pages++ {
			require.Less(t, pages, 100, "pagination does not end")
			p := db.ListDeploymentsForUserParams{UserID: alice.ID, Status: status, PageSize: 5}
			if after != nil {
				p.BeforeCreatedAt, p.BeforeID = &after.CreatedAt, &after.ID
			}
			rows, err := q.ListDeploymentsForUser(ctx, p)
			require.NoError(t, err)
			all = append(all, rows...)
			if len(rows) < int(p.PageSize) {
				return all
			}
			after = &rows[len(rows)-1]
		}
	}

	all := page(nil)
	var got []uuid.UUID
	for i, d := range all {
		require.Equal(t, alice.ID, d.UserID)
		got = append(got, d.ID)
		if i > 0 {
			prev := all[i-1]
			newer := prev.CreatedAt.After(d.CreatedAt) ||
				(prev.CreatedAt.Equal(d.CreatedAt) && bytes.Compare(prev.ID[:], d.ID[:]) > 0)
			require.True(t, newer, "rows %d and %d out of order", i-1, i)
		}
	}
	require.Len(t, got, len(want), "every row exactly once")
	require.ElementsMatch(t, want, got)

	failed := status.Failed
	var gotFailed []uuid.UUID
	for _, d := range page(&failed) {
		require.Equal(t, status.Failed, d.Status)
		gotFailed = append(gotFailed, d.ID)
	}
	require.Len(t, gotFailed, len(wantFailed))
	for _, id := range gotFailed {
		require.True(t, wantFailed[id])
	}
}

func TestUpdateDeploymentProgress(t *testing.T) {
	q, _ := newQueries(t)
	ctx := context.Background()
	d := newDeployment(t, q, "gina@example.com")

	high := int32(1)
	_, err := q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: status.Linting, LintHigh: &high})
	require.NoError(t, err)

	addr := "0x5FbDB2315678afecb367f032d93F642f64180aa3"
	tx := "0x" + strings.Repeat("ab", 32)
	gas, block, conf := int64(512345), int64(17), int32(1)
	price, _ := new(big.Int).SetString("57896044618658097711785492504343953926634992332820282019728792003956564819968", 10) // 2^255
	fee := new(big.Int).Mul(big.NewInt(512345), big.NewInt(1_000_000_007))
	got, err := q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{
		ID: d.ID, Status: status.Confirming,
		ContractAddress: &addr, TxHash: &tx, GasUsed: &gas, BlockNumber: &block, Confirmations: &conf,
		EffectiveGasPrice: db.Wei(price), FeePaid: db.Wei(fee),
	})
	require.NoError(t, err)
	require.Equal(t, status.Confirming, got.Status)
	require.Equal(t, addr, got.ContractAddress)
	require.Equal(t, tx, got.TxHash)
	require.Equal(t, gas, got.GasUsed)
	require.EqualValues(t, 1, got.LintHigh, "fields left NULL keep their values")
	require.Equal(t, "Token", got.ContractName)
	require.Equal(t, price.String(), db.WeiString(got.EffectiveGasPrice))
	require.Equal(t, fee.String(), db.WeiString(got.FeePaid))
	require.True(t, got.UpdatedAt.After(d.UpdatedAt))

	bad := "0xnothex"
	_, err = q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: status.Confirming, TxHash: &bad})
	require.Equal(t, "23514", pgCode(err), "malformed hashes are refused: %v", err)
	_, err = q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: "DONE"})
	require.Equal(t, "23514", pgCode(err), "unknown statuses are refused: %v", err)

	conf = 2
	_, err = q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: status.Confirmed, Confirmations: &conf})
	require.NoError(t, err)
	// An ended deployment keeps its status: a late activity cannot revive
	// or fail it, though it may repeat the final update.
	_, err = q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: status.Deploying})
	require.True(t, db.IsNotFound(err))
	msg := "late failure"
	_, err = q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: status.Failed, Error: &msg})
	require.True(t, db.IsNotFound(err))
	got, err = q.UpdateDeploymentProgress(ctx, db.UpdateDeploymentProgressParams{ID: d.ID, Status: status.Confirmed})
	require.NoError(t, err)
	require.Equal(t, status.Confirmed, got.Status)
	require.Empty(t, got.Error)
	require.EqualValues(t, 2, got.Confirmations)
}

// Concurrent appends get gap-free seqs from 1, and a follower that only
// ever asks for "after the last seq I saw" sees every event exactly once.
func TestDeploymentEventSeqsUnderConcurrentAppends(t *testing.T) {
	q, pool := newQueries(t)
	ctx := context.Background()
	d := newDeployment(t, q, "hal@example.com")

	const writers, each = 6, 25
	const total = writers * each
	followed := make(chan error, 1)
	go func() {
		followed <- func() error {
			deadline := time.Now().Add(60 * time.Second)
			var last int32
			for last < total {
				if time.Now().After(deadline) {
					return fmt.Errorf("follower stuck after seq %d", last)
				}
				events, err := q.ListDeploymentEventsAfter(ctx, db.ListDeploymentEventsAfterParams{DeploymentID: d.ID, AfterSeq: last, MaxEvents: 50})
				if err != nil {
					return err
				}
				for _, e := range events {
					if e.Seq != last+1 {
						return fmt.Errorf("follower saw seq %d right after %d", e.Seq, last)
					}
					last = e.Seq
				}
			}
			return nil
		}()
	}()

	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				// Hold the transaction open a little after appending, so
				// that commit order would differ from seq order if it
				// could.
				err := db.InTx(ctx, pool, func(tq *db.Queries) error {
					_, err := tq.AppendDeploymentEvent(ctx, db.AppendDeploymentEventParams{
						DeploymentID: d.ID,
						Status:       status.Deploying,
						Message:      fmt.Sprintf("writer %d event %d", w, i),
					})
					time.Sleep(time.Duration(rand.IntN(800)) * time.Microsecond)
					return err
				})
				assert.NoError(t, err)
			}
		})
	}
	wg.Wait()
	require.NoError(t, <-followed)

	events, err := q.ListDeploymentEventsAfter(ctx, db.ListDeploymentEventsAfterParams{DeploymentID: d.ID, AfterSeq: 0, MaxEvents: total + 10})
	require.NoError(t, err)
	require.Len(t, events, total)
	seqs := make([]int32, 0, total)
	for _, e := range events {
		seqs = append(seqs, e.Seq)
		require.JSONEq(t, `{}`, string(e.Details))
	}
	wantSeqs := make([]int32, total)
	for i := range wantSeqs {
		wantSeqs[i] = int32(i + 1)
	}
	require.Equal(t, wantSeqs, seqs)
	require.True(t, slices.IsSorted(seqs))

	got, err := q.GetDeployment(ctx, d.ID)
	require.NoError(t, err)
	require.EqualValues(t, total, got.LastEventSeq)

	page, err := q.ListDeploymentEventsAfter(ctx, db.ListDeploymentEventsAfterParams{DeploymentID: d.ID, AfterSeq: 140, MaxEvents: 5})
	require.NoError(t, err)
	require.Len(t, page, 5)
	require.EqualValues(t, 141, page[0].Seq)

	_, err = q.AppendDeploymentEvent(ctx, db.AppendDeploymentEventParams{DeploymentID: uuid.New(), Status: status.Pending})
	require.True(t, db.IsNotFound(err), "no events for unknown deployments")
	e, err := q.AppendDeploymentEvent(ctx, db.AppendDeploymentEventParams{
		DeploymentID: d.ID, Status: status.Confirming, Confirmations: 1,
		Details: []byte(`{"blockNumber": 17}`),
	})
	require.NoError(t, err)
	require.EqualValues(t, total+1, e.Seq)
	require.JSONEq(t, `{"blockNumber": 17}`, string(e.Details))
}

func TestAuditLogIsAppendOnly(t *testing.T) {
	q, pool := newQueries(t)
	ctx := context.Background()
	u := createUser(t, q, "ivy@example.com")
	ip := netip.MustParseAddr("2001:db8::1")
	since := time.Now().Add(-time.Minute)

	var ids []int64
	for i := range 3 {
		row, err := q.InsertAuditLog(ctx, db.InsertAuditLogParams{
			ActorUserID: &u.ID, ActorKind: db.ActorUser, Action: fmt.Sprintf("apikey.create.%d", i),
			ResourceType: "api_key", ResourceID: "k", ClientIP: &ip, UserAgent: "ua", RequestID: "req",
		})
		require.NoError(t, err)
		ids = append(ids, row.ID)
	}
	sys, err := q.InsertAuditLog(ctx, db.InsertAuditLogParams{ActorKind: db.ActorSystem, Action: "migrate", Details: []byte(`{"version": 6}`)})
	require.NoError(t, err)
	require.Nil(t, sys.ActorUserID)
	require.Nil(t, sys.ClientIP)

	rows, err := q.ListAuditLogsByUserSince(ctx, db.ListAuditLogsByUserSinceParams{ActorUserID: u.ID, Since: since, MaxRows: 2})
	require.NoError(t, err)
	require.Len(t, rows, 2)
	require.Equal(t, ids[:2], []int64{rows[0].ID, rows[1].ID})
	require.Equal(t, ip, *rows[0].ClientIP)
	rows, err = q.ListAuditLogsByUserSince(ctx, db.ListAuditLogsByUserSinceParams{ActorUserID: u.ID, Since: rows[1].CreatedAt, AfterID: rows[1].ID, MaxRows: 10})
	require.NoError(t, err)
	require.Len(t, rows, 1)
	require.Equal(t, ids[2], rows[0].ID)

	for _, stmt := range []string{
		"UPDATE audit_logs SET action = 'forged'",
		"DELETE FROM audit_logs",
		"DELETE FROM audit_logs WHERE id = " + fmt.Sprint(ids[0]),
		"TRUNCATE audit_logs",
	} {
		_, err := pool.Exec(ctx, stmt)
		require.Error(t, err, stmt)
		require.Equal(t, "42501", pgCode(err), "%s: %v", stmt, err)
		require.ErrorContains(t, err, "append-only")
	}
	var n int
	require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM audit_logs WHERE action NOT LIKE 'forged'").Scan(&n))
	require.Equal(t, 4, n)
}

func TestWei(t *testing.T) {
	require.Empty(t, db.WeiString(db.Wei(nil)))
	n := db.Wei(big.NewInt(12))
	n.Exp = 3
	require.Equal(t, "12000", db.WeiString(n))
}
