// The approvals inbox: what waits for the caller's vote (ListApprovals),
// oldest first, each with exactly what will be signed and a comment box to
// approve or reject it, and the sources that will be deployed (a diff
// against the last deployment of the contract on the network, when there
// is one). A vote reloads the list; a refused vote says why beside the
// deployment it was for. Callers who do not vote get an empty list from
// the server, and a word about why.
import { deployments, session } from "../api";
import { approvalCount, expiryText, mayVote } from "../approvals";
import { approvalSummary, voteTrail, type SourcesOpen } from "../approval-view";
import { busy, errorBox, field, formatTime, h, replace } from "../dom";
import { describeVoteError } from "../errors";
import type { Deployment } from "../gen/slipway/v1/deployments_pb";
import type { PageContext } from "../page";

const when = (ms: number) => new Date(ms).toLocaleString();

export function approvalsPage(ctx: PageContext): () => void {
  ctx.setTitle("Approvals");
  const abort = new AbortController();
  const refresh = h("button", { type: "button", class: "btn", id: "refresh" }, "Refresh");
  const status = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "approvals" });
  // Comments typed but not yet sent, by deployment: a reload keeps them.
  const drafts = new Map<string, string>();
  // Likewise the source files opened or closed, by deployment.
  const opened = new Map<string, SourcesOpen>();
  const sourcesOpen = (id: string): SourcesOpen => {
    const o = opened.get(id) ?? new Map<string, boolean>();
    opened.set(id, o);
    return o;
  };

  async function load(): Promise<void> {
    list.setAttribute("aria-busy", "true");
    refresh.disabled = true;
    try {
      const r = await deployments.listApprovals({}, { signal: abort.signal });
      if (r.deployments.length === 0) {
        replace(
          list,
          h(
            "p",
            { class: "empty" },
            "Nothing is waiting for your vote.",
            session.role !== "" && !mayVote(session.role)
              ? ` Only approvers and admins vote on deployments; you are a ${session.role}.`
              : null,
          ),
        );
        return;
      }
      replace(
        list,
        r.deployments.map((d) => item(d)),
      );
    } catch (err) {
      if (abort.signal.aborted) return;
      replace(status, errorBox(err));
    } finally {
      list.removeAttribute("aria-busy");
      refresh.disabled = false;
    }
  }

  function item(d: Deployment): HTMLElement {
    const a = d.approval;
    const headingId = `approval-${d.id}`;
    const comment = h("textarea", { name: "comment", rows: 2, maxlength: 2000 });
    comment.value = drafts.get(d.id) ?? "";
    comment.addEventListener("input", () => drafts.set(d.id, comment.value));
    const approve = h("button", { type: "button", class: "btn btn-primary" }, "Approve");
    const reject = h("button", { type: "button", class: "btn btn-danger" }, "Reject");
    const outcome = h("div", { "aria-live": "polite" });
    const name = a?.summary?.contractName || d.contractName || d.id.slice(0, 8);

    const vote = async (yes: boolean): Promise<void> => {
      if (!yes && !window.confirm(`Reject ${name}? The deployment ends at once, before anything is signed.`)) return;
      outcome.replaceChildren();
      const [button, other] = yes ? [approve, reject] : [reject, approve];
      other.disabled = true;
      let stale = false;
      await busy(button, yes ? "Approving…" : "Rejecting…", async () => {
        const req = { id: d.id, comment: comment.value.trim() };
        try {
          if (yes) await deployments.approveDeployment(req);
          else await deployments.rejectDeployment(req);
          drafts.delete(d.id);
          replace(
            status,
            h("p", { class: "alert alert-ok", role: "status" }, `You ${yes ? "approved" : "rejected"} ${name}.`),
          );
          void load();
        } catch (err) {
          replace(outcome, errorBox(err, undefined, describeVoteError));
          const code = describeVoteError(err).code;
          stale = code === "aborted" || code === "already_exists";
        }
      });
      // Decided, ended, or voted on already: another vote cannot count.
      approve.disabled = reject.disabled = stale;
    };
    approve.addEventListener("click", () => void vote(true));
    reject.addEventListener("click", () => void vote(false));

    return h(
      "section",
      { class: "card approval-item", "aria-labelledby": headingId, "data-id": d.id },
      h(
        "div",
        { class: "title-row" },
        h("h2", { id: headingId }, h("a", { href: `/deployments/${d.id}` }, name), ` on ${d.network}`),
        a ? h("span", { class: "badge st-awaiting_approval" }, approvalCount(a)) : null,
      ),
      h(
        "p",
        { class: "muted small" },
        `Requested ${formatTime(d.createdAt)}`,
        a ? `; deadline ${expiryText(a, true, when)}.` : ".",
      ),
      a?.summary
        ? approvalSummary(a.summary, sourcesOpen(d.id))
        : h("p", { class: "muted" }, "No summary was recorded."),
      a && a.votes.length > 0 ? [h("h3", {}, "Votes so far"), voteTrail(a.votes)] : null,
      h(
        "div",
        { class: "vote-form" },
        field(
          "Comment",
          comment,
          "Optional. Shown with your vote on the deployment; a rejection's comment becomes its error.",
        ),
        outcome,
        h("div", { class: "actions" }, approve, reject),
      ),
    );
  }

  refresh.addEventListener("click", () => {
    status.replaceChildren();
    void load();
  });
  ctx.main.append(
    h("div", { class: "title-row" }, h("h1", {}, "Approvals"), refresh),
    h(
      "p",
      { class: "lead" },
      "Deployments waiting for your vote, oldest first. Each shows exactly what will be signed once approved; nothing is signed or reserved before. One rejection ends a deployment.",
    ),
    status,
    list,
  );
  void load();
  return () => abort.abort();
}
