-- Per-user API keys. Only a hash of the secret is kept; the prefix finds the
-- row and is shown in listings so users can tell their keys apart.

-- +goose Up
CREATE TABLE api_keys (
    id           uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL CHECK (length(name) <= 200),
    prefix       text        NOT NULL CHECK (prefix <> ''),
    secret_hash  bytea       NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    last_used_at timestamptz,
    revoked_at   timestamptz,
    CONSTRAINT api_keys_prefix_key UNIQUE (prefix)
);

CREATE INDEX api_keys_user_active_idx ON api_keys (user_id, created_at DESC, id DESC)
    WHERE revoked_at IS NULL;

-- +goose Down
DROP TABLE api_keys;
