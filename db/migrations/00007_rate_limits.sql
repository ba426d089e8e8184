-- Rate-limit state shared by every API replica: one GCRA (generic cell rate
-- algorithm) bucket per key, such as "user:<uuid>" or "ip:<addr>:auth".
-- A bucket is its theoretical arrival time (TAT), the moment it is full
-- again, in microseconds since the Unix epoch on the database's clock:
-- integers keep the arithmetic exact. A missing row and a row whose TAT is
-- past mean the same thing, a full bucket, so the periodic sweep that
-- deletes past rows changes no answer (see queries/rate_limits.sql).
--
-- UNLOGGED: the state is worth a minute at most, so it skips the WAL, and a
-- request's commit waits for no WAL flush, most of the cost of a one-row
-- write. The price: a Postgres crash or a failover to a standby empties the
-- table, and every bucket starts full once. No index but the key, and room
-- left in each page, so that every update is a HOT update.

-- +goose Up
CREATE UNLOGGED TABLE rate_limits (
    bucket      text    PRIMARY KEY CHECK (bucket <> ''),
    tat_us      bigint  NOT NULL,
    -- The emission interval (window / limit) the TAT was counted in, so
    -- that a tier change can carry over the number of requests used.
    emission_us bigint  NOT NULL CHECK (emission_us > 0),
    -- The outcome of the latest request on the bucket. The one statement
    -- that decides needs it to report its decision: Postgres before 18 has
    -- no RETURNING OLD to compare the TAT before and after.
    allowed     boolean NOT NULL
) WITH (fillfactor = 70);

-- +goose Down
DROP TABLE rate_limits;
