// New contract: template options → generated source (highlighted) → audit
// with findings on their lines → compile (ABI, bytecode size) → deploy with a
// constructor form built from the ABI.
import { create, fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { auth, contracts, deployments, networks } from "../api";
import { budgetView, gasCeilingText } from "../budgets";
import { constructorFields, parseArgs, payableConstructor } from "../abi";
import { busy, errorBox, field, h, replace, setFieldError, uid } from "../dom";
import { sourceView, type LineNote } from "../source-view";
import type { PageContext } from "../main";
import type { Budget } from "../gen/slipway/v1/auth_pb";
import type { Network } from "../gen/slipway/v1/networks_pb";
import {
  ContractKind,
  ContractTemplateSchema,
  Severity,
  type AuditContractResponse,
  type CompileContractResponse,
  type ContractTemplate,
} from "../gen/slipway/v1/contracts_pb";

type Kind = "ERC20" | "ERC721" | "ERC1155";

interface OptionDef {
  key: string;
  label: string;
  kinds: Kind[];
  type: "bool" | "text";
  hint?: string;
  placeholder?: string;
}

// The OpenZeppelin Wizard's options, by kind (API.md, "Template options").
const optionDefs: OptionDef[] = [
  { key: "premint", label: "Premint", kinds: ["ERC20"], type: "text", hint: "Tokens minted to the recipient at deployment (decimal).", placeholder: "1000" },
  { key: "capped", label: "Cap", kinds: ["ERC20"], type: "text", hint: "Most tokens that can ever exist (decimal); empty for no cap." },
  { key: "baseUri", label: "Base URI", kinds: ["ERC721"], type: "text", placeholder: "https://example.com/nft/" },
  { key: "uri", label: "URI", kinds: ["ERC1155"], type: "text", placeholder: "https://example.com/{id}.json" },
  { key: "mintable", label: "Mintable", kinds: ["ERC20", "ERC721", "ERC1155"], type: "bool" },
  { key: "burnable", label: "Burnable", kinds: ["ERC20", "ERC721", "ERC1155"], type: "bool" },
  { key: "pausable", label: "Pausable", kinds: ["ERC20", "ERC721", "ERC1155"], type: "bool" },
  { key: "permit", label: "Permit (EIP-2612)", kinds: ["ERC20"], type: "bool" },
  { key: "votes", label: "Votes", kinds: ["ERC20", "ERC721"], type: "bool" },
  { key: "flashmint", label: "Flash minting", kinds: ["ERC20"], type: "bool" },
  { key: "enumerable", label: "Enumerable", kinds: ["ERC721"], type: "bool" },
  { key: "uriStorage", label: "URI storage", kinds: ["ERC721"], type: "bool" },
  { key: "incremental", label: "Auto-increment ids", kinds: ["ERC721"], type: "bool" },
  { key: "supply", label: "Supply tracking", kinds: ["ERC1155"], type: "bool" },
  { key: "updatableUri", label: "Updatable URI", kinds: ["ERC1155"], type: "bool" },
];

const defaults: Record<Kind, { name: string; symbol: string }> = {
  ERC20: { name: "MyToken", symbol: "MTK" },
  ERC721: { name: "MyNFT", symbol: "MNFT" },
  ERC1155: { name: "MyItems", symbol: "" },
};

export function contractPage(ctx: PageContext): void {
  ctx.setTitle("New contract");
  let kind: Kind = "ERC20";
  let generated: { template: ContractTemplate; source: string; contractName: string; compilerVersion: string } | null = null;
  let audit: AuditContractResponse | null = null;
  let compiled: CompileContractResponse | null = null;

  // ---- template form
  const kindGroup = h("fieldset", { class: "kind-picker" }, h("legend", {}, "Standard"));
  for (const k of ["ERC20", "ERC721", "ERC1155"] as Kind[]) {
    const id = uid("kind");
    const input = h("input", { type: "radio", name: "kind", value: k, id, checked: k === kind });
    input.addEventListener("change", () => {
      const was = defaults[kind];
      kind = k;
      if (nameInput.value === was.name) nameInput.value = defaults[k].name;
      if (symbolInput.value === was.symbol) symbolInput.value = defaults[k].symbol;
      showOptions();
      invalidate();
    });
    kindGroup.append(h("label", { for: id, class: "kind-option" }, input, h("span", {}, k), h("small", {}, k === "ERC20" ? "Fungible token" : k === "ERC721" ? "NFT" : "Multi-token")));
  }
  const nameInput = h("input", { type: "text", name: "name", value: defaults.ERC20.name, required: true, maxlength: 64, autocomplete: "off", spellcheck: "false" });
  const symbolInput = h("input", { type: "text", name: "symbol", value: defaults.ERC20.symbol, maxlength: 20, autocomplete: "off", spellcheck: "false" });
  const symbolField = field("Symbol", symbolInput);
  const access = h("select", { name: "access" }, h("option", { value: "" }, "None"), h("option", { value: "ownable" }, "Ownable (one owner)"), h("option", { value: "roles" }, "Roles (AccessControl)"), h("option", { value: "managed" }, "Managed (AccessManager)"));

  const optionInputs = new Map<string, { def: OptionDef; input: HTMLInputElement; wrap: HTMLElement }>();
  const textOptions = h("div", { class: "grid" });
  const boolOptions = h("fieldset", { class: "checks" }, h("legend", {}, "Features"));
  for (const def of optionDefs) {
    if (def.type === "bool") {
      const id = uid("opt");
      const input = h("input", { type: "checkbox", name: def.key, id });
      const wrap = h("label", { for: id, class: "check" }, input, ` ${def.label}`);
      boolOptions.append(wrap);
      optionInputs.set(def.key, { def, input, wrap });
    } else {
      const input = h("input", { type: "text", name: def.key, placeholder: def.placeholder ?? "", autocomplete: "off", spellcheck: "false" });
      if (def.key === "premint") input.value = "1000";
      const wrap = field(def.label, input, def.hint);
      textOptions.append(wrap);
      optionInputs.set(def.key, { def, input, wrap });
    }
  }
  function showOptions(): void {
    for (const { def, wrap } of optionInputs.values()) wrap.hidden = !def.kinds.includes(kind);
    symbolField.hidden = kind === "ERC1155";
  }
  showOptions();

  const generateBtn = h("button", { type: "submit", class: "btn btn-primary" }, "Generate source");
  const genStatus = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": "template-h" },
    h("h2", { id: "template-h" }, "1. Template"),
    kindGroup,
    h("div", { class: "grid" }, field("Contract name", nameInput, "Letters, digits and _; starts with a letter."), symbolField, field("Access control", access)),
    textOptions,
    boolOptions,
    genStatus,
    h("div", { class: "actions" }, generateBtn),
  );
  form.addEventListener("input", () => invalidate());

  // ---- results
  const sourceSection = h("section", { class: "card", "aria-labelledby": "source-h", hidden: true });
  const compileSection = h("section", { class: "card", "aria-labelledby": "compile-h", hidden: true });
  const deploySection = h("section", { class: "card", "aria-labelledby": "deploy-h", hidden: true });

  function invalidate(): void {
    if (!generated) return;
    generated = null;
    audit = null;
    compiled = null;
    sourceSection.classList.add("stale");
    replace(genStatus, h("p", { class: "alert alert-info", role: "status" }, "Options changed: generate again to see the new source."));
    compileSection.hidden = true;
    deploySection.hidden = true;
  }

  function template(): ContractTemplate | null {
    const name = nameInput.value.trim();
    const okName = /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
    setFieldError(nameInput, okName ? "" : "Use letters, digits and _, starting with a letter.");
    const symbol = kind === "ERC1155" ? "" : symbolInput.value.trim();
    const okSymbol = /^[A-Za-z0-9._-]*$/.test(symbol);
    setFieldError(symbolInput, okSymbol ? "" : "Use letters, digits, dot, dash or underscore.");
    let ok = okName && okSymbol;
    const options: Record<string, string | boolean> = { access: access.value };
    for (const { def, input } of optionInputs.values()) {
      if (!def.kinds.includes(kind)) continue;
      if (def.type === "bool") options[def.key] = input.checked;
      else {
        const v = input.value.trim();
        if ((def.key === "premint" || def.key === "capped") && !/^([0-9]+(\.[0-9]+)?)?$/.test(v)) {
          setFieldError(input, "Use a decimal number such as 1000 or 0.5.");
          ok = false;
        } else setFieldError(input, "");
        options[def.key] = v;
      }
    }
    if (!ok) return null;
    return create(ContractTemplateSchema, { kind: ContractKind[kind], name, symbol, options });
  }

  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    genStatus.replaceChildren();
    const t = template();
    if (!t) {
      (form.querySelector("[aria-invalid=true]") as HTMLElement | null)?.focus();
      return;
    }
    await busy(generateBtn, "Generating…", async () => {
      try {
        const r = await contracts.generateContract({ template: t });
        generated = { template: t, source: r.source, contractName: r.contractName, compilerVersion: r.compilerVersion };
        audit = null;
        compiled = null;
        renderSource();
        compileSection.hidden = true;
        deploySection.hidden = true;
        sourceSection.querySelector("h2")?.focus();
      } catch (err) {
        replace(genStatus, errorBox(err));
      }
    });
  });

  const auditStatus = h("div", { "aria-live": "polite" });
  function renderSource(): void {
    if (!generated) return;
    sourceSection.hidden = false;
    sourceSection.classList.remove("stale");
    const g = generated;
    const notes: LineNote[] = (audit?.findings ?? [])
      .filter((f) => f.file === "" || f.file.endsWith(".sol") && !f.file.startsWith("@"))
      .map((f) => ({ line: f.line, severity: Severity[f.severity] ?? "INFO", title: f.title, description: f.description, detector: f.detector }));
    const auditBtn = h("button", { type: "button", class: "btn" }, audit ? "Audit again" : "Audit");
    const compileBtn = h("button", { type: "button", class: "btn btn-primary" }, "Compile");
    auditBtn.addEventListener("click", () =>
      void busy(auditBtn, "Auditing…", async () => {
        auditStatus.replaceChildren();
        try {
          audit = await contracts.auditContract({ source: g.source, compilerVersion: g.compilerVersion });
          renderSource();
          (sourceSection.querySelector(".audit-summary") as HTMLElement | null)?.focus();
        } catch (err) {
          replace(auditStatus, errorBox(err));
        }
      }),
    );
    compileBtn.addEventListener("click", () =>
      void busy(compileBtn, "Compiling…", async () => {
        auditStatus.replaceChildren();
        try {
          compiled = await contracts.compileContract({ source: g.source, contractName: g.contractName, compilerVersion: g.compilerVersion });
          renderCompile();
        } catch (err) {
          replace(auditStatus, errorBox(err));
        }
      }),
    );
    const summary = audit
      ? h(
          "div",
          { class: "audit-summary", tabindex: -1, role: "status" },
          audit.findings.length === 0 ? h("span", { class: "badge sev-ok" }, "No findings") : null,
          (["high", "medium", "low", "info"] as const).map((s) => (audit!.summary?.[s] ? h("span", { class: `badge sev-${s}` }, `${audit!.summary[s]} ${s}`) : null)),
          audit.findings.length > 0 ? h("span", { class: "muted" }, ` Findings are shown under their lines.`) : null,
        )
      : null;
    const outside = (audit?.findings ?? []).filter((f) => f.file.startsWith("@")).length;
    replace(
      sourceSection,
      h("h2", { id: "source-h", tabindex: -1 }, `2. Source: ${g.contractName}.sol`),
      h("p", { class: "muted small" }, `Solidity ${g.compilerVersion} · OpenZeppelin Contracts 5`),
      h("div", { class: "actions" }, auditBtn, compileBtn),
      auditStatus,
      summary,
      outside ? h("p", { class: "muted small" }, `${outside} finding(s) in OpenZeppelin's own files are not shown.`) : null,
      sourceView(g.source, notes),
    );
  }

  function renderCompile(): void {
    if (!generated || !compiled) return;
    const c = compiled.contracts.find((x) => x.name === generated!.contractName) ?? compiled.contracts[0];
    if (!c) {
      replace(compileSection, h("h2", { id: "compile-h" }, "3. Compiled"), h("p", {}, "The compiler produced no contract."));
      compileSection.hidden = false;
      return;
    }
    const size = (hex: string) => Math.max(0, (hex.startsWith("0x") ? hex.length - 2 : hex.length) / 2);
    const runtime = size(c.deployedBytecode);
    let abiPretty = c.abi;
    try {
      abiPretty = JSON.stringify(JSON.parse(c.abi), null, 2);
    } catch {
      // shown as the compiler gave it
    }
    compileSection.hidden = false;
    replace(
      compileSection,
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
        h("dd", {}, `${runtime.toLocaleString()} bytes `, h("span", { class: runtime > 24576 ? "badge sev-high" : "muted small" }, runtime > 24576 ? "over the 24,576-byte limit (EIP-170)" : `of 24,576 allowed (EIP-170)`)),
      ),
      compiled.warnings.length
        ? h("details", {}, h("summary", {}, `${compiled.warnings.length} compiler warning(s)`), h("ul", {}, compiled.warnings.map((w) => h("li", {}, `${w.file}:${w.line}: ${w.message}`))))
        : null,
      h("details", {}, h("summary", {}, "ABI"), h("pre", { class: "code-block", tabindex: 0 }, abiPretty)),
    );
    compileSection.querySelector("h2")?.focus();
    void renderDeploy(c.abi);
  }

  async function renderDeploy(abi: string): Promise<void> {
    if (!generated) return;
    const g = generated;
    deploySection.hidden = false;
    const network = h("select", { name: "network", required: true });
    const netStatus = h("div", { "aria-live": "polite" });
    const fields = constructorFields(abi);
    const inputs = fields.map((f) => {
      const input = h("input", { type: f.kind === "bool" ? "checkbox" : "text", name: `arg-${f.name}`, placeholder: f.placeholder, autocomplete: "off", spellcheck: "false", "data-abi-type": f.type });
      return input;
    });
    const confirmations = h("input", { type: "number", name: "confirmations", min: 0, max: 1000, step: 1, inputmode: "numeric", placeholder: "network default" });
    const allow = h("input", { type: "checkbox", name: "allowFindings", id: uid("allow") });
    const deployBtn = h("button", { type: "submit", class: "btn btn-primary" }, "Deploy");
    const status = h("div", { "aria-live": "polite" });
    // One key per form: a double click or a retry after a lost answer
    // gets the same deployment back instead of a second one.
    let idempotencyKey = crypto.randomUUID();
    const argList = fields.length
      ? h(
          "fieldset",
          { class: "args" },
          h("legend", {}, "Constructor arguments"),
          fields.map((f, i) =>
            f.kind === "bool"
              ? h("div", { class: "field" }, h("label", { class: "check" }, inputs[i], ` ${f.name} `, h("code", {}, f.type)))
              : field(`${f.name} (${f.type})`, inputs[i], f.hint),
          ),
        )
      : h("p", { class: "muted" }, "The constructor takes no arguments.");
    const dform = h(
      "form",
      { class: "form", novalidate: true },
      h("div", { class: "grid" }, field("Network", network, "Loading networks…"), field("Confirmations", confirmations, "Blocks to wait for; empty for the network's default.")),
      netStatus,
      argList,
      payableConstructor(abi) ? h("p", { class: "muted small" }, "This constructor is payable; Slipway deploys it with no value.") : null,
      h("div", { class: "field" }, h("label", { for: allow.id, class: "check" }, allow, " Deploy even if the audit finds HIGH issues")),
      status,
      h("div", { class: "actions" }, deployBtn),
    );
    dform.addEventListener("input", (e) => {
      if (e.target !== deployBtn) idempotencyKey = crypto.randomUUID();
    });
    dform.addEventListener("submit", async (e) => {
      e.preventDefault();
      status.replaceChildren();
      const raws = inputs.map((inp, i) => (fields[i].kind === "bool" ? String(inp.checked) : inp.value));
      const { values, errors } = parseArgs(fields, raws);
      inputs.forEach((inp, i) => setFieldError(inp, errors.get(i) ?? ""));
      let conf = 0;
      if (confirmations.value !== "") {
        conf = Number(confirmations.value);
        const bad = !Number.isInteger(conf) || conf < 0 || conf > 1000;
        setFieldError(confirmations, bad ? "Use a whole number from 0 to 1000." : "");
        if (bad) return confirmations.focus();
      }
      if (errors.size > 0) return inputs[[...errors.keys()][0]].focus();
      if (network.value === "") return setFieldError(network, "Choose a network.");
      await busy(deployBtn, "Starting deployment…", async () => {
        try {
          const r = await deployments.createDeployment({
            network: network.value,
            template: g.template,
            constructorArgs: values.map((v) => fromJson(ValueSchema, v)),
            idempotencyKey,
            confirmations: conf,
            allowFindings: allow.checked,
          });
          if (r.deployment) ctx.navigate(`/deployments/${r.deployment.id}`);
        } catch (err) {
          replace(status, errorBox(err));
        }
      });
    });
    replace(deploySection, h("h2", { id: "deploy-h" }, "4. Deploy"), dform);
    // Under the network: its gas ceiling for this user and what is left of
    // their budget there (GetMe; the hint leaves it out if that fails).
    const netHint = document.getElementById(`${network.id}-hint`);
    let listed: Network[] = [];
    let budgets: Budget[] = [];
    const showHint = () => {
      if (!netHint) return;
      const n = listed.find((x) => x.name === network.value);
      if (!n) {
        netHint.textContent = listed.length ? "" : "No network to deploy to.";
        return;
      }
      const b = budgets.find((x) => x.network === n.name);
      const v = b ? budgetView(b) : undefined;
      const spend = !v ? "" : v.limited ? ` Budget: ${v.remaining} left of ${v.limit} ${v.period}.` : " No spend budget applies.";
      netHint.textContent = `${gasCeilingText(n.maxGasPerDeployment)}${spend}`;
      netHint.dataset.maxGas = n.maxGasPerDeployment.toString();
    };
    network.addEventListener("change", showHint);
    const me = auth.getMe({}).then(
      (r) => (budgets = r.budgets),
      () => [],
    );
    try {
      const r = await networks.listNetworks({});
      listed = r.networks;
      if (r.networks.length === 0) {
        replace(netStatus, h("p", { class: "alert alert-info" }, "No networks are open to your plan on this server."));
      }
      replace(network, r.networks.map((n) => h("option", { value: n.name }, `${n.name} (chain ${n.chainId}, ${n.confirmations} confirmation${n.confirmations === 1 ? "" : "s"})`)));
      showHint();
      await me;
      showHint();
    } catch (err) {
      if (netHint) netHint.textContent = "";
      replace(netStatus, errorBox(err));
    }
  }

  ctx.main.append(h("h1", {}, "New contract"), h("p", { class: "lead" }, "Pick a standard and its features; Slipway generates OpenZeppelin-based Solidity you can audit, compile and deploy."), form, sourceSection, compileSection, deploySection);
}
