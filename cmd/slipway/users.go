package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/big"
	"os"
	"os/user"
	"regexp"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipway-dev/slipway/activities/chain"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/userrole"
	"github.com/slipway-dev/slipway/internal/usertier"
	"github.com/slipway-dev/slipway/server/auth"
)

func runUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) > 0 && args[0] == "set-budget" {
		return runSetBudget(ctx, args[1:], stdout, stderr)
	}
	if len(args) > 0 && args[0] == "set-role" {
		return runSetRole(ctx, args[1:], stdout, stderr)
	}
	if len(args) == 0 || args[0] != "set-tier" {
		return fmt.Errorf("%w: usage: slipway users set-tier --email E --tier free|paid, slipway users set-role --email E --role deployer|approver|admin, or slipway users set-budget --email E --network N --wei W --period 24h", errUsage)
	}
	fs := newFlagSet("users set-tier", stderr)
	dsn := registerDatabaseFlags(fs)
	email := fs.String("email", "", "the user's email")
	tier := fs.String("tier", "", "free or paid")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	if !usertier.Valid(*tier) {
		return fmt.Errorf("%w: --tier %q: want free or paid", errUsage, *tier)
	}
	pool, err := connectDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	var u db.User
	err = changeUser(ctx, pool, *email, "set tier", "user.tier_changed", func(q *db.Queries, before db.User) (map[string]string, error) {
		var err error
		u, err = q.SetUserTierByEmail(ctx, db.SetUserTierByEmailParams{Email: *email, Tier: *tier})
		return map[string]string{"from": before.Tier, "to": *tier}, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s is now on the %s tier\n", u.Email, u.Tier)
	return nil
}

// runSetRole gives a user a role. It is how the first admin is made, and
// the way back should no admin be left: unlike UserService.SetUserRole it
// may demote the last admin, since whoever runs it holds the database.
// Requests see the new role within the auth caches' few seconds.
func runSetRole(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("users set-role", stderr)
	dsn := registerDatabaseFlags(fs)
	email := fs.String("email", "", "the user's email")
	role := fs.String("role", "", "deployer, approver or admin")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	if !userrole.Valid(*role) {
		return fmt.Errorf("%w: --role %q: want %s", errUsage, *role, strings.Join(userrole.Names(), ", "))
	}
	pool, err := connectDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	var u db.User
	err = changeUser(ctx, pool, *email, "set role", auth.ActionRoleChanged, func(q *db.Queries, before db.User) (map[string]string, error) {
		var err error
		u, err = q.SetUserRoleByEmail(ctx, db.SetUserRoleByEmailParams{Email: *email, Role: *role})
		return map[string]string{"from": before.Role, "to": *role}, err
	})
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s now has the %s role\n", u.Email, u.Role)
	return nil
}

// changeUser finds the user with email and makes change to it, and writes
// the audit row of action with the details change answers and the
// operator: together or not at all, in one transaction. An unknown email is
// a usage error; what names the command in other errors.
func changeUser(ctx context.Context, pool *pgxpool.Pool, email, what, action string, change func(q *db.Queries, u db.User) (map[string]string, error)) error {
	err := db.InTx(ctx, pool, func(q *db.Queries) error {
		u, err := q.GetUserByEmail(ctx, email)
		if err != nil {
			return err
		}
		detail, err := change(q, u)
		if err != nil {
			return err
		}
		detail["operator"] = operator()
		details, _ := json.Marshal(detail)
		_, err = q.InsertAuditLog(ctx, db.InsertAuditLogParams{
			ActorKind: db.ActorOperator, Action: action, ResourceType: "user",
			ResourceID: u.ID.String(), Details: details, UserAgent: "slipway-cli",
		})
		return err
	})
	if db.IsNotFound(err) {
		return fmt.Errorf("%w: no user with email %q", errUsage, email)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", what, err)
	}
	return nil
}

// operator names who ran an admin command, for the audit row.
func operator() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}

// runSetBudget sets (or with --clear removes) a user's own spend budget on
// a network, over the tier's default. It takes effect for the next
// deployment that signs; reservations already made stay.
func runSetBudget(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("users set-budget", stderr)
	dsn := registerDatabaseFlags(fs)
	email := fs.String("email", "", "the user's email")
	network := fs.String("network", "", "the network's name, as in the networks file")
	wei := fs.String("wei", "", "the budget per period, in wei (a decimal integer; 0 allows nothing)")
	period := fs.Duration("period", 24*time.Hour, "the rolling period, 1m to 8784h")
	clear := fs.Bool("clear", false, "remove the user's budget on the network: the tier's default holds again")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *email == "" || *network == "" {
		return fmt.Errorf("%w: --email and --network are required", errUsage)
	}
	if !networkNamePattern.MatchString(*network) {
		return fmt.Errorf("%w: --network %q: use lower-case letters, digits, '-' and '_' (at most 63)", errUsage, *network)
	}
	var limit *big.Int
	if !*clear {
		v, err := chain.ParseWei(*wei)
		if err != nil {
			return fmt.Errorf("%w: --wei: %w", errUsage, err)
		}
		limit = v
		if *period < time.Minute || *period > 8784*time.Hour {
			return fmt.Errorf("%w: --period %s: want 1m to 8784h", errUsage, *period)
		}
	}
	pool, err := connectDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	err = changeUser(ctx, pool, *email, "set budget", "user.budget_changed", func(q *db.Queries, u db.User) (map[string]string, error) {
		if *clear {
			_, err := q.DeleteSpendBudget(ctx, db.DeleteSpendBudgetParams{UserID: u.ID, Network: *network})
			return map[string]string{"network": *network, "limit_wei": "tier default"}, err
		}
		_, err := q.SetSpendBudget(ctx, db.SetSpendBudgetParams{
			UserID: u.ID, Network: *network, LimitWei: db.Wei(limit), PeriodSeconds: int64(*period / time.Second),
		})
		return map[string]string{"network": *network, "limit_wei": limit.String(), "period": period.String()}, err
	})
	if err != nil {
		return err
	}
	if *clear {
		fmt.Fprintf(stdout, "%s: the tier's budget holds on %s again\n", *email, *network)
	} else {
		fmt.Fprintf(stdout, "%s may spend %s wei per %s on %s\n", *email, limit, *period, *network)
	}
	return nil
}

// networkNamePattern is the networks file's rule for names.
var networkNamePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9_-]{0,62}$`)
