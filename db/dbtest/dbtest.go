// Package dbtest gives tests real, isolated Postgres databases cheaply.
//
// Main (called from TestMain) starts one private cluster per test binary
// in a temporary folder, or uses the server at DATABASE_URL when set, and
// migrates a template database once. New and DSN then clone that template
// for each test (CREATE DATABASE … TEMPLATE, a file copy, tens of
// milliseconds) and drop the clone when the test ends, so tests can run in
// parallel without seeing each other's rows.
//
//	func TestMain(m *testing.M) { dbtest.Main(m) }
//
//	func TestSomething(t *testing.T) {
//		pool := dbtest.New(t)
//		q := db.New(pool)
//		…
//	}
package dbtest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/internal/devstack/pgcluster"
)

// tempPrefix names the temporary folders of test clusters; the pid that
// follows lets a later run remove folders of runs that crashed.
const tempPrefix = "slipway-dbtest-"

var (
	// setupErr, when set, fails every test that asks for a database, with
	// the reason.
	setupErr error
	// adminDSN reaches the server's maintenance database.
	adminDSN string
	admin    *pgxpool.Pool
	// template is the migrated database that tests clone.
	template string
	// fileCopy says CREATE DATABASE may use STRATEGY FILE_COPY (PG 15+),
	// much faster than WAL_LOG for small databases.
	fileCopy bool
)

// Main runs the package's tests with a database server at hand and returns
// from the process with their exit code. Setup failures do not abort the
// run: tests that need a database fail with the reason, others still run.
func Main(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	stop, err := setup(ctx, logger)
	cancel()
	if err != nil {
		setupErr = err
		logger.Error("dbtest: no database for this run", "err", err)
	}
	code := m.Run()
	if stop != nil {
		if err := stop(); err != nil {
			logger.Error("dbtest: tear down", "err", err)
		}
	}
	return code
}

// setup readies a server and the template; stop undoes whatever setup did,
// even when it failed halfway.
func setup(ctx context.Context, logger *slog.Logger) (stop func() error, err error) {
	var undo []func() error
	stop = func() error {
		var errs []error
		for i := len(undo) - 1; i >= 0; i-- {
			errs = append(errs, undo[i]())
		}
		return errors.Join(errs...)
	}

	if envURL := os.Getenv("DATABASE_URL"); envURL != "" {
		adminDSN = envURL
	} else {
		parent := tempParent()
		removeAbandoned(parent, logger)
		base, err := os.MkdirTemp(parent, tempPrefix+strconv.Itoa(os.Getpid())+"-")
		if err != nil {
			return stop, fmt.Errorf("create cluster folder: %w", err)
		}
		undo = append(undo, func() error { return os.RemoveAll(base) })
		// The postgres OS user (when we are root) must reach the data
		// folder inside.
		if err := os.Chmod(base, 0o711); err != nil {
			return stop, fmt.Errorf("open cluster folder: %w", err)
		}
		cluster, err := pgcluster.Start(ctx, pgcluster.Options{
			DataDir:   filepath.Join(base, "pgdata"),
			Logger:    logger,
			Database:  "postgres",
			Ephemeral: true,
			// Parallel tests each hold a pool or two.
			Settings: map[string]string{"max_connections": "500"},
		})
		if err != nil {
			return stop, err
		}
		undo = append(undo, func() error {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			return cluster.Stop(ctx)
		})
		adminDSN = cluster.DSN()
	}

	pool, err := db.Connect(ctx, adminDSN)
	if err != nil {
		return stop, fmt.Errorf("connect to test server: %w", err)
	}
	admin = pool
	undo = append(undo, func() error { pool.Close(); return nil })

	var version int
	if err := pool.QueryRow(ctx, "SELECT current_setting('server_version_num')::int").Scan(&version); err != nil {
		return stop, fmt.Errorf("read server version: %w", err)
	}
	fileCopy = version >= 150000

	template = "slipway_template_" + randomSuffix()
	if _, err := pool.Exec(ctx, "CREATE DATABASE "+pgx.Identifier{template}.Sanitize()); err != nil {
		return stop, fmt.Errorf("create template database: %w", err)
	}
	undo = append(undo, func() error { return dropDatabase(template) })
	if err := db.MigrateUp(ctx, dsnFor(template)); err != nil {
		return stop, fmt.Errorf("migrate template database: %w", err)
	}
	return stop, nil
}

// New answers a pool on a fresh, fully migrated database of its own, which
// is dropped when the test ends.
func New(t testing.TB) *pgxpool.Pool {
	t.Helper()
	dsn := DSN(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	pool, err := db.Connect(ctx, dsn)
	if err != nil {
		t.Fatalf("dbtest: %v", err)
	}
	// Registered after DSN's drop, so it runs before it.
	t.Cleanup(pool.Close)
	return pool
}

// DSN answers the URL of a fresh, fully migrated database of the test's
// own, for code that opens its own connections (a server under test, a
// migration command). The database is dropped when the test ends, ending any
// session still on it.
func DSN(t testing.TB) string {
	t.Helper()
	return create(t, template)
}

// EmptyDSN answers the URL of a fresh database with no migrations applied,
// for testing the migrations themselves. Dropped when the test ends.
func EmptyDSN(t testing.TB) string {
	t.Helper()
	return create(t, "template0")
}

func create(t testing.TB, from string) string {
	t.Helper()
	if setupErr != nil {
		t.Fatalf("dbtest: no database server: %v", setupErr)
	}
	if admin == nil {
		t.Fatal("dbtest: call dbtest.Main(m) from TestMain first")
	}
	name := "test_" + randomSuffix()
	stmt := "CREATE DATABASE " + pgx.Identifier{name}.Sanitize() + " TEMPLATE " + pgx.Identifier{from}.Sanitize()
	if fileCopy {
		stmt += " STRATEGY FILE_COPY"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if _, err := admin.Exec(ctx, stmt); err != nil {
		t.Fatalf("dbtest: create database: %v", err)
	}
	t.Cleanup(func() {
		if err := dropDatabase(name); err != nil {
			t.Errorf("dbtest: %v", err)
		}
	})
	return dsnFor(name)
}

func dropDatabase(name string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// Closed pools' sessions end asynchronously, and DROP DATABASE polls
	// for them only every 100 ms; waiting for them here is much quicker.
	// WITH (FORCE) then ends whatever the test left open.
	for deadline := time.Now().Add(time.Second); time.Now().Before(deadline); {
		var sessions int
		err := admin.QueryRow(ctx, "SELECT count(*) FROM pg_stat_activity WHERE datname = $1", name).Scan(&sessions)
		if err != nil || sessions == 0 {
			break
		}
		time.Sleep(2 * time.Millisecond)
	}
	_, err := admin.Exec(ctx, "DROP DATABASE IF EXISTS "+pgx.Identifier{name}.Sanitize()+" WITH (FORCE)")
	if err != nil {
		return fmt.Errorf("drop database %s: %w", name, err)
	}
	return nil
}

// dsnFor answers adminDSN pointed at another database, for both URL and
// keyword/value DSNs.
func dsnFor(dbname string) string {
	if u, err := url.Parse(adminDSN); err == nil && (u.Scheme == "postgres" || u.Scheme == "postgresql") {
		u.Path = "/" + dbname
		u.RawPath = ""
		return u.String()
	}
	// In keyword/value form a later key wins.
	return adminDSN + " dbname=" + dbname
}

func randomSuffix() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// tempParent answers where test clusters live: /dev/shm when it is a
// roomy tmpfs, because creating the few hundred files of each CREATE
// DATABASE costs ten times less in memory than on a disk, and throwaway
// clusters lose nothing there; the usual temporary folder otherwise.
func tempParent() string {
	const tmpfsMagic = 0x01021994
	var st syscall.Statfs_t
	if err := syscall.Statfs("/dev/shm", &st); err == nil &&
		st.Type == tmpfsMagic && st.Bavail*uint64(st.Bsize) >= 1<<30 &&
		syscall.Access("/dev/shm", 0o7) == nil {
		return "/dev/shm"
	}
	return os.TempDir()
}

// removeAbandoned deletes cluster folders of earlier runs whose process is
// gone (killed tests leave them behind; their postgres died with them).
func removeAbandoned(parent string, logger *slog.Logger) {
	entries, err := os.ReadDir(parent)
	if err != nil {
		return
	}
	for _, e := range entries {
		rest, ok := strings.CutPrefix(e.Name(), tempPrefix)
		if !ok || !e.IsDir() {
			continue
		}
		pidText, _, _ := strings.Cut(rest, "-")
		pid, err := strconv.Atoi(pidText)
		if err != nil || pid <= 0 || pid == os.Getpid() {
			continue
		}
		if err := syscall.Kill(pid, 0); !errors.Is(err, syscall.ESRCH) {
			continue
		}
		dir := filepath.Join(parent, e.Name())
		if err := os.RemoveAll(dir); err != nil {
			logger.Warn("dbtest: remove abandoned cluster folder", "dir", dir, "err", err)
		}
	}
}
