-- Deterministic, multi-network and upgradeable deployments (issue 15).
--
-- A deployment row is still one transaction's lifecycle (the deploy stage
-- signs, broadcasts and confirms per row); what issue 15 adds are rows
-- that group others:
--   role 'deploy'          its own transaction creates its contract (the
--                          proxy, for an upgradeable one);
--   role 'fanout'          a multi-network deployment: no transaction of
--                          its own, one child per network (parent_id);
--   role 'implementation'  an upgradeable deployment's implementation, the
--                          child of its proxy's deployment or of an upgrade;
--   role 'upgrade'         an upgrade (upgrade_of names the proxy's
--                          deployment): its own transaction is the upgrade
--                          call, its implementation a child.
-- +goose Up
ALTER TABLE deployments
    ADD COLUMN parent_id uuid REFERENCES deployments (id) ON DELETE CASCADE,
    ADD COLUMN role text NOT NULL DEFAULT 'deploy'
        CHECK (role IN ('deploy', 'fanout', 'implementation', 'upgrade')),
    ADD COLUMN networks text[] NOT NULL DEFAULT '{}',
    ADD COLUMN salt text NOT NULL DEFAULT '' CHECK (salt = '' OR salt ~ '^0x[0-9a-f]{64}$'),
    ADD COLUMN proxy_kind text NOT NULL DEFAULT '' CHECK (proxy_kind IN ('', 'uups', 'transparent')),
    ADD COLUMN implementation_address text NOT NULL DEFAULT ''
        CHECK (implementation_address = '' OR implementation_address ~ '^0x[0-9A-Fa-f]{40}$'),
    ADD COLUMN upgrade_of uuid REFERENCES deployments (id) ON DELETE CASCADE,
    -- An upgrade's OpenZeppelin upgrade-safety report ({safe, report, errors}).
    ADD COLUMN upgrade_safety jsonb;
ALTER TABLE deployments DROP CONSTRAINT deployments_network_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_network_check CHECK (network <> '' OR role = 'fanout');
CREATE INDEX deployments_parent_idx ON deployments (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX deployments_upgrade_of_idx ON deployments (upgrade_of) WHERE upgrade_of IS NOT NULL;
-- At most one upgrade of a proxy runs at a time.
CREATE UNIQUE INDEX deployments_one_running_upgrade_idx ON deployments (upgrade_of)
    WHERE upgrade_of IS NOT NULL AND status NOT IN ('CONFIRMED', 'FAILED', 'CANCELLED', 'PARTIALLY_CONFIRMED');

ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'AWAITING_APPROVAL', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED', 'PARTIALLY_CONFIRMED'));
ALTER TABLE deployment_events DROP CONSTRAINT deployment_events_status_check;
ALTER TABLE deployment_events ADD CONSTRAINT deployment_events_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'AWAITING_APPROVAL', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED', 'PARTIALLY_CONFIRMED'));

-- Where a transaction was sent: the deterministic deployment proxy for a
-- CREATE2 deployment, the proxy (or its ProxyAdmin) for an upgrade call;
-- empty for a plain creation.
ALTER TABLE deploy_txs ADD COLUMN to_address text NOT NULL DEFAULT ''
    CHECK (to_address = '' OR to_address ~ '^0x[0-9a-f]{40}$');

-- What a deployment was built from, recorded once when it compiled: the
-- provenance record and an upgrade's safety check of the next version read
-- it. Hashes are 0x-prefixed hex.
CREATE TABLE deployment_builds (
    deployment_id            uuid        PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    contract_name            text        NOT NULL,
    contract_file            text        NOT NULL,
    compiler_version         text        NOT NULL,
    optimizer                boolean     NOT NULL,
    optimizer_runs           integer     NOT NULL CHECK (optimizer_runs >= 0),
    source_hash              text        NOT NULL,
    standard_json_input_hash text        NOT NULL,
    lint_report_hash         text        NOT NULL,
    bytecode_hash            text        NOT NULL,
    deployed_bytecode_hash   text        NOT NULL,
    init_code_hash           text        NOT NULL DEFAULT '',
    constructor_args         jsonb       NOT NULL DEFAULT '[]',
    -- solc's standard JSON input as compiled, for the next upgrade's
    -- storage-layout comparison.
    standard_json            bytea       NOT NULL,
    created_at               timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE deployment_builds;
ALTER TABLE deploy_txs DROP COLUMN to_address;
ALTER TABLE deployment_events DROP CONSTRAINT deployment_events_status_check;
ALTER TABLE deployment_events ADD CONSTRAINT deployment_events_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'AWAITING_APPROVAL', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED'));
ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'AWAITING_APPROVAL', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED'));
DROP INDEX deployments_one_running_upgrade_idx;
DROP INDEX deployments_upgrade_of_idx;
DROP INDEX deployments_parent_idx;
ALTER TABLE deployments DROP CONSTRAINT deployments_network_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_network_check CHECK (network <> '');
ALTER TABLE deployments
    DROP COLUMN upgrade_safety,
    DROP COLUMN upgrade_of,
    DROP COLUMN implementation_address,
    DROP COLUMN proxy_kind,
    DROP COLUMN salt,
    DROP COLUMN networks,
    DROP COLUMN role,
    DROP COLUMN parent_id;
