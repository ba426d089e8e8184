-- name: CreateSession :one
INSERT INTO sessions (user_id, idle_expires_at, absolute_expires_at, user_agent, ip)
VALUES (@user_id, @idle_expires_at, @absolute_expires_at, @user_agent, sqlc.narg(ip))
RETURNING *;

-- name: TouchSession :execrows
-- Slides the idle expiry on refresh; 0 rows when the session is revoked.
UPDATE sessions
SET last_used_at = @last_used_at,
    idle_expires_at = LEAST(@idle_expires_at, absolute_expires_at)
WHERE id = @id AND revoked_at IS NULL;

-- name: CreateRefreshToken :one
INSERT INTO refresh_tokens (session_id, parent_id, token_hash, expires_at)
VALUES (@session_id, sqlc.narg(parent_id), @token_hash, @expires_at)
RETURNING *;

-- name: GetRefreshTokenByHash :one
SELECT sqlc.embed(refresh_tokens), sqlc.embed(sessions)
FROM refresh_tokens
JOIN sessions ON sessions.id = refresh_tokens.session_id
WHERE refresh_tokens.token_hash = @token_hash;

-- name: MarkRefreshTokenUsed :execrows
-- Claims a refresh token. Exactly one caller gets 1 row back, however many
-- race; everyone else gets 0 and must treat the token as reused.
UPDATE refresh_tokens
SET used_at = @used_at::timestamptz
WHERE id = @id AND used_at IS NULL;

-- name: RevokeSession :execrows
-- Keeps the first revocation's time and reason when called again.
UPDATE sessions
SET revoked_at = COALESCE(revoked_at, now()),
    revoke_reason = COALESCE(revoke_reason, @reason::text)
WHERE id = @id;

-- name: RevokeSessionsByUser :execrows
UPDATE sessions
SET revoked_at = now(), revoke_reason = @reason::text
WHERE user_id = @user_id AND revoked_at IS NULL;

-- name: GetSessionForAuth :one
-- What an access-token check needs: whether the session still stands.
SELECT id, user_id, revoked_at, idle_expires_at, absolute_expires_at
FROM sessions
WHERE id = @id;
