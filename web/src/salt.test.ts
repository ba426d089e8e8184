import { describe, expect, it } from "vitest";
import { randomSalt, saltError, saltScopes } from "./salt";

const good = "0x" + "ab".repeat(32);

describe("saltError", () => {
  it("takes none, or 0x and 64 hex digits of either case", () => {
    expect(saltError("")).toBe("");
    expect(saltError(good)).toBe("");
    expect(saltError("0x" + "AbCdEf0123456789".repeat(4))).toBe("");
  });
  it("says what is wrong with anything else", () => {
    expect(saltError("ab".repeat(32))).toMatch(/Start the salt with 0x/);
    expect(saltError("0X" + "ab".repeat(32))).toMatch(/lower-case 0x/);
    expect(saltError("0x" + "zz".repeat(32))).toMatch(/only hex digits/);
    expect(saltError("0x1234")).toBe("Use 64 hex digits after 0x (32 bytes); this has 4.");
    expect(saltError(good + "00")).toMatch(/this has 66/);
    expect(saltError("0x")).toMatch(/this has 0/);
    expect(saltError(` ${good}`)).not.toBe("");
  });
});

describe("randomSalt", () => {
  it("is 32 bytes from the given source as 0x hex", () => {
    const s = randomSalt((b) => b.forEach((_, i) => (b[i] = i)));
    expect(s).toBe("0x" + Array.from({ length: 32 }, (_, i) => i.toString(16).padStart(2, "0")).join(""));
    expect(saltError(s)).toBe("");
  });
  it("uses crypto.getRandomValues by default: a valid salt, different each time", () => {
    const a = randomSalt();
    const b = randomSalt();
    expect(saltError(a)).toBe("");
    expect(a).toMatch(/^0x[0-9a-f]{64}$/);
    expect(a).not.toBe(b);
  });
});

describe("saltScopes", () => {
  it("offers the API's scopes, the default (caller) first", () => {
    expect(saltScopes.map((s) => s.value)).toEqual(["caller", "raw"]);
  });
});
