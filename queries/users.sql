-- name: CreateUser :one
-- Fails with a unique violation on users_email_lower_key when the email is
-- taken in any letter case.
INSERT INTO users (email, password_hash, tier)
VALUES (@email, @password_hash, COALESCE(sqlc.narg(tier)::text, 'free'))
RETURNING *;

-- name: GetUserByID :one
SELECT * FROM users WHERE id = @id;

-- name: GetUserByEmail :one
SELECT * FROM users WHERE lower(email) = lower(@email);

-- name: SetUserTierByEmail :one
UPDATE users
SET tier = @tier, updated_at = now()
WHERE lower(email) = lower(@email)
RETURNING *;
