import { describe, expect, it } from "vitest";
import { create, fromJson } from "@bufbuild/protobuf";
import { timestampFromMs, ValueSchema } from "@bufbuild/protobuf/wkt";
import { FindingSummarySchema } from "./gen/slipway/v1/contracts_pb";
import {
  approvalCount,
  argValueText,
  compilerText,
  decisionLabel,
  expiryText,
  findingsText,
  mayVote,
  sourcesChangeText,
} from "./approvals";
import type { FileStatus } from "./diff";

describe("mayVote", () => {
  it("lets approvers and admins vote, and nobody else", () => {
    expect(mayVote("approver")).toBe(true);
    expect(mayVote("admin")).toBe(true);
    expect(mayVote("deployer")).toBe(false);
    expect(mayVote("")).toBe(false);
  });
});

describe("approval wording", () => {
  it("words decisions", () => {
    expect(decisionLabel("", true)).toBe("Waiting for votes");
    expect(decisionLabel("", false)).toBe("Undecided");
    expect(decisionLabel("approved", false)).toBe("Approved");
    expect(decisionLabel("rejected", false)).toBe("Rejected");
    expect(decisionLabel("expired", false)).toBe("Expired");
  });
  it("counts approvals", () => {
    expect(approvalCount({ approvals: 1, required: 2 })).toBe("1 of 2 approvals");
    expect(approvalCount({ approvals: 0, required: 1 })).toBe("0 of 1 approval");
  });
  it("says when an undecided approval expires", () => {
    const now = Date.parse("2025-01-01T12:00:00Z");
    const when = () => "T";
    const at = (ms: number) => timestampFromMs(ms);
    expect(expiryText({ expiresAt: at(now + 3 * 3600_000) }, true, when, now)).toBe("T (in 3 hours)");
    expect(expiryText({ expiresAt: at(now + 90_000) }, true, when, now)).toBe("T (in 2 minutes)");
    expect(expiryText({ expiresAt: at(now - 1000) }, true, when, now)).toBe("T (passed)");
    expect(expiryText({ expiresAt: at(now + 1000) }, false, when, now)).toBe("T");
    expect(expiryText({ expiresAt: undefined }, true, when, now)).toBe("—");
  });
  it("words the compiler and optimizer", () => {
    expect(compilerText({ compilerVersion: "0.8.24", optimizer: true, optimizerRuns: 200 })).toBe(
      "solc 0.8.24, optimizer on (200 runs)",
    );
    expect(compilerText({ compilerVersion: "0.8.24", optimizer: true, optimizerRuns: 1 })).toBe(
      "solc 0.8.24, optimizer on (1 run)",
    );
    expect(compilerText({ compilerVersion: "0.8.20", optimizer: false, optimizerRuns: 0 })).toBe(
      "solc 0.8.20, optimizer off",
    );
  });
  it("tallies findings", () => {
    expect(findingsText(create(FindingSummarySchema, { high: 1, low: 2 }))).toBe("1 high, 0 medium, 2 low, 0 info");
    expect(findingsText(undefined)).toBe("—");
  });
});

describe("argValueText", () => {
  it.each([
    ["0xAbC0000000000000000000000000000000000001", "0xAbC0000000000000000000000000000000000001"],
    ["1000000000000000000000000", "1000000000000000000000000"],
    [true, "true"],
    [18, "18"],
    [["a", 1], '["a",1]'],
    [{ x: "1" }, '{"x":"1"}'],
    [null, "null"],
  ])("%j → %s", (json, want) => expect(argValueText(fromJson(ValueSchema, json))).toBe(want));
  it("shows a dash for a missing value", () => {
    expect(argValueText(undefined)).toBe("—");
    expect(argValueText(create(ValueSchema))).toBe("—");
  });
});

describe("sourcesChangeText", () => {
  const files = (...s: FileStatus[]) => s.map((status) => ({ status }));
  it("tallies what differs, then what does not", () => {
    expect(sourcesChangeText(files("changed", "unchanged", "unchanged"))).toBe(
      "1 file differs: 1 changed; 2 unchanged.",
    );
    expect(sourcesChangeText(files("changed", "added", "removed", "added"))).toBe(
      "4 files differ: 1 changed, 2 added, 1 removed.",
    );
  });
  it("says when the sources are the same", () => {
    expect(sourcesChangeText(files("unchanged"))).toBe("The sources are the same (1 file).");
    expect(sourcesChangeText(files("unchanged", "unchanged"))).toBe("The sources are the same (2 files).");
  });
});
