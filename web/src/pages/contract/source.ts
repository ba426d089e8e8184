// Step 2 of the contract page: the generated source, highlighted, with the
// audit's findings under their lines and the buttons to audit and compile.
import { contracts } from "../../api";
import { busy, errorBox, h, replace } from "../../dom";
import { sourceView, type LineNote } from "../../source-view";
import { Severity, type AuditContractResponse, type CompileContractResponse } from "../../gen/slipway/v1/contracts_pb";
import type { Generated } from "./template";

export interface SourceSection {
  section: HTMLElement;
  /** render shows g; a new g drops the audit of the one before. */
  render(g: Generated): void;
  /** stale greys out what is shown: the options changed since it was generated. */
  stale(): void;
}

/** sourceSection builds the section; compiled receives each compile of the source shown. */
export function sourceSection(compiled: (g: Generated, r: CompileContractResponse) => void): SourceSection {
  const section = h("section", { class: "card", "aria-labelledby": "source-h", hidden: true });
  const status = h("div", { "aria-live": "polite" });
  let shown: Generated | null = null;
  let audit: AuditContractResponse | null = null;

  /** onClick runs work for a click, the button busy with label; a failure is shown in status. */
  function onClick(button: HTMLButtonElement, label: string, work: () => Promise<void>): void {
    button.addEventListener(
      "click",
      () =>
        void busy(button, label, async () => {
          status.replaceChildren();
          try {
            await work();
          } catch (err) {
            replace(status, errorBox(err));
          }
        }),
    );
  }

  function render(g: Generated): void {
    if (g !== shown) audit = null;
    shown = g;
    section.hidden = false;
    section.classList.remove("stale");
    const notes: LineNote[] = (audit?.findings ?? [])
      .filter((f) => f.file === "" || (f.file.endsWith(".sol") && !f.file.startsWith("@")))
      .map((f) => ({
        line: f.line,
        severity: Severity[f.severity] ?? "INFO",
        title: f.title,
        description: f.description,
        detector: f.detector,
      }));
    const auditBtn = h("button", { type: "button", class: "btn" }, audit ? "Audit again" : "Audit");
    const compileBtn = h("button", { type: "button", class: "btn btn-primary" }, "Compile");
    onClick(auditBtn, "Auditing…", async () => {
      const r = await contracts.auditContract({ source: g.source, compilerVersion: g.compilerVersion });
      if (shown !== g) return;
      audit = r;
      render(g);
      section.querySelector<HTMLElement>(".audit-summary")?.focus();
    });
    onClick(compileBtn, "Compiling…", async () => {
      compiled(
        g,
        await contracts.compileContract({
          source: g.source,
          contractName: g.contractName,
          compilerVersion: g.compilerVersion,
        }),
      );
    });
    const summary = audit ? auditSummary(audit) : null;
    const outside = (audit?.findings ?? []).filter((f) => f.file.startsWith("@")).length;
    replace(
      section,
      h("h2", { id: "source-h", tabindex: -1 }, `2. Source: ${g.contractName}.sol`),
      h("p", { class: "muted small" }, `Solidity ${g.compilerVersion} · OpenZeppelin Contracts 5`),
      h("div", { class: "actions" }, auditBtn, compileBtn),
      status,
      summary,
      outside
        ? h("p", { class: "muted small" }, `${outside} finding(s) in OpenZeppelin's own files are not shown.`)
        : null,
      sourceView(g.source, notes),
    );
  }

  function stale(): void {
    shown = null;
    section.classList.add("stale");
  }

  return { section, render, stale };
}

function auditSummary(audit: AuditContractResponse): HTMLElement {
  return h(
    "div",
    { class: "audit-summary", tabindex: -1, role: "status" },
    audit.findings.length === 0 ? h("span", { class: "badge sev-ok" }, "No findings") : null,
    (["high", "medium", "low", "info"] as const).map((s) =>
      audit.summary?.[s] ? h("span", { class: `badge sev-${s}` }, `${audit.summary[s]} ${s}`) : null,
    ),
    audit.findings.length > 0 ? h("span", { class: "muted" }, ` Findings are shown under their lines.`) : null,
  );
}
