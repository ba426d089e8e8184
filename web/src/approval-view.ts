// What approvers are shown, as DOM: the summary of exactly what will be
// signed, where the approval stands, and the votes so far. The deployment
// page and the Approvals page both show them.
import { approvalCount, argValueText, compilerText, decisionLabel, expiryText, findingsText } from "./approvals";
import { formatEth, formatGwei, formatWei, groupDigits } from "./budgets";
import { formatTime, h, hexValue } from "./dom";
import type { Approval, ApprovalSummary, ApprovalVote } from "./gen/slipway/v1/deployments_pb";

const when = (ms: number) => new Date(ms).toLocaleString();

/** amount is a figure in gwei or ETH with its exact wei in the title. */
function amount(wei: string, show: (wei: string) => string): HTMLElement | string {
  const exact = formatWei(wei);
  return exact ? h("span", { class: "amount", title: exact }, show(wei)) : "—";
}

const decisionClass: Record<string, string> = {
  "": "st-awaiting_approval",
  approved: "sev-ok",
  rejected: "st-failed",
  expired: "st-cancelled",
};

/**
 * approvalFacts: the tally, the decision and the deadline, after which an
 * undecided approval expires. waiting: the deployment still waits for votes.
 */
export function approvalFacts(a: Approval, waiting: boolean): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Approvals"),
    h("dd", { class: "approval-count" }, approvalCount(a)),
    h("dt", {}, "Decision"),
    h(
      "dd",
      { class: "approval-decision" },
      h("span", { class: `badge ${decisionClass[a.decision] ?? ""}`.trim() }, decisionLabel(a.decision, waiting)),
    ),
    h("dt", {}, "Deadline"),
    h("dd", {}, expiryText(a, waiting, when)),
  );
}

/** approvalSummary is exactly what will be signed once approved, and what it may cost. */
export function approvalSummary(s: ApprovalSummary): HTMLElement {
  const args = s.constructorArgs;
  return h(
    "div",
    { class: "approval-summary" },
    h(
      "dl",
      { class: "facts" },
      h("dt", {}, "Contract"),
      h("dd", {}, s.contractName || "—"),
      h("dt", {}, "Source hash"),
      h("dd", {}, hexValue(s.sourceHash, "source hash")),
      h("dt", {}, "Compiler"),
      h("dd", {}, compilerText(s)),
      h("dt", {}, "Init code hash"),
      h("dd", {}, hexValue(s.initCodeHash, "init code hash")),
      h("dt", {}, "Audit"),
      h("dd", {}, findingsText(s.lintSummary)),
      h("dt", {}, "Estimated gas"),
      h("dd", {}, s.estimatedGas ? groupDigits(s.estimatedGas) : "—"),
      h("dt", {}, "Max fee per gas"),
      h("dd", {}, amount(s.maxFeePerGas, formatGwei)),
      h("dt", {}, "Max cost"),
      h("dd", {}, amount(s.maxCost, formatEth)),
      args.length === 0 ? [h("dt", {}, "Constructor arguments"), h("dd", {}, "None")] : null,
    ),
    args.length === 0
      ? null
      : h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            { class: "table args-table" },
            h("caption", { class: "args-caption" }, "Constructor arguments, in order"),
            h(
              "thead",
              {},
              h(
                "tr",
                {},
                ["Name", "Type", "Value"].map((c) => h("th", { scope: "col" }, c)),
              ),
            ),
            h(
              "tbody",
              {},
              args.map((a, i) =>
                h(
                  "tr",
                  {},
                  h("td", { "data-label": "Name" }, a.name || `#${i + 1}`),
                  h("td", { "data-label": "Type" }, h("code", {}, a.type)),
                  h("td", { "data-label": "Value" }, h("code", { class: "mono" }, argValueText(a.value))),
                ),
              ),
            ),
          ),
        ),
  );
}

/** voteTrail lists the votes, oldest first: who, which way, their comment, when. */
export function voteTrail(votes: ApprovalVote[]): HTMLElement {
  if (votes.length === 0) return h("p", { class: "muted" }, "No votes yet.");
  return h(
    "ol",
    { class: "votes", "aria-label": "Votes" },
    votes.map((v) =>
      h(
        "li",
        { class: "vote" },
        h("span", { class: `badge ${v.approve ? "sev-ok" : "st-failed"}` }, v.approve ? "Approved" : "Rejected"),
        h("strong", {}, v.voterEmail),
        h("time", { class: "muted small" }, formatTime(v.at)),
        v.comment ? h("q", { class: "vote-comment" }, v.comment) : null,
      ),
    ),
  );
}
