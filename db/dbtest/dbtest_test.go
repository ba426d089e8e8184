package dbtest_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// Each test gets its own migrated database; writes in one are invisible to
// the others, and the database is gone afterwards.
func TestNewGivesIsolatedMigratedDatabases(t *testing.T) {
	ctx := context.Background()
	var names []string
	for i := range 2 {
		t.Run("db", func(t *testing.T) {
			pool := dbtest.New(t)
			var n int
			require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM users").Scan(&n))
			require.Zero(t, n, "a fresh database is empty")
			_, err := pool.Exec(ctx, "INSERT INTO users (email, password_hash) VALUES ($1, 'h')", "u@example.com")
			require.NoError(t, err, "run %d", i)
			var name string
			require.NoError(t, pool.QueryRow(ctx, "SELECT current_database()").Scan(&name))
			names = append(names, name)
		})
	}
	require.NotEqual(t, names[0], names[1])

	pool := dbtest.New(t)
	for _, name := range names {
		var exists bool
		require.NoError(t, pool.QueryRow(ctx, "SELECT EXISTS (SELECT 1 FROM pg_database WHERE datname = $1)", name).Scan(&exists))
		require.False(t, exists, "database %s outlived its test", name)
	}
}

func TestEmptyDSNHasNoSchema(t *testing.T) {
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, dbtest.EmptyDSN(t))
	require.NoError(t, err)
	defer conn.Close(ctx)
	var tables int
	require.NoError(t, conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'").Scan(&tables))
	require.Zero(t, tables)
}

// BenchmarkNew measures the per-test cost of a fresh migrated database, a
// pool on it, and dropping both.
func BenchmarkNew(b *testing.B) {
	for b.Loop() {
		tb := &iterationTB{TB: b}
		dbtest.New(tb)
		tb.cleanup()
	}
}

// iterationTB runs cleanups at the end of a benchmark iteration instead of
// the benchmark.
type iterationTB struct {
	testing.TB
	cleanups []func()
}

func (t *iterationTB) Cleanup(f func()) { t.cleanups = append(t.cleanups, f) }

func (t *iterationTB) cleanup() {
	for i := len(t.cleanups) - 1; i >= 0; i-- {
		t.cleanups[i]()
	}
}
