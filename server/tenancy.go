package server

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"connectrpc.com/connect"
	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"
	"google.golang.org/protobuf/types/known/durationpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/spend"
	slipwayv1 "github.com/slipway-dev/slipway/proto/slipway/v1"
	"github.com/slipway-dev/slipway/server/deployments"
	"github.com/slipway-dev/slipway/server/identity"
)

// Tenancy is what the API enforces of the networks file's tier policies
// before any work starts: which tiers may use a network, a user's spend
// budget there, and how many deployments and builds a user may have in
// flight. The deploy stage enforces the rest (the gas ceiling, and the
// budget against each deployment's actual worst case) where the figures
// are known, before signing.
type Tenancy struct {
	pool *pgxpool.Pool
	cfg  chain.Config
}

// Tenancy is what CreateDeployment enforces of the tier policies.
var _ deployments.Tenancy = (*Tenancy)(nil)

// NewTenancy enforces cfg's policies with the accounts in pool.
func NewTenancy(pool *pgxpool.Pool, cfg chain.Config) *Tenancy {
	return &Tenancy{pool: pool, cfg: cfg}
}

// Retry-After of quota refusals, whose end no one can know: a deployment
// or a build usually ends within seconds.
const (
	deploymentsRetryAfter = 15 * time.Second
	buildsRetryAfter      = 5 * time.Second
	// buildSlotTTL bounds how long a build holds its slot should the API
	// replica running it die: longer than any compile the API waits for.
	buildSlotTTL = 5 * time.Minute
)

// exhausted is a resource_exhausted refusal with a Retry-After, as the
// rate limiter answers: clients already wait and retry on it.
func exhausted(retryAfter time.Duration, format string, args ...any) error {
	ce := connect.NewError(connect.CodeResourceExhausted, fmt.Errorf(format, args...))
	ce.Meta().Set("Retry-After", strconv.Itoa(max(1, int(math.Ceil(retryAfter.Seconds())))))
	return ce
}

// userTier reads the user's tier fresh: an upgrade or downgrade takes
// effect on the next request, as it does for rate limits.
func userTier(ctx context.Context, q *db.Queries, user uuid.UUID) (string, error) {
	u, err := q.GetUserByID(ctx, user)
	if err != nil {
		return "", fmt.Errorf("read user: %w", err)
	}
	return u.Tier, nil
}

// network answers the configured network named name.
func (t *Tenancy) network(name string) (chain.Network, bool) { return t.cfg.Lookup(name) }

// Admit checks, before a deployment to network is recorded, that the
// user's tier may use it and that their budget there is not used up. It
// answers the user's tier for the in-flight check (deployments.Tenancy).
func (t *Tenancy) Admit(ctx context.Context, user uuid.UUID, network string) (string, error) {
	q := db.New(t.pool)
	tier, err := userTier(ctx, q, user)
	if err != nil {
		return "", err
	}
	n, ok := t.network(network)
	if !ok {
		return tier, nil // the API's own network list refused unknown names already
	}
	if !n.AllowsTier(tier) {
		return "", connect.NewError(connect.CodePermissionDenied, fmt.Errorf("network %q is not open to the %s tier", network, tier))
	}
	st, err := spend.Lookup(ctx, q, t.cfg, user, tier, n)
	if err != nil {
		return "", err
	}
	if st.Exhausted() {
		retry := time.Until(st.ResetsAt)
		if st.ResetsAt.IsZero() {
			retry = deploymentsRetryAfter
		}
		return "", exhausted(retry, "budget exhausted: %s", st.Describe())
	}
	return tier, nil
}

// CheckInFlight refuses a deployment beyond the tier's cap of deployments
// in flight, on the transaction that records it: the user's quota lock
// makes concurrent requests count each other (deployments.Tenancy).
func (t *Tenancy) CheckInFlight(ctx context.Context, q *db.Queries, user uuid.UUID, tier string) error {
	limit := t.cfg.Tier(tier).MaxDeploymentsInFlight
	if limit <= 0 {
		return nil
	}
	if err := q.LockUserQuota(ctx, user); err != nil {
		return fmt.Errorf("lock quota: %w", err)
	}
	n, err := q.CountDeploymentsInFlight(ctx, user)
	if err != nil {
		return fmt.Errorf("count deployments in flight: %w", err)
	}
	if n >= int64(limit) {
		return exhausted(deploymentsRetryAfter, "too many deployments in flight: %d, the %s tier allows %d; try again when one has ended", n, tier, limit)
	}
	return nil
}

// allowedTier reports whether the caller's tier may use network n. Without
// tenancy every network is open.
func (t *Tenancy) allowedTier(tier string, n Network) (uint64, bool) {
	if t == nil {
		return 0, true
	}
	cn, ok := t.network(n.Name)
	if !ok {
		return 0, true
	}
	return t.cfg.GasCeiling(tier, cn), cn.AllowsTier(tier)
}

// Budgets answers the user's budget on every network their tier may use,
// for GetMe.
func (t *Tenancy) Budgets(ctx context.Context, user uuid.UUID) ([]*slipwayv1.Budget, error) {
	q := db.New(t.pool)
	tier, err := userTier(ctx, q, user)
	if err != nil {
		return nil, err
	}
	var out []*slipwayv1.Budget
	for _, n := range t.cfg.Networks {
		if !n.AllowsTier(tier) {
			continue
		}
		st, err := spend.Lookup(ctx, q, t.cfg, user, tier, n)
		if err != nil {
			return nil, err
		}
		b := &slipwayv1.Budget{
			Network: n.Name, SpentWei: st.Spent.String(), ReservedWei: st.Reserved.String(),
			Period: durationpb.New(st.Period),
		}
		if st.Limit != nil {
			b.LimitWei = st.Limit.String()
		}
		if !st.ResetsAt.IsZero() {
			b.ResetsAt = timestamppb.New(st.ResetsAt)
		}
		out = append(out, b)
	}
	return out, nil
}

// Builds wraps a Compiler and an Auditor so that each user has at most the
// tier's MaxBuildsInFlight compile and audit runs at once, across replicas:
// a slot row in Postgres per run, taken under the user's quota lock and
// expiring by itself should its replica die.
func (t *Tenancy) Builds(c Compiler, a Auditor) (Compiler, Auditor) {
	q := quotaBuilds{t, c, a}
	return q, q
}

// quotaBuilds runs each compile and audit in one of the user's build slots.
type quotaBuilds struct {
	t *Tenancy
	c Compiler
	a Auditor
}

func (q quotaBuilds) Compile(ctx context.Context, req *slipwayv1.CompileContractRequest) (*slipwayv1.CompileContractResponse, error) {
	return inBuildSlot(ctx, q.t, func() (*slipwayv1.CompileContractResponse, error) { return q.c.Compile(ctx, req) })
}

func (q quotaBuilds) Audit(ctx context.Context, req *slipwayv1.AuditContractRequest) (*slipwayv1.AuditContractResponse, error) {
	return inBuildSlot(ctx, q.t, func() (*slipwayv1.AuditContractResponse, error) { return q.a.Audit(ctx, req) })
}

// inBuildSlot runs build while holding one of the caller's build slots.
func inBuildSlot[T any](ctx context.Context, t *Tenancy, build func() (*T, error)) (*T, error) {
	release, err := t.acquireBuild(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	return build()
}

// acquireBuild takes one of the caller's build slots, or refuses with
// resource_exhausted; the func it answers frees the slot.
func (t *Tenancy) acquireBuild(ctx context.Context) (func(), error) {
	p, ok := identity.FromContext(ctx)
	if !ok || p.UserID == uuid.Nil {
		return func() {}, nil // unauthenticated servers (tests) have no quotas
	}
	id := uuid.New()
	err := db.InTx(ctx, t.pool, func(q *db.Queries) error {
		tier, err := userTier(ctx, q, p.UserID)
		if err != nil {
			return err
		}
		limit := t.cfg.Tier(tier).MaxBuildsInFlight
		if limit <= 0 {
			id = uuid.Nil
			return nil
		}
		if err := q.LockUserQuota(ctx, p.UserID); err != nil {
			return fmt.Errorf("lock quota: %w", err)
		}
		n, err := q.CountBuildSlots(ctx, p.UserID)
		if err != nil {
			return fmt.Errorf("count builds in flight: %w", err)
		}
		if n >= int64(limit) {
			return exhausted(buildsRetryAfter, "too many compile and audit requests in flight: %d, the %s tier allows %d at once; try again when one has finished", n, tier, limit)
		}
		if err := q.InsertBuildSlot(ctx, db.InsertBuildSlotParams{ID: id, UserID: p.UserID, TtlSeconds: int64(buildSlotTTL / time.Second)}); err != nil {
			return fmt.Errorf("take build slot: %w", err)
		}
		return nil
	})
	if err != nil {
		var ce *connect.Error
		if errors.As(err, &ce) {
			return nil, ce
		}
		return nil, err
	}
	if id == uuid.Nil {
		return func() {}, nil
	}
	return func() {
		// Freed even when the request's context has ended: the slot
		// would otherwise be held until it expires.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		_ = db.New(t.pool).DeleteBuildSlot(ctx, db.DeleteBuildSlotParams{ID: id, UserID: p.UserID})
	}, nil
}

// SignerBalanceCheck is the readiness check of a network with a minimum
// signer balance: it fails while even the best-funded signer of the pool,
// as the workers last read it, is below the minimum, when new deployments
// there wait. The API reads the workers' figures from Postgres, so it needs
// no key to know the addresses.
func SignerBalanceCheck(pool *pgxpool.Pool, network string) func(context.Context) error {
	return func(ctx context.Context) error {
		b, err := db.New(pool).RichestSignerBalance(ctx, network)
		if db.IsNotFound(err) {
			return nil // no worker has read it yet: nothing known to be wrong
		}
		if err != nil {
			return fmt.Errorf("read signer balance: %w", err)
		}
		bal, floor := spend.WeiOf(b.BalanceWei), spend.WeiOf(b.MinBalanceWei)
		if bal.Cmp(floor) < 0 {
			return fmt.Errorf("signer %s holds %s wei, below the minimum of %s wei", b.Address, bal, floor)
		}
		return nil
	}
}
