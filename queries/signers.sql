-- name: LockSignerPool :exec
-- Serialises the choice of signer among a network's concurrent signings
-- until commit, so that each choice counts the deployments the ones before
-- it bound (CountPendingBySigner).
SELECT pg_advisory_xact_lock(1397512003, hashtext(@network::text));

-- name: CountPendingBySigner :many
-- Deployments in flight per signer of a network: signed, not yet ended.
SELECT deploy_txs.signer, count(*)::bigint AS pending
FROM deployments
JOIN deploy_txs ON deploy_txs.deployment_id = deployments.id AND deploy_txs.kind = 'deploy' AND deploy_txs.attempt = 0
WHERE deployments.network = @network AND deployments.status IN ('DEPLOYING', 'CONFIRMING')
GROUP BY deploy_txs.signer;
