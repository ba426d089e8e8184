-- Content-addressed compile artifacts: a successful solc-js result under the
-- SHA-256 of everything that decides it (compiler version, the standard JSON
-- input with its optimizer settings, sorted sources and output selection,
-- and whether ASTs were kept). Identical compiles, from any worker, are
-- answered from here without touching solc. Only successes are stored:
-- errors are cheap to reproduce and may come from a worker fault.
--
-- result is the gzip-compressed JSON of the Result: an OpenZeppelin token's
-- ASTs run to megabytes of very repetitive JSON, and bytea skips the jsonb
-- parse on every write and read of a blob nobody queries into.
-- last_used_at is refreshed at most hourly by reads (see
-- queries/compile_artifacts.sql) so that a prune can drop cold artifacts.

-- +goose Up
CREATE TABLE compile_artifacts (
    key              bytea       PRIMARY KEY CHECK (octet_length(key) = 32),
    compiler_version text        NOT NULL,
    result           bytea       NOT NULL,
    created_at       timestamptz NOT NULL DEFAULT now(),
    last_used_at     timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX compile_artifacts_last_used_idx ON compile_artifacts (last_used_at);

-- +goose Down
DROP TABLE compile_artifacts;
