// Step 3 of the contract page: what the compiler produced (sizes against
// EIP-170's limit, warnings, the ABI).
import { h, replace } from "../../dom";
import type { CompileContractResponse } from "../../gen/slipway/v1/contracts_pb";
import type { Generated } from "./template";

/** EIP-170's limit on a contract's runtime bytecode. */
const maxRuntimeBytes = 24576;

export interface CompileSection {
  section: HTMLElement;
  /** render shows the compile of g's source and answers the ABI of its contract, or null when there is none. */
  render(g: Generated, compiled: CompileContractResponse): string | null;
}

export function compileSection(): CompileSection {
  const section = h("section", { class: "card", "aria-labelledby": "compile-h", hidden: true });

  function render(g: Generated, compiled: CompileContractResponse): string | null {
    section.hidden = false;
    const c = compiled.contracts.find((x) => x.name === g.contractName) ?? compiled.contracts[0];
    if (!c) {
      replace(section, h("h2", { id: "compile-h" }, "3. Compiled"), h("p", {}, "The compiler produced no contract."));
      return null;
    }
    const size = (hex: string) => Math.max(0, (hex.startsWith("0x") ? hex.length - 2 : hex.length) / 2);
    const runtime = size(c.deployedBytecode);
    let abiPretty = c.abi;
    try {
      abiPretty = JSON.stringify(JSON.parse(c.abi), null, 2);
    } catch {
      // shown as the compiler gave it
    }
    replace(
      section,
      h("h2", { id: "compile-h", tabindex: -1 }, "3. Compiled"),
      h(
        "dl",
        { class: "facts" },
        h("dt", {}, "Contract"),
        h("dd", {}, c.name),
        h("dt", {}, "Compiler"),
        h("dd", {}, compiled.compilerVersion),
        h("dt", {}, "Creation bytecode"),
        h("dd", { id: "bytecode-size" }, `${size(c.bytecode).toLocaleString()} bytes`),
        h("dt", {}, "Runtime bytecode"),
        h(
          "dd",
          {},
          `${runtime.toLocaleString()} bytes `,
          runtime > maxRuntimeBytes
            ? h("span", { class: "badge sev-high" }, "over the 24,576-byte limit (EIP-170)")
            : h("span", { class: "muted small" }, "of 24,576 allowed (EIP-170)"),
        ),
      ),
      compiled.warnings.length
        ? h(
            "details",
            {},
            h("summary", {}, `${compiled.warnings.length} compiler warning(s)`),
            h(
              "ul",
              {},
              compiled.warnings.map((w) => h("li", {}, `${w.file}:${w.line}: ${w.message}`)),
            ),
          )
        : null,
      h("details", {}, h("summary", {}, "ABI"), h("pre", { class: "code-block", tabindex: 0 }, abiPretty)),
    );
    section.querySelector("h2")?.focus();
    return c.abi;
  }

  return { section, render };
}
