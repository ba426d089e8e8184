// The deployment page's upgrade form, on a CONFIRMED proxy deployment: the
// new version as Solidity source (with its contract's name) or as the
// template with new options (the proxy kind stays), optional call data for
// a call made with the upgrade, and UpgradeDeployment, which answers the
// upgrade — itself a deployment, whose page the form then opens.
import { deployments } from "../../api";
import { busy, errorBox, field, h, replace, setFieldError, uid } from "../../dom";
import type { Deployment } from "../../gen/slipway/v1/deployments_pb";
import { callDataError, contractNameError, proxyKindLabel, upgradeRequest, type UpgradeInput } from "../../upgrades";
import { templateFields } from "../contract/template";

type From = "source" | "template";

/** upgradeForm is the card with the form to upgrade proxy deployment d; navigate opens the upgrade. */
export function upgradeForm(d: Deployment, navigate: (path: string) => void): HTMLElement {
  let from: From = "source";
  const fromGroup = h("fieldset", { class: "checks" }, h("legend", {}, "New version from"));
  const source = h("textarea", {
    name: "source",
    rows: 14,
    class: "source-input",
    spellcheck: "false",
    autocomplete: "off",
    placeholder: "// SPDX-License-Identifier: MIT\npragma solidity ^0.8.24;\n…",
  });
  const contractName = h("input", {
    type: "text",
    name: "contractName",
    maxlength: 64,
    autocomplete: "off",
    spellcheck: "false",
    value: d.contractName,
  });
  const sourcePart = h(
    "div",
    {},
    field(
      "Solidity source",
      source,
      "One file; imports resolve to OpenZeppelin Contracts and Contracts Upgradeable. The new version must keep the current one's storage layout.",
    ),
    field("Contract name", contractName, "The contract in the source to deploy as the new implementation."),
  );
  const template = templateFields(() => {});
  const templatePart = h(
    "div",
    { hidden: true },
    h(
      "p",
      { class: "muted small" },
      `Choose the deployed contract's standard and name with the options the new version should have; it stays upgradeable through a ${proxyKindLabel(d.proxyKind)} proxy.`,
    ),
    template.fields,
  );
  for (const [value, label] of [
    ["source", "Source code"],
    ["template", "Template with new options"],
  ] as [From, string][]) {
    const id = uid("upgrade-from");
    const input = h("input", { type: "radio", name: "upgrade-from", value, id, checked: value === from });
    input.addEventListener("change", () => {
      from = value;
      sourcePart.hidden = from !== "source";
      templatePart.hidden = from !== "template";
    });
    fromGroup.append(h("label", { for: id, class: "check" }, input, ` ${label}`));
  }
  const callData = h("input", {
    type: "text",
    name: "callData",
    autocomplete: "off",
    spellcheck: "false",
    placeholder: "0x",
  });
  const allow = h("input", { type: "checkbox", name: "allowFindings", id: uid("allow") });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Upgrade");
  const status = h("div", { "aria-live": "polite" });
  // One key per form, as the deploy form: a double click or a retry after
  // a lost answer gets the same upgrade back instead of a second one.
  let idempotencyKey = crypto.randomUUID();

  const form = h(
    "form",
    { class: "form", novalidate: true, "aria-labelledby": "upgrade-form-h" },
    fromGroup,
    sourcePart,
    templatePart,
    field(
      "Call data",
      callData,
      "Optional: the encoded call made with the upgrade, such as a reinitializer, as 0x-prefixed hex; empty for none.",
    ),
    h(
      "div",
      { class: "field" },
      h("label", { for: allow.id, class: "check" }, allow, " Upgrade even if the audit finds HIGH issues"),
    ),
    status,
    h("div", { class: "actions" }, submit),
  );
  form.addEventListener("input", (e) => {
    if (e.target !== submit) idempotencyKey = crypto.randomUUID();
  });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    status.replaceChildren();
    const input = read();
    if (!input) {
      form.querySelector<HTMLElement>("[aria-invalid=true]")?.focus();
      return;
    }
    void busy(submit, "Starting upgrade…", async () => {
      try {
        const r = await deployments.upgradeDeployment(upgradeRequest(input));
        if (r.deployment) navigate(`/deployments/${r.deployment.id}`);
      } catch (err) {
        replace(status, errorBox(err));
      }
    });
  });

  /** read checks the fields of the chosen way, marking the bad ones, and answers the upgrade or null. */
  function read(): UpgradeInput | null {
    const cd = callData.value.trim();
    const cdErr = callDataError(cd);
    setFieldError(callData, cdErr);
    const common = { id: d.id, proxyKind: d.proxyKind, callData: cd, idempotencyKey, allowFindings: allow.checked };
    if (from === "template") {
      const t = template.read();
      return t && !cdErr ? { ...common, from, template: t } : null;
    }
    const name = contractName.value.trim();
    const nameErr = contractNameError(name);
    setFieldError(contractName, nameErr);
    const srcErr = source.value.trim() === "" ? "Paste the new version's Solidity source." : "";
    setFieldError(source, srcErr);
    if (cdErr || nameErr || srcErr) return null;
    return { ...common, from, source: source.value, contractName: name };
  }

  return h(
    "section",
    { class: "card", "aria-labelledby": "upgrade-form-h", id: "upgrade-form" },
    h("h2", { id: "upgrade-form-h" }, "Upgrade"),
    h(
      "p",
      { class: "muted small" },
      `Deploy a new implementation and point this ${proxyKindLabel(d.proxyKind)} proxy at it; its address stays the same. `,
      "The new version is audited, compiled and checked against the current one with OpenZeppelin's upgrade-safety and storage-layout rules, and an unsafe one is refused with the report. The network's approvals apply as to any deployment.",
    ),
    form,
  );
}
