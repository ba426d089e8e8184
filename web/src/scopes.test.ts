import { describe, expect, it } from "vitest";
import { chosenScopes, defaultScopes, SCOPES, scopeLabels } from "./scopes";

describe("API key scope choice", () => {
  it("offers the four scopes in the server's order", () => {
    expect(SCOPES.map((d) => d.scope)).toEqual(["read", "deploy", "contracts", "keys"]);
  });
  it("ticks every scope but keys by default, as the server does for no scopes", () => {
    expect(defaultScopes()).toEqual(["read", "deploy", "contracts"]);
  });
  it("sends the ticked scopes in canonical order", () => {
    expect(chosenScopes(["keys", "read"])).toEqual({ scopes: ["read", "keys"] });
    expect(chosenScopes(new Set(["contracts", "deploy", "read", "keys"]))).toEqual({
      scopes: ["read", "deploy", "contracts", "keys"],
    });
  });
  it("drops names it does not know and never sends duplicates", () => {
    expect(chosenScopes(["read", "read", "admin"])).toEqual({ scopes: ["read"] });
  });
  it("refuses an empty choice instead of sending the default", () => {
    const r = chosenScopes([]);
    expect(r.scopes).toEqual([]);
    expect(r.error).toMatch(/at least one/);
  });
  it("words a key's scopes for the list", () => {
    expect(scopeLabels(["read", "deploy", "contracts"])).toBe("Read, Deploy, Contracts");
    expect(scopeLabels(["keys"])).toBe("Manage keys");
    expect(scopeLabels([])).toBe("none");
  });
});
