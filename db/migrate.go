package db

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"text/tabwriter"
	"time"

	// Registers the "pgx" database/sql driver that goose runs on.
	_ "github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// ErrUnknownCommand is answered by Migrate for anything but up, down and
// status, so a CLI can tell a usage error from a database error.
var ErrUnknownCommand = errors.New("unknown migrate command")

// Migrations is the schema as goose SQL migrations, compiled into the binary
// so that a deployed slipway never depends on files beside it.
func Migrations() fs.FS {
	sub, err := fs.Sub(migrationFiles, "migrations")
	if err != nil {
		// fs.Sub only fails on an invalid path, which is a constant here.
		panic(err)
	}
	return sub
}

// NewMigrator answers a goose provider over the embedded migrations, for
// callers that need single steps (UpByOne, Down) or versions. It holds a
// Postgres advisory lock while migrating, so several replicas that migrate
// at start-up take turns instead of racing.
func NewMigrator(sqlDB *sql.DB) (*goose.Provider, error) {
	// Retry every second for up to five minutes while another process
	// migrates.
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockTimeout(1, 300))
	if err != nil {
		return nil, fmt.Errorf("create migration lock: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, sqlDB, Migrations(),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return nil, fmt.Errorf("create migrator: %w", err)
	}
	return p, nil
}

// OpenSQL opens dsn as a database/sql handle through pgx, for goose and
// other database/sql tools. The caller closes it.
func OpenSQL(dsn string) (*sql.DB, error) {
	sqlDB, err := sql.Open("pgx", dsn)
	if err != nil {
		return nil, fmt.Errorf("open database: %w", err)
	}
	return sqlDB, nil
}

// withMigrator runs fn with a migrator on a connection that is closed
// afterwards, so migrating leaves no session behind (a database with open
// sessions cannot serve as a CREATE DATABASE template).
func withMigrator(ctx context.Context, dsn string, fn func(*goose.Provider) error) error {
	sqlDB, err := OpenSQL(dsn)
	if err != nil {
		return err
	}
	defer sqlDB.Close()
	if err := sqlDB.PingContext(ctx); err != nil {
		return fmt.Errorf("connect to database: %w", err)
	}
	p, err := NewMigrator(sqlDB)
	if err != nil {
		return err
	}
	return fn(p)
}

// MigrateUp applies every pending migration.
func MigrateUp(ctx context.Context, dsn string) error {
	return Migrate(ctx, dsn, "up", io.Discard)
}

// MigrateDown rolls back the latest applied migration, one step, so an
// operator undoes exactly what the last release added.
func MigrateDown(ctx context.Context, dsn string) error {
	return Migrate(ctx, dsn, "down", io.Discard)
}

// MigrationStatus writes a table of every migration, applied or pending, to
// w.
func MigrationStatus(ctx context.Context, dsn string, w io.Writer) error {
	return Migrate(ctx, dsn, "status", w)
}

// Migrate runs one `slipway migrate` command (up, down or status) against
// dsn and writes what it did to w.
func Migrate(ctx context.Context, dsn, command string, w io.Writer) error {
	switch command {
	case "up", "down", "status":
	default:
		return fmt.Errorf("%w %q: want up, down or status", ErrUnknownCommand, command)
	}
	return withMigrator(ctx, dsn, func(p *goose.Provider) error {
		switch command {
		case "up":
			results, err := p.Up(ctx)
			var partial *goose.PartialError
			if errors.As(err, &partial) {
				results = partial.Applied
			}
			for _, r := range results {
				fmt.Fprintln(w, r)
			}
			if err != nil {
				return fmt.Errorf("migrate up: %w", err)
			}
			if len(results) == 0 {
				v, err := p.GetDBVersion(ctx)
				if err != nil {
					return fmt.Errorf("read schema version: %w", err)
				}
				fmt.Fprintf(w, "no pending migrations; schema at version %d\n", v)
			}
			return nil
		case "down":
			r, err := p.Down(ctx)
			if err != nil {
				if errors.Is(err, goose.ErrNoNextVersion) {
					fmt.Fprintln(w, "no migration to roll back")
					return nil
				}
				return fmt.Errorf("migrate down: %w", err)
			}
			fmt.Fprintln(w, r)
			return nil
		default:
			return writeStatus(ctx, p, w)
		}
	})
}

func writeStatus(ctx context.Context, p *goose.Provider, w io.Writer) error {
	statuses, err := p.Status(ctx)
	if err != nil {
		return fmt.Errorf("read migration status: %w", err)
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "VERSION\tSTATE\tAPPLIED AT\tMIGRATION")
	for _, s := range statuses {
		applied := "-"
		if s.State == goose.StateApplied {
			applied = s.AppliedAt.UTC().Format(time.RFC3339)
		}
		fmt.Fprintf(tw, "%d\t%s\t%s\t%s\n", s.Source.Version, s.State, applied, path.Base(s.Source.Path))
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("write migration status: %w", err)
	}
	return nil
}
