package devtemporal

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/config"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"google.golang.org/protobuf/types/known/durationpb"
)

// dbFileName is the SQLite file, inside Options.DataDir, that holds both
// Temporal's execution store and its visibility store.
const dbFileName = "temporal.db"

// busyTimeoutMillis is how long a connection waits for SQLite's write lock
// before giving up with SQLITE_BUSY. Temporal holds it only for short
// transactions; the wait matters when a checkpoint or the schema set-up
// overlaps with the first queries.
const busyTimeoutMillis = "10000"

// sqlConfig is the one data store used for both persistence and visibility.
//
// ConnectAttributes: the sqlite plugin passes SQLite URI parameters (mode,
// cache, ...) through and turns every other key into a `_pragma` run on each
// new connection.
//   - journal_mode=wal: readers (the Web UI's list queries) do not block the
//     history service's writes, and a commit is an append instead of a
//     rewrite of the rollback journal.
//   - synchronous=normal: with WAL this survives any crash of the process
//     (the case `slipway dev` cares about: a killed worker or dev stack); only
//     an OS crash or power loss can lose the last commits, which is acceptable
//     for a dev stack and saves an fsync per Temporal transaction.
//   - busy_timeout: see busyTimeoutMillis.
//
// MaxConns stays at the plugin's default of 1: Temporal's SQL transactions
// read before they write, and with several connections SQLite may fail such
// an upgrade at once with SQLITE_BUSY (busy_timeout does not apply to it).
func sqlConfig(path string) *config.SQL {
	return &config.SQL{
		PluginName:   sqliteplugin.PluginName,
		DatabaseName: path,
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"journal_mode": "wal",
			"synchronous":  "normal",
			"busy_timeout": busyTimeoutMillis,
		},
	}
}

// dsn builds the same data source name as the sqlite plugin does from cfg,
// so that the schema set-up runs with the same pragmas as the server.
func dsn(cfg *config.SQL) string {
	keys := make([]string, 0, len(cfg.ConnectAttributes))
	for k := range cfg.ConnectAttributes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	q := url.Values{}
	for _, k := range keys {
		v := cfg.ConnectAttributes[k]
		if k == "mode" {
			q.Set(k, v)
			continue
		}
		q.Add("_pragma", k+"="+v)
	}
	q.Set("_time_format", "sqlite")
	return "file:" + cfg.DatabaseName + "?" + q.Encode()
}

// ensureSchema creates Temporal's tables in a new database file. It runs the
// whole schema in one transaction (SQLite's DDL is transactional), so a crash
// during the first start leaves an empty file that the next start completes,
// never a half-made schema. It reports whether the schema was created.
func ensureSchema(ctx context.Context, cfg *config.SQL) (created bool, err error) {
	db, err := sql.Open("sqlite", dsn(cfg))
	if err != nil {
		return false, fmt.Errorf("open sqlite database: %w", err)
	}
	defer func() {
		if cerr := db.Close(); cerr != nil && err == nil {
			err = fmt.Errorf("close sqlite database: %w", cerr)
		}
	}()
	db.SetMaxOpenConns(1)

	var n int
	if err := db.QueryRowContext(ctx,
		`SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN ('namespaces', 'executions_visibility')`,
	).Scan(&n); err != nil {
		return false, fmt.Errorf("inspect sqlite schema: %w", err)
	}
	switch n {
	case 2:
		return false, nil
	case 0:
	default:
		return false, fmt.Errorf("inspect sqlite schema: %s holds part of Temporal's schema; move it away to start afresh", cfg.DatabaseName)
	}

	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return false, fmt.Errorf("begin schema transaction: %w", err)
	}
	if err := sqliteschema.SetupSchemaOnDB(&schemaTx{ctx: ctx, tx: tx, name: cfg.DatabaseName}); err != nil {
		_ = tx.Rollback()
		return false, fmt.Errorf("set up temporal schema: %w", err)
	}
	if err := tx.Commit(); err != nil {
		return false, fmt.Errorf("commit temporal schema: %w", err)
	}
	return true, nil
}

// namespaceRetention is how long closed workflows stay in the dev namespace:
// a week instead of the dev servers' usual day, so a dev stack stopped over a
// weekend still shows last week's deployments in the Web UI.
const namespaceRetention = 7 * 24 * time.Hour

// ensureNamespace registers the namespace straight in the store before the
// server starts, the way Temporal's own dev servers do: the server's
// namespace registry then has it from its first load, instead of after a
// refresh interval following a RegisterNamespace call. An existing namespace
// is left as it is (search attributes added later go through the operator
// API, see ensureSearchAttributes).
func ensureNamespace(cfg *config.SQL, clusterName, namespace string, attrs map[string]enumspb.IndexedValueType) error {
	nsConfig, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, attrs)
	if err != nil {
		return fmt.Errorf("build namespace %q: %w", namespace, err)
	}
	nsConfig.Detail.Config.Retention = durationpb.New(namespaceRetention)
	if err := sqliteschema.CreateNamespaces(cfg, nsConfig); err != nil {
		return fmt.Errorf("register namespace %q: %w", namespace, err)
	}
	return nil
}

// schemaTx lets sqliteschema.SetupSchemaOnDB, which wants a whole admin
// handle, run its statements inside one transaction. Only Exec is used by
// the set-up; everything else refuses.
type schemaTx struct {
	ctx  context.Context
	tx   *sql.Tx
	name string
}

var errSchemaTxUnsupported = errors.New("not supported during schema set-up")

func (s *schemaTx) Exec(stmt string, args ...any) error {
	_, err := s.tx.ExecContext(s.ctx, stmt, args...)
	return err
}

func (s *schemaTx) CreateSchemaVersionTables() error                 { return errSchemaTxUnsupported }
func (s *schemaTx) ReadSchemaVersion(string) (string, error)         { return "", errSchemaTxUnsupported }
func (s *schemaTx) UpdateSchemaVersion(string, string, string) error { return errSchemaTxUnsupported }
func (s *schemaTx) WriteSchemaUpdateLog(string, string, string, string) error {
	return errSchemaTxUnsupported
}
func (s *schemaTx) ListTables(string) ([]string, error) { return nil, errSchemaTxUnsupported }
func (s *schemaTx) DropTable(string) error              { return errSchemaTxUnsupported }
func (s *schemaTx) DropAllTables(string) error          { return errSchemaTxUnsupported }
func (s *schemaTx) CreateDatabase(string) error         { return nil }
func (s *schemaTx) DropDatabase(string) error           { return errSchemaTxUnsupported }
func (s *schemaTx) DbName() string                      { return s.name }
func (s *schemaTx) PluginName() string                  { return sqliteplugin.PluginName }
func (s *schemaTx) Close() error                        { return nil }
func (s *schemaTx) ExpectedVersion() string             { return sqliteschema.Version }
func (s *schemaTx) VerifyVersion() error                { return nil }

// validPath rejects paths that cannot be put into the plugin's DSN as they
// are: it builds "file:<path>?..." without escaping.
func validPath(path string) error {
	if strings.ContainsAny(path, "?#") {
		return fmt.Errorf("data dir %q: must not contain '?' or '#'", path)
	}
	return nil
}
