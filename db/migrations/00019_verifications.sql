-- Source verification: after a deployment is CONFIRMED, the verify stage
-- re-derives its bytecode from the compiled sources and compares it with
-- the code at its address (lib-sourcify's rule: full, or partial when only
-- the metadata hash differs). The deployment's status stays CONFIRMED;
-- this row says what verification found.

-- +goose Up
CREATE TABLE deployment_verifications (
    deployment_id uuid        PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    status        text        NOT NULL CHECK (status IN ('PENDING', 'VERIFIED', 'FAILED', 'SKIPPED')),
    -- 'full' or 'partial' when VERIFIED.
    match         text        NOT NULL DEFAULT '' CHECK (match IN ('', 'full', 'partial')),
    message       text        NOT NULL DEFAULT '',
    -- Per service (local, and the publishing services a network names):
    -- [{name, status, url, message}].
    services      jsonb       NOT NULL DEFAULT '[]',
    updated_at    timestamptz NOT NULL DEFAULT now()
);

-- +goose Down
DROP TABLE deployment_verifications;
