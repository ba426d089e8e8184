-- name: TakeRateLimit :one
-- One request against one GCRA bucket, decided atomically: concurrent
-- requests on a bucket, from any replica, queue on its row lock, so the limit
-- holds exactly. Time is the database's clock_timestamp(), the one clock
-- every replica shares, read once per statement.
--
-- The limit is default_limit, or paid_limit when user_id names a user whose
-- tier is currently 'paid' (read here rather than from the caller's token, so
-- a tier change applies to the very next request). A bucket admits `limit`
-- requests per window_us at a steady rate of one per emission interval
-- e = window_us / limit, with a burst of `limit`. With backlog = max(TAT -
-- now, 0), a request is allowed when backlog <= (limit - 1) * e, and then
-- sets TAT = now + backlog + e; a refused request leaves the backlog as it
-- is. When the limit changed since the bucket was last used, the backlog is
-- rescaled to the new interval, keeping the number of requests used (capped
-- at the new limit): a user who spent 10 of 10 free requests and turns paid
-- has 90 of 100 left, not a bucket drained for a minute.
--
-- Answers the decision, the limit and tier applied, e, and ahead_us = TAT -
-- now after the request, from which the caller derives remaining, reset and
-- retry-after.
WITH pick AS MATERIALIZED (
    SELECT
        CASE WHEN u.tier = 'paid' THEN sqlc.arg(paid_limit)::int ELSE sqlc.arg(default_limit)::int END AS lim,
        COALESCE(u.tier, '')::text AS tier,
        sqlc.arg(window_us)::bigint AS window_us
    FROM (VALUES (1)) AS one (x)
    LEFT JOIN users u ON u.id = sqlc.narg(user_id)::uuid
),
req AS MATERIALIZED (
    SELECT
        (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us,
        pick.lim,
        pick.tier,
        (pick.window_us / pick.lim)::bigint AS emission_us
    FROM pick
),
take AS (
    INSERT INTO rate_limits AS r (bucket, tat_us, emission_us, allowed)
    SELECT sqlc.arg(bucket)::text, req.now_us + req.emission_us, req.emission_us, true
    FROM req
    ON CONFLICT (bucket) DO UPDATE SET (tat_us, emission_us, allowed) = (
        SELECT
            req.now_us + s.backlog_us
                + CASE WHEN s.backlog_us <= (req.lim - 1) * req.emission_us THEN req.emission_us ELSE 0 END,
            req.emission_us,
            s.backlog_us <= (req.lim - 1) * req.emission_us
        FROM req, LATERAL (
            SELECT CASE
                WHEN r.emission_us = req.emission_us THEN greatest(r.tat_us - req.now_us, 0)
                ELSE least(
                    (greatest(r.tat_us - req.now_us, 0)::numeric * req.emission_us / r.emission_us)::bigint,
                    req.lim * req.emission_us)
            END AS backlog_us
        ) AS s
    )
    RETURNING r.tat_us, r.allowed
)
SELECT
    take.allowed,
    req.lim,
    req.tier,
    req.emission_us,
    (take.tat_us - req.now_us)::bigint AS ahead_us
FROM take, req;

-- name: SweepRateLimits :execrows
-- Deletes up to batch_size buckets that are full again (TAT past): such a
-- row answers exactly as a missing one, so the sweep only bounds the table.
-- It skips rows that requests hold locked, and re-checks the TAT of the rows
-- it locks, so it never waits for a request nor deletes a bucket a request
-- has just used. Every replica may sweep; they share the work.
WITH now AS MATERIALIZED (
    SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS us
)
DELETE FROM rate_limits
WHERE tat_us < (SELECT us FROM now)
  AND bucket IN (
      SELECT s.bucket
      FROM rate_limits s
      WHERE s.tat_us < (SELECT us FROM now)
      LIMIT sqlc.arg(batch_size)::int
      FOR UPDATE SKIP LOCKED
  );
