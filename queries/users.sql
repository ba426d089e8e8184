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

-- name: SetUserRoleByEmail :one
-- For `slipway users set-role`; the CHECK on users.role refuses unknown
-- roles.
UPDATE users
SET role = @role, updated_at = now()
WHERE lower(email) = lower(@email)
RETURNING *;

-- name: LockAdmins :many
-- Locks every admin's row and answers their ids. Every role change through
-- the API takes these locks first, so changes queue behind each other and
-- the count they see stays true until they commit: two admins demoting each
-- other at once cannot leave none. Rows are locked in id order, so callers
-- queue rather than deadlock; FOR NO KEY UPDATE leaves alone the KEY SHARE
-- locks of inserts referencing the users (deployments, sessions).
SELECT id FROM users WHERE role = 'admin' ORDER BY id FOR NO KEY UPDATE;

-- name: GetUserForUpdate :one
-- The user, locked until the transaction ends, so that what a change is
-- decided on is what it changes.
SELECT * FROM users WHERE id = @id FOR NO KEY UPDATE;

-- name: SetUserRole :one
UPDATE users
SET role = @role, updated_at = now()
WHERE id = @id
RETURNING *;
