-- name: InsertAuditLog :one
-- The only write to audit_logs: there is deliberately no UPDATE or DELETE
-- query, and a trigger refuses both.
INSERT INTO audit_logs (
    actor_user_id, actor_kind, action, resource_type, resource_id, details,
    client_ip, user_agent, request_id
) VALUES (
    sqlc.narg(actor_user_id), @actor_kind, @action, @resource_type, @resource_id,
    COALESCE(sqlc.narg(details)::jsonb, '{}'::jsonb),
    sqlc.narg(client_ip), @user_agent, @request_id
)
RETURNING *;

-- name: ListAuditLogsByUserSince :many
-- Oldest first from since (inclusive); page with the id of the last row.
SELECT * FROM audit_logs
WHERE actor_user_id = @actor_user_id::uuid
  AND (created_at, id) > (@since::timestamptz, @after_id::bigint)
ORDER BY created_at, id
LIMIT @max_rows;

-- name: ListAuditLogsForUser :many
-- A user's compliance export: what they did, and what was done to their
-- account (a tier change by an operator), oldest first from since
-- (inclusive); page with the (created_at, id) of the last row.
SELECT * FROM audit_logs
WHERE (actor_user_id = @user_id::uuid
       OR (resource_type = 'user' AND resource_id = (@user_id::uuid)::text))
  AND (created_at, id) > (@since::timestamptz, @after_id::bigint)
ORDER BY created_at, id
LIMIT @max_rows;
