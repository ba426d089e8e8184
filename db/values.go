package db

import (
	"errors"
	"math/big"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgtype"
)

// Actor kinds of audit_logs rows: who acted.
const (
	ActorUser   = "user"
	ActorAPIKey = "api_key"
	// ActorOperator is a person at the admin command line (slipway users …).
	ActorOperator  = "operator"
	ActorSystem    = "system"
	ActorAnonymous = "anonymous"
)

// Names of unique constraints and indexes, for telling which uniqueness a
// failed insert broke (IsUniqueViolation).
const (
	ConstraintUserEmail            = "users_email_lower_key"
	ConstraintAPIKeyPrefix         = "api_keys_prefix_key"
	ConstraintRefreshTokenHash     = "refresh_tokens_token_hash_key"
	ConstraintDeploymentWorkflowID = "deployments_workflow_id_key"
)

// IsNotFound reports whether err is a query that answered no row, which
// handlers turn into not_found.
func IsNotFound(err error) bool {
	return errors.Is(err, pgx.ErrNoRows)
}

// IsUniqueViolation reports whether err is a unique violation of the named
// constraint (of any, when constraint is empty), which handlers turn into
// already_exists rather than a 500.
func IsUniqueViolation(err error, constraint string) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.Code != "23505" {
		return false
	}
	return constraint == "" || pgErr.ConstraintName == constraint
}

// Wei converts an amount of wei for the numeric(78,0) columns
// (effective_gas_price, fee_paid); nil stands for unknown and stores NULL.
func Wei(v *big.Int) pgtype.Numeric {
	if v == nil {
		return pgtype.Numeric{}
	}
	return pgtype.Numeric{Int: new(big.Int).Set(v), Valid: true}
}

// WeiString renders a wei column as the API's decimal string; NULL renders
// as "".
func WeiString(n pgtype.Numeric) string {
	v := WeiInt(n)
	if v == nil {
		return ""
	}
	return v.String()
}

// WeiInt reads a wei column as the integer it holds, nil for NULL. Never
// read the Numeric's Int alone: pgx moves trailing zeros into Exp, so 2e9
// arrives as Int 2, Exp 9.
func WeiInt(n pgtype.Numeric) *big.Int {
	if !n.Valid || n.NaN || n.Int == nil {
		return nil
	}
	v := new(big.Int).Set(n.Int)
	switch {
	case n.Exp > 0:
		v.Mul(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(n.Exp)), nil))
	case n.Exp < 0:
		// Wei columns have scale 0; drop any fraction rather than invent one.
		v.Quo(v, new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(-n.Exp)), nil))
	}
	return v
}
