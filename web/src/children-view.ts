// A multi-network deployment's networks as a table: each network's status,
// address, transaction and failure, with a link to its own deployment page.
import { childrenSummary, type NetworkRow } from "./children";
import { dataTable, h, shortHex } from "./dom";

/** networksSection is the card with the table of rows, or null for none. */
export function networksSection(rows: NetworkRow[]): HTMLElement | null {
  if (rows.length === 0) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "networks-h", id: "networks" },
    h("h2", { id: "networks-h" }, "Networks"),
    h(
      "p",
      { class: "muted small", id: "networks-summary" },
      `Compiled once, deployed to each network as its own deployment. ${childrenSummary(rows)}.`,
    ),
    h(
      "div",
      { class: "table-wrap" },
      dataTable(
        { class: "table networks-table" },
        "Status on each network",
        "visually-hidden",
        ["Network", "Status", "Contract address", "Transaction", "Error", "Deployment"],
        rows.map((r) =>
          h(
            "tr",
            { "data-network": r.network },
            h("td", { "data-label": "Network", class: "nowrap" }, h("strong", {}, r.network)),
            h("td", { "data-label": "Status" }, h("span", { class: `badge status ${r.statusClass}` }, r.label)),
            h("td", { "data-label": "Contract address" }, shortHex(r.contractAddress, `${r.network} address`)),
            h("td", { "data-label": "Transaction" }, shortHex(r.txHash, `${r.network} transaction hash`)),
            h("td", { "data-label": "Error", class: "network-error" }, r.error || "—"),
            h(
              "td",
              { "data-label": "Deployment" },
              r.href ? h("a", { href: r.href, "aria-label": `Deployment on ${r.network}` }, "Open") : "—",
            ),
          ),
        ),
      ),
    ),
  );
}
