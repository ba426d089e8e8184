import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { DeploymentSchema, DeploymentStatus as S } from "./gen/slipway/v1/deployments_pb";
import { followsReads, withDetails } from "./deployment-details";

const salt = "0x" + "11".repeat(32);

describe("withDetails", () => {
  // What a read carries that a message as of an event leaves out.
  const read = create(DeploymentSchema, {
    id: "d",
    status: S.CONFIRMING,
    salt,
    proxyKind: "uups",
    implementationAddress: "0xImpl",
    networks: ["dev", "sepolia"],
    children: [{ id: "c1", network: "dev", status: S.CONFIRMED }],
    implementations: [{ address: "0xImpl", deploymentId: "d" }],
    upgradeOf: "",
    upgradeSafety: { safe: true, report: "ok" },
  });

  it("fills what the stream's message lacks, keeping its status and progress", () => {
    const live = create(DeploymentSchema, { id: "d", status: S.CONFIRMED, confirmations: 2, txHash: "0xtx" });
    const d = withDetails(live, read);
    expect(d.status).toBe(S.CONFIRMED);
    expect(d.confirmations).toBe(2);
    expect(d.txHash).toBe("0xtx");
    expect(d.salt).toBe(salt);
    expect(d.proxyKind).toBe("uups");
    expect(d.implementationAddress).toBe("0xImpl");
    expect(d.networks).toEqual(["dev", "sepolia"]);
    expect(d.children.map((c) => c.id)).toEqual(["c1"]);
    expect(d.implementations).toHaveLength(1);
    expect(d.upgradeSafety?.report).toBe("ok");
    expect(live.salt).toBe("");
  });
  it("prefers what the stream has", () => {
    const live = create(DeploymentSchema, { id: "d", implementationAddress: "0xNewer", networks: ["dev"] });
    const d = withDetails(live, read);
    expect(d.implementationAddress).toBe("0xNewer");
    expect(d.networks).toEqual(["dev"]);
  });
  it("ignores another deployment's read, or none", () => {
    const live = create(DeploymentSchema, { id: "other" });
    expect(withDetails(live, read)).toBe(live);
    expect(withDetails(live, undefined)).toBe(live);
  });
});

describe("followsReads", () => {
  it("follows multi-network deployments, proxies and upgrades", () => {
    expect(followsReads(create(DeploymentSchema, { networks: ["a", "b"] }))).toBe(true);
    expect(followsReads(create(DeploymentSchema, { children: [{ id: "c" }] }))).toBe(true);
    expect(followsReads(create(DeploymentSchema, { proxyKind: "uups" }))).toBe(true);
    expect(followsReads(create(DeploymentSchema, { upgradeOf: "p" }))).toBe(true);
  });
  it("leaves a plain one-network deployment to the stream", () => {
    expect(followsReads(create(DeploymentSchema, { network: "dev", networks: ["dev"] }))).toBe(false);
  });
});
