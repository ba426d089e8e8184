-- name: CreateDeployment :one
-- Answers no rows (pgx.ErrNoRows) when this user already has a deployment
-- with this idempotency key; fetch it with GetDeploymentByIdempotencyKey.
-- An empty key is stored as NULL and never collides.
INSERT INTO deployments (
    id, user_id, network, contract_name, required_confirmations,
    compiler_version, workflow_id, request, idempotency_key,
    parent_id, role, networks, salt, proxy_kind, upgrade_of, contract_address
) VALUES (
    @id, @user_id, @network, @contract_name, @required_confirmations,
    @compiler_version, @workflow_id, COALESCE(sqlc.narg(request)::jsonb, '{}'::jsonb),
    NULLIF(@idempotency_key::text, ''),
    sqlc.narg(parent_id), COALESCE(NULLIF(@role::text, ''), 'deploy'), COALESCE(@networks::text[], '{}'),
    @salt, @proxy_kind, sqlc.narg(upgrade_of),
    @contract_address
)
ON CONFLICT (user_id, idempotency_key) DO NOTHING
RETURNING *;

-- name: GetDeploymentByIdempotencyKey :one
SELECT * FROM deployments
WHERE user_id = @user_id AND idempotency_key = @idempotency_key::text;

-- name: GetDeployment :one
-- For workers, which act on any user's deployment.
SELECT * FROM deployments WHERE id = @id;

-- name: GetDeploymentForUser :one
-- Another user's id answers no rows, exactly like an unknown id.
SELECT * FROM deployments WHERE id = @id AND user_id = @user_id;

-- name: ListDeploymentsForUser :many
-- Newest first. For the next page pass the created_at and id of the last row
-- answered; leave them NULL for the first page. Parts of a deployment (its
-- networks, its implementation) are listed with it, not on their own.
SELECT * FROM deployments
WHERE user_id = @user_id AND parent_id IS NULL
  AND (sqlc.narg(status)::text IS NULL OR status = sqlc.narg(status)::text)
  AND (sqlc.narg(before_created_at)::timestamptz IS NULL
       OR (created_at, id) < (sqlc.narg(before_created_at)::timestamptz, sqlc.narg(before_id)::uuid))
ORDER BY created_at DESC, id DESC
LIMIT @page_size;

-- name: UpdateDeploymentProgress :one
-- Sets the status and whichever progress fields are not NULL. A deployment
-- that has ended (CONFIRMED, FAILED, CANCELLED) only accepts updates that
-- keep its status, so a late or retried activity cannot revive it; then no
-- rows are answered.
UPDATE deployments
SET status                 = @status,
    contract_name          = COALESCE(sqlc.narg(contract_name), contract_name),
    contract_address       = COALESCE(sqlc.narg(contract_address), contract_address),
    tx_hash                = COALESCE(sqlc.narg(tx_hash), tx_hash),
    gas_used               = COALESCE(sqlc.narg(gas_used), gas_used),
    block_number           = COALESCE(sqlc.narg(block_number), block_number),
    confirmations          = COALESCE(sqlc.narg(confirmations), confirmations),
    required_confirmations = COALESCE(sqlc.narg(required_confirmations), required_confirmations),
    lint_high              = COALESCE(sqlc.narg(lint_high), lint_high),
    lint_medium            = COALESCE(sqlc.narg(lint_medium), lint_medium),
    lint_low               = COALESCE(sqlc.narg(lint_low), lint_low),
    lint_info              = COALESCE(sqlc.narg(lint_info), lint_info),
    error                  = COALESCE(sqlc.narg(error), error),
    effective_gas_price    = COALESCE(sqlc.narg(effective_gas_price), effective_gas_price),
    fee_paid               = COALESCE(sqlc.narg(fee_paid), fee_paid),
    compiler_version       = COALESCE(sqlc.narg(compiler_version), compiler_version),
    source_hash            = COALESCE(sqlc.narg(source_hash), source_hash),
    artifact_ref           = COALESCE(sqlc.narg(artifact_ref), artifact_ref),
    implementation_address = COALESCE(sqlc.narg(implementation_address), implementation_address),
    upgrade_safety         = COALESCE(sqlc.narg(upgrade_safety)::jsonb, upgrade_safety),
    updated_at             = now()
WHERE id = @id
  AND (status NOT IN ('CONFIRMED', 'FAILED', 'CANCELLED', 'PARTIALLY_CONFIRMED') OR status = @status)
RETURNING *;

-- name: CancelDeploymentIfNotDeploying :one
-- Moves a deployment that has not started signing to CANCELLED. Answers no
-- rows when it has (or has ended, or is another user's), which the API
-- answers failed_precondition or not_found after a look-up.
UPDATE deployments
SET status = 'CANCELLED', error = '', updated_at = now()
WHERE id = @id AND user_id = @user_id
  AND status IN ('PENDING', 'GENERATING', 'LINTING', 'COMPILING', 'AWAITING_APPROVAL')
RETURNING *;

-- name: HoldDeploymentCreation :exec
-- Taken by the API in the transaction that inserts a deployment and starts
-- its workflow, before the start: the workflow's first step may run before
-- that transaction commits, and AwaitDeploymentCreation lets it wait for
-- the outcome instead of mistaking a row not yet committed for one that
-- never will be. Advisory locks of class 1397227344 ('SLWY') are these.
SELECT pg_advisory_xact_lock(1397227344, hashtext(sqlc.arg(id)::uuid::text));

-- name: AwaitDeploymentCreation :exec
-- Waits until no transaction creating the deployment is open (see
-- HoldDeploymentCreation); afterwards the row is visible or was never
-- committed.
SELECT pg_advisory_xact_lock_shared(1397227344, hashtext(sqlc.arg(id)::uuid::text));
