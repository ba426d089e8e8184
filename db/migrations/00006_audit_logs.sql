-- The compliance audit log: who did what to which resource, from where.
-- Rows are never changed or removed, which a trigger enforces even against
-- hand-written SQL. There is deliberately no foreign key to users: the log
-- must outlive the accounts it mentions.

-- +goose Up
CREATE TABLE audit_logs (
    id            bigserial   PRIMARY KEY,
    actor_user_id uuid,
    actor_kind    text        NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'operator', 'system', 'anonymous')),
    action        text        NOT NULL CHECK (action <> ''),
    resource_type text        NOT NULL DEFAULT '',
    resource_id   text        NOT NULL DEFAULT '',
    details       jsonb       NOT NULL DEFAULT '{}',
    client_ip     inet,
    user_agent    text        NOT NULL DEFAULT '',
    request_id    text        NOT NULL DEFAULT '',
    created_at    timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX audit_logs_actor_created_idx ON audit_logs (actor_user_id, created_at, id)
    WHERE actor_user_id IS NOT NULL;

-- What was done to a resource (a user's tier changed by an operator), for
-- per-user compliance exports.
CREATE INDEX audit_logs_resource_created_idx ON audit_logs (resource_type, resource_id, created_at, id);

-- +goose StatementBegin
CREATE FUNCTION audit_logs_append_only() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'audit_logs is append-only: % is not allowed', TG_OP
        USING ERRCODE = 'insufficient_privilege';
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER audit_logs_no_update_delete
    BEFORE UPDATE OR DELETE ON audit_logs
    FOR EACH ROW EXECUTE FUNCTION audit_logs_append_only();

CREATE TRIGGER audit_logs_no_truncate
    BEFORE TRUNCATE ON audit_logs
    FOR EACH STATEMENT EXECUTE FUNCTION audit_logs_append_only();

-- +goose Down
DROP TABLE audit_logs;
DROP FUNCTION audit_logs_append_only();
