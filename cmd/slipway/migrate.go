package main

import (
	"context"
	"fmt"
	"io"

	"github.com/slipway-dev/slipway/db"
)

func runMigrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("migrate", stderr)
	dsn := registerDatabaseFlags(fs)
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: slipway migrate up|down|status [flags]\n  up      apply every pending migration\n  down    roll back the newest migration\n  status  list migrations and whether they are applied")
		fs.PrintDefaults()
	}
	if len(args) == 0 {
		fs.Usage()
		return fmt.Errorf("%w: migrate needs up, down or status", errUsage)
	}
	command := args[0]
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if err := validateDatabaseURL(*dsn); err != nil {
		return fmt.Errorf("%w: %w", errUsage, err)
	}
	switch command {
	case "up":
		if err := db.MigrateUp(ctx, *dsn); err != nil {
			return err
		}
	case "down":
		if err := db.MigrateDown(ctx, *dsn); err != nil {
			return err
		}
	case "status":
		return db.MigrationStatus(ctx, *dsn, stdout)
	default:
		return fmt.Errorf("%w: migrate %q: want up, down or status", errUsage, command)
	}
	return db.MigrationStatus(ctx, *dsn, stdout)
}
