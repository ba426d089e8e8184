-- name: TakeRateLimits :many
-- Many requests against many GCRA buckets in one statement, as a replica's
-- limiter batches them: element i of the arrays is bucket i, the user it
-- belongs to (the zero UUID, which no user has, for an address), its default
-- limit and n_i >= 1, the number of requests on it in this batch, in
-- arrival order. The buckets must be distinct. The rules are those of
-- TakeRateLimit (queries/rate_limits.sql), applied to the n requests of a
-- bucket one after the other at one instant: with backlog b (rescaled when
-- the limit changed) and emission interval e, request j (from 0) is admitted
-- when b + j*e <= (limit - 1) * e, and a refused request changes nothing, so
-- the first `taken` are admitted and the rest refused, and TAT = now + b +
-- taken*e. Each bucket's row is locked and updated once, so the decision is
-- still atomic per bucket across replicas; rows are taken in bucket order so
-- that two replicas' batches never deadlock. Time is clock_timestamp(), read
-- once for the whole batch.
--
-- lease_us_i > 0 marks the extra requests on bucket i (those beyond the
-- replica's waiting calls) as a lease: tokens the replica will spend itself
-- at any time within lease_us from now. They are admitted against the
-- bucket as it is now (spending them sooner could only drain the bucket
-- less), and the TAT is moved as if they arrived at now + lease_us (spending
-- them later could only be worse): TAT = now + max(backlog, lease_us) +
-- taken*e. So no schedule of spending within the lease admits a request the
-- bucket would refuse; the price is the drain of lease_us that the bucket
-- forgoes.
--
-- Answers per bucket: taken, the limit and tier applied, e, and ahead_us =
-- TAT - now after the batch; the caller derives each request's decision
-- (request j < taken saw ahead_us - (taken - 1 - j) * e; the others saw
-- ahead_us and were refused).
WITH clock AS MATERIALIZED (
    SELECT (extract(epoch FROM clock_timestamp()) * 1000000)::bigint AS now_us
),
req AS MATERIALIZED (
    SELECT
        i.bucket,
        i.n,
        i.lease_us,
        clock.now_us,
        p.lim,
        p.tier,
        (sqlc.arg(window_us)::bigint / p.lim)::bigint AS emission_us
    FROM (
        SELECT
            b.bucket,
            (sqlc.arg(user_ids)::uuid[])[b.ord] AS user_id,
            (sqlc.arg(default_limits)::int[])[b.ord] AS default_limit,
            (sqlc.arg(counts)::int[])[b.ord] AS n,
            (sqlc.arg(lease_us)::bigint[])[b.ord] AS lease_us
        FROM unnest(sqlc.arg(buckets)::text[]) WITH ORDINALITY AS b (bucket, ord)
    ) AS i
    CROSS JOIN clock
    LEFT JOIN users u ON u.id = i.user_id
    CROSS JOIN LATERAL (
        SELECT
            (CASE WHEN u.tier = 'paid' THEN sqlc.arg(paid_limit)::int ELSE i.default_limit END)::int AS lim,
            COALESCE(u.tier, '')::text AS tier
    ) AS p
),
take AS (
    INSERT INTO rate_limits AS r (bucket, tat_us, emission_us, allowed, taken)
    SELECT
        req.bucket,
        req.now_us + greatest(req.lease_us, 0) + least(req.n, req.lim) * req.emission_us,
        req.emission_us,
        req.n <= req.lim,
        least(req.n, req.lim)
    FROM req
    ORDER BY req.bucket
    ON CONFLICT (bucket) DO UPDATE SET (tat_us, emission_us, allowed, taken) = (
        SELECT
            req.now_us + CASE WHEN a.taken > 0 THEN greatest(s.backlog_us, req.lease_us) ELSE s.backlog_us END
                + a.taken * req.emission_us,
            req.emission_us,
            a.taken = req.n,
            a.taken
        FROM req,
        LATERAL (
            SELECT CASE
                WHEN r.emission_us = req.emission_us THEN greatest(r.tat_us - req.now_us, 0)
                ELSE least(
                    (greatest(r.tat_us - req.now_us, 0)::numeric * req.emission_us / r.emission_us)::bigint,
                    req.lim * req.emission_us)
            END AS backlog_us
        ) AS s,
        LATERAL (
            SELECT CASE
                WHEN s.backlog_us <= (req.lim - 1) * req.emission_us
                    THEN least(req.n, ((req.lim - 1) * req.emission_us - s.backlog_us) / req.emission_us + 1)
                ELSE 0
            END AS taken
        ) AS a
        WHERE req.bucket = excluded.bucket
    )
    RETURNING r.bucket, r.tat_us, r.taken
)
SELECT
    take.bucket,
    take.taken,
    req.lim,
    req.tier,
    req.emission_us,
    (take.tat_us - req.now_us)::bigint AS ahead_us
FROM take
JOIN req ON req.bucket = take.bucket;
