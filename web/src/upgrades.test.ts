import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { ContractKind, ContractTemplateSchema } from "./gen/slipway/v1/contracts_pb";
import { DeploymentSchema, DeploymentStatus as S, UpgradeSafetySchema } from "./gen/slipway/v1/deployments_pb";
import {
  callDataError,
  canUpgrade,
  contractNameError,
  implementationRows,
  proxyKindLabel,
  safetyVerdict,
  upgradeRequest,
} from "./upgrades";

const a1 = "0x" + "a1".repeat(20);
const a2 = "0x" + "a2".repeat(20);

describe("proxyKindLabel", () => {
  it("words the kinds", () => {
    expect(proxyKindLabel("uups")).toBe("UUPS");
    expect(proxyKindLabel("transparent")).toBe("Transparent");
    expect(proxyKindLabel("")).toBe("");
    expect(proxyKindLabel("beacon")).toBe("beacon");
  });
});

describe("canUpgrade", () => {
  const d = (status: S, proxyKind: string, upgradeOf = "") =>
    create(DeploymentSchema, { status, proxyKind, upgradeOf });
  it("upgrades a confirmed proxy", () => {
    expect(canUpgrade(d(S.CONFIRMED, "uups"))).toBe(true);
    expect(canUpgrade(d(S.CONFIRMED, "transparent"))).toBe(true);
  });
  it("does not upgrade a plain contract, a proxy not confirmed, or an upgrade", () => {
    expect(canUpgrade(d(S.CONFIRMED, ""))).toBe(false);
    expect(canUpgrade(d(S.CONFIRMING, "uups"))).toBe(false);
    expect(canUpgrade(d(S.FAILED, "uups"))).toBe(false);
    expect(canUpgrade(d(S.PARTIALLY_CONFIRMED, "uups"))).toBe(false);
    expect(canUpgrade(d(S.CONFIRMED, "uups", "proxy-id"))).toBe(false);
  });
});

describe("callDataError", () => {
  it("takes none, or 0x and whole bytes", () => {
    expect(callDataError("")).toBe("");
    expect(callDataError("0x")).toBe("");
    expect(callDataError("0x8129fc1c")).toBe("");
    expect(callDataError("0xABCDEF")).toBe("");
  });
  it("refuses the rest", () => {
    expect(callDataError("8129fc1c")).toMatch(/Start the call data with 0x/);
    expect(callDataError("0x812")).toMatch(/whole bytes/);
    expect(callDataError("0xzz")).toMatch(/hex digits/);
    expect(callDataError("0x" + "00".repeat(32767))).toBe("");
    expect(callDataError("0x" + "00".repeat(32768))).toMatch(/too long/);
  });
});

describe("contractNameError", () => {
  it("wants a Solidity identifier", () => {
    expect(contractNameError("MyTokenV2")).toBe("");
    expect(contractNameError("_X")).toBe("");
    expect(contractNameError("")).toMatch(/Enter the name/);
    expect(contractNameError("2Token")).toMatch(/identifier/);
    expect(contractNameError("My Token")).toMatch(/identifier/);
    expect(contractNameError("A".repeat(65))).toMatch(/64/);
  });
});

describe("upgradeRequest", () => {
  const common = {
    id: "proxy-id",
    proxyKind: "uups",
    callData: "0x8129fc1c",
    idempotencyKey: "k",
    allowFindings: true,
  };
  it("sends a source with its contract name", () => {
    const r = upgradeRequest({ ...common, from: "source", source: "contract V2 {}", contractName: "V2" });
    expect(r).toMatchObject({
      id: "proxy-id",
      source: "contract V2 {}",
      contractName: "V2",
      callData: "0x8129fc1c",
      idempotencyKey: "k",
      allowFindings: true,
    });
    expect(r.template).toBeUndefined();
  });
  it("sends a template with the proxy's kind", () => {
    const t = create(ContractTemplateSchema, {
      kind: ContractKind.ERC20,
      name: "My Token",
      options: { mintable: true },
    });
    const r = upgradeRequest({ ...common, proxyKind: "transparent", from: "template", template: t });
    expect(r.source).toBe("");
    expect(r.contractName).toBe("");
    expect(r.template?.options?.upgradeable).toBe("transparent");
    expect(r.template?.options?.mintable).toBe(true);
    expect(t.options?.upgradeable).toBe("");
  });
});

describe("implementationRows", () => {
  const impls = [
    { address: a1, deploymentId: "d1", txHash: "0x01", upgradeTxHash: "0x02", at: timestampFromMs(1000) },
    { address: a2, deploymentId: "d2", txHash: "0x03", upgradeTxHash: "0x04", at: timestampFromMs(2000) },
  ];
  it("lists them first one first, numbered, linked, the proxy's current one marked", () => {
    const rows = implementationRows(
      create(DeploymentSchema, { implementations: impls, implementationAddress: a2.toUpperCase().replace("0X", "0x") }),
    );
    expect(rows.map((r) => [r.n, r.address, r.href, r.current])).toEqual([
      [1, a1, "/deployments/d1", false],
      [2, a2, "/deployments/d2", true],
    ]);
    expect(rows[0]).toMatchObject({ txHash: "0x01", upgradeTxHash: "0x02" });
  });
  it("marks the last current when the proxy's implementation is not known", () => {
    const rows = implementationRows(create(DeploymentSchema, { implementations: impls }));
    expect(rows.map((r) => r.current)).toEqual([false, true]);
  });
  it("is empty for a plain deployment", () => {
    expect(implementationRows(create(DeploymentSchema, {}))).toEqual([]);
  });
});

describe("safetyVerdict", () => {
  it("words the verdict with its colour", () => {
    expect(safetyVerdict(create(UpgradeSafetySchema, { safe: true }))).toEqual({
      label: "Safe to upgrade",
      cls: "sev-ok",
    });
    expect(safetyVerdict(create(UpgradeSafetySchema, { safe: false, errors: ["a", "b"] }))).toEqual({
      label: "Unsafe: 2 errors",
      cls: "st-failed",
    });
    expect(safetyVerdict(create(UpgradeSafetySchema, { safe: false, errors: ["a"] })).label).toBe("Unsafe: 1 error");
    expect(safetyVerdict(create(UpgradeSafetySchema, { safe: false })).label).toBe("Unsafe");
  });
});
