// Deployment statuses as people read them, and the pipeline's stages in order.
import { DeploymentStatus } from "./gen/slipway/v1/deployments_pb";

export const stages: { status: DeploymentStatus; label: string; what: string }[] = [
  { status: DeploymentStatus.PENDING, label: "Queued", what: "The deployment is recorded and its workflow started." },
  { status: DeploymentStatus.GENERATING, label: "Generate", what: "The template's source is generated." },
  {
    status: DeploymentStatus.LINTING,
    label: "Audit",
    what: "The source is audited; HIGH findings stop the deployment unless allowed.",
  },
  { status: DeploymentStatus.COMPILING, label: "Compile", what: "solc compiles the contract." },
  { status: DeploymentStatus.DEPLOYING, label: "Sign", what: "Gas is estimated and the transaction signed." },
  {
    status: DeploymentStatus.CONFIRMING,
    label: "Confirm",
    what: "The transaction is broadcast and waits for its confirmations.",
  },
  { status: DeploymentStatus.CONFIRMED, label: "Confirmed", what: "The contract is on chain at the required depth." },
];

export function statusName(s: DeploymentStatus): string {
  return DeploymentStatus[s] ?? "UNSPECIFIED";
}

/** statusLabel is the word shown in badges: "Confirmed", "Failed"… */
export function statusLabel(s: DeploymentStatus): string {
  const n = statusName(s);
  return n.charAt(0) + n.slice(1).toLowerCase();
}

export function terminal(s: DeploymentStatus): boolean {
  return s === DeploymentStatus.CONFIRMED || s === DeploymentStatus.FAILED || s === DeploymentStatus.CANCELLED;
}

/** cancellable: until signing begins (README, "Cancel"). */
export function cancellable(s: DeploymentStatus): boolean {
  return s >= DeploymentStatus.PENDING && s <= DeploymentStatus.COMPILING;
}

export type StageState = "done" | "current" | "failed" | "todo";

/**
 * stageStates says how the timeline draws each stage, given the current
 * status and, for a deployment that ended badly, the last stage it reached.
 */
export function stageStates(current: DeploymentStatus, lastActive: DeploymentStatus): StageState[] {
  const ended = current === DeploymentStatus.FAILED || current === DeploymentStatus.CANCELLED;
  const at = ended ? lastActive : current;
  return stages.map((st) => {
    if (current === DeploymentStatus.CONFIRMED) return "done";
    if (st.status < at) return "done";
    if (st.status === at) return ended ? "failed" : "current";
    return "todo";
  });
}
