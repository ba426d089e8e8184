-- name: GetDeploymentAsViewer :one
-- The viewer's own deployment, or any user's when the viewer is an admin;
-- otherwise no rows, exactly like an unknown id. The role is read here, at
-- the moment of the read, not taken from the caller's principal (cached
-- for a few seconds): a demoted admin's next read is refused at once, an
-- open watch's re-poll included.
SELECT * FROM deployments
WHERE deployments.id = @id
  AND (deployments.user_id = @viewer_id
       OR EXISTS (SELECT 1 FROM users WHERE users.id = @viewer_id AND users.role = 'admin'));

-- name: ListAllDeployments :many
-- Every user's deployments, newest first, paged as ListDeploymentsForUser
-- is, for an admin; no rows when admin_id is not an admin (any more), the
-- role read as GetDeploymentAsViewer reads it.
SELECT * FROM deployments
WHERE EXISTS (SELECT 1 FROM users WHERE users.id = @admin_id AND users.role = 'admin')
  AND deployments.parent_id IS NULL
  AND (sqlc.narg(status)::text IS NULL OR deployments.status = sqlc.narg(status)::text)
  AND (sqlc.narg(before_created_at)::timestamptz IS NULL
       OR (deployments.created_at, deployments.id) < (sqlc.narg(before_created_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY deployments.created_at DESC, deployments.id DESC
LIMIT @page_size;
