// The Budgets panel: the caller's spend budget on each network they may
// deploy to (GetMe), in ETH. Pages that show it refresh it when they are
// shown again and after a deployment ends.
import { auth } from "./api";
import { budgetView, resetsText, type BudgetView } from "./budgets";
import { dataTable, errorBox, h, replace } from "./dom";
import type { Budget, GetMeResponse } from "./gen/slipway/v1/auth_pb";

export interface BudgetsPanel {
  /** The section to put on the page. */
  el: HTMLElement;
  /** refresh reads the budgets again (GetMe). */
  refresh: () => Promise<void>;
}

export interface BudgetsPanelOptions {
  /** Only this network's budget (a deployment's page). */
  network?: string;
  /** Heading id, for aria-labelledby; unique on the page. */
  id?: string;
  /** onLoad sees every GetMe answer (the account page shows the user from it). */
  onLoad?: (me: GetMeResponse) => void;
}

const when = (ms: number) => new Date(ms).toLocaleString();

/** amount is a figure in ETH with its exact wei in the title. */
function amount(text: string, exact: string, cls = ""): HTMLElement {
  return h("span", { class: `amount ${cls}`.trim(), title: exact || null }, text);
}

function row(v: BudgetView): HTMLTableRowElement {
  return h(
    "tr",
    { "data-network": v.network },
    h("td", { "data-label": "Network" }, h("strong", {}, v.network)),
    h(
      "td",
      { "data-label": "Limit" },
      v.limited ? amount(v.limit, v.exact.limit) : h("span", { class: "muted" }, "no budget"),
    ),
    h("td", { "data-label": "Period", class: "nowrap" }, v.period || "—"),
    h("td", { "data-label": "Spent" }, amount(v.spent, v.exact.spent)),
    h("td", { "data-label": "Reserved" }, amount(v.reserved, v.exact.reserved)),
    h(
      "td",
      { "data-label": "Remaining" },
      v.limited ? amount(v.remaining, v.exact.remaining) : h("span", { class: "muted" }, "no limit"),
      v.exhausted ? [" ", h("span", { class: "badge sev-high" }, "used up")] : null,
    ),
    h("td", { "data-label": "Resets" }, resetsText(v, when)),
  );
}

/** budgetsPanel makes the panel and loads it once. */
export function budgetsPanel(opts: BudgetsPanelOptions = {}): BudgetsPanel {
  const headingId = opts.id ?? "budgets-h";
  const body = h("div", { class: "table-wrap", "aria-live": "polite" }, h("p", { class: "muted" }, "Loading budgets…"));
  const reload = h("button", { type: "button", class: "btn btn-small" }, "Reload budgets");
  const el = h(
    "section",
    { class: "card budgets", "aria-labelledby": headingId, id: opts.network ? "budget" : "budgets" },
    h(
      "div",
      { class: "title-row" },
      h("h2", { id: headingId }, opts.network ? `Budget on ${opts.network}` : "Budgets"),
      reload,
    ),
    h(
      "p",
      { class: "muted small" },
      "What you may spend on gas per network over a rolling period. A deployment holds its worst-case fee (reserved) while it runs and settles to what it paid (spent) when it ends.",
    ),
    body,
  );

  let seq = 0;
  async function refresh(): Promise<void> {
    const mine = ++seq;
    body.setAttribute("aria-busy", "true");
    try {
      const me = await auth.getMe({});
      if (mine !== seq) return;
      render(me.budgets);
      opts.onLoad?.(me);
    } catch (err) {
      if (mine !== seq) return;
      replace(
        body,
        errorBox(err, () => void refresh()),
      );
    } finally {
      if (mine === seq) body.removeAttribute("aria-busy");
    }
  }

  function render(all: Budget[]): void {
    const budgets = opts.network === undefined ? all : all.filter((b) => b.network === opts.network);
    if (budgets.length === 0) {
      replace(
        body,
        h(
          "p",
          { class: "empty" },
          opts.network === undefined
            ? "No networks are open to your plan, so no budgets apply."
            : `No budget is shown for ${opts.network}: it is not open to your plan now.`,
        ),
      );
      return;
    }
    replace(
      body,
      dataTable(
        { class: "table budgets-table" },
        "Spend budgets per network, in ETH",
        "visually-hidden",
        ["Network", "Limit", "Period", "Spent", "Reserved", "Remaining", "Resets"],
        budgets.map((b) => row(budgetView(b))),
      ),
    );
  }

  reload.addEventListener("click", () => void refresh());
  // Shown again (another tab, a sleeping laptop): the figures may be old.
  const onVisible = () => {
    if (!el.isConnected) {
      document.removeEventListener("visibilitychange", onVisible);
      return;
    }
    if (document.visibilityState === "visible") void refresh();
  };
  document.addEventListener("visibilitychange", onVisible);
  void refresh();
  return { el, refresh };
}
