// Approvals as people read them: who votes, where a deployment's approval
// stands, and what approvers are shown (the summary of exactly what will be
// signed). The DOM for them is approval-view.ts.
import { toJson } from "@bufbuild/protobuf";
import { ValueSchema, type Value } from "@bufbuild/protobuf/wkt";
import { timestampMs } from "./budgets";
import type { FileDiff, FileStatus } from "./diff";
import { formatWait } from "./errors";
import type { FindingSummary } from "./gen/slipway/v1/contracts_pb";
import type { Approval, ApprovalSummary } from "./gen/slipway/v1/deployments_pb";

/** mayVote says whether a user's role votes on deployments: approvers and admins. */
export function mayVote(role: string): boolean {
  return role === "approver" || role === "admin";
}

/**
 * decisionLabel words an approval's decision. An undecided one ("") is
 * waiting for votes, or was cut short when the deployment was cancelled.
 */
export function decisionLabel(decision: string, waiting: boolean): string {
  switch (decision) {
    case "":
      return waiting ? "Waiting for votes" : "Undecided";
    case "approved":
      return "Approved";
    case "rejected":
      return "Rejected";
    case "expired":
      return "Expired";
    default:
      return decision.charAt(0).toUpperCase() + decision.slice(1);
  }
}

/** approvalCount is the tally: "1 of 2 approvals". */
export function approvalCount(a: Pick<Approval, "approvals" | "required">): string {
  return `${a.approvals} of ${a.required} approval${a.required === 1 ? "" : "s"}`;
}

/**
 * expiryText says when an approval nobody decides ends: "<time> (in 3
 * hours)" while it waits, "<time> (passed)" once due, the bare time when
 * it waits no more.
 */
export function expiryText(
  a: Pick<Approval, "expiresAt">,
  waiting: boolean,
  formatWhen: (ms: number) => string,
  now: number = Date.now(),
): string {
  const at = timestampMs(a.expiresAt);
  if (at === undefined) return "—";
  if (!waiting) return formatWhen(at);
  const secs = (at - now) / 1000;
  return secs > 0 ? `${formatWhen(at)} (in ${formatWait(secs)})` : `${formatWhen(at)} (passed)`;
}

/** compilerText: "solc 0.8.24, optimizer on (200 runs)" or "solc 0.8.24, optimizer off". */
export function compilerText(s: Pick<ApprovalSummary, "compilerVersion" | "optimizer" | "optimizerRuns">): string {
  const solc = `solc ${s.compilerVersion || "(version unknown)"}`;
  if (!s.optimizer) return `${solc}, optimizer off`;
  return `${solc}, optimizer on (${s.optimizerRuns} run${s.optimizerRuns === 1 ? "" : "s"})`;
}

/** findingsText is an audit's tally: "1 high, 0 medium, 2 low, 0 info"; "—" when there was none. */
export function findingsText(s: FindingSummary | undefined): string {
  return s ? `${s.high} high, ${s.medium} medium, ${s.low} low, ${s.info} info` : "—";
}

/** argValueText shows a constructor argument: strings as they are, anything else as JSON. */
export function argValueText(v: Value | undefined): string {
  if (!v || v.kind.case === undefined) return "—";
  if (v.kind.case === "stringValue") return v.kind.value;
  return JSON.stringify(toJson(ValueSchema, v));
}

/**
 * sourcesChangeText tallies a diff of sources against the last deployment:
 * "2 files differ: 1 changed, 1 added; 3 unchanged.", or "The sources are
 * the same (3 files)." when none differs.
 */
export function sourcesChangeText(files: Pick<FileDiff, "status">[]): string {
  const n: Record<FileStatus, number> = { changed: 0, added: 0, removed: 0, unchanged: 0 };
  for (const f of files) n[f.status]++;
  const fileCount = (k: number) => `${k} file${k === 1 ? "" : "s"}`;
  const differ = n.changed + n.added + n.removed;
  if (differ === 0) return `The sources are the same (${fileCount(n.unchanged)}).`;
  const how = (["changed", "added", "removed"] as const).filter((k) => n[k] > 0).map((k) => `${n[k]} ${k}`);
  return `${fileCount(differ)} ${differ === 1 ? "differs" : "differ"}: ${how.join(", ")}${n.unchanged ? `; ${n.unchanged} unchanged` : ""}.`;
}
