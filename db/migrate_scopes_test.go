package db_test

import (
	"context"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"
)

// Migration 14 gives keys that existed before scopes every right they had
// but key management, refuses scopes outside the four names, and goes down
// and up again with the keys intact.
func TestMigrationAPIKeyScopes(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDatabase(t)

	_, err := p.UpTo(ctx, 13)
	require.NoError(t, err)
	before := dumpSchema(t, sqlDB)
	_, err = sqlDB.ExecContext(ctx, `
		WITH u AS (INSERT INTO users (email, password_hash) VALUES ('old-keys@example.com', 'x') RETURNING id)
		INSERT INTO api_keys (user_id, name, prefix, secret_hash)
		SELECT id, 'before scopes', 'slw_oldkey01', '\x00' FROM u`)
	require.NoError(t, err)

	scopesOf := func(prefix string) string {
		t.Helper()
		var s string
		require.NoError(t, sqlDB.QueryRowContext(ctx, `SELECT scopes::text FROM api_keys WHERE prefix = $1`, prefix).Scan(&s))
		return s
	}
	up := func() {
		t.Helper()
		_, err := p.UpTo(ctx, 14)
		require.NoError(t, err)
	}

	up()
	after := dumpSchema(t, sqlDB)
	require.Contains(t, after, "api_keys.scopes ARRAY null=NO default='{read,deploy,contracts}'::text[]")
	require.Equal(t, "{read,deploy,contracts}", scopesOf("slw_oldkey01"), "existing keys keep today's rights except key management")

	insert := func(prefix, scopes string) error {
		_, err := sqlDB.ExecContext(ctx, `INSERT INTO api_keys (user_id, name, prefix, secret_hash, scopes)
			SELECT id, 'k', $1, '\x00', $2::text[] FROM users`, prefix, scopes)
		return err
	}
	require.NoError(t, insert("slw_keysonly", "{keys}"))
	for _, bad := range []string{"{}", "{admin}", "{read,Deploy}", "{read,NULL}"} {
		err := insert("slw_badscope", bad)
		var pgErr *pgconn.PgError
		require.ErrorAs(t, err, &pgErr, "scopes %s", bad)
		require.Equal(t, "23514", pgErr.Code, "scopes %s: a check violation", bad)
		require.Equal(t, "api_keys_scopes_check", pgErr.ConstraintName)
	}

	_, err = p.DownTo(ctx, 13)
	require.NoError(t, err)
	var cols int
	require.NoError(t, sqlDB.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.columns
		WHERE table_name = 'api_keys' AND column_name = 'scopes'`).Scan(&cols))
	require.Zero(t, cols, "down drops the column")
	require.Equal(t, before, dumpSchema(t, sqlDB), "down restores the schema of version 13")

	up()
	require.Equal(t, after, dumpSchema(t, sqlDB), "up after down gives the same schema")
	require.Equal(t, "{read,deploy,contracts}", scopesOf("slw_oldkey01"))
	require.Equal(t, "{read,deploy,contracts}", scopesOf("slw_keysonly"), "after down and up every key starts from the default again")
}
