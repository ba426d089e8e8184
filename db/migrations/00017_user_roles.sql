-- Roles: what a user may do beyond deploying and reading their own
-- deployments. Every account starts as a deployer; approvers decide on
-- deployments that wait for approval; admins change roles and read every
-- user's deployments. The first admin is made with `slipway users set-role`.

-- +goose Up
ALTER TABLE users
    ADD COLUMN role text NOT NULL DEFAULT 'deployer'
    CHECK (role IN ('deployer', 'approver', 'admin'));

-- Admins list every user's deployments newest first (ListAllDeployments);
-- without this index each page would sort the whole table.
CREATE INDEX deployments_created_idx ON deployments (created_at DESC, id DESC);

-- +goose Down
DROP INDEX deployments_created_idx;
ALTER TABLE users DROP COLUMN role;
