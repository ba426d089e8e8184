-- name: AppendDeploymentEvent :one
-- Allocates the next seq and inserts the event in one statement. The UPDATE
-- holds the deployment's row lock until the transaction ends, so concurrent
-- appends get consecutive seqs and commit in seq order: a reader that has
-- seen seq N never later finds a new event below N. Answers no rows when the
-- deployment does not exist.
WITH next AS (
    UPDATE deployments
    SET last_event_seq = last_event_seq + 1
    WHERE deployments.id = @deployment_id
    RETURNING deployments.id, deployments.last_event_seq
)
INSERT INTO deployment_events (
    deployment_id, seq, status, message, tx_hash, contract_address, confirmations, details
)
SELECT next.id, next.last_event_seq, @status::text, @message::text, @tx_hash::text,
       @contract_address::text, @confirmations::integer,
       COALESCE(sqlc.narg(details)::jsonb, '{}'::jsonb)
FROM next
RETURNING *;

-- name: ListDeploymentEventsAfter :many
SELECT * FROM deployment_events
WHERE deployment_id = @deployment_id AND seq > @after_seq
ORDER BY seq
LIMIT @max_events;

-- name: NotifyDeploymentEvent :exec
-- Wakes every API replica watching this deployment. Sent in the transaction
-- that appends the event, so the notification is delivered after (and only
-- if) the event is visible.
SELECT pg_notify('slipway_deployment_events', @deployment_id::text);
