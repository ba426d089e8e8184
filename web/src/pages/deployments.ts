import { deployments } from "../api";
import { budgetsPanel } from "../budgets-panel";
import { dataTable, errorBox, field, formatTime, h, replace } from "../dom";
import type { PageContext } from "../page";
import { DeploymentStatus } from "../gen/slipway/v1/deployments_pb";
import { statuses, statusLabel, statusName } from "../status";
import { networksText } from "../children";

const pageSize = 10;

export function deploymentsPage(ctx: PageContext): void {
  ctx.setTitle("Deployments");
  const filter = h("select", { name: "status" }, h("option", { value: "" }, "All statuses"));
  for (const s of statuses) filter.append(h("option", { value: statusName(s) }, statusLabel(s)));
  filter.value = ctx.query.get("status")?.toUpperCase() ?? "";
  if (filter.selectedIndex < 0) filter.value = "";
  const refresh = h("button", { type: "button", class: "btn", id: "refresh" }, "Refresh");
  const status = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "table-wrap" });
  const prev = h("button", { type: "button", class: "btn", disabled: true }, "← Newer");
  const next = h("button", { type: "button", class: "btn", disabled: true }, "Older →");
  const pageInfo = h("span", { class: "muted small", "aria-live": "polite" });
  // Tokens of the pages before the current one: Back pops.
  let tokens: string[] = [];
  let current = "";
  let nextToken = "";

  async function load(): Promise<void> {
    status.replaceChildren();
    list.setAttribute("aria-busy", "true");
    refresh.disabled = true;
    try {
      const st =
        filter.value === ""
          ? DeploymentStatus.UNSPECIFIED
          : DeploymentStatus[filter.value as keyof typeof DeploymentStatus];
      const r = await deployments.listDeployments({ pageSize, pageToken: current, status: st });
      nextToken = r.nextPageToken;
      prev.disabled = tokens.length === 0;
      next.disabled = nextToken === "";
      pageInfo.textContent = `Page ${tokens.length + 1}`;
      if (r.deployments.length === 0) {
        replace(
          list,
          h(
            "p",
            { class: "empty" },
            filter.value ? `No deployments are ${statusLabel(st).toLowerCase()}.` : "No deployments yet. ",
            filter.value ? null : h("a", { href: "/contracts/new" }, "Create a contract to deploy."),
          ),
        );
        return;
      }
      replace(
        list,
        dataTable(
          { class: "table", id: "deployments-table" },
          "Your deployments, newest first",
          "visually-hidden",
          ["Contract", "Status", "Network", "Address", "Created"],
          r.deployments.map((d) =>
            h(
              "tr",
              {},
              h(
                "td",
                { "data-label": "Contract" },
                h("a", { href: `/deployments/${d.id}` }, d.contractName || d.id.slice(0, 8)),
              ),
              h(
                "td",
                { "data-label": "Status" },
                h("span", { class: `badge status st-${statusName(d.status).toLowerCase()}` }, statusLabel(d.status)),
              ),
              h("td", { "data-label": "Network" }, networksText(d)),
              h(
                "td",
                { "data-label": "Address" },
                d.contractAddress ? h("code", { class: "mono" }, short(d.contractAddress)) : "—",
              ),
              h("td", { "data-label": "Created" }, formatTime(d.createdAt)),
            ),
          ),
        ),
      );
    } catch (err) {
      replace(
        status,
        errorBox(err, () => (refresh.disabled = false)),
      );
      if (describeRetry(status)) return;
    } finally {
      list.removeAttribute("aria-busy");
      if (!describeRetry(status)) refresh.disabled = false;
    }
  }

  filter.addEventListener("change", () => {
    tokens = [];
    current = "";
    const q = filter.value ? `?status=${filter.value}` : "";
    history.replaceState(null, "", `/deployments${q}`);
    void load();
  });
  refresh.addEventListener("click", () => void load());
  next.addEventListener("click", () => {
    tokens.push(current);
    current = nextToken;
    void load();
  });
  prev.addEventListener("click", () => {
    current = tokens.pop() ?? "";
    void load();
  });

  ctx.main.append(
    h(
      "div",
      { class: "title-row" },
      h("h1", {}, "Deployments"),
      h("a", { href: "/contracts/new", class: "btn btn-primary" }, "New contract"),
    ),
    h("div", { class: "toolbar" }, field("Status", filter), refresh),
    status,
    list,
    h("div", { class: "pager" }, prev, pageInfo, next),
    // Loaded when the page is shown; "Reload budgets" and the tab coming
    // back into view read them again.
    budgetsPanel().el,
  );
  void load();
}

/** describeRetry: a rate-limit box is counting down, so the button stays off until it ends. */
function describeRetry(status: HTMLElement): boolean {
  return status.querySelector("[data-retry-after]")?.textContent.includes("Try again in") ?? false;
}

function short(addr: string): string {
  return addr.length > 14 ? `${addr.slice(0, 8)}…${addr.slice(-6)}` : addr;
}
