// Package spend is the one answer to "how much of a user's spend budget on
// a network is left": the API reads it to refuse a deployment that cannot
// fit and to show budgets (GetMe), and the deploy stage words its refusals
// with it. The accounting itself, reservations made when a deployment signs
// and settled when it ends, lives in Postgres (queries/spend.sql), where
// concurrent workers serialise on the user's spend lock.
package spend

import (
	"context"
	"fmt"
	"math/big"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/slipway-dev/slipway/activities/chain"
	"github.com/slipway-dev/slipway/db"
)

// Status is a user's budget on one network as it stands.
type Status struct {
	Network string
	// Limit is nil when no budget applies (neither the user, the network
	// nor the tier sets one).
	Limit  *big.Int
	Period time.Duration
	// Spent settled within the period; Reserved is held by deployments in
	// flight.
	Spent, Reserved *big.Int
	// ResetsAt is when the oldest settled spend leaves the period; zero
	// when nothing settled counts.
	ResetsAt time.Time
	// Override says the limit is the user's own (slipway users set-budget).
	Override bool
}

// Used is what counts against the limit.
func (s Status) Used() *big.Int { return new(big.Int).Add(s.Spent, s.Reserved) }

// Remaining is what is left of the limit (never below zero), nil without a
// limit.
func (s Status) Remaining() *big.Int {
	if s.Limit == nil {
		return nil
	}
	r := new(big.Int).Sub(s.Limit, s.Used())
	if r.Sign() < 0 {
		r.SetInt64(0)
	}
	return r
}

// Exhausted reports a budget with nothing left.
func (s Status) Exhausted() bool {
	r := s.Remaining()
	return r != nil && r.Sign() == 0
}

// Describe words the budget for refusals: the limit, the period, what is
// used and left, and when it frees up.
func (s Status) Describe() string {
	if s.Limit == nil {
		return fmt.Sprintf("no spend budget on %s", s.Network)
	}
	msg := fmt.Sprintf("spend budget on %s: %s wei per %s, %s wei used or reserved, %s wei left", s.Network, s.Limit, s.Period, s.Used(), s.Remaining())
	switch {
	case !s.ResetsAt.IsZero():
		msg += fmt.Sprintf("; spend starts to free up at %s", s.ResetsAt.UTC().Format(time.RFC3339))
	case s.Reserved.Sign() > 0:
		msg += "; reservations free up as deployments in flight end"
	}
	return msg
}

// Lookup reads user's budget status on n: the user's override, else the
// network's or tier's default (cfg.DefaultBudget).
func Lookup(ctx context.Context, q *db.Queries, cfg chain.Config, user uuid.UUID, tier string, n chain.Network) (Status, error) {
	st := Status{Network: n.Name, Spent: new(big.Int), Reserved: new(big.Int)}
	overrides, err := q.ListSpendBudgets(ctx, user)
	if err != nil {
		return Status{}, fmt.Errorf("read spend budgets: %w", err)
	}
	for _, o := range overrides {
		if o.Network == n.Name {
			st.Limit, st.Period, st.Override = WeiOf(o.LimitWei), time.Duration(o.PeriodSeconds)*time.Second, true
		}
	}
	if !st.Override {
		if b := cfg.DefaultBudget(tier, n); b != nil {
			st.Limit, st.Period = new(big.Int).Set(&b.Wei.Int), time.Duration(b.Period)
		} else {
			st.Period = 24 * time.Hour // what the accounts show usage over
		}
	}
	u, err := q.GetSpendUsage(ctx, db.GetSpendUsageParams{UserID: user, Network: n.Name, PeriodSeconds: int64(st.Period / time.Second)})
	if err != nil {
		return Status{}, fmt.Errorf("read spend usage: %w", err)
	}
	st.Spent, st.Reserved = WeiOf(u.SpentWei), WeiOf(u.ReservedWei)
	if u.OldestSpendUnix > 0 {
		st.ResetsAt = time.Unix(u.OldestSpendUnix, 0).Add(st.Period)
	}
	return st, nil
}

// Defaults are the arguments of ReserveSpend and RaiseSpendReservation that
// stand for the tier's or network's budget when the user has none of their
// own: a null limit is no budget.
func Defaults(cfg chain.Config, tier string, n chain.Network) (limit pgtype.Numeric, periodSeconds int64) {
	b := cfg.DefaultBudget(tier, n)
	if b == nil {
		return pgtype.Numeric{}, int64(24 * time.Hour / time.Second)
	}
	return db.Wei(&b.Wei.Int), int64(time.Duration(b.Period) / time.Second)
}

// WeiOf reads a numeric wei column, zero for NULL.
func WeiOf(n pgtype.Numeric) *big.Int {
	if v := db.WeiInt(n); v != nil {
		return v
	}
	return new(big.Int)
}
