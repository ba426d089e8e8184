import { apiKeys } from "../api";
import { busy, copyButton, dataTable, errorBox, field, formatTime, h, replace, setFieldError, uid } from "../dom";
import type { PageContext } from "../page";
import type { ApiKey } from "../gen/slipway/v1/api_keys_pb";
import { chosenScopes, SCOPES, scopeLabels } from "../scopes";

export function keysPage(ctx: PageContext): void {
  ctx.setTitle("API keys");
  const name = h("input", { type: "text", name: "name", maxlength: 100, required: true, autocomplete: "off" });
  const submit = h("button", { type: "submit", class: "btn btn-primary" }, "Create key");
  const created = h("div", { "aria-live": "polite" });
  const listStatus = h("div", { "aria-live": "polite" });
  const list = h("div", { class: "table-wrap" });
  // What the key may do: every scope but key management is ticked, the
  // server's own default, so a key only manages keys when asked to.
  const scopeInputs = SCOPES.map((d) => {
    const id = uid("scope");
    const input = h("input", {
      type: "checkbox",
      name: "scopes",
      value: d.scope,
      id,
      checked: d.byDefault,
      "aria-describedby": `${id}-hint`,
    });
    return {
      input,
      wrap: h(
        "div",
        { class: "scope-choice" },
        h("label", { for: id, class: "check" }, input, ` ${d.label}`),
        h("p", { class: "hint", id: `${id}-hint` }, d.hint),
      ),
    };
  });
  const scopesError = h("p", { class: "field-error", id: uid("scopes-err"), role: "alert" });
  const scopesField = h(
    "fieldset",
    { class: "scopes", "aria-describedby": scopesError.id },
    h("legend", {}, "What the key may do"),
    scopeInputs.map((s) => s.wrap),
    scopesError,
  );
  const form = h(
    "form",
    { class: "card form inline-form", novalidate: true },
    field("Key name", name, "Say where it will be used, such as “CI” or “laptop”."),
    scopesField,
    h("div", { class: "actions" }, submit),
  );

  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const n = name.value.trim();
    setFieldError(name, n === "" ? "Give the key a name." : "");
    const chosen = chosenScopes(scopeInputs.filter((s) => s.input.checked).map((s) => s.input.value));
    scopesError.textContent = chosen.error ?? "";
    if (n === "") return name.focus();
    if (chosen.error) return scopeInputs[0].input.focus();
    void busy(submit, "Creating…", async () => {
      try {
        const r = await apiKeys.createApiKey({ name: n, scopes: chosen.scopes });
        name.value = "";
        const secret = h("code", { class: "secret", id: "new-key-secret" }, r.key);
        replace(
          created,
          h(
            "div",
            { class: "alert alert-ok", role: "status" },
            h(
              "p",
              { class: "alert-title" },
              `Key “${r.apiKey?.name ?? n}” created. Copy it now: it will not be shown again.`,
            ),
            h("p", { class: "small" }, `It may: ${scopeLabels(r.apiKey?.scopes ?? chosen.scopes)}.`),
            h(
              "div",
              { class: "secret-row" },
              secret,
              copyButton(() => r.key),
            ),
            h(
              "p",
              { class: "small" },
              "Send it in the X-API-Key header. Anyone with this key can act as you; revoke it here if it leaks.",
            ),
            h(
              "button",
              { type: "button", class: "btn btn-small", onclick: () => created.replaceChildren() },
              "I have saved it",
            ),
          ),
        );
        await load();
      } catch (err) {
        replace(created, errorBox(err));
      }
    });
  });

  async function revoke(k: ApiKey, button: HTMLButtonElement): Promise<void> {
    if (!window.confirm(`Revoke the key “${k.name}” (${k.prefix}…)? Programs using it stop working at once.`)) return;
    await busy(button, "Revoking…", async () => {
      try {
        await apiKeys.deleteApiKey({ id: k.id });
        replace(listStatus, h("p", { class: "alert alert-ok", role: "status" }, `Key “${k.name}” revoked.`));
        await load();
      } catch (err) {
        replace(listStatus, errorBox(err));
      }
    });
  }

  async function load(): Promise<void> {
    try {
      const r = await apiKeys.listApiKeys({});
      if (r.apiKeys.length === 0) {
        replace(list, h("p", { class: "empty" }, "No API keys yet."));
        return;
      }
      replace(
        list,
        dataTable(
          { class: "table" },
          "Your API keys",
          "visually-hidden",
          ["Name", "Prefix", "Scopes", "Created", "Last used", h("span", { class: "visually-hidden" }, "Actions")],
          r.apiKeys.map((k) => {
            const b = h(
              "button",
              { type: "button", class: "btn btn-small btn-danger", "aria-label": `Revoke ${k.name}` },
              "Revoke",
            );
            b.addEventListener("click", () => void revoke(k, b));
            return h(
              "tr",
              {},
              h("td", { "data-label": "Name" }, k.name),
              h("td", { "data-label": "Prefix" }, h("code", {}, k.prefix)),
              h("td", { "data-label": "Scopes" }, scopeLabels(k.scopes)),
              h("td", { "data-label": "Created" }, formatTime(k.createdAt)),
              h("td", { "data-label": "Last used" }, k.lastUsedAt ? formatTime(k.lastUsedAt) : "never"),
              h("td", {}, b),
            );
          }),
        ),
      );
    } catch (err) {
      replace(
        list,
        errorBox(err, () => void load()),
      );
    }
  }

  ctx.main.append(
    h("h1", {}, "API keys"),
    h("p", { class: "lead" }, "Keys let scripts and CI call the API as you, without a password."),
    form,
    created,
    h("h2", {}, "Your keys"),
    listStatus,
    list,
  );
  void load();
}
