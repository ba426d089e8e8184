// Upgradeable (proxy) deployments as people read them: the proxy kind, the
// implementations a proxy pointed at, an upgrade's safety verdict, and the
// UpgradeDeployment request the upgrade form sends. The DOM for them is
// upgrades-view.ts and upgrade-form.ts.
import { create } from "@bufbuild/protobuf";
import { withUpgradeable } from "./deploy-request";
import type { ContractTemplate } from "./gen/slipway/v1/contracts_pb";
import {
  DeploymentStatus,
  UpgradeDeploymentRequestSchema,
  type Deployment,
  type Implementation,
  type UpgradeDeploymentRequest,
  type UpgradeSafety,
} from "./gen/slipway/v1/deployments_pb";

/** proxyKindLabel words a proxy kind: "UUPS", "Transparent"; "" for none. */
export function proxyKindLabel(kind: string): string {
  switch (kind) {
    case "":
      return "";
    case "uups":
      return "UUPS";
    case "transparent":
      return "Transparent";
    default:
      return kind;
  }
}

/**
 * canUpgrade: d is a proxy deployment that may be upgraded now (CONFIRMED;
 * an upgrade itself is not, its proxy's deployment is).
 */
export function canUpgrade(d: Pick<Deployment, "proxyKind" | "status" | "upgradeOf">): boolean {
  return d.proxyKind !== "" && d.status === DeploymentStatus.CONFIRMED && d.upgradeOf === "";
}

/** callDataError is why s is no call data (0x and whole bytes), or "" for good or none. */
export function callDataError(s: string): string {
  if (s === "") return "";
  if (!s.startsWith("0x")) return "Start the call data with 0x, or leave it empty for no call.";
  const digits = s.slice(2);
  if (/[^0-9a-fA-F]/.test(digits)) return "Use only hex digits (0-9, a-f) after 0x.";
  if (digits.length % 2 !== 0) return "Use whole bytes: an even number of hex digits after 0x.";
  if (s.length > 65536) return "The call data is too long (at most 65,536 characters).";
  return "";
}

/** contractNameError is why name is no Solidity contract name, or "". */
export function contractNameError(name: string): string {
  if (name === "") return "Enter the name of the contract in the source to deploy.";
  if (name.length > 64) return "Use at most 64 characters.";
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(name))
    return "Use a Solidity identifier: letters, digits and _, not first a digit.";
  return "";
}

export type UpgradeInput = {
  /** The proxy deployment's id. */
  id: string;
  /** The proxy's kind, which a template upgrade keeps. */
  proxyKind: string;
  callData: string;
  idempotencyKey: string;
  allowFindings: boolean;
} & ({ from: "source"; source: string; contractName: string } | { from: "template"; template: ContractTemplate });

/** upgradeRequest builds the UpgradeDeployment request for in. */
export function upgradeRequest(input: UpgradeInput): UpgradeDeploymentRequest {
  const common = {
    id: input.id,
    callData: input.callData,
    idempotencyKey: input.idempotencyKey,
    allowFindings: input.allowFindings,
  };
  if (input.from === "source") {
    return create(UpgradeDeploymentRequestSchema, {
      ...common,
      source: input.source,
      contractName: input.contractName,
    });
  }
  return create(UpgradeDeploymentRequestSchema, {
    ...common,
    template: withUpgradeable(input.template, input.proxyKind),
  });
}

export interface ImplementationRow {
  /** 1 for the first implementation. */
  n: number;
  address: string;
  /** The deployment that deployed it and its page ("" when unknown). */
  deploymentId: string;
  href: string;
  txHash: string;
  upgradeTxHash: string;
  at: Implementation["at"];
  /** The one the proxy points at now. */
  current: boolean;
}

/** implementationRows lists a proxy's implementations, the first one first, marking the current one. */
export function implementationRows(
  d: Pick<Deployment, "implementations" | "implementationAddress">,
): ImplementationRow[] {
  const now = d.implementationAddress.toLowerCase();
  const last = d.implementations.length - 1;
  const known = d.implementations.some((i) => i.address.toLowerCase() === now && now !== "");
  return d.implementations.map((i, k) => ({
    n: k + 1,
    address: i.address,
    deploymentId: i.deploymentId,
    href: i.deploymentId ? `/deployments/${encodeURIComponent(i.deploymentId)}` : "",
    txHash: i.txHash,
    upgradeTxHash: i.upgradeTxHash,
    at: i.at,
    current: known ? i.address.toLowerCase() === now : k === last,
  }));
}

/** safetyVerdict words an upgrade-safety report's verdict, with its badge class. */
export function safetyVerdict(s: Pick<UpgradeSafety, "safe" | "errors">): { label: string; cls: string } {
  if (s.safe) return { label: "Safe to upgrade", cls: "sev-ok" };
  const n = s.errors.length;
  return { label: n ? `Unsafe: ${n} error${n === 1 ? "" : "s"}` : "Unsafe", cls: "st-failed" };
}
