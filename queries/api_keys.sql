-- name: CreateAPIKey :one
INSERT INTO api_keys (user_id, name, prefix, secret_hash, scopes)
VALUES (@user_id, @name, @prefix, @secret_hash, @scopes::text[])
RETURNING *;

-- name: LockUserForAPIKeyCreation :exec
-- Serialises the creation of one user's keys, so that the count that
-- follows, in its own statement (and so its own snapshot), sees every key
-- committed before it and the per-user cap holds under concurrent creates.
-- FOR NO KEY UPDATE does not conflict with the KEY SHARE locks that inserts
-- referencing the user take (deployments, sessions), so it holds up only
-- other key creations and updates of the user's row, for one short
-- transaction.
SELECT 1 FROM users WHERE id = @user_id FOR NO KEY UPDATE;

-- name: CountActiveAPIKeys :one
SELECT count(*)::int AS active FROM api_keys
WHERE user_id = @user_id AND revoked_at IS NULL;

-- name: ListAPIKeysByUser :many
SELECT * FROM api_keys
WHERE user_id = @user_id AND revoked_at IS NULL
ORDER BY created_at DESC, id DESC;

-- name: GetAPIKeyByPrefix :one
-- Answers only keys that are not revoked, with the owner's tier and role
-- so that authenticating a request takes one round trip.
SELECT sqlc.embed(api_keys), users.tier AS user_tier, users.role AS user_role
FROM api_keys
JOIN users ON users.id = api_keys.user_id
WHERE api_keys.prefix = @prefix AND api_keys.revoked_at IS NULL;

-- name: GetRevokedAPIKeyHashByPrefix :one
-- Only on the failure path of authentication, to tell a revoked key from
-- an unknown one in the auth failure metric; the caller's answer is the
-- same for both.
SELECT secret_hash FROM api_keys
WHERE prefix = @prefix AND revoked_at IS NOT NULL;

-- name: RevokeAPIKey :execrows
-- Scoped to the owner: 0 rows means no such key for this user. Revoking
-- twice is harmless and keeps the first revocation time.
UPDATE api_keys
SET revoked_at = COALESCE(revoked_at, now())
WHERE id = @id AND user_id = @user_id;

-- name: TouchAPIKeysLastUsed :exec
-- Records use of many keys at once, so that the auth path can batch these
-- writes instead of updating on every request. Never moves time backwards.
UPDATE api_keys
SET last_used_at = @used_at::timestamptz
WHERE id = ANY(@ids::uuid[])
  AND (last_used_at IS NULL OR last_used_at < @used_at::timestamptz);
