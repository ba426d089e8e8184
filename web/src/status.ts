// Deployment statuses as people read them, and the pipeline's stages in order.
// The enum's numbers are not the pipeline's order (AWAITING_APPROVAL came
// later and sits between COMPILING and DEPLOYING): order goes by stages.
import { DeploymentStatus } from "./gen/slipway/v1/deployments_pb";

export const stages: { status: DeploymentStatus; label: string; what: string }[] = [
  { status: DeploymentStatus.PENDING, label: "Queued", what: "The deployment is recorded and its workflow started." },
  { status: DeploymentStatus.GENERATING, label: "Generate", what: "The template's source is generated." },
  {
    status: DeploymentStatus.LINTING,
    label: "Audit",
    what: "The source is audited; HIGH findings of HIGH confidence stop the deployment unless allowed.",
  },
  { status: DeploymentStatus.COMPILING, label: "Compile", what: "solc compiles the contract." },
  {
    status: DeploymentStatus.AWAITING_APPROVAL,
    label: "Approval",
    what: "Approvers review exactly what will be signed; nothing is signed or reserved until they approve.",
  },
  { status: DeploymentStatus.DEPLOYING, label: "Sign", what: "Gas is estimated and the transaction signed." },
  {
    status: DeploymentStatus.CONFIRMING,
    label: "Confirm",
    what: "The transaction is broadcast and waits for its confirmations.",
  },
  { status: DeploymentStatus.CONFIRMED, label: "Confirmed", what: "The contract is on chain at the required depth." },
];

/**
 * statuses is every status a deployment can be in, in pipeline order: a
 * multi-network deployment's mixed ending after CONFIRMED, the two bad
 * endings last.
 */
export const statuses: DeploymentStatus[] = [
  ...stages.map((st) => st.status),
  DeploymentStatus.PARTIALLY_CONFIRMED,
  DeploymentStatus.FAILED,
  DeploymentStatus.CANCELLED,
];

/** stageIndex is a status's place in the pipeline; -1 for one that is no stage (FAILED, CANCELLED, PARTIALLY_CONFIRMED). */
export function stageIndex(s: DeploymentStatus): number {
  return stages.findIndex((st) => st.status === s);
}

export function statusName(s: DeploymentStatus): string {
  return DeploymentStatus[s] ?? "UNSPECIFIED";
}

/** statusLabel is the word shown in badges: "Confirmed", "Awaiting approval", "Partially confirmed"… */
export function statusLabel(s: DeploymentStatus): string {
  const n = statusName(s).replace(/_/g, " ");
  return n.charAt(0) + n.slice(1).toLowerCase();
}

export function terminal(s: DeploymentStatus): boolean {
  return (
    s === DeploymentStatus.CONFIRMED ||
    s === DeploymentStatus.PARTIALLY_CONFIRMED ||
    s === DeploymentStatus.FAILED ||
    s === DeploymentStatus.CANCELLED
  );
}

/** cancellable: until signing begins (README, "Cancel"), so also while approvers decide. */
export function cancellable(s: DeploymentStatus): boolean {
  const i = stageIndex(s);
  return i >= 0 && i < stageIndex(DeploymentStatus.DEPLOYING);
}

export type StageState = "done" | "current" | "failed" | "skipped" | "partial" | "todo";

/**
 * stageStates says how the timeline draws each stage, given the current
 * status and, for a deployment that ended badly, the last stage it reached.
 * approval says whether the deployment waits (or waited) for approvals: on
 * a network without them it never does, and once it is past that stage the
 * stage is drawn skipped rather than done. A multi-network deployment
 * confirmed on some of its networks only (PARTIALLY_CONFIRMED) has every
 * stage done but the last, which is partial.
 */
export function stageStates(current: DeploymentStatus, lastActive: DeploymentStatus, approval: boolean): StageState[] {
  const ended = current === DeploymentStatus.FAILED || current === DeploymentStatus.CANCELLED;
  const partial = current === DeploymentStatus.PARTIALLY_CONFIRMED;
  const at =
    current === DeploymentStatus.CONFIRMED
      ? stages.length
      : partial
        ? stages.length - 1
        : stageIndex(ended ? lastActive : current);
  const approvalAt = stageIndex(DeploymentStatus.AWAITING_APPROVAL);
  return stages.map((_, i) => {
    if (i === approvalAt && !approval && at > i) return "skipped";
    if (i < at) return "done";
    if (i === at) return ended ? "failed" : partial ? "partial" : "current";
    return "todo";
  });
}
