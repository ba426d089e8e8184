-- name: UpsertVerification :exec
INSERT INTO deployment_verifications (deployment_id, status, match, message, services, updated_at)
VALUES (@deployment_id, @status, @match, @message, @services, now())
ON CONFLICT (deployment_id) DO UPDATE
SET status = EXCLUDED.status, match = EXCLUDED.match, message = EXCLUDED.message,
    services = EXCLUDED.services, updated_at = now();

-- name: GetVerification :one
SELECT * FROM deployment_verifications WHERE deployment_id = @deployment_id;
