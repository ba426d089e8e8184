-- Tells every API replica at once that an API key stopped being valid, so
-- that replicas may cache key lookups (server/auth, apikeycache.go): a
-- revocation (revoked_at set) or a deletion (the owner's account removed)
-- sends NOTIFY slipway_api_key_revoked with the key's id. A trigger rather
-- than a NOTIFY in each revoking query, so that every path notifies,
-- hand-written SQL included, and always in the transaction of the change:
-- the notification is delivered when, and only if, it commits.

-- +goose Up
-- +goose StatementBegin
CREATE FUNCTION api_keys_notify_revoked() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' OR (OLD.revoked_at IS NULL AND NEW.revoked_at IS NOT NULL) THEN
        PERFORM pg_notify('slipway_api_key_revoked', OLD.id::text);
    END IF;
    RETURN NULL;
END;
$$;
-- +goose StatementEnd

CREATE TRIGGER api_keys_notify_revoked
    AFTER UPDATE OF revoked_at OR DELETE ON api_keys
    FOR EACH ROW EXECUTE FUNCTION api_keys_notify_revoked();

-- +goose Down
DROP TRIGGER api_keys_notify_revoked ON api_keys;
DROP FUNCTION api_keys_notify_revoked();
