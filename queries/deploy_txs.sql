-- name: LockDeploymentForDeploy :one
-- Takes the deployment's row lock for the signing transaction, so that a
-- concurrent cancel either wins before the nonce is taken or sees DEPLOYING,
-- and its user's spend lock on the network, so that the reservation made
-- next sees every reservation committed before (ReserveSpend). The user's
-- tier comes along for the tier's limits.
SELECT sqlc.embed(deployments), users.tier AS user_tier, slipway_spend_lock(deployments.user_id, deployments.network) AS spend_locked
FROM deployments JOIN users ON users.id = deployments.user_id
WHERE deployments.id = @id
FOR UPDATE OF deployments;

-- name: LockDeployment :one
-- The deployment's row lock alone, for steps that end it.
SELECT * FROM deployments WHERE id = @id FOR UPDATE;

-- name: AllocateNonce :one
-- Hands out the signer's next nonce on this network and advances it. The
-- first allocation, and any after the key was used outside Slipway, starts
-- at the chain's pending nonce, never below what was already
-- handed out. The row lock serialises allocations until commit.
INSERT INTO signer_nonces (network, address, next_nonce)
VALUES (@network, @address, sqlc.arg(chain_nonce)::bigint + 1)
ON CONFLICT (network, address) DO UPDATE
SET next_nonce = GREATEST(signer_nonces.next_nonce, sqlc.arg(chain_nonce)::bigint) + 1,
    updated_at = now()
RETURNING (next_nonce - 1)::bigint AS nonce;

-- name: InsertDeployTx :one
INSERT INTO deploy_txs (
    tx_hash, deployment_id, network, signer, nonce, attempt, kind, raw_tx,
    gas_limit, max_fee_per_gas, max_priority_fee_per_gas, contract_address, to_address
) VALUES (
    @tx_hash, @deployment_id, @network, @signer, @nonce, @attempt, @kind, @raw_tx,
    @gas_limit, @max_fee_per_gas, @max_priority_fee_per_gas, @contract_address, @to_address
)
RETURNING *;

-- name: ListDeployTxs :many
-- Every transaction signed for a deployment, first signing first.
SELECT * FROM deploy_txs WHERE deployment_id = @deployment_id ORDER BY kind, attempt;

-- name: GetDeployTx :one
SELECT * FROM deploy_txs WHERE tx_hash = @tx_hash;

-- name: MarkDeployTxBroadcast :exec
UPDATE deploy_txs SET broadcast_at = COALESCE(broadcast_at, now()) WHERE tx_hash = @tx_hash;

-- name: ListDeployTxsByNonce :many
-- What Slipway signed with this signer's nonce on the network, newest
-- first: gap repair re-sends it, or fills the nonce when nothing holds it.
SELECT deploy_txs.*, deployments.status AS deployment_status, deployments.tx_hash AS deployment_tx_hash
FROM deploy_txs JOIN deployments ON deployments.id = deploy_txs.deployment_id
WHERE deploy_txs.network = @network AND deploy_txs.signer = @signer AND deploy_txs.nonce = @nonce
ORDER BY deploy_txs.created_at DESC;
