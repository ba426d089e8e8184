-- Users sign in with an email and a password; the tier sets their rate limit.

-- +goose Up
CREATE TABLE users (
    id            uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    email         text        NOT NULL CHECK (email <> '' AND length(email) <= 320),
    password_hash text        NOT NULL,
    tier          text        NOT NULL DEFAULT 'free' CHECK (tier IN ('free', 'paid')),
    created_at    timestamptz NOT NULL DEFAULT now(),
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- One account per address whatever its case: Alice@x.org and alice@x.org
-- are the same mailbox to users.
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email));

-- +goose Down
DROP TABLE users;
