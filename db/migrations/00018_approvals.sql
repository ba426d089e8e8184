-- Approval policies: a deployment to a network that requires approvals
-- waits in AWAITING_APPROVAL after compile and before anything is signed.
-- deployment_approvals holds what the approvers are shown (the exact
-- contract, arguments and cost that will be signed) and the decision;
-- approval_votes one row per approver, the trail the API and the audit log
-- show. The workflow decides; these rows record what it decided.

-- +goose Up
ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'AWAITING_APPROVAL', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED'));
ALTER TABLE deployment_events DROP CONSTRAINT deployment_events_status_check;
ALTER TABLE deployment_events ADD CONSTRAINT deployment_events_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'AWAITING_APPROVAL', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED'));

CREATE TABLE deployment_approvals (
    deployment_id uuid        PRIMARY KEY REFERENCES deployments (id) ON DELETE CASCADE,
    required      integer     NOT NULL CHECK (required > 0),
    -- What will be signed: source and bytecode hashes, compiler and
    -- settings, constructor arguments decoded, lint summary, gas and the
    -- maximum fee (activities/progress.ApprovalSummary).
    summary       jsonb       NOT NULL,
    expires_at    timestamptz NOT NULL,
    -- NULL while waiting; 'approved', 'rejected' or 'expired' once decided.
    decision      text        CHECK (decision IN ('approved', 'rejected', 'expired')),
    created_at    timestamptz NOT NULL DEFAULT now()
);

-- Deployments waiting for approval, for approvers' inboxes.
CREATE INDEX deployment_approvals_open_idx ON deployment_approvals (created_at) WHERE decision IS NULL;

CREATE TABLE approval_votes (
    deployment_id uuid        NOT NULL REFERENCES deployment_approvals (deployment_id) ON DELETE CASCADE,
    voter_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    approve       boolean     NOT NULL,
    comment       text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (deployment_id, voter_id)
);

-- +goose Down
DROP TABLE approval_votes;
DROP TABLE deployment_approvals;
ALTER TABLE deployment_events DROP CONSTRAINT deployment_events_status_check;
ALTER TABLE deployment_events ADD CONSTRAINT deployment_events_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED'));
ALTER TABLE deployments DROP CONSTRAINT deployments_status_check;
ALTER TABLE deployments ADD CONSTRAINT deployments_status_check CHECK (status IN (
    'PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'DEPLOYING',
    'CONFIRMING', 'CONFIRMED', 'FAILED', 'CANCELLED'));
