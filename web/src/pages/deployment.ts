// One deployment, live: the stage timeline and every event from
// WatchDeployment (a Connect server stream), resumed after the last event
// seen when the connection drops. The server ends the stream with
// unauthenticated once the session ends (logout, here or elsewhere); the
// page then refreshes once, which resumes the stream if the session still
// stands and otherwise signs the console out (and so goes to login).
import { consoleConfig, deployments, session, temporalRunUrl } from "../api";
import { busy, copyButton, errorBox, formatTime, h, replace } from "../dom";
import { describeError, describeFailure } from "../errors";
import { formatEth, formatWei } from "../budgets";
import { budgetsPanel, type BudgetsPanel } from "../budgets-panel";
import type { PageContext } from "../page";
import { DeploymentStatus, type Deployment, type DeploymentEvent } from "../gen/slipway/v1/deployments_pb";
import { cancellable, stageStates, stages, statusLabel, statusName, terminal } from "../status";

export function deploymentPage(ctx: PageContext): () => void {
  const id = ctx.params.id;
  ctx.setTitle("Deployment");
  const abort = new AbortController();
  let dep: Deployment | undefined;
  const events: DeploymentEvent[] = [];
  let lastSeq = 0;
  let lastActive = DeploymentStatus.PENDING;

  const heading = h("h1", {}, "Deployment");
  const badge = h("span", { class: "badge status", id: "status-badge" }, "Loading…");
  const live = h("p", { class: "visually-hidden", "aria-live": "polite", id: "live" });
  const connection = h("div", { "aria-live": "polite", class: "connection" });
  const timeline = h("ol", { class: "timeline", "aria-label": "Pipeline stages" });
  const facts = h("dl", { class: "facts" });
  const errorPanel = h("div");
  const log = h("ol", { class: "events", "aria-label": "Events" });
  const actions = h("div", { class: "actions" });
  const temporalLink = h("p", { class: "small" });
  // The spend budget on the deployment's network, read again when the
  // deployment ends (its reservation settles to what it paid, or frees).
  const budgetSlot = h("div");
  let budget: BudgetsPanel | undefined;
  let endSeen = false;

  ctx.main.append(
    h("p", { class: "crumbs" }, h("a", { href: "/deployments" }, "← Deployments")),
    h("div", { class: "title-row" }, heading, badge),
    live,
    connection,
    errorPanel,
    h("section", { class: "card", "aria-labelledby": "tl-h" }, h("h2", { id: "tl-h" }, "Progress"), timeline),
    h(
      "section",
      { class: "card", "aria-labelledby": "facts-h" },
      h("h2", { id: "facts-h" }, "Details"),
      facts,
      temporalLink,
      actions,
    ),
    budgetSlot,
    h("section", { class: "card", "aria-labelledby": "ev-h" }, h("h2", { id: "ev-h" }, "Events"), log),
  );

  const hex = (v: string, label: string) =>
    v
      ? h(
          "span",
          { class: "mono-row" },
          h("code", { class: "mono" }, v),
          copyButton(() => v, `Copy ${label}`),
        )
      : "—";

  function render(): void {
    if (!dep) return;
    const d = dep;
    heading.textContent = d.contractName ? `Deployment of ${d.contractName}` : "Deployment";
    ctx.setTitle(`${d.contractName || "Deployment"} · ${statusLabel(d.status)}`);
    badge.textContent = statusLabel(d.status);
    badge.className = `badge status st-${statusName(d.status).toLowerCase()}`;
    badge.dataset.status = statusName(d.status);

    const states = stageStates(d.status, lastActive);
    replace(
      timeline,
      stages.map((st, i) => {
        const reached = events.find((e) => e.status === st.status);
        const state = states[i];
        const failedHere = state === "failed";
        return h(
          "li",
          { class: `stage stage-${state}`, "aria-current": state === "current" ? "step" : null },
          h(
            "span",
            { class: "stage-dot", "aria-hidden": "true" },
            state === "done" ? "✓" : failedHere ? "✕" : state === "current" ? "•" : "",
          ),
          h(
            "div",
            {},
            h("span", { class: "stage-label" }, st.label),
            h(
              "span",
              { class: "visually-hidden" },
              ` — ${failedHere ? (d.status === DeploymentStatus.CANCELLED ? "cancelled here" : "failed here") : state === "current" ? "in progress" : state}`,
            ),
            h("span", { class: "stage-time muted small" }, reached ? ` ${formatTime(reached.at)}` : ""),
            st.status === DeploymentStatus.CONFIRMING &&
              d.requiredConfirmations > 0 &&
              (state === "current" || state === "done")
              ? h(
                  "span",
                  { class: "stage-extra", id: "confirmations" },
                  ` ${d.confirmations} of ${d.requiredConfirmations} confirmation${d.requiredConfirmations === 1 ? "" : "s"}`,
                )
              : null,
            h("p", { class: "stage-what muted small" }, st.what),
          ),
        );
      }),
    );

    replace(
      facts,
      h("dt", {}, "Status"),
      h("dd", { id: "fact-status" }, statusLabel(d.status)),
      h("dt", {}, "Network"),
      h("dd", {}, d.network),
      h("dt", {}, "Contract"),
      h("dd", {}, d.contractName || "—"),
      h("dt", {}, "Contract address"),
      h("dd", { id: "fact-address" }, hex(d.contractAddress, "address")),
      h("dt", {}, "Transaction"),
      h("dd", { id: "fact-tx" }, hex(d.txHash, "hash")),
      h("dt", {}, "Block"),
      h("dd", {}, d.blockNumber ? d.blockNumber.toString() : "—"),
      h("dt", {}, "Gas used"),
      h("dd", { id: "fact-gas" }, d.gasUsed ? d.gasUsed.toLocaleString() : "—"),
      h("dt", {}, "Fee paid"),
      h(
        "dd",
        { id: "fact-fee", title: d.feePaid ? formatWei(d.feePaid) : null },
        d.feePaid ? formatEth(d.feePaid) : "—",
      ),
      h("dt", {}, "Confirmations"),
      h(
        "dd",
        { id: "fact-confirmations" },
        d.requiredConfirmations ? `${d.confirmations} of ${d.requiredConfirmations}` : String(d.confirmations),
      ),
      h("dt", {}, "Audit"),
      h(
        "dd",
        {},
        d.lintSummary
          ? `${d.lintSummary.high} high, ${d.lintSummary.medium} medium, ${d.lintSummary.low} low, ${d.lintSummary.info} info`
          : "—",
      ),
      h("dt", {}, "Created"),
      h("dd", {}, formatTime(d.createdAt)),
      h("dt", {}, "Updated"),
      h("dd", {}, formatTime(d.updatedAt)),
    );

    if (d.status === DeploymentStatus.FAILED) {
      const f = describeFailure(d.error);
      replace(
        errorPanel,
        h(
          "div",
          { class: "alert alert-error", role: "alert", id: "deployment-error" },
          h("p", { class: "alert-title" }, f.title),
          h("p", { title: d.error || null }, f.detail),
        ),
      );
    } else if (d.status === DeploymentStatus.CANCELLED) {
      replace(
        errorPanel,
        h(
          "div",
          { class: "alert alert-info", role: "status" },
          "This deployment was cancelled before anything was signed.",
        ),
      );
    } else errorPanel.replaceChildren();

    replace(
      log,
      events.map((e) =>
        h(
          "li",
          { class: `event st-${statusName(e.status).toLowerCase()}` },
          h("span", { class: "event-seq muted" }, `#${e.seq}`),
          h("span", { class: "badge status" }, statusLabel(e.status)),
          h("span", { class: "event-msg" }, e.message || ""),
          h("time", { class: "muted small" }, formatTime(e.at)),
        ),
      ),
    );
    if (events.length === 0) log.append(h("li", { class: "muted" }, "No events yet."));

    actions.replaceChildren();
    if (cancellable(d.status)) {
      const b = h("button", { type: "button", class: "btn btn-danger" }, "Cancel deployment");
      b.addEventListener("click", () => {
        if (!window.confirm("Cancel this deployment? Nothing has been signed yet.")) return;
        void busy(b, "Cancelling…", async () => {
          try {
            const r = await deployments.cancelDeployment({ id });
            apply(r.deployment, undefined);
          } catch (err) {
            replace(errorPanel, errorBox(err));
          }
        });
      });
      actions.append(b);
    }
  }

  void consoleConfig().then((cfg) => {
    const show = () => {
      const url = dep ? temporalRunUrl(cfg, dep.workflowId) : "";
      replace(
        temporalLink,
        url
          ? h(
              "a",
              { href: url, target: "_blank", rel: "noopener", id: "temporal-link" },
              "Open the run in the Temporal Web UI ↗",
            )
          : dep?.workflowId
            ? `Workflow ${dep.workflowId}`
            : "",
      );
    };
    show();
    showTemporal = show;
  });
  let showTemporal = () => {};

  function apply(d: Deployment | undefined, e: DeploymentEvent | undefined): void {
    const before = dep?.status;
    if (d) dep = d;
    if (e && e.seq > lastSeq) {
      events.push(e);
      lastSeq = e.seq;
      if (!terminal(e.status)) lastActive = e.status;
    }
    if (dep && !terminal(dep.status)) lastActive = dep.status;
    render();
    showTemporal();
    if (dep && before !== dep.status) live.textContent = `Status: ${statusLabel(dep.status)}`;
    if (!dep) return;
    if (!budget) {
      // Made (and loaded) once the network is known; a deployment already
      // over when the page opens needs no second read.
      budget = budgetsPanel({ network: dep.network, id: "budget-h" });
      replace(budgetSlot, budget.el);
      endSeen = terminal(dep.status);
    } else if (!endSeen && terminal(dep.status)) {
      endSeen = true;
      void budget.refresh();
    }
  }

  async function watch(): Promise<void> {
    let backoff = 1;
    let refreshed = false;
    while (!abort.signal.aborted) {
      try {
        for await (const r of deployments.watchDeployment({ id, afterSeq: lastSeq }, { signal: abort.signal })) {
          connection.replaceChildren();
          backoff = 1;
          refreshed = false;
          apply(r.deployment, r.event);
        }
        // The server ends the stream once the deployment has ended.
        if (dep && terminal(dep.status)) return;
      } catch (err) {
        if (abort.signal.aborted) return;
        const m = describeError(err);
        if (m.code === "unauthenticated" && !refreshed && session.signedIn) {
          // Once per failure: a refresh the server refuses signs out.
          refreshed = true;
          try {
            await session.refresh();
            continue;
          } catch {
            if (abort.signal.aborted) return;
          }
        }
        if (
          m.code === "not_found" ||
          m.code === "invalid_argument" ||
          m.code === "permission_denied" ||
          m.code === "unauthenticated"
        ) {
          replace(connection, errorBox(err));
          return;
        }
        const wait = m.retryAfterSeconds ?? backoff;
        backoff = Math.min(backoff * 2, 15);
        replace(
          connection,
          h(
            "p",
            { class: "alert alert-info", role: "status" },
            `Live updates paused: ${m.title} Reconnecting in ${wait} s…`,
          ),
        );
        await new Promise((r) => setTimeout(r, wait * 1000));
      }
    }
  }

  void watch();
  return () => abort.abort();
}
