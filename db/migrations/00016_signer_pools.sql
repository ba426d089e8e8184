-- Signer pools: a network may have several signers, and each deployment is
-- bound to one of them when its nonce is allocated (the binding is the
-- signer column of its first deploy_txs row, written in the transaction
-- that reserves its spend). Choosing the signer with the fewest deployments
-- in flight reads this index, so the choice costs the same however long
-- the deployment history grows.

-- +goose Up
CREATE INDEX deployments_network_in_flight_idx ON deployments (network)
WHERE status IN ('DEPLOYING', 'CONFIRMING');

-- +goose Down
DROP INDEX deployments_network_in_flight_idx;
