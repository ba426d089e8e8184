// Step 4 of the contract page: the deploy form, with a constructor form
// built from the ABI, the networks to deploy to (one or several) and, under
// them, each one's gas ceiling and what is left of the user's budget there;
// an optional CREATE2 salt and whether to deploy behind a proxy.
import { auth, deployments, networks } from "../../api";
import { budgetView, gasCeilingText } from "../../budgets";
import { constructorFields, parseArgs, payableConstructor } from "../../abi";
import { deployRequest, networksError, upgradeableKinds } from "../../deploy-request";
import { busy, errorBox, field, h, replace, setFieldError, uid } from "../../dom";
import { randomSalt, saltError, saltScopes } from "../../salt";
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
    // Several may be chosen: one is sent as network, several as networks.
    const network = h("select", { name: "networks", multiple: true, required: true, size: 3 });
    const chosen = () => Array.from(network.selectedOptions, (o) => o.value);
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
    const salt = h("input", {
      type: "text",
      name: "salt",
      autocomplete: "off",
      spellcheck: "false",
      placeholder: "0x… (64 hex digits)",
      maxlength: 66,
    });
    const randomBtn = h("button", { type: "button", class: "btn btn-small", id: "random-salt" }, "Random");
    const saltScope = h(
      "select",
      { name: "saltScope", disabled: true },
      saltScopes.map((sc) => h("option", { value: sc.value }, sc.label)),
    );
    const upgradeable = h(
      "select",
      { name: "upgradeable" },
      upgradeableKinds.map((k) => h("option", { value: k.value }, k.label)),
    );
    // A salt's error shows once it is left (or on Deploy), and goes as
    // soon as it is fixed; its scope applies only with a salt.
    salt.addEventListener("input", () => {
      saltScope.disabled = salt.value.trim() === "";
      if (saltError(salt.value.trim()) === "") setFieldError(salt, "");
    });
    salt.addEventListener("change", () => setFieldError(salt, saltError(salt.value.trim())));
    randomBtn.addEventListener("click", () => {
      salt.value = randomSalt();
      // As typed: the form's input listener makes a new idempotency key.
      salt.dispatchEvent(new Event("input", { bubbles: true }));
    });
    const saltField = field(
      "Salt (optional)",
      salt,
      "Deploy with CREATE2 at an address known in advance, the same on every network; empty for a plain deployment.",
    );
    // The salt with its Random button beside it, in the field made for it.
    const saltRow = h("div", { class: "input-row" });
    salt.replaceWith(saltRow);
    saltRow.append(salt, randomBtn);
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
        field("Networks", network, "Loading networks…"),
        field("Confirmations", confirmations, "Blocks to wait for; empty for each network's default."),
      ),
      netStatus,
      argList,
      saltField,
      h(
        "div",
        { class: "grid" },
        field("Salt scope", saltScope, "Yours: no other account can take your addresses. Raw: the salt as given."),
        field(
          "Upgradeable",
          upgradeable,
          "Behind a proxy: the contract's upgradeable variant, whose initialize takes the arguments above, and a proxy pointing at it.",
        ),
      ),
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
      const saltText = salt.value.trim();
      const badSalt = saltError(saltText);
      setFieldError(salt, badSalt);
      if (badSalt) return salt.focus();
      const nets = chosen();
      const badNets = networksError(nets);
      setFieldError(network, badNets);
      if (badNets) return network.focus();
      void busy(deployBtn, "Starting deployment…", async () => {
        try {
          const r = await deployments.createDeployment(
            deployRequest({
              networks: nets,
              template: g.template,
              args: values,
              idempotencyKey,
              confirmations: conf,
              allowFindings: allow.checked,
              salt: saltText,
              saltScope: saltScope.value,
              upgradeable: upgradeable.value,
            }),
          );
          if (r.deployment) navigate(`/deployments/${r.deployment.id}`);
        } catch (err) {
          replace(status, errorBox(err));
        }
      });
    });
    replace(section, h("h2", { id: "deploy-h" }, "4. Deploy"), form);

    // Under the networks: each chosen one's gas ceiling for this user and
    // what is left of their budget there (GetMe; the hint leaves it out if
    // that fails).
    const netHint = document.getElementById(`${network.id}-hint`);
    let listed: Network[] = [];
    let budgets: Budget[] = [];
    const hintFor = (n: Network) => {
      const b = budgets.find((x) => x.network === n.name);
      const v = b ? budgetView(b) : undefined;
      const spend = !v
        ? ""
        : v.limited
          ? ` Budget: ${v.remaining} left of ${v.limit} ${v.period}.`
          : " No spend budget applies.";
      return `${gasCeilingText(n.maxGasPerDeployment)}${spend}`;
    };
    const showHint = () => {
      if (!netHint) return;
      const names = chosen();
      const picked = listed.filter((x) => names.includes(x.name));
      if (picked.length === 0) {
        netHint.textContent = listed.length
          ? "Choose one network, or several with Ctrl or ⌘."
          : "No network to deploy to.";
        delete netHint.dataset.maxGas;
        return;
      }
      if (picked.length === 1) {
        netHint.textContent = `${hintFor(picked[0])}${listed.length > 1 ? " Ctrl or ⌘ chooses several." : ""}`;
        netHint.dataset.maxGas = picked[0].maxGasPerDeployment.toString();
        return;
      }
      replace(
        netHint,
        `Compiled once, deployed to each of ${picked.length} networks as its own deployment.`,
        picked.map((n) => h("span", { class: "net-hint" }, h("strong", {}, n.name), `: ${hintFor(n)}`)),
      );
      delete netHint.dataset.maxGas;
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
        r.networks.map((n, i) =>
          h(
            "option",
            { value: n.name, selected: i === 0 },
            `${n.name} (chain ${n.chainId}, ${n.confirmations} confirmation${n.confirmations === 1 ? "" : "s"})`,
          ),
        ),
      );
      network.size = Math.min(Math.max(r.networks.length, 2), 6);
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
