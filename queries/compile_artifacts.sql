-- name: GetCompileArtifact :one
-- Answers a stored compile result and, at most once an hour per artifact,
-- marks it used: a write on every hit would cost a WAL flush per compile
-- for a timestamp that only a prune reads.
WITH touch AS (
    UPDATE compile_artifacts
    SET last_used_at = now()
    WHERE key = sqlc.arg(key)::bytea
      AND last_used_at < now() - interval '1 hour'
)
SELECT a.result
FROM compile_artifacts a
WHERE a.key = sqlc.arg(key)::bytea;

-- name: PutCompileArtifact :exec
-- Stores a compile result. The key is a content address, so a row already
-- there holds the same result: a concurrent identical compile leaves it.
INSERT INTO compile_artifacts (key, compiler_version, result)
VALUES (sqlc.arg(key)::bytea, sqlc.arg(compiler_version)::text, sqlc.arg(result)::bytea)
ON CONFLICT (key) DO UPDATE SET last_used_at = now();

-- name: PruneCompileArtifacts :execrows
-- Deletes artifacts not used since the cutoff; the next identical compile
-- simply runs solc again.
DELETE FROM compile_artifacts
WHERE last_used_at < sqlc.arg(unused_since)::timestamptz;
