import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { BudgetSchema } from "./gen/slipway/v1/auth_pb";
import {
  budgetView,
  exactly,
  formatEth,
  formatEthShort,
  formatGwei,
  formatPeriod,
  formatWei,
  gasCeilingText,
  groupDigits,
  humaniseAmounts,
  parseGoDuration,
  parseWei,
  remainingWei,
  resetsText,
} from "./budgets";

describe("formatEth", () => {
  it.each([
    ["0", "0 ETH"],
    ["1", "0.000000000000000001 ETH"],
    ["123456789", "0.000000000123456789 ETH"],
    ["1000000000000000000", "1 ETH"],
    ["1500000000000000000", "1.5 ETH"],
    ["50000000000000000", "0.05 ETH"],
    ["1000000000000000001", "1.000000000000000001 ETH"],
    // 10^30 wei and a figure well past 2^53: exact, no floating point.
    ["1000000000000000000000000000000", "1,000,000,000,000 ETH"],
    ["123456789012345678901234567890123", "123,456,789,012,345.678901234567890123 ETH"],
  ])("%s wei → %s", (wei, want) => expect(formatEth(wei)).toBe(want));

  it("takes BigInt too", () => {
    expect(formatEth(10n ** 18n * 2n + 1n)).toBe("2.000000000000000001 ETH");
  });
  it("shows a dash for what is not a whole number of wei", () => {
    expect(formatEth("")).toBe("—");
    expect(formatEth("1.5")).toBe("—");
    expect(formatEth("-1")).toBe("—");
    expect(formatEth("0x10")).toBe("—");
  });
  it("gives the exact wei for title attributes", () => {
    expect(formatWei("123456789")).toBe("123,456,789 wei");
    expect(formatWei("")).toBe("");
  });
});

describe("formatGwei", () => {
  it.each([
    ["0", "0 gwei"],
    ["1", "0.000000001 gwei"],
    ["1000000000", "1 gwei"],
    ["30000000000", "30 gwei"],
    ["1500000001", "1.500000001 gwei"],
    ["2500000000000", "2,500 gwei"],
    // Past 2^53: exact, no floating point.
    ["123456789012345678901", "123,456,789,012.345678901 gwei"],
  ])("%s wei → %s", (wei, want) => expect(formatGwei(wei)).toBe(want));

  it("shows a dash for what is not a whole number of wei", () => {
    expect(formatGwei("")).toBe("—");
    expect(formatGwei("1e9")).toBe("—");
  });
});

describe("formatEthShort", () => {
  it.each([
    ["0", "0 ETH"],
    ["1", "0.000000000000000001 ETH"],
    ["1000000000000000000", "1 ETH"],
    ["123456789", "≈0.000000000123456 ETH"],
    ["1234567890123456", "≈0.00123456 ETH"],
    ["1851850500000000", "≈0.00185185 ETH"],
    ["100000000000000000", "0.1 ETH"],
    ["1234567890000000000", "≈1.23456 ETH"],
    ["1000000000000000000000000000000", "1,000,000,000,000 ETH"],
    ["1000000000000000000000000000001", "≈1,000,000,000,000 ETH"],
    ["123456789012345678901234567890123", "≈123,456,789,012,345.67 ETH"],
    ["", "—"],
  ])("%s wei → %s", (wei, want) => expect(formatEthShort(wei)).toBe(want));
  it("never rounds up", () => {
    expect(formatEthShort("999999999999999999")).toBe("≈0.999999 ETH");
  });
  it("titles a figure with its exact value", () => {
    expect(exactly("123456789")).toBe("0.000000000123456789 ETH = 123,456,789 wei");
    expect(exactly("")).toBe("");
  });
});

describe("parseWei and groupDigits", () => {
  it("reads whole numbers only", () => {
    expect(parseWei(" 42 ")).toBe(42n);
    expect(parseWei("")).toBeNull();
    expect(parseWei(undefined)).toBeNull();
    expect(parseWei("1e18")).toBeNull();
  });
  it("groups thousands", () => {
    expect(groupDigits(0n)).toBe("0");
    expect(groupDigits(999)).toBe("999");
    expect(groupDigits(5000000n)).toBe("5,000,000");
    expect(groupDigits("1234567")).toBe("1,234,567");
  });
});

describe("remainingWei", () => {
  const b = (limitWei: string, spentWei: string, reservedWei: string) => ({ limitWei, spentWei, reservedWei });
  it("is the limit less spent and reserved", () => {
    expect(remainingWei(b("1000", "300", "200"))).toBe(500n);
  });
  it("never goes below zero", () => {
    expect(remainingWei(b("1000", "900", "200"))).toBe(0n);
    expect(remainingWei(b("1000", "1000", "0"))).toBe(0n);
  });
  it("is null without a budget", () => {
    expect(remainingWei(b("", "300", "0"))).toBeNull();
  });
  it("counts empty spent or reserved as zero", () => {
    expect(remainingWei(b("1000", "", ""))).toBe(1000n);
  });
  it("is exact beyond 2^53", () => {
    expect(remainingWei(b("100000000000000000000000", "1", "1"))).toBe(99999999999999999999998n);
  });
});

describe("formatPeriod", () => {
  it.each([
    [86400, "per 24 h"],
    [3600, "per hour"],
    [7200, "per 2 h"],
    [7 * 86400, "per 7 days"],
    [1800, "per 30 min"],
    [45, "per 45 s"],
    [0, ""],
  ])("%s s → %s", (s, want) => expect(formatPeriod(s)).toBe(want));
  it("reads Go durations", () => {
    expect(parseGoDuration("24h0m0s")).toBe(86400);
    expect(parseGoDuration("1m30s")).toBe(90);
    expect(parseGoDuration("500ms")).toBe(0.5);
    expect(parseGoDuration("soon")).toBeUndefined();
  });
});

describe("budgetView", () => {
  const period = { seconds: 86400n, nanos: 0 };
  it("words a budget with something left", () => {
    const v = budgetView(
      create(BudgetSchema, {
        network: "dev",
        limitWei: "100000000000000000",
        spentWei: "30000000000000000",
        reservedWei: "20000000000000000",
        period,
      }),
    );
    expect(v).toMatchObject({
      network: "dev",
      limited: true,
      limit: "0.1 ETH",
      spent: "0.03 ETH",
      reserved: "0.02 ETH",
      remaining: "0.05 ETH",
      period: "per 24 h",
      exhausted: false,
      pending: true,
    });
    expect(v.exact.remaining).toBe("0.05 ETH = 50,000,000,000,000,000 wei");
  });
  it("says used up when spent and reserved pass the limit", () => {
    const v = budgetView(
      create(BudgetSchema, { network: "dev", limitWei: "1000", spentWei: "900", reservedWei: "500", period }),
    );
    expect(v.remaining).toBe("0 ETH");
    expect(v.exhausted).toBe(true);
  });
  it("says no budget when the limit is empty", () => {
    const v = budgetView(
      create(BudgetSchema, { network: "sepolia", limitWei: "", spentWei: "1", reservedWei: "0", period }),
    );
    expect(v.limited).toBe(false);
    expect(v.limit).toBe("no budget");
    expect(v.remaining).toBe("no limit");
    expect(v.exhausted).toBe(false);
    expect(v.spent).toBe("0.000000000000000001 ETH");
  });
  it("says when it resets", () => {
    const now = Date.parse("2025-01-01T12:00:00Z");
    const at = { seconds: BigInt((now + 3 * 3600 * 1000) / 1000), nanos: 0 };
    const fmt = (ms: number) => new Date(ms).toISOString();
    const v = budgetView(
      create(BudgetSchema, {
        network: "dev",
        limitWei: "1000",
        spentWei: "10",
        reservedWei: "0",
        period,
        resetsAt: at,
      }),
    );
    expect(resetsText(v, fmt, now)).toBe("2025-01-01T15:00:00.000Z (in about 3 hours)");
    const idle = budgetView(
      create(BudgetSchema, { network: "dev", limitWei: "1000", spentWei: "0", reservedWei: "0", period }),
    );
    expect(resetsText(idle, fmt, now)).toBe("nothing spent in the period");
    const held = budgetView(
      create(BudgetSchema, { network: "dev", limitWei: "1000", spentWei: "0", reservedWei: "5", period }),
    );
    expect(resetsText(held, fmt, now)).toBe("as deployments in flight end");
  });
});

describe("gasCeilingText", () => {
  it("words the ceiling", () => {
    expect(gasCeilingText(5000000n)).toBe("Up to 5,000,000 gas per deployment.");
    expect(gasCeilingText(0n)).toBe("No gas ceiling per deployment.");
  });
});

describe("humaniseAmounts", () => {
  it("rewrites wei, Go durations and gas in server messages", () => {
    expect(
      humaniseAmounts(
        "the deployment may cost up to 2000000000000000 wei, more than is left of the spend budget per 24h0m0s on dev",
      ),
    ).toBe("the deployment may cost up to 0.002 ETH, more than is left of the spend budget per 24 h on dev");
    expect(
      humaniseAmounts(
        "the deployment needs 6000000 gas (estimate plus margin), above the ceiling of 5000000 gas per deployment",
      ),
    ).toBe(
      "the deployment needs 6,000,000 gas (estimate plus margin), above the ceiling of 5,000,000 gas per deployment",
    );
  });
  it("words RFC 3339 times with the given formatter", () => {
    expect(humaniseAmounts("free up at 2025-01-01T00:00:00Z", (ms) => String(ms))).toBe("free up at 1735689600000");
  });
});
