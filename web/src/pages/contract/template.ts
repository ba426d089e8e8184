// Step 1 of the contract page: the template form (standard, name, symbol,
// access control and the OpenZeppelin Wizard's options for the standard).
import { create } from "@bufbuild/protobuf";
import { field, h, setFieldError, uid } from "../../dom";
import { ContractKind, ContractTemplateSchema, type ContractTemplate } from "../../gen/slipway/v1/contracts_pb";

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
  {
    key: "premint",
    label: "Premint",
    kinds: ["ERC20"],
    type: "text",
    hint: "Tokens minted to the recipient at deployment (decimal).",
    placeholder: "1000",
  },
  {
    key: "capped",
    label: "Cap",
    kinds: ["ERC20"],
    type: "text",
    hint: "Most tokens that can ever exist (decimal); empty for no cap.",
  },
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

/** Generated is a template with the source the server generated from it: what the later steps work on. */
export interface Generated {
  template: ContractTemplate;
  source: string;
  contractName: string;
  compilerVersion: string;
}

export interface TemplateForm {
  form: HTMLFormElement;
  submit: HTMLButtonElement;
  /** status is where generating reports, politely. */
  status: HTMLElement;
  /** read checks the fields, marking the bad ones, and answers the template they describe or null. */
  read(): ContractTemplate | null;
}

export interface TemplateFields {
  /** The fields, to put in a form: the standard, name, symbol, access control and options. */
  fields: HTMLElement[];
  /** read checks the fields, marking the bad ones, and answers the template they describe or null. */
  read: () => ContractTemplate | null;
}

/** templateForm builds the form; changed runs on every edit of it. */
export function templateForm(changed: () => void): TemplateForm {
  const { fields, read } = templateFields(changed);
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Generate source");
  const status = h("div", { "aria-live": "polite" });
  const form = h(
    "form",
    { class: "card form", novalidate: true, "aria-labelledby": "template-h" },
    h("h2", { id: "template-h" }, "1. Template"),
    fields,
    status,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("input", () => changed());
  return { form, submit, status, read };
}

/**
 * templateFields builds the template's fields (the contract page's form,
 * and the upgrade form's new version); changed runs when the standard
 * changes (the caller's form sees the other edits as input events).
 */
export function templateFields(changed: () => void): TemplateFields {
  let kind: Kind = "ERC20";
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
      changed();
    });
    kindGroup.append(
      h(
        "label",
        { for: id, class: "kind-option" },
        input,
        h("span", {}, k),
        h("small", {}, k === "ERC20" ? "Fungible token" : k === "ERC721" ? "NFT" : "Multi-token"),
      ),
    );
  }
  const nameInput = h("input", {
    type: "text",
    name: "name",
    value: defaults.ERC20.name,
    required: true,
    maxlength: 64,
    autocomplete: "off",
    spellcheck: "false",
  });
  const symbolInput = h("input", {
    type: "text",
    name: "symbol",
    value: defaults.ERC20.symbol,
    maxlength: 20,
    autocomplete: "off",
    spellcheck: "false",
  });
  const symbolField = field("Symbol", symbolInput);
  const access = h(
    "select",
    { name: "access" },
    h("option", { value: "" }, "None"),
    h("option", { value: "ownable" }, "Ownable (one owner)"),
    h("option", { value: "roles" }, "Roles (AccessControl)"),
    h("option", { value: "managed" }, "Managed (AccessManager)"),
  );

  const optionInputs = new Map<string, { def: OptionDef; input: HTMLInputElement; wrap: HTMLElement }>();
  const textOptions = h("div", { class: "grid" });
  const boolOptions = h("fieldset", { class: "checks" }, h("legend", {}, "Features"));
  for (const def of optionDefs) {
    if (def.type === "bool") {
      const id = uid("opt");
      const input = h("input", {
        type: "checkbox",
        name: def.key,
        id,
        checked: def.key === "permit" || def.key === "updatableUri",
      }); // the Wizard's defaults
      const wrap = h("label", { for: id, class: "check" }, input, ` ${def.label}`);
      boolOptions.append(wrap);
      optionInputs.set(def.key, { def, input, wrap });
    } else {
      const input = h("input", {
        type: "text",
        name: def.key,
        placeholder: def.placeholder ?? "",
        autocomplete: "off",
        spellcheck: "false",
      });
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

  const fields = [
    kindGroup,
    h(
      "div",
      { class: "grid" },
      field("Contract name", nameInput, "The token's name, such as My Token; the contract is named from it (MyToken)."),
      symbolField,
      field("Access control", access),
    ),
    textOptions,
    boolOptions,
  ];

  function read(): ContractTemplate | null {
    const name = nameInput.value.trim();
    const okName = name !== "" && [...name].every((c) => c >= " " && !(c >= "\x7f" && c <= "\x9f"));
    setFieldError(nameInput, okName ? "" : "Enter a name without control characters, such as My Token.");
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

  return { fields, read };
}
