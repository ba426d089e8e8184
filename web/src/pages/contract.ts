// New contract: template options → generated source (highlighted) → audit
// with findings on their lines → compile (ABI, bytecode size) → deploy with a
// constructor form built from the ABI. Each step is a module in ./contract/;
// this page holds what was generated and keeps the steps after it in step.
import { contracts } from "../api";
import { busy, errorBox, h, replace } from "../dom";
import type { PageContext } from "../page";
import { compileSection } from "./contract/compile";
import { deploySection } from "./contract/deploy";
import { sourceSection } from "./contract/source";
import { templateForm, type Generated } from "./contract/template";

export function contractPage(ctx: PageContext): void {
  ctx.setTitle("New contract");
  // The source the later steps work on; null once the options change.
  let generated: Generated | null = null;

  const deploy = deploySection(ctx.navigate);
  const compile = compileSection();
  const source = sourceSection((g, compiled) => {
    if (g !== generated) return; // the options changed while it compiled
    const abi = compile.render(g, compiled);
    if (abi === null) deploy.section.hidden = true;
    else void deploy.render(g, abi);
  });
  const template = templateForm(() => {
    if (!generated) return;
    generated = null;
    source.stale();
    replace(
      template.status,
      h("p", { class: "alert alert-info", role: "status" }, "Options changed: generate again to see the new source."),
    );
    compile.section.hidden = true;
    deploy.section.hidden = true;
  });

  template.form.addEventListener("submit", (e) => {
    e.preventDefault();
    template.status.replaceChildren();
    const t = template.read();
    if (!t) {
      template.form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
      return;
    }
    void busy(template.submit, "Generating…", async () => {
      try {
        const r = await contracts.generateContract({ template: t });
        generated = { template: t, source: r.source, contractName: r.contractName, compilerVersion: r.compilerVersion };
        source.render(generated);
        compile.section.hidden = true;
        deploy.section.hidden = true;
        source.section.querySelector("h2")?.focus();
      } catch (err) {
        replace(template.status, errorBox(err));
      }
    });
  });

  ctx.main.append(
    h("h1", {}, "New contract"),
    h(
      "p",
      { class: "lead" },
      "Pick a standard and its features; Slipway generates OpenZeppelin-based Solidity you can audit, compile and deploy.",
    ),
    template.form,
    source.section,
    compile.section,
    deploy.section,
  );
}
