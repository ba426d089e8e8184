-- Exactly-once deployment on chain. signer_nonces hands out each signer's
-- nonces per network, one row lock at a time, so concurrent deployments from
-- one key get consecutive nonces with no gap and no reuse. deploy_txs keeps
-- every transaction Slipway signed (the deployment and its fee-bumped
-- replacements, or a zero-value filler for an abandoned nonce), written
-- before it is broadcast: a retry after any crash re-broadcasts the same
-- bytes instead of signing something new.

-- +goose Up
CREATE TABLE signer_nonces (
    network    text        NOT NULL,
    address    text        NOT NULL CHECK (address ~ '^0x[0-9a-f]{40}$'),
    -- The next nonce to hand out.
    next_nonce bigint      NOT NULL CHECK (next_nonce >= 0),
    updated_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (network, address)
);

CREATE TABLE deploy_txs (
    tx_hash                  text        PRIMARY KEY CHECK (tx_hash ~ '^0x[0-9a-f]{64}$'),
    deployment_id            uuid        NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    network                  text        NOT NULL,
    signer                   text        NOT NULL CHECK (signer ~ '^0x[0-9a-f]{40}$'),
    nonce                    bigint      NOT NULL CHECK (nonce >= 0),
    -- 0 for the first signing, then one more for each fee bump.
    attempt                  integer     NOT NULL CHECK (attempt >= 0),
    -- 'deploy' creates the contract; 'filler' is a zero-value self-transfer
    -- that uses up a nonce whose deployment was abandoned.
    kind                     text        NOT NULL CHECK (kind IN ('deploy', 'filler')),
    raw_tx                   bytea       NOT NULL,
    gas_limit                bigint      NOT NULL CHECK (gas_limit > 0),
    max_fee_per_gas          numeric(78, 0) NOT NULL CHECK (max_fee_per_gas >= 0),
    max_priority_fee_per_gas numeric(78, 0) NOT NULL CHECK (max_priority_fee_per_gas >= 0),
    contract_address         text        NOT NULL DEFAULT '',
    broadcast_at             timestamptz,
    created_at               timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deploy_txs_attempt_key UNIQUE (deployment_id, kind, attempt)
);

CREATE INDEX deploy_txs_signer_nonce_idx ON deploy_txs (network, signer, nonce);

-- +goose Down
DROP TABLE deploy_txs;
DROP TABLE signer_nonces;
