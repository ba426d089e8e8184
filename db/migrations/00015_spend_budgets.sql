-- Money safety for many tenants. Every deployment that signs reserves its
-- worst-case fee (gas limit × max fee per gas) against its user's spend
-- budget on the network, in the transaction that allocates the nonce and
-- stores the signed bytes; the reservation grows with each fee bump, settles
-- to the fee actually paid when the deployment confirms (or reverts on
-- chain), and is released when it fails or is cancelled before anything was
-- mined. A budget is a limit per rolling period: what counts against it is
-- every reservation still outstanding plus what settled within the period.
--
-- Concurrent reservations of one user on one network are serialised by an
-- advisory lock (class 'SLWB') that LockDeploymentForDeploy takes together
-- with the deployment's row lock, so that the reservation, the statement
-- after it, sees every reservation committed before and a budget is never
-- overspent whatever number of workers sign at once.

-- +goose Up
-- A user's own budget on a network, set by an operator (slipway users
-- set-budget); without one the tier's default from the networks file holds.
CREATE TABLE spend_budgets (
    user_id        uuid           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    network        text           NOT NULL CHECK (network ~ '^[a-z0-9][a-z0-9_-]{0,62}$'),
    limit_wei      numeric(78, 0) NOT NULL CHECK (limit_wei >= 0),
    period_seconds bigint         NOT NULL CHECK (period_seconds BETWEEN 60 AND 31622400),
    updated_at     timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (user_id, network)
);

-- One row per deployment that signed. state 'reserved' holds reserved_wei
-- (the worst case) against the budget until the deployment ends; 'settled'
-- holds spent_wei (what was paid); 'released' holds nothing.
CREATE TABLE spend_reservations (
    deployment_id uuid           PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    user_id       uuid           NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    network       text           NOT NULL,
    reserved_wei  numeric(78, 0) NOT NULL CHECK (reserved_wei >= 0),
    spent_wei     numeric(78, 0) NOT NULL DEFAULT 0 CHECK (spent_wei >= 0),
    state         text           NOT NULL DEFAULT 'reserved' CHECK (state IN ('reserved', 'settled', 'released')),
    created_at    timestamptz    NOT NULL DEFAULT now(),
    ended_at      timestamptz,
    CHECK ((state = 'reserved') = (ended_at IS NULL)),
    CHECK (state = 'reserved' OR reserved_wei = 0)
);

CREATE INDEX spend_reservations_user_network_idx ON spend_reservations (user_id, network, created_at);

-- +goose StatementBegin
-- Takes the spend lock of (user, network) for the rest of the transaction
-- and answers true, so that a SELECT can take it along with a row lock.
CREATE FUNCTION slipway_spend_lock(p_user uuid, p_network text) RETURNS boolean
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_advisory_xact_lock(1397512002, hashtext(p_user::text || '/' || p_network));
    RETURN true;
END;
$$;
-- +goose StatementEnd

-- A user's compile and audit runs in flight, for the per-tier cap. A row
-- expires by itself, so an API replica that dies mid-build frees its slots.
CREATE TABLE build_slots (
    id         uuid        PRIMARY KEY,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    expires_at timestamptz NOT NULL
);

CREATE INDEX build_slots_user_idx ON build_slots (user_id, expires_at);

-- The signer balances workers read, so that the API's readiness can tell a
-- signer below its network's minimum without holding any key.
CREATE TABLE signer_balances (
    network         text           NOT NULL,
    address         text           NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
    balance_wei     numeric(78, 0) NOT NULL CHECK (balance_wei >= 0),
    min_balance_wei numeric(78, 0) NOT NULL DEFAULT 0 CHECK (min_balance_wei >= 0),
    read_at         timestamptz    NOT NULL DEFAULT now(),
    PRIMARY KEY (network, address)
);

-- +goose Down
DROP TABLE signer_balances;
DROP TABLE build_slots;
DROP FUNCTION slipway_spend_lock(uuid, text);
DROP TABLE spend_reservations;
DROP TABLE spend_budgets;
