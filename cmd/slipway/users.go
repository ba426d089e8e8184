package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/user"

	"github.com/slipway-dev/slipway/db"
)

func runUsers(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 || args[0] != "set-tier" {
		return fmt.Errorf("%w: usage: slipway users set-tier --email E --tier free|paid", errUsage)
	}
	fs := newFlagSet("users set-tier", stderr)
	var lc logConfig
	lc.register(fs)
	dsn := fs.String("database-url", envString("DATABASE_URL", ""), "Postgres URL (env DATABASE_URL)")
	email := fs.String("email", "", "the user's email")
	tier := fs.String("tier", "", "free or paid")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *email == "" {
		return fmt.Errorf("%w: --email is required", errUsage)
	}
	if *tier != "free" && *tier != "paid" {
		return fmt.Errorf("%w: --tier %q: want free or paid", errUsage, *tier)
	}
	pool, err := connectDB(ctx, *dsn)
	if err != nil {
		return err
	}
	defer pool.Close()
	// The change and its audit row land together or not at all.
	var u db.User
	err = db.InTx(ctx, pool, func(q *db.Queries) error {
		before, err := q.GetUserByEmail(ctx, *email)
		if err != nil {
			return err
		}
		u, err = q.SetUserTierByEmail(ctx, db.SetUserTierByEmailParams{Email: *email, Tier: *tier})
		if err != nil {
			return err
		}
		details, _ := json.Marshal(map[string]string{"from": before.Tier, "to": *tier, "operator": operator()})
		_, err = q.InsertAuditLog(ctx, db.InsertAuditLogParams{
			ActorKind: db.ActorOperator, Action: "user.tier_changed", ResourceType: "user",
			ResourceID: u.ID.String(), Details: details, UserAgent: "slipway-cli",
		})
		return err
	})
	if db.IsNotFound(err) {
		return fmt.Errorf("%w: no user with email %q", errUsage, *email)
	}
	if err != nil {
		return fmt.Errorf("set tier: %w", err)
	}
	fmt.Fprintf(stdout, "%s is now on the %s tier\n", u.Email, u.Tier)
	return nil
}

// operator names who ran an admin command, for the audit row.
func operator() string {
	if u, err := user.Current(); err == nil {
		return u.Username
	}
	return fmt.Sprintf("uid %d", os.Getuid())
}
