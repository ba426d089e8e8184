// One deployment, live: the stage timeline and every event from
// WatchDeployment (a Connect server stream), resumed after the last event
// seen when the connection drops. The server ends the stream with
// unauthenticated once the session ends (logout, here or elsewhere); the
// page then refreshes once, which resumes the stream if the session still
// stands and otherwise signs the console out (and so goes to login).
// On a network that requires approvals the page shows the approval too:
// the stream's deployment carries none, so it is read with GetDeployment
// whenever an AWAITING_APPROVAL event (the wait opening, or a vote) comes,
// and once more when the deployment moves on from an undecided approval.
// A confirmed deployment's source verification is read the same way, on
// every CONFIRMED event: the confirmation, then the verify stage's events
// (the status stays CONFIRMED). The server ends the stream once the
// deployment is confirmed, which may be before the verify stage is done;
// while its verification is under way the page opens the stream again
// after a pause, for the events appended since.
// What the stream's messages do not carry (a multi-network deployment's
// children, a proxy's implementations, an upgrade's safety report) is read
// with GetDeployment too: when the page opens, on such a deployment's
// events, and every few seconds while a multi-network one runs (its
// networks move on in their own deployments).
import { consoleConfig, deployments, session, temporalRunUrl } from "../api";
import { busy, errorBox, formatTime, h, hexValue, replace } from "../dom";
import { describeError, describeFailure } from "../errors";
import { formatEth, formatWei, timestampMs } from "../budgets";
import { budgetsPanel, type BudgetsPanel } from "../budgets-panel";
import { findingsText, mayVote } from "../approvals";
import { approvalFacts, approvalSummary, voteTrail, type SourcesOpen } from "../approval-view";
import { sameVerification, verificationLabel, verificationUnderWay } from "../verification";
import { verificationFacts, verificationServices } from "../verification-view";
import type { PageContext } from "../page";
import { followsReads, withDetails } from "../deployment-details";
import { multiNetwork, networkRows, networksText } from "../children";
import { networksSection } from "../children-view";
import { canUpgrade, implementationRows, proxyKindLabel } from "../upgrades";
import { implementationsSection, upgradeSection } from "../upgrades-view";
import { provenanceButton } from "../provenance-button";
import { upgradeForm } from "./deployment/upgrade-form";
import {
  DeploymentStatus,
  type Approval,
  type Deployment,
  type DeploymentEvent,
  type Verification,
} from "../gen/slipway/v1/deployments_pb";
import { cancellable, stageStates, stages, statusLabel, statusName, terminal, type StageState } from "../status";

export function deploymentPage(ctx: PageContext): () => void {
  const id = ctx.params.id;
  ctx.setTitle("Deployment");
  const abort = new AbortController();
  let dep: Deployment | undefined;
  let approval: Approval | undefined;
  let verification: Verification | undefined;
  // The deployment as last read (GetDeployment), for what the stream leaves out.
  let read: Deployment | undefined;
  // Why the last GetDeployment (for the approval or the verification) failed.
  let readError: unknown;
  // What the Approval section shows now: it is drawn again only when that
  // changes, not on every event and heartbeat.
  let approvalShown: { a?: Approval; err: unknown; waiting: boolean } | undefined;
  // Likewise the Verification section, which is compared field by field:
  // every read makes a new message, mostly the same as the last.
  let verificationShown: Verification | undefined;
  // The source files opened or closed in the Approval section, kept when
  // it is drawn again.
  const sourcesOpen: SourcesOpen = new Map();
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
  const approvalSlot = h("div");
  const verificationSlot = h("div");
  // A multi-network deployment's networks; an upgrade's proxy and safety
  // report; a proxy's implementations and, once it is confirmed, the form
  // to upgrade it. Each is drawn again only when what it shows changes
  // (the form never: it keeps what is typed in it).
  const networksSlot = h("div");
  const upgradeSlot = h("div");
  const implementationsSlot = h("div");
  const upgradeFormSlot = h("div");
  const drawn = new Map<HTMLElement, string>();
  const provenanceStatus = h("div", { "aria-live": "polite" });
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
    networksSlot,
    upgradeSlot,
    approvalSlot,
    verificationSlot,
    h(
      "section",
      { class: "card", "aria-labelledby": "facts-h" },
      h("h2", { id: "facts-h" }, "Details"),
      facts,
      temporalLink,
      actions,
      h("div", { class: "actions" }, provenanceButton(id, provenanceStatus)),
      provenanceStatus,
    ),
    implementationsSlot,
    upgradeFormSlot,
    budgetSlot,
    h("section", { class: "card", "aria-labelledby": "ev-h" }, h("h2", { id: "ev-h" }, "Events"), log),
  );

  function render(): void {
    if (!dep) return;
    const d = withDetails(dep, read);
    const what = d.upgradeOf ? "Upgrade" : "Deployment";
    heading.textContent = d.contractName ? `${what} of ${d.contractName}` : what;
    ctx.setTitle(`${d.contractName || "Deployment"} · ${statusLabel(d.status)}`);
    badge.textContent = statusLabel(d.status);
    badge.className = `badge status st-${statusName(d.status).toLowerCase()}`;
    badge.dataset.status = statusName(d.status);

    const waits =
      approval !== undefined ||
      d.status === DeploymentStatus.AWAITING_APPROVAL ||
      events.some((e) => e.status === DeploymentStatus.AWAITING_APPROVAL);
    const states = stageStates(d.status, lastActive, waits);
    replace(
      timeline,
      stages.map((st, i) => {
        const reached = events.find((e) => e.status === st.status);
        const state = states[i];
        const failedHere = state === "failed";
        return h(
          "li",
          { class: `stage stage-${state}`, "aria-current": state === "current" ? "step" : null },
          h("span", { class: "stage-dot", "aria-hidden": "true" }, stageDots[state]),
          h(
            "div",
            {},
            h("span", { class: "stage-label" }, st.label),
            h(
              "span",
              { class: "visually-hidden" },
              ` — ${failedHere ? (d.status === DeploymentStatus.CANCELLED ? "cancelled here" : "failed here") : (stageWords[state] ?? state)}`,
            ),
            h("span", { class: "stage-time muted small" }, reached ? ` ${formatTime(reached.at)}` : ""),
            state === "skipped" ? h("span", { class: "muted small" }, " not required on this network") : null,
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
      h("dt", {}, d.networks.length > 1 ? "Networks" : "Network"),
      h("dd", { id: "fact-network" }, networksText(d)),
      d.parentId
        ? [
            h("dt", {}, "Part of"),
            h(
              "dd",
              {},
              h("a", { href: `/deployments/${encodeURIComponent(d.parentId)}` }, "the multi-network deployment"),
            ),
          ]
        : null,
      h("dt", {}, "Contract"),
      h("dd", {}, d.contractName || "—"),
      h("dt", {}, d.proxyKind ? "Proxy address" : "Contract address"),
      h("dd", { id: "fact-address" }, hexValue(d.contractAddress, "address")),
      d.proxyKind
        ? [
            h("dt", {}, "Proxy kind"),
            h("dd", { id: "fact-proxy-kind" }, proxyKindLabel(d.proxyKind)),
            h("dt", {}, "Implementation"),
            h("dd", { id: "fact-implementation" }, hexValue(d.implementationAddress, "implementation address")),
          ]
        : null,
      d.upgradeOf && d.implementationAddress
        ? [
            h("dt", {}, "New implementation"),
            h("dd", { id: "fact-implementation" }, hexValue(d.implementationAddress, "implementation address")),
          ]
        : null,
      d.salt
        ? [
            h("dt", {}, "Salt"),
            h("dd", { id: "fact-salt", title: "The CREATE2 salt, after scoping" }, hexValue(d.salt, "salt")),
          ]
        : null,
      h("dt", {}, "Transaction"),
      h("dd", { id: "fact-tx" }, hexValue(d.txHash, "hash")),
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
      h("dd", {}, findingsText(d.lintSummary)),
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

    renderApproval(d);
    renderVerification();
    renderParts(d);

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

  /** draw fills slot with make()'s answer when key (what it shows) changed since it last did. */
  function draw(slot: HTMLElement, key: string, make: () => HTMLElement | null): void {
    if (drawn.get(slot) === key) return;
    drawn.set(slot, key);
    replace(slot, make());
  }

  /** renderParts: the networks, the upgrade, the implementations and the upgrade form, as d has them. */
  function renderParts(d: Deployment): void {
    const rows = multiNetwork(d) ? networkRows(d) : [];
    draw(networksSlot, keyOf(rows), () => networksSection(rows));
    const safety = d.upgradeSafety;
    draw(upgradeSlot, keyOf([d.upgradeOf, safety?.safe, safety?.report, safety?.errors]), () =>
      d.upgradeOf ? upgradeSection(d.upgradeOf, safety) : null,
    );
    const impls = implementationRows(d);
    draw(implementationsSlot, keyOf(impls), () => implementationsSection(impls));
    if (!canUpgrade(d)) upgradeFormSlot.replaceChildren();
    else if (!upgradeFormSlot.firstChild) replace(upgradeFormSlot, upgradeForm(d, ctx.navigate));
  }

  function renderApproval(d: Deployment): void {
    const a = approval;
    const waiting = d.status === DeploymentStatus.AWAITING_APPROVAL && a?.decision === "";
    const was = approvalShown;
    if (was && was.a === a && was.err === readError && was.waiting === waiting) return;
    approvalShown = { a, err: readError, waiting };
    const failed = readError === undefined ? null : errorBox(readError);
    if (!a) {
      replace(approvalSlot, failed);
      return;
    }
    replace(
      approvalSlot,
      failed,
      h(
        "section",
        { class: "card", "aria-labelledby": "approval-h", id: "approval" },
        h("h2", { id: "approval-h" }, "Approval"),
        waiting
          ? h(
              "p",
              { class: "muted small" },
              "Nothing is signed or reserved until enough approvers approve; one rejection ends the deployment.",
              mayVote(session.role) ? [" ", h("a", { href: "/approvals" }, "Vote on the Approvals page.")] : null,
            )
          : null,
        approvalFacts(a, waiting),
        h("h3", {}, "What will be signed"),
        a.summary ? approvalSummary(a.summary, sourcesOpen) : h("p", { class: "muted" }, "No summary was recorded."),
        h("h3", {}, "Votes"),
        voteTrail(a.votes),
      ),
    );
  }

  function renderVerification(): void {
    const v = verification;
    if (sameVerification(verificationShown, v)) return;
    const was = verificationShown;
    verificationShown = v;
    if (!v) {
      verificationSlot.replaceChildren();
      return;
    }
    if (!was || was.status !== v.status || was.match !== v.match) {
      live.textContent = `Verification: ${verificationLabel(v.status, v.match)}`;
    }
    replace(
      verificationSlot,
      h(
        "section",
        { class: "card", "aria-labelledby": "verification-h", id: "verification" },
        h("h2", { id: "verification-h" }, "Verification"),
        h(
          "p",
          { class: "muted small" },
          "The contract's bytecode is re-derived from the compiled sources and compared with the code at its address. The deployment stays confirmed whatever this finds.",
        ),
        verificationFacts(v),
        verificationServices(v.services),
      ),
    );
  }

  // One GetDeployment at a time for the approval and the verification;
  // asked again while one is in flight (a burst of votes, or the replay of
  // past events), it reads once more afterwards, so the newest votes and
  // verification always show. reading settles once the newest is shown.
  let reading: Promise<void> | undefined;
  let readAgain = false;
  function readDetails(): Promise<void> {
    if (reading) {
      readAgain = true;
      return reading;
    }
    reading = (async () => {
      try {
        do {
          readAgain = false;
          try {
            const r = await deployments.getDeployment({ id }, { signal: abort.signal });
            readError = undefined;
            if (r.deployment) read = r.deployment;
            if (r.deployment?.approval) approval = r.deployment.approval;
            if (r.deployment?.verification) verification = r.deployment.verification;
          } catch (err) {
            if (abort.signal.aborted) return;
            // Shown over the approval and verification as last read; the
            // next event reads again.
            readError = err;
          }
          render();
        } while (readAgain && !abort.signal.aborted);
      } finally {
        reading = undefined;
      }
    })();
    return reading;
  }

  /**
   * verifying: after the stream ended on a confirmed deployment, whether
   * its verification may still change (with the reads its events asked for
   * done, and one more when the last failed), so the page follows on.
   */
  async function verifying(): Promise<boolean> {
    if (dep?.status !== DeploymentStatus.CONFIRMED) return false;
    await (readError !== undefined ? readDetails() : reading);
    if (abort.signal.aborted) return false;
    const confirmed = events.find((e) => e.status === DeploymentStatus.CONFIRMED);
    return verificationUnderWay(verification, timestampMs(confirmed?.at));
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
    if (d?.approval) approval = d.approval;
    if (d?.verification) verification = d.verification;
    if (e && e.seq > lastSeq) {
      events.push(e);
      lastSeq = e.seq;
      if (!terminal(e.status)) lastActive = e.status;
      // A vote or the wait opening; or, past an undecided approval, the
      // decision (approved, rejected, expired) that moved the deployment on;
      // or the confirmation and the verify stage's events after it.
      // Or any event of a deployment whose parts the stream leaves out.
      if (
        e.status === DeploymentStatus.AWAITING_APPROVAL ||
        e.status === DeploymentStatus.CONFIRMED ||
        approval?.decision === "" ||
        (dep !== undefined && followsReads(withDetails(dep, read)))
      )
        void readDetails();
    }
    if (dep && !terminal(dep.status)) lastActive = dep.status;
    render();
    showTemporal();
    if (dep && before !== dep.status) live.textContent = `Status: ${statusLabel(dep.status)}`;
    if (!dep) return;
    if (!budget) {
      // Made (and loaded) once the network is known; a deployment already
      // over when the page opens needs no second read.
      // A multi-network deployment names no one network: every budget.
      budget = budgetsPanel({ network: dep.network || undefined, id: "budget-h" });
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
    // The pause before opening the stream again for a verification under
    // way: short while its events come, longer while none do.
    let follow = 2;
    while (!abort.signal.aborted) {
      try {
        const from = lastSeq;
        for await (const r of deployments.watchDeployment({ id, afterSeq: lastSeq }, { signal: abort.signal })) {
          connection.replaceChildren();
          backoff = 1;
          refreshed = false;
          apply(r.deployment, r.event);
        }
        // The server ends the stream once the deployment has ended; a
        // confirmed one's verification may still be under way.
        if (dep && terminal(dep.status)) {
          if (!(await verifying())) return;
          follow = lastSeq > from ? 2 : Math.min(follow * 2, 15);
          await new Promise((r) => setTimeout(r, follow * 1000));
        }
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

  // Read once for what the stream leaves out; a running multi-network
  // deployment again every few seconds, for its networks' progress.
  void readDetails();
  const poll = window.setInterval(() => {
    const d = dep && withDetails(dep, read);
    if (d && multiNetwork(d) && !terminal(d.status) && !reading) void readDetails();
  }, 5000);
  void watch();
  return () => {
    window.clearInterval(poll);
    abort.abort();
  };
}

const stageDots: Record<StageState, string> = {
  done: "✓",
  failed: "✕",
  current: "•",
  skipped: "–",
  partial: "◐",
  todo: "",
};

/** stageWords: how a screen reader hears each stage's state (failed ones are worded apart). */
const stageWords: Partial<Record<StageState, string>> = {
  current: "in progress",
  partial: "confirmed on some networks only",
};

/** keyOf is what a part shows, as text to compare (Timestamps carry bigints). */
function keyOf(v: unknown): string {
  return JSON.stringify(v, (_, x: unknown) => (typeof x === "bigint" ? x.toString() : x));
}
