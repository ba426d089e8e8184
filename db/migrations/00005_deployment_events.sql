-- The ordered history of each deployment. seq starts at 1 and has no gaps,
-- so a client that saw seq N resumes with "after N" and misses nothing.

-- +goose Up
CREATE TABLE deployment_events (
    deployment_id    uuid        NOT NULL REFERENCES deployments (id) ON DELETE CASCADE,
    seq              integer     NOT NULL CHECK (seq > 0),
    status           text        NOT NULL CHECK (status IN (
        'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'DEPLOYING',
        'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED')),
    message          text        NOT NULL DEFAULT '',
    tx_hash          text        NOT NULL DEFAULT '',
    contract_address text        NOT NULL DEFAULT '',
    confirmations    integer     NOT NULL DEFAULT 0 CHECK (confirmations >= 0),
    details          jsonb       NOT NULL DEFAULT '{}',
    created_at       timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (deployment_id, seq)
);

-- +goose Down
DROP TABLE deployment_events;
