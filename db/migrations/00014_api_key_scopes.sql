-- What an API key may do (server/auth/scopes.go maps every procedure to one
-- scope): read, deploy, contracts (generate, compile, audit) and keys
-- (create and revoke keys). Keys are the credential most likely to leak into
-- CI logs, so a key holds only the scopes chosen when it was made, and only
-- keys with "keys" can mint or revoke other keys.
--
-- Keys that exist already keep every right they had except key management:
-- ADD COLUMN with this constant default gives them {read,deploy,contracts}
-- without rewriting the table, and it is also what a key made without
-- scopes gets. The CHECK keeps the set non-empty and within the four names;
-- the API also refuses duplicates, so each scope appears once.

-- +goose Up
ALTER TABLE api_keys
    ADD COLUMN scopes text[] NOT NULL DEFAULT '{read,deploy,contracts}'
    CONSTRAINT api_keys_scopes_check
        CHECK (cardinality(scopes) >= 1
               AND scopes <@ ARRAY['read', 'deploy', 'contracts', 'keys']::text[]);

-- +goose Down
ALTER TABLE api_keys DROP COLUMN scopes;
