-- One row per deployment: the request that started it and its progress
-- through generate, lint, compile, deploy and confirm, mirrored from its
-- Temporal workflow.

-- +goose Up
CREATE TABLE deployments (
    id                     uuid        PRIMARY KEY DEFAULT gen_random_uuid(),
    user_id                uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    status                 text        NOT NULL DEFAULT 'PENDING' CHECK (status IN (
        'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'DEPLOYING',
        'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED')),
    network                text        NOT NULL CHECK (network <> ''),
    contract_name          text        NOT NULL DEFAULT '',
    contract_address       text        NOT NULL DEFAULT ''
        CHECK (contract_address = '' OR contract_address ~ '^0x[0-9A-Fa-f]{40}$'),
    tx_hash                text        NOT NULL DEFAULT ''
        CHECK (tx_hash = '' OR tx_hash ~ '^0x[0-9A-Fa-f]{64}$'),
    gas_used               bigint      NOT NULL DEFAULT 0 CHECK (gas_used >= 0),
    block_number           bigint      NOT NULL DEFAULT 0 CHECK (block_number >= 0),
    confirmations          integer     NOT NULL DEFAULT 0 CHECK (confirmations >= 0),
    required_confirmations integer     NOT NULL DEFAULT 0 CHECK (required_confirmations >= 0),
    lint_high              integer     NOT NULL DEFAULT 0 CHECK (lint_high >= 0),
    lint_medium            integer     NOT NULL DEFAULT 0 CHECK (lint_medium >= 0),
    lint_low               integer     NOT NULL DEFAULT 0 CHECK (lint_low >= 0),
    lint_info              integer     NOT NULL DEFAULT 0 CHECK (lint_info >= 0),
    error                  text        NOT NULL DEFAULT '',
    workflow_id            text        NOT NULL CHECK (workflow_id <> ''),
    -- Wei; 78 digits hold any uint256.
    effective_gas_price    numeric(78, 0) CHECK (effective_gas_price >= 0),
    fee_paid               numeric(78, 0) CHECK (fee_paid >= 0),
    compiler_version       text        NOT NULL DEFAULT '',
    -- The CreateDeployment request as given (template or source references,
    -- constructor arguments, optimizer, allow_findings), so that a workflow
    -- can be replayed or audited from the row alone.
    request                jsonb       NOT NULL DEFAULT '{}',
    -- sha256 of the sources that were compiled, and where the compiled
    -- artifact (ABI, bytecode) is kept.
    source_hash            bytea,
    artifact_ref           text        NOT NULL DEFAULT '',
    idempotency_key        text        CHECK (idempotency_key <> ''),
    -- The seq of the latest deployment_events row; see AppendDeploymentEvent.
    last_event_seq         integer     NOT NULL DEFAULT 0,
    created_at             timestamptz NOT NULL DEFAULT now(),
    updated_at             timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT deployments_workflow_id_key UNIQUE (workflow_id),
    -- NULL keys never collide, so requests without a key always create.
    CONSTRAINT deployments_user_idempotency_key UNIQUE (user_id, idempotency_key)
);

-- Newest-first keyset pagination of a user's deployments, with and without
-- a status filter.
CREATE INDEX deployments_user_created_idx ON deployments (user_id, created_at DESC, id DESC);
CREATE INDEX deployments_user_status_created_idx ON deployments (user_id, status, created_at DESC, id DESC);

-- +goose Down
DROP TABLE deployments;
