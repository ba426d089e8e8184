package metrics

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
)

// ActiveStatuses are the deployment statuses that have not ended, each
// exported (as 0 when empty) so that an alert on one status has a series
// to read before the first deployment reaches it.
var ActiveStatuses = []string{"PENDING", "GENERATING", "LINTING", "COMPILING", "AWAITING_APPROVAL", "DEPLOYING", "CONFIRMING"}

// activeQuery counts the deployments in each non-final status and, for
// each, how long the one longest in it has been there: since the first
// event of its current run of events in that status (a CONFIRMING
// deployment appends an event per confirmation; those do not restart its
// clock), else since the row was created. Events are read through their
// primary key (deployment_id, seq).
//
// It is plain SQL rather than an sqlc query because it is read only by
// this monitor and answers an aggregate no API shape needs.
const activeQuery = `
SELECT d.status,
       count(*)::bigint,
       COALESCE(EXTRACT(EPOCH FROM now() - min(COALESCE(
           (SELECT min(e.created_at) FROM deployment_events e
             WHERE e.deployment_id = d.id
               AND e.seq > COALESCE((SELECT max(o.seq) FROM deployment_events o
                                      WHERE o.deployment_id = d.id AND o.status <> d.status), 0)),
           d.created_at))), 0)::float8
  FROM deployments d
 WHERE d.status NOT IN ('CONFIRMED', 'FAILED', 'CANCELLED')
 GROUP BY d.status`

// UpdateActiveDeployments runs the active-deployments query once and sets
// slipway_deployments_active and slipway_deployment_oldest_active_age_seconds.
func (w *Worker) UpdateActiveDeployments(ctx context.Context, pool *pgxpool.Pool) error {
	if w == nil {
		return nil
	}
	rows, err := pool.Query(ctx, activeQuery)
	if err != nil {
		return fmt.Errorf("query active deployments: %w", err)
	}
	defer rows.Close()
	count := map[string]float64{}
	age := map[string]float64{}
	for rows.Next() {
		var status string
		var n int64
		var secs float64
		if err := rows.Scan(&status, &n, &secs); err != nil {
			return fmt.Errorf("read active deployments: %w", err)
		}
		count[status], age[status] = float64(n), max(secs, 0)
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read active deployments: %w", err)
	}
	for _, s := range ActiveStatuses {
		w.active.WithLabelValues(s).Set(count[s])
		w.oldestActive.WithLabelValues(s).Set(age[s])
	}
	return nil
}

// RunActiveDeployments updates the active-deployment gauges now and every
// interval until ctx ends. A failed query is logged and leaves the last
// figures in place: Postgres being down is its own alert.
func (w *Worker) RunActiveDeployments(ctx context.Context, pool *pgxpool.Pool, every time.Duration, logger *slog.Logger) {
	if w == nil {
		return
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		qctx, cancel := context.WithTimeout(ctx, min(every, 10*time.Second))
		err := w.UpdateActiveDeployments(qctx, pool)
		cancel()
		if err != nil && ctx.Err() == nil {
			logger.WarnContext(ctx, "active deployments metric not updated", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// PoolCollector exports a pgx pool's statistics as slipway_db_pool_*,
// read from pgxpool.Stat at each scrape.
type PoolCollector struct {
	pool *pgxpool.Pool

	acquired, idle, total, constructing, maxConns *prometheus.Desc
	acquires, emptyAcquires, canceled             *prometheus.Desc
	acquireSeconds, emptyWaitSeconds              *prometheus.Desc
}

// NewPoolCollector describes pool's statistics; register it on a registry.
func NewPoolCollector(pool *pgxpool.Pool) *PoolCollector {
	d := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("slipway_db_pool_"+name, help, nil, nil)
	}
	return &PoolCollector{
		pool:             pool,
		acquired:         d("acquired_conns", "Connections currently acquired from the pool."),
		idle:             d("idle_conns", "Idle connections in the pool."),
		total:            d("total_conns", "Connections in the pool: acquired, idle and being opened."),
		constructing:     d("constructing_conns", "Connections being opened."),
		maxConns:         d("max_conns", "The pool's connection limit."),
		acquires:         d("acquires_total", "Successful acquires from the pool."),
		emptyAcquires:    d("empty_acquires_total", "Acquires that waited because no connection was idle."),
		canceled:         d("canceled_acquires_total", "Acquires cancelled by their context while waiting."),
		acquireSeconds:   d("acquire_seconds_total", "Total time spent in successful acquires."),
		emptyWaitSeconds: d("acquire_wait_seconds_total", "Total time acquires waited for a connection because none was idle."),
	}
}

// Describe implements prometheus.Collector.
func (c *PoolCollector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{c.acquired, c.idle, c.total, c.constructing, c.maxConns,
		c.acquires, c.emptyAcquires, c.canceled, c.acquireSeconds, c.emptyWaitSeconds} {
		ch <- d
	}
}

// Collect implements prometheus.Collector.
func (c *PoolCollector) Collect(ch chan<- prometheus.Metric) {
	s := c.pool.Stat()
	g := func(d *prometheus.Desc, v float64) { ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v) }
	n := func(d *prometheus.Desc, v float64) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, v)
	}
	g(c.acquired, float64(s.AcquiredConns()))
	g(c.idle, float64(s.IdleConns()))
	g(c.total, float64(s.TotalConns()))
	g(c.constructing, float64(s.ConstructingConns()))
	g(c.maxConns, float64(s.MaxConns()))
	n(c.acquires, float64(s.AcquireCount()))
	n(c.emptyAcquires, float64(s.EmptyAcquireCount()))
	n(c.canceled, float64(s.CanceledAcquireCount()))
	n(c.acquireSeconds, s.AcquireDuration().Seconds())
	n(c.emptyWaitSeconds, s.EmptyAcquireWaitTime().Seconds())
}
