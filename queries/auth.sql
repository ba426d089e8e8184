-- name: GetSessionAuthState :one
-- The access-token check: whether the session still stands, and the
-- owner's current tier and role, so a tier or role change reaches bearer
-- requests as soon as the session-check cache entry expires.
SELECT sessions.user_id, sessions.revoked_at, sessions.idle_expires_at,
       sessions.absolute_expires_at, users.tier AS user_tier, users.role AS user_role
FROM sessions
JOIN users ON users.id = sessions.user_id
WHERE sessions.id = @id;

-- name: UpdateUserPasswordHash :execrows
-- Replaces a hash made with older argon2id parameters at login. Compare and
-- swap on the old hash: a password change that raced the login wins.
UPDATE users
SET password_hash = @new_hash, updated_at = now()
WHERE id = @id AND password_hash = @old_hash;

-- name: RevokeActiveAPIKey :one
-- Revokes one of the user's keys that is still active and answers it; no
-- row when there is no such key for this user or it is already revoked.
UPDATE api_keys
SET revoked_at = now()
WHERE id = @id AND user_id = @user_id AND revoked_at IS NULL
RETURNING id, prefix, name;

-- name: APIKeyExistsForUser :one
-- Whether the user ever had this key, revoked or not: deleting a key twice
-- succeeds, deleting another user's key is not_found.
SELECT EXISTS (SELECT 1 FROM api_keys WHERE id = @id AND user_id = @user_id);

-- name: RevokeActiveSession :execrows
-- Ends a session that is still active; 0 rows when it already ended, so the
-- caller records one revocation however many race.
UPDATE sessions
SET revoked_at = now(), revoke_reason = @reason::text
WHERE id = @id AND revoked_at IS NULL;
