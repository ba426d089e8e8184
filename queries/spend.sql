-- name: ReserveSpend :one
-- Holds a deployment's worst-case fee against its user's budget on the
-- network: a new reservation when the deployment signs, grown to the new
-- worst case when a fee bump replaces its transaction. Admitted false
-- records nothing. The caller holds the spend lock (LockDeploymentForDeploy)
-- so that used counts every reservation committed before; the deployment's
-- own reservation is counted once, at the larger of the old and new
-- amounts. A null limit is no budget: the reservation is recorded for the
-- accounts all the same.
WITH budget AS (
    SELECT COALESCE(b.limit_wei, sqlc.narg(default_limit_wei)::numeric) AS limit_wei,
           COALESCE(b.period_seconds, sqlc.arg(default_period_seconds)::bigint) AS period_seconds
    FROM (VALUES (1)) AS one (x)
    LEFT JOIN spend_budgets b ON b.user_id = sqlc.arg(user_id)::uuid AND b.network = sqlc.arg(network)::text
), used AS (
    SELECT COALESCE(sum(r.reserved_wei + r.spent_wei), 0)::numeric AS used,
           COALESCE(sum(r.reserved_wei) FILTER (WHERE r.deployment_id = sqlc.arg(deployment_id)::uuid), 0)::numeric AS mine
    FROM spend_reservations r, budget
    WHERE r.user_id = sqlc.arg(user_id)::uuid AND r.network = sqlc.arg(network)::text
      AND (r.state = 'reserved' OR r.created_at > now() - make_interval(secs => budget.period_seconds))
), ins AS (
    INSERT INTO spend_reservations (deployment_id, user_id, network, reserved_wei)
    SELECT sqlc.arg(deployment_id)::uuid, sqlc.arg(user_id)::uuid, sqlc.arg(network)::text, sqlc.arg(amount)::numeric
    FROM budget, used
    WHERE budget.limit_wei IS NULL OR used.mine >= sqlc.arg(amount)::numeric
       OR used.used - used.mine + sqlc.arg(amount)::numeric <= budget.limit_wei
    ON CONFLICT (deployment_id) DO UPDATE
    SET reserved_wei = GREATEST(spend_reservations.reserved_wei, EXCLUDED.reserved_wei)
    WHERE spend_reservations.state = 'reserved'
    RETURNING deployment_id
)
SELECT budget.limit_wei::numeric AS limit_wei, budget.period_seconds::bigint AS period_seconds, used.used::numeric AS used,
       EXISTS (SELECT 1 FROM ins) AS admitted
FROM budget, used;

-- name: SettleSpend :exec
-- The deployment paid spent_wei (it confirmed, or reverted on chain): that
-- is what counts against the budget from now on. Only an outstanding
-- reservation settles, so a retry changes nothing.
UPDATE spend_reservations
SET spent_wei = sqlc.arg(spent_wei)::numeric, reserved_wei = 0, state = 'settled', ended_at = now()
WHERE deployment_id = sqlc.arg(deployment_id)::uuid AND state = 'reserved';

-- name: ReleaseSpend :exec
-- The deployment ended without paying (failed or cancelled before anything
-- was mined): its reservation stops counting.
UPDATE spend_reservations
SET reserved_wei = 0, state = 'released', ended_at = now()
WHERE deployment_id = sqlc.arg(deployment_id)::uuid AND state = 'reserved';

-- name: GetSpendReservation :one
SELECT * FROM spend_reservations WHERE deployment_id = @deployment_id;

-- name: GetSpendUsage :one
-- What counts against a user's budget on a network now: outstanding
-- reservations and what settled within the period, and when the oldest
-- settled spend leaves the period (0 for none), in Unix seconds.
SELECT COALESCE(sum(reserved_wei), 0)::numeric AS reserved_wei,
       COALESCE(sum(spent_wei), 0)::numeric AS spent_wei,
       COALESCE(extract(epoch FROM min(created_at) FILTER (WHERE state = 'settled' AND spent_wei > 0)), 0)::bigint AS oldest_spend_unix
FROM spend_reservations
WHERE user_id = @user_id AND network = @network
  AND (state = 'reserved' OR created_at > now() - make_interval(secs => sqlc.arg(period_seconds)::bigint));

-- name: ListSpendBudgets :many
SELECT * FROM spend_budgets WHERE user_id = @user_id ORDER BY network;

-- name: SetSpendBudget :one
INSERT INTO spend_budgets (user_id, network, limit_wei, period_seconds)
VALUES (@user_id, @network, @limit_wei, @period_seconds)
ON CONFLICT (user_id, network) DO UPDATE
SET limit_wei = EXCLUDED.limit_wei, period_seconds = EXCLUDED.period_seconds, updated_at = now()
RETURNING *;

-- name: DeleteSpendBudget :execrows
DELETE FROM spend_budgets WHERE user_id = @user_id AND network = @network;

-- name: LockUserQuota :exec
-- Serialises a user's quota checks (deployments and builds in flight) for
-- the rest of the transaction: the count after it sees every admission
-- committed before. Class 'SLWQ'.
SELECT pg_advisory_xact_lock(1397512017, hashtext(sqlc.arg(user_id)::uuid::text));

-- name: CountDeploymentsInFlight :one
SELECT count(*) FROM deployments
-- A multi-network or upgradeable deployment counts once: its children are
-- part of it.
WHERE user_id = @user_id AND parent_id IS NULL
  AND status NOT IN ('CONFIRMED', 'FAILED', 'CANCELLED', 'PARTIALLY_CONFIRMED');

-- name: CountBuildSlots :one
SELECT count(*) FROM build_slots WHERE user_id = @user_id AND expires_at > now();

-- name: InsertBuildSlot :exec
INSERT INTO build_slots (id, user_id, expires_at)
VALUES (@id, @user_id, now() + make_interval(secs => sqlc.arg(ttl_seconds)::bigint));

-- name: DeleteBuildSlot :exec
-- Frees a slot, and sweeps the user's expired ones while at it.
DELETE FROM build_slots WHERE id = @id OR (user_id = @user_id AND expires_at < now());

-- name: UpsertSignerBalance :exec
INSERT INTO signer_balances (network, address, balance_wei, min_balance_wei, read_at)
VALUES (@network, @address, @balance_wei, @min_balance_wei, now())
ON CONFLICT (network, address) DO UPDATE
SET balance_wei = EXCLUDED.balance_wei, min_balance_wei = EXCLUDED.min_balance_wei, read_at = now();

-- name: RichestSignerBalance :one
-- The best-funded signer of a network among those the workers read in the
-- last 10 minutes (they read every 30 s; a signer removed from the pool
-- ages out), for readiness: a pool can sign while any member can pay.
SELECT * FROM signer_balances
WHERE network = @network AND read_at > now() - interval '10 minutes'
ORDER BY balance_wei DESC LIMIT 1;
