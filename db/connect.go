package db

import (
	"context"
	"fmt"
	"runtime"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// Connect opens a connection pool to dsn and pings it, so that a bad URL or
// an unreachable server fails at start-up rather than on the first request.
// Pool settings given in the DSN (pool_max_conns and friends) win over the
// defaults here.
func Connect(ctx context.Context, dsn string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("parse database url: %w", err)
	}
	// pgxpool's default of max(4, cores) starves an API server whose
	// handlers mostly wait on the network, not the CPU.
	if !strings.Contains(dsn, "pool_max_conns") {
		cfg.MaxConns = int32(max(10, 4*runtime.GOMAXPROCS(0)))
	}
	if !strings.Contains(dsn, "pool_max_conn_lifetime") {
		// Recycle connections so that a failover or a pgbouncer restart
		// is picked up without a redeploy.
		cfg.MaxConnLifetime = time.Hour
		cfg.MaxConnLifetimeJitter = 5 * time.Minute
	}
	if !strings.Contains(dsn, "pool_max_conn_idle_time") {
		cfg.MaxConnIdleTime = 10 * time.Minute
	}
	if cfg.ConnConfig.ConnectTimeout == 0 {
		cfg.ConnConfig.ConnectTimeout = 10 * time.Second
	}
	if cfg.ConnConfig.RuntimeParams["application_name"] == "" {
		// Names our sessions in pg_stat_activity.
		cfg.ConnConfig.RuntimeParams["application_name"] = "slipway"
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("create database pool: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("ping database: %w", err)
	}
	return pool, nil
}

// TxBeginner is what InTx needs: a *pgxpool.Pool, a *pgx.Conn or a pgx.Tx
// (which nests as a savepoint).
type TxBeginner interface {
	Begin(ctx context.Context) (pgx.Tx, error)
}

// InTx runs fn in one transaction, committed when fn returns nil and rolled
// back otherwise, so that writes that belong together (a status change and
// its event) land together or not at all.
func InTx(ctx context.Context, db TxBeginner, fn func(q *Queries) error) error {
	return pgx.BeginFunc(ctx, db, func(tx pgx.Tx) error {
		return fn(New(tx))
	})
}
