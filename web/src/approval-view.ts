// What approvers are shown, as DOM: the summary of exactly what will be
// signed with the sources that will be deployed (as a diff against the last
// deployment of the contract on the network, when there is one), where the
// approval stands, and the votes so far. The deployment page and the
// Approvals page both show them. Source text only ever goes into text
// nodes (h), never into HTML.
import {
  approvalCount,
  argValueText,
  compilerText,
  decisionLabel,
  expiryText,
  findingsText,
  sourcesChangeText,
} from "./approvals";
import { formatEth, formatGwei, formatWei, groupDigits } from "./budgets";
import { diffSources, hunkHeader, splitLines, type FileDiff, type Hunk } from "./diff";
import { append, dataTable, formatTime, h, hexValue } from "./dom";
import type { Approval, ApprovalSummary, ApprovalVote } from "./gen/slipway/v1/deployments_pb";
import { sourceView } from "./source-view";

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

/**
 * SourcesOpen: which files' sections a reader opened or closed, by path,
 * so that drawing the summary again (a vote, a reload) keeps them so. The
 * caller keeps one per approval; without one, each drawing starts afresh.
 */
export type SourcesOpen = Map<string, boolean>;

/**
 * approvalSummary is exactly what will be signed once approved, what it
 * may cost, and the sources that will be deployed.
 */
export function approvalSummary(s: ApprovalSummary, open: SourcesOpen = new Map()): HTMLElement {
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
          dataTable(
            { class: "table args-table" },
            "Constructor arguments, in order",
            "args-caption",
            ["Name", "Type", "Value"],
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
    approvalSources(s, open),
  );
}

const isEmpty = (m: Record<string, string>) => Object.keys(m).length === 0;

/**
 * approvalSources: what will be deployed. With the sources of the last
 * confirmed deployment of the contract on the network, a diff against
 * them: files that differ first and open, unchanged ones closed. Without,
 * the sources themselves, each file closed.
 */
export function approvalSources(s: ApprovalSummary, open: SourcesOpen = new Map()): HTMLElement {
  const section = h("div", { class: "approval-sources" }, h("h3", {}, "Sources"));
  const previous = s.previousDeploymentId
    ? h("a", { href: `/deployments/${encodeURIComponent(s.previousDeploymentId)}` }, "the last confirmed deployment")
    : null;
  if (isEmpty(s.sources)) {
    section.append(h("p", { class: "muted" }, "No sources were recorded with this approval."));
    return section;
  }
  if (isEmpty(s.previousSources)) {
    append(section, [
      h(
        "p",
        { class: "muted small" },
        previous
          ? ["No diff: ", previous, " of this contract on this network recorded no sources. "]
          : "No earlier deployment of this contract on this network was confirmed through approval, so there is no diff. ",
        "What will be deployed:",
      ),
      Object.keys(s.sources)
        .sort()
        .map((path) =>
          fileSection(path, open, false, () => [sourcePanel(path, s.sources[path])], lineCount(s.sources[path])),
        ),
    ]);
    return section;
  }
  const files = diffSources(s.previousSources, s.sources);
  append(section, [
    h(
      "p",
      { class: "muted small" },
      "Compared with ",
      previous ?? "the last confirmed deployment",
      " of this contract on this network that went through approval.",
    ),
    h("p", { class: "sources-tally" }, sourcesChangeText(files)),
    files.map((f) => fileSection(f.path, open, f.status !== "unchanged", () => fileBody(f, s), fileTag(f))),
  ]);
  return section;
}

/**
 * fileSection: one file, collapsible; its body is made when first opened.
 * byDefault: whether it opens before the reader says otherwise.
 */
function fileSection(
  path: string,
  open: SourcesOpen,
  byDefault: boolean,
  body: () => (HTMLElement | string)[],
  tag?: HTMLElement,
): HTMLElement {
  const details = h(
    "details",
    { class: "src-file", "data-path": path },
    h("summary", {}, h("code", { class: "src-path" }, path), tag ? [" ", tag] : null),
  );
  let made = false;
  const make = () => {
    if (made) return;
    made = true;
    details.append(...body());
  };
  if (open.get(path) ?? byDefault) {
    make();
    details.open = true;
  }
  details.addEventListener("toggle", () => {
    open.set(path, details.open);
    if (details.open) make();
  });
  return details;
}

const statusWords: Record<FileDiff["status"], string> = {
  changed: "Changed",
  added: "Added",
  removed: "Removed",
  unchanged: "Unchanged",
};

/** fileTag: a file's status, with its lines added and removed when known. */
function fileTag(f: FileDiff): HTMLElement {
  return h(
    "span",
    { class: "src-file-tag" },
    h("span", { class: `badge diff-${f.status}` }, statusWords[f.status]),
    f.hunks.length > 0
      ? [
          " ",
          h(
            "span",
            { class: "diff-stat small" },
            h("span", { class: "diff-stat-add", "aria-hidden": "true" }, `+${f.added}`),
            " ",
            h("span", { class: "diff-stat-del", "aria-hidden": "true" }, `−${f.removed}`),
            h(
              "span",
              { class: "visually-hidden" },
              `${f.added} line${f.added === 1 ? "" : "s"} added, ${f.removed} removed`,
            ),
          ),
        ]
      : null,
  );
}

function lineCount(text: string): HTMLElement {
  const n = splitLines(text).length;
  return h("span", { class: "muted small" }, `${n} line${n === 1 ? "" : "s"}`);
}

function sourcePanel(path: string, text: string): HTMLElement {
  if (text === "") return h("p", { class: "muted small" }, "Empty file.");
  const el = sourceView(text);
  el.setAttribute("aria-label", `Source of ${path}`);
  return el;
}

/** fileBody: how a file changed; the whole new text when that cannot be shown as a diff. */
function fileBody(f: FileDiff, s: ApprovalSummary): (HTMLElement | string)[] {
  const now = s.sources[f.path] ?? "";
  if (f.status === "unchanged") return [sourcePanel(f.path, now)];
  if (f.tooLarge)
    return [
      h("p", { class: "muted small" }, "The file differs; it is too large to compare here. What will be deployed:"),
      sourcePanel(f.path, now),
    ];
  if (f.lineEndingsOnly)
    return [
      h(
        "p",
        { class: "muted small" },
        "Only the line endings differ (CRLF or LF, or the newline at the end); no line changed.",
      ),
    ];
  if (f.hunks.length === 0) return [h("p", { class: "muted small" }, "Empty file.")];
  return [diffView(f.path, f.hunks)];
}

const signs = { context: " ", add: "+", del: "−" } as const;
const spoken = { context: "", add: "Added: ", del: "Removed: " } as const;

/** diffView: hunks as a unified diff, with old and new line numbers. */
function diffView(path: string, hunks: Hunk[]): HTMLElement {
  return h(
    "div",
    { class: "diff", tabindex: 0, role: "region", "aria-label": `Changes to ${path}` },
    hunks.flatMap((hk) => [
      h("div", { class: "diff-hunk" }, hunkHeader(hk)),
      ...hk.lines.map((l) =>
        h(
          "div",
          { class: `diff-line diff-${l.kind}` },
          h("span", { class: "diff-no", "aria-hidden": "true" }, l.oldNo ?? ""),
          h("span", { class: "diff-no", "aria-hidden": "true" }, l.newNo ?? ""),
          h("span", { class: "diff-sign", "aria-hidden": "true" }, signs[l.kind]),
          h(
            "code",
            { class: "diff-code" },
            spoken[l.kind] ? h("span", { class: "visually-hidden" }, spoken[l.kind]) : null,
            l.text,
          ),
        ),
      ),
    ]),
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
