-- Lets one statement decide several requests on one bucket (a busy replica
-- coalesces the limiter calls that arrive while its statements are in flight;
-- see queries/rate_limit_batches.sql). taken is how many of the requests the
-- latest statement on the bucket carried were admitted: the statement needs
-- it in RETURNING to tell its requests apart, and Postgres before 18 has no
-- RETURNING OLD to read the TAT as it was. It means nothing between
-- statements. ADD COLUMN with a constant default rewrites nothing.

-- +goose Up
ALTER TABLE rate_limits ADD COLUMN taken integer NOT NULL DEFAULT 0 CHECK (taken >= 0);

-- +goose Down
ALTER TABLE rate_limits DROP COLUMN taken;
