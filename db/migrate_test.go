package db_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"strings"
	"testing"

	"github.com/pressly/goose/v3"
	"github.com/stretchr/testify/require"

	"github.com/slipway-dev/slipway/db"
	"github.com/slipway-dev/slipway/db/dbtest"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// tablesAfter lists the tables each migration version leaves, cumulatively.
var tablesAfter = map[int64][]string{
	1:  {"users"},
	2:  {"api_keys", "users"},
	3:  {"api_keys", "refresh_tokens", "sessions", "users"},
	4:  {"api_keys", "deployments", "refresh_tokens", "sessions", "users"},
	5:  {"api_keys", "deployment_events", "deployments", "refresh_tokens", "sessions", "users"},
	6:  {"api_keys", "audit_logs", "deployment_events", "deployments", "refresh_tokens", "sessions", "users"},
	7:  {"api_keys", "audit_logs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "users"},
	8:  {"api_keys", "audit_logs", "compile_artifacts", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "users"},
	9:  {"api_keys", "audit_logs", "compile_artifacts", "deploy_txs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_nonces", "users"},
	12: {"api_keys", "audit_logs", "compile_artifacts", "deploy_txs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_nonces", "users"},
	13: {"api_keys", "audit_logs", "compile_artifacts", "deploy_txs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_nonces", "users"},
	14: {"api_keys", "audit_logs", "compile_artifacts", "deploy_txs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_nonces", "users"},
	15: {"api_keys", "audit_logs", "build_slots", "compile_artifacts", "deploy_txs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_balances", "signer_nonces", "spend_budgets", "spend_reservations", "users"},
	16: {"api_keys", "audit_logs", "build_slots", "compile_artifacts", "deploy_txs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_balances", "signer_nonces", "spend_budgets", "spend_reservations", "users"},
	17: {"api_keys", "audit_logs", "build_slots", "compile_artifacts", "deploy_txs", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_balances", "signer_nonces", "spend_budgets", "spend_reservations", "users"},
	18: {"api_keys", "approval_votes", "audit_logs", "build_slots", "compile_artifacts", "deploy_txs", "deployment_approvals", "deployment_events", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_balances", "signer_nonces", "spend_budgets", "spend_reservations", "users"},
	19: {"api_keys", "approval_votes", "audit_logs", "build_slots", "compile_artifacts", "deploy_txs", "deployment_approvals", "deployment_events", "deployment_verifications", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_balances", "signer_nonces", "spend_budgets", "spend_reservations", "users"},
	20: {"api_keys", "approval_votes", "audit_logs", "build_slots", "compile_artifacts", "deploy_txs", "deployment_approvals", "deployment_builds", "deployment_events", "deployment_verifications", "deployments", "rate_limits", "refresh_tokens", "sessions", "signer_balances", "signer_nonces", "spend_budgets", "spend_reservations", "users"},
}

// Every migration goes up, down and up again one step at a time, and each
// Down restores exactly the schema from before its Up.
func TestMigrationsUpDownUpOneStepAtATime(t *testing.T) {
	ctx := context.Background()
	sqlDB, p := emptyDatabase(t)

	sources := p.ListSources()
	require.Len(t, sources, len(tablesAfter), "a new migration needs its entry in tablesAfter")
	empty := dumpSchema(t, sqlDB)
	before := empty
	for _, src := range sources {
		r, err := p.UpByOne(ctx)
		require.NoError(t, err)
		require.Equal(t, src.Version, r.Source.Version)
		after := dumpSchema(t, sqlDB)
		require.NotEqual(t, before, after, "migration %d changes nothing", src.Version)
		require.Equal(t, tablesAfter[src.Version], tableNames(t, sqlDB), "tables after migration %d", src.Version)

		r, err = p.Down(ctx)
		require.NoError(t, err)
		require.Equal(t, src.Version, r.Source.Version)
		require.Equal(t, before, dumpSchema(t, sqlDB), "down of migration %d does not restore the schema", src.Version)

		_, err = p.UpByOne(ctx)
		require.NoError(t, err)
		require.Equal(t, after, dumpSchema(t, sqlDB), "migration %d is not repeatable after its down", src.Version)
		before = after
	}

	// The step-by-step schema is the one every other test runs on.
	tmpl, err := db.OpenSQL(dbtest.DSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { tmpl.Close() })
	require.Equal(t, before, dumpSchema(t, tmpl))

	// The pieces the queries rely on are there.
	for _, want := range []string{
		"CREATE UNIQUE INDEX users_email_lower_key ON public.users USING btree (lower(email))",
		"CREATE UNIQUE INDEX api_keys_prefix_key ON public.api_keys USING btree (prefix)",
		"CREATE UNIQUE INDEX refresh_tokens_token_hash_key ON public.refresh_tokens USING btree (token_hash)",
		"CREATE UNIQUE INDEX deployments_user_idempotency_key ON public.deployments USING btree (user_id, idempotency_key)",
		"CREATE UNIQUE INDEX deployments_workflow_id_key ON public.deployments USING btree (workflow_id)",
		"CREATE INDEX deployments_user_created_idx ON public.deployments USING btree (user_id, created_at DESC, id DESC)",
		"CREATE UNIQUE INDEX deployment_events_pkey ON public.deployment_events USING btree (deployment_id, seq)",
		"CREATE TRIGGER audit_logs_no_update_delete BEFORE DELETE OR UPDATE ON public.audit_logs FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only()",
		"CREATE TRIGGER audit_logs_no_truncate BEFORE TRUNCATE ON public.audit_logs FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only()",
	} {
		require.Contains(t, before, want)
	}

	// All the way down leaves nothing behind.
	for range sources {
		_, err := p.Down(ctx)
		require.NoError(t, err)
	}
	require.Equal(t, empty, dumpSchema(t, sqlDB))
}

func TestMigrateCommands(t *testing.T) {
	ctx := context.Background()
	dsn := dbtest.EmptyDSN(t)
	var out bytes.Buffer

	require.NoError(t, db.MigrationStatus(ctx, dsn, &out))
	require.Contains(t, out.String(), "00001_users.sql")
	require.Equal(t, len(tablesAfter), strings.Count(out.String(), "pending"))

	out.Reset()
	require.NoError(t, db.Migrate(ctx, dsn, "up", &out))
	require.Contains(t, out.String(), "00006_audit_logs.sql")
	out.Reset()
	require.NoError(t, db.Migrate(ctx, dsn, "up", &out))
	require.Contains(t, out.String(), fmt.Sprintf("no pending migrations; schema at version %d", latestVersion()))

	require.NoError(t, db.MigrateDown(ctx, dsn))
	out.Reset()
	require.NoError(t, db.MigrationStatus(ctx, dsn, &out))
	require.Equal(t, 1, strings.Count(out.String(), "pending"), out.String())
	require.Equal(t, len(tablesAfter)-1, strings.Count(out.String(), "applied"), out.String())

	require.NoError(t, db.MigrateUp(ctx, dsn))
	require.ErrorIs(t, db.Migrate(ctx, dsn, "sideways", &out), db.ErrUnknownCommand)
}

func tableNames(t *testing.T, sqlDB *sql.DB) []string {
	t.Helper()
	rows, err := sqlDB.Query(`SELECT table_name FROM information_schema.tables
		WHERE table_schema = 'public' AND table_name <> 'goose_db_version' ORDER BY 1`)
	require.NoError(t, err)
	var names []string
	for rows.Next() {
		var n string
		require.NoError(t, rows.Scan(&n))
		names = append(names, n)
	}
	require.NoError(t, rows.Err())
	return names
}

// emptyDatabase opens a database of the test's own with no migration
// applied, and a migrator on it.
func emptyDatabase(t *testing.T) (*sql.DB, *goose.Provider) {
	t.Helper()
	sqlDB, err := db.OpenSQL(dbtest.EmptyDSN(t))
	require.NoError(t, err)
	t.Cleanup(func() { sqlDB.Close() })
	p, err := db.NewMigrator(sqlDB)
	require.NoError(t, err)
	return sqlDB, p
}

// dumpSchema renders everything in the public schema but goose's own table:
// columns, constraints, indexes, triggers, functions, sequences, extensions.
func dumpSchema(t *testing.T, sqlDB *sql.DB) string {
	t.Helper()
	queries := []string{
		`SELECT table_name || '.' || column_name || ' ' || data_type || ' null=' || is_nullable || ' default=' || coalesce(column_default, '')
		 FROM information_schema.columns
		 WHERE table_schema = 'public' AND table_name <> 'goose_db_version'
		 ORDER BY table_name, ordinal_position`,
		`SELECT conrelid::regclass::text || ' ' || conname || ' ' || pg_get_constraintdef(oid)
		 FROM pg_constraint
		 WHERE connamespace = 'public'::regnamespace AND conrelid::regclass::text <> 'goose_db_version'
		 ORDER BY 1`,
		`SELECT indexdef FROM pg_indexes
		 WHERE schemaname = 'public' AND tablename <> 'goose_db_version' ORDER BY indexname`,
		`SELECT pg_get_triggerdef(oid) FROM pg_trigger WHERE NOT tgisinternal ORDER BY tgname`,
		`SELECT pg_get_functiondef(oid) FROM pg_proc WHERE pronamespace = 'public'::regnamespace ORDER BY proname`,
		`SELECT sequence_name FROM information_schema.sequences
		 WHERE sequence_schema = 'public' AND sequence_name NOT LIKE 'goose_db_version%' ORDER BY 1`,
		`SELECT extname FROM pg_extension ORDER BY 1`,
	}
	var b strings.Builder
	for _, q := range queries {
		rows, err := sqlDB.Query(q)
		require.NoError(t, err, q)
		for rows.Next() {
			var line string
			require.NoError(t, rows.Scan(&line))
			fmt.Fprintln(&b, line)
		}
		require.NoError(t, rows.Err())
		b.WriteString("--\n")
	}
	return b.String()
}

// latestVersion is the newest migration's version; versions may skip
// numbers (two branches each took one), so it is not the count.
func latestVersion() int64 {
	var v int64
	for k := range tablesAfter {
		v = max(v, k)
	}
	return v
}
