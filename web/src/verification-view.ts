// A confirmed deployment's source verification, as DOM: where it stands and
// what each verifier (Slipway's own re-derivation, "local", or a service
// the source was published to) answered.
import { dataTable, formatTime, h } from "./dom";
import type { Verification, VerificationService } from "./gen/slipway/v1/deployments_pb";
import { linkUrl, verificationClass, verificationLabel } from "./verification";

function verificationBadge(status: string, match = ""): HTMLElement {
  return h(
    "span",
    { class: `badge ${verificationClass(status)}`.trim(), "data-status": status || null },
    verificationLabel(status, match),
  );
}

/** verificationFacts: the outcome (status and match), what the verify stage said, and when. */
export function verificationFacts(v: Verification): HTMLElement {
  return h(
    "dl",
    { class: "facts" },
    h("dt", {}, "Result"),
    h("dd", { class: "verification-status" }, verificationBadge(v.status, v.match)),
    h("dt", {}, "Details"),
    h("dd", { class: "verification-message" }, v.message || "—"),
    h("dt", {}, "Updated"),
    h("dd", {}, formatTime(v.updatedAt)),
  );
}

/**
 * verificationServices is a row per verifier: its name, status, message
 * and, when published, a link; null while there is none (PENDING).
 */
export function verificationServices(services: VerificationService[]): HTMLElement | null {
  if (services.length === 0) return null;
  return h(
    "div",
    { class: "table-wrap" },
    dataTable(
      { class: "table verification-table" },
      "Verifiers",
      "args-caption",
      ["Verifier", "Status", "Details"],
      services.map((s) => {
        const url = linkUrl(s.url);
        return h(
          "tr",
          { class: "verification-service" },
          h("td", { "data-label": "Verifier" }, h("strong", {}, s.name || "—")),
          h("td", { "data-label": "Status" }, verificationBadge(s.status)),
          h(
            "td",
            { "data-label": "Details" },
            s.message ? h("span", { class: "verification-service-msg" }, s.message) : null,
            url
              ? [
                  s.message ? " " : null,
                  h("a", { href: url, target: "_blank", rel: "noopener noreferrer" }, "View the verified source ↗"),
                ]
              : null,
            !s.message && !url ? "—" : null,
          ),
        );
      }),
    ),
  );
}
