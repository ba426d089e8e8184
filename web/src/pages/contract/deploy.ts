// Step 4 of the contract page: the deploy form, with a constructor form
// built from the ABI and, under the network, its gas ceiling and what is
// left of the user's budget there.
import { fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import { auth, deployments, networks } from "../../api";
import { budgetView, gasCeilingText } from "../../budgets";
import { constructorFields, parseArgs, payableConstructor } from "../../abi";
import { busy, errorBox, field, h, replace, setFieldError, uid } from "../../dom";
import type { Budget } from "../../gen/slipway/v1/auth_pb";
import type { Network } from "../../gen/slipway/v1/networks_pb";
import type { Generated } from "./template";

export interface DeploySection {
  section: HTMLElement;
  /** render shows the deploy form for g's template, compiled to abi. */
  render(g: Generated, abi: string): Promise<void>;
}

/** deploySection builds the section; navigate opens a deployment once it starts. */
export function deploySection(navigate: (path: string) => void): DeploySection {
  const section = h("section", { class: "card", "aria-labelledby": "deploy-h", hidden: true });

  async function render(g: Generated, abi: string): Promise<void> {
    section.hidden = false;
    const network = h("select", { name: "network", required: true });
    const netStatus = h("div", { "aria-live": "polite" });
    const fields = constructorFields(abi);
    const inputs = fields.map((f) =>
      h("input", {
        type: f.kind === "bool" ? "checkbox" : "text",
        name: `arg-${f.name}`,
        placeholder: f.placeholder,
        autocomplete: "off",
        spellcheck: "false",
        "data-abi-type": f.type,
      }),
    );
    const confirmations = h("input", {
      type: "number",
      name: "confirmations",
      min: 0,
      max: 1000,
      step: 1,
      inputmode: "numeric",
      placeholder: "network default",
    });
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
              ? h(
                  "div",
                  { class: "field" },
                  h("label", { class: "check" }, inputs[i], ` ${f.name} `, h("code", {}, f.type)),
                )
              : field(`${f.name} (${f.type})`, inputs[i], f.hint),
          ),
        )
      : h("p", { class: "muted" }, "The constructor takes no arguments.");
    const form = h(
      "form",
      { class: "form", novalidate: true },
      h(
        "div",
        { class: "grid" },
        field("Network", network, "Loading networks…"),
        field("Confirmations", confirmations, "Blocks to wait for; empty for the network's default."),
      ),
      netStatus,
      argList,
      payableConstructor(abi)
        ? h("p", { class: "muted small" }, "This constructor is payable; Slipway deploys it with no value.")
        : null,
      h(
        "div",
        { class: "field" },
        h("label", { for: allow.id, class: "check" }, allow, " Deploy even if the audit finds HIGH issues"),
      ),
      status,
      h("div", { class: "actions" }, deployBtn),
    );
    form.addEventListener("input", (e) => {
      if (e.target !== deployBtn) idempotencyKey = crypto.randomUUID();
    });
    form.addEventListener("submit", (e) => {
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
      void busy(deployBtn, "Starting deployment…", async () => {
        try {
          const r = await deployments.createDeployment({
            network: network.value,
            template: g.template,
            constructorArgs: values.map((v) => fromJson(ValueSchema, v)),
            idempotencyKey,
            confirmations: conf,
            allowFindings: allow.checked,
          });
          if (r.deployment) navigate(`/deployments/${r.deployment.id}`);
        } catch (err) {
          replace(status, errorBox(err));
        }
      });
    });
    replace(section, h("h2", { id: "deploy-h" }, "4. Deploy"), form);

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
      const spend = !v
        ? ""
        : v.limited
          ? ` Budget: ${v.remaining} left of ${v.limit} ${v.period}.`
          : " No spend budget applies.";
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
      replace(
        network,
        r.networks.map((n) =>
          h(
            "option",
            { value: n.name },
            `${n.name} (chain ${n.chainId}, ${n.confirmations} confirmation${n.confirmations === 1 ? "" : "s"})`,
          ),
        ),
      );
      showHint();
      await me;
      showHint();
    } catch (err) {
      if (netHint) netHint.textContent = "";
      replace(netStatus, errorBox(err));
    }
  }

  return { section, render };
}
