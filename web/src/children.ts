// A multi-network deployment's networks as rows: each network it names with
// its child deployment (the per-network deployment that has the network's
// nonce, budget, approvals and confirmations) once the child exists. The
// DOM for them is children-view.ts.
import { describeFailure } from "./errors";
import { DeploymentStatus, type Deployment } from "./gen/slipway/v1/deployments_pb";
import { statusLabel, statusName } from "./status";

export interface NetworkRow {
  network: string;
  /** The child deployment's id; "" while it is not created yet. */
  id: string;
  status: DeploymentStatus;
  /** The badge's words and its st-* class. */
  label: string;
  statusClass: string;
  contractAddress: string;
  txHash: string;
  /** Why the child failed, in words; "" unless it did. */
  error: string;
  /** The child's page; "" while there is none. */
  href: string;
}

/** multiNetwork: d is a deployment to several networks (a parent). */
export function multiNetwork(d: Pick<Deployment, "networks" | "children">): boolean {
  return d.children.length > 0 || d.networks.length > 1;
}

/** networksText names d's networks: its one network, or all of a multi-network one's. */
export function networksText(d: Pick<Deployment, "network" | "networks">): string {
  if (d.networks.length > 1) return d.networks.join(", ");
  return d.network || d.networks[0] || "—";
}

/**
 * networkRows is a row per network of d, in the order of its networks,
 * with what its child says; children on networks it does not name (none
 * should be) come after.
 */
export function networkRows(d: Pick<Deployment, "networks" | "children">): NetworkRow[] {
  const byNetwork = new Map(d.children.map((c) => [c.network, c]));
  const rows = d.networks.map((n) => row(n, byNetwork.get(n)));
  const named = new Set(d.networks);
  for (const c of d.children) if (!named.has(c.network)) rows.push(row(c.network, c));
  return rows;
}

function row(network: string, c: Deployment | undefined): NetworkRow {
  if (!c) {
    return {
      network,
      id: "",
      status: DeploymentStatus.UNSPECIFIED,
      label: "Not started",
      statusClass: "st-pending",
      contractAddress: "",
      txHash: "",
      error: "",
      href: "",
    };
  }
  return {
    network,
    id: c.id,
    status: c.status,
    label: statusLabel(c.status),
    statusClass: `st-${statusName(c.status).toLowerCase()}`,
    contractAddress: c.contractAddress,
    txHash: c.txHash,
    error: c.status === DeploymentStatus.FAILED ? describeFailure(c.error).detail : "",
    href: c.id ? `/deployments/${encodeURIComponent(c.id)}` : "",
  };
}

/** childrenSummary counts the rows by outcome: "2 of 3 networks confirmed, 1 failed". */
export function childrenSummary(rows: NetworkRow[]): string {
  const count = (s: DeploymentStatus) => rows.filter((r) => r.status === s).length;
  const confirmed = count(DeploymentStatus.CONFIRMED);
  const failed = count(DeploymentStatus.FAILED);
  const cancelled = count(DeploymentStatus.CANCELLED);
  const parts = [`${confirmed} of ${rows.length} network${rows.length === 1 ? "" : "s"} confirmed`];
  if (failed) parts.push(`${failed} failed`);
  if (cancelled) parts.push(`${cancelled} cancelled`);
  return parts.join(", ");
}
