// What the deployment page shows: the stream's deployment (WatchDeployment,
// each message as of its event) with what only a read (GetDeployment)
// carries filled in — a multi-network deployment's children, a proxy's
// implementations, an upgrade's safety report — and the fields an
// as-of-event message leaves out (salt, proxy kind, networks...).
import type { Deployment } from "./gen/slipway/v1/deployments_pb";

/**
 * withDetails is live with read's fields where live has none; read is
 * ignored when it is another deployment's. Status and progress are
 * always live's: the stream is newer than any read.
 */
export function withDetails(live: Deployment, read: Deployment | undefined): Deployment {
  if (!read || read.id !== live.id) return live;
  return {
    ...live,
    implementationAddress: live.implementationAddress || read.implementationAddress,
    salt: live.salt || read.salt,
    parentId: live.parentId || read.parentId,
    networks: live.networks.length > 0 ? live.networks : read.networks,
    proxyKind: live.proxyKind || read.proxyKind,
    upgradeOf: live.upgradeOf || read.upgradeOf,
    children: live.children.length > 0 ? live.children : read.children,
    implementations: live.implementations.length > 0 ? live.implementations : read.implementations,
    upgradeSafety: live.upgradeSafety ?? read.upgradeSafety,
  };
}

/**
 * followsReads: the page reads d again on its events, and while it runs,
 * because the stream alone does not carry what it shows of it: its
 * networks' children, its implementations, or its safety report.
 */
export function followsReads(d: Pick<Deployment, "networks" | "children" | "proxyKind" | "upgradeOf">): boolean {
  return d.children.length > 0 || d.networks.length > 1 || d.proxyKind !== "" || d.upgradeOf !== "";
}
