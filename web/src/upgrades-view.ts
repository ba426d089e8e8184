// A proxy's and an upgrade's sections of the deployment page: the
// implementations the proxy pointed at, and an upgrade's link to the
// proxy's deployment with OpenZeppelin's upgrade-safety report.
import { dataTable, formatTime, h, shortHex } from "./dom";
import type { UpgradeSafety } from "./gen/slipway/v1/deployments_pb";
import { safetyVerdict, type ImplementationRow } from "./upgrades";

/** implementationsSection is the proxy's implementations, the first one first, or null for none. */
export function implementationsSection(rows: ImplementationRow[]): HTMLElement | null {
  if (rows.length === 0) return null;
  return h(
    "section",
    { class: "card", "aria-labelledby": "impl-h", id: "implementations" },
    h("h2", { id: "impl-h" }, "Implementations"),
    h(
      "p",
      { class: "muted small" },
      "The contracts the proxy has pointed at, the first one first; the proxy's address stays the same.",
    ),
    h(
      "div",
      { class: "table-wrap" },
      dataTable(
        { class: "table implementations-table" },
        "Implementations of this proxy",
        "visually-hidden",
        ["#", "Address", "Deployed in", "Upgrade transaction", "At"],
        rows.map((r) =>
          h(
            "tr",
            { class: r.current ? "impl-current" : null },
            h(
              "td",
              { "data-label": "#" },
              String(r.n),
              r.current ? [" ", h("span", { class: "badge sev-ok" }, "current")] : null,
            ),
            h("td", { "data-label": "Address" }, shortHex(r.address, `implementation ${r.n} address`)),
            h(
              "td",
              { "data-label": "Deployed in" },
              r.href ? h("a", { href: r.href }, `Deployment ${r.deploymentId.slice(0, 8)}`) : "—",
              r.txHash ? [" ", shortHex(r.txHash, `implementation ${r.n} transaction hash`)] : null,
            ),
            h(
              "td",
              { "data-label": "Upgrade transaction" },
              shortHex(r.upgradeTxHash, `upgrade ${r.n} transaction hash`),
            ),
            h("td", { "data-label": "At" }, formatTime(r.at)),
          ),
        ),
      ),
    ),
  );
}

/**
 * upgradeSection is an upgrade's card: the proxy deployment it upgrades
 * and, once the check ran, the upgrade-safety report (the verdict, its
 * errors and the library's text).
 */
export function upgradeSection(upgradeOf: string, s: UpgradeSafety | undefined): HTMLElement {
  const verdict = s ? safetyVerdict(s) : undefined;
  return h(
    "section",
    { class: "card", "aria-labelledby": "upgrade-h", id: "upgrade" },
    h("h2", { id: "upgrade-h" }, "Upgrade"),
    h(
      "p",
      {},
      "This deployment upgrades ",
      h("a", { href: `/deployments/${encodeURIComponent(upgradeOf)}`, id: "upgrade-of" }, "the proxy's deployment"),
      " to a new implementation.",
    ),
    h("h3", {}, "Upgrade safety"),
    !s || !verdict
      ? h(
          "p",
          { class: "muted", id: "upgrade-safety-pending" },
          "OpenZeppelin's upgrade-safety and storage-layout checks have not reported yet; they run once the new version compiles.",
        )
      : h(
          "div",
          { class: "upgrade-safety", id: "upgrade-safety" },
          h(
            "p",
            {},
            h("span", { class: `badge ${verdict.cls}`, "data-safe": s.safe ? "true" : "false" }, verdict.label),
          ),
          s.errors.length
            ? h(
                "ul",
                { class: "safety-errors", "aria-label": "Upgrade-safety errors" },
                s.errors.map((e) => h("li", {}, e)),
              )
            : null,
          s.report
            ? h(
                "details",
                { open: !s.safe },
                h("summary", {}, "Report"),
                h("pre", { class: "code-block safety-report", tabindex: 0 }, s.report),
              )
            : null,
        ),
  );
}
