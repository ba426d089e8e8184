-- name: OpenApproval :exec
-- Records what a deployment's approvers are shown when it starts waiting.
-- A retry of the same step writes the same row.
INSERT INTO deployment_approvals (deployment_id, required, summary, expires_at)
VALUES (@deployment_id, @required, @summary, @expires_at)
ON CONFLICT (deployment_id) DO NOTHING;

-- name: InsertApprovalVote :execrows
-- One vote per approver; a retry of the same vote inserts nothing.
INSERT INTO approval_votes (deployment_id, voter_id, approve, comment)
VALUES (@deployment_id, @voter_id, @approve, @comment)
ON CONFLICT (deployment_id, voter_id) DO NOTHING;

-- name: DecideApproval :exec
UPDATE deployment_approvals SET decision = @decision
WHERE deployment_id = @deployment_id AND decision IS NULL;

-- name: GetApproval :one
SELECT * FROM deployment_approvals WHERE deployment_id = @deployment_id;

-- name: ListApprovalVotes :many
-- A deployment's votes, oldest first, with the voters' emails.
SELECT approval_votes.*, users.email AS voter_email
FROM approval_votes JOIN users ON users.id = approval_votes.voter_id
WHERE approval_votes.deployment_id = @deployment_id
ORDER BY approval_votes.created_at, approval_votes.voter_id;

-- name: ListAwaitingApproval :many
-- Deployments waiting for approval that voter may vote on: not their own,
-- not yet voted on by them; oldest first.
SELECT deployments.*
FROM deployment_approvals
JOIN deployments ON deployments.id = deployment_approvals.deployment_id
WHERE deployment_approvals.decision IS NULL
  AND deployments.status = 'AWAITING_APPROVAL'
  AND deployments.user_id <> @voter_id
  AND NOT EXISTS (SELECT 1 FROM approval_votes v WHERE v.deployment_id = deployments.id AND v.voter_id = @voter_id)
ORDER BY deployment_approvals.created_at, deployments.id
LIMIT @max_rows;

-- name: PreviousApprovedSummary :one
-- The approval summary of the last CONFIRMED deployment of contract_name on
-- network created before the given time, for approvers' diff.
SELECT deployment_approvals.deployment_id, deployment_approvals.summary
FROM deployment_approvals
JOIN deployments ON deployments.id = deployment_approvals.deployment_id
WHERE deployments.network = @network AND deployments.contract_name = @contract_name
  AND deployments.status = 'CONFIRMED' AND deployments.created_at < @before
ORDER BY deployments.created_at DESC
LIMIT 1;
