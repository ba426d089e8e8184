-- name: InsertDeploymentBuild :exec
-- Recorded once, when the deployment compiled; a retried activity keeps the
-- first record.
INSERT INTO deployment_builds (
    deployment_id, contract_name, contract_file, compiler_version, optimizer, optimizer_runs,
    source_hash, standard_json_input_hash, lint_report_hash, bytecode_hash,
    deployed_bytecode_hash, init_code_hash, constructor_args, standard_json
) VALUES (
    @deployment_id, @contract_name, @contract_file, @compiler_version, @optimizer, @optimizer_runs,
    @source_hash, @standard_json_input_hash, @lint_report_hash, @bytecode_hash,
    @deployed_bytecode_hash, @init_code_hash, @constructor_args, @standard_json
)
ON CONFLICT (deployment_id) DO NOTHING;

-- name: GetDeploymentBuild :one
SELECT * FROM deployment_builds WHERE deployment_id = @deployment_id;

-- name: ListChildDeployments :many
-- A deployment's children (per-network deployments, implementations), in
-- the order they were made.
SELECT * FROM deployments WHERE parent_id = @parent_id ORDER BY created_at, id;

-- name: ListUpgrades :many
-- The upgrades of a proxy's deployment, oldest first.
SELECT * FROM deployments WHERE upgrade_of = @upgrade_of ORDER BY created_at, id;

-- name: SetImplementationAddress :exec
UPDATE deployments SET implementation_address = @implementation_address, updated_at = now()
WHERE id = @id;

-- name: ListDeployTxsForDeployments :many
-- Every transaction signed for these deployments, for provenance.
SELECT * FROM deploy_txs WHERE deployment_id = ANY(@deployment_ids::uuid[])
ORDER BY created_at, kind, attempt;
