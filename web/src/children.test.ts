import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { DeploymentSchema, DeploymentStatus as S } from "./gen/slipway/v1/deployments_pb";
import { childrenSummary, multiNetwork, networkRows, networksText } from "./children";

const addr = "0x" + "ab".repeat(20);
const tx = "0x" + "cd".repeat(32);

const parent = create(DeploymentSchema, {
  id: "p",
  status: S.PARTIALLY_CONFIRMED,
  networks: ["dev", "sepolia", "holesky"],
  children: [
    { id: "c-dev", network: "dev", status: S.CONFIRMED, contractAddress: addr, txHash: tx },
    {
      id: "c-sep",
      network: "sepolia",
      status: S.FAILED,
      error: "estimate gas: would go over the spend budget of 1000000000000000 wei",
    },
    { id: "c-hol", network: "holesky", status: S.CANCELLED },
  ],
});

describe("networkRows", () => {
  it("is a row per network, in the order of the networks, with its child's status, address, hash and link", () => {
    const rows = networkRows(parent);
    expect(rows.map((r) => [r.network, r.label, r.statusClass, r.href])).toEqual([
      ["dev", "Confirmed", "st-confirmed", "/deployments/c-dev"],
      ["sepolia", "Failed", "st-failed", "/deployments/c-sep"],
      ["holesky", "Cancelled", "st-cancelled", "/deployments/c-hol"],
    ]);
    expect(rows[0]).toMatchObject({ id: "c-dev", contractAddress: addr, txHash: tx, error: "" });
  });
  it("words a failed network's error for people, and only a failed one's", () => {
    const rows = networkRows(parent);
    expect(rows[1].error).toContain("0.001 ETH");
    expect(rows[1].error).not.toContain("wei");
    expect(rows[2].error).toBe("");
  });
  it("follows the networks' order, not the children's", () => {
    const d = create(DeploymentSchema, {
      networks: ["b", "a"],
      children: [
        { id: "1", network: "a", status: S.DEPLOYING },
        { id: "2", network: "b", status: S.CONFIRMING },
      ],
    });
    expect(networkRows(d).map((r) => `${r.network}:${r.label}`)).toEqual(["b:Confirming", "a:Deploying"]);
  });
  it("shows networks whose deployment is not created yet as not started, without a link", () => {
    const d = create(DeploymentSchema, { status: S.COMPILING, networks: ["dev", "sepolia"] });
    const rows = networkRows(d);
    expect(rows.map((r) => [r.network, r.label, r.href, r.status])).toEqual([
      ["dev", "Not started", "", S.UNSPECIFIED],
      ["sepolia", "Not started", "", S.UNSPECIFIED],
    ]);
  });
  it("keeps a child on a network the parent does not name, last", () => {
    const d = create(DeploymentSchema, {
      networks: ["dev"],
      children: [{ id: "x", network: "other", status: S.PENDING }],
    });
    expect(networkRows(d).map((r) => r.network)).toEqual(["dev", "other"]);
  });
  it("escapes the id in the link", () => {
    const d = create(DeploymentSchema, { networks: ["dev"], children: [{ id: "a/b", network: "dev" }] });
    expect(networkRows(d)[0].href).toBe("/deployments/a%2Fb");
  });
});

describe("childrenSummary", () => {
  it("counts the outcomes", () => {
    expect(childrenSummary(networkRows(parent))).toBe("1 of 3 networks confirmed, 1 failed, 1 cancelled");
    expect(childrenSummary(networkRows(create(DeploymentSchema, { networks: ["dev"] })))).toBe(
      "0 of 1 network confirmed",
    );
  });
});

describe("multiNetwork and networksText", () => {
  it("tells a multi-network deployment from a single one", () => {
    expect(multiNetwork(parent)).toBe(true);
    expect(multiNetwork(create(DeploymentSchema, { network: "dev", networks: ["dev"] }))).toBe(false);
    expect(multiNetwork(create(DeploymentSchema, { network: "dev" }))).toBe(false);
  });
  it("names the networks", () => {
    expect(networksText(parent)).toBe("dev, sepolia, holesky");
    expect(networksText(create(DeploymentSchema, { network: "dev", networks: ["dev"] }))).toBe("dev");
    expect(networksText(create(DeploymentSchema, { network: "dev" }))).toBe("dev");
    expect(networksText(create(DeploymentSchema, { networks: ["dev"] }))).toBe("dev");
    expect(networksText(create(DeploymentSchema, {}))).toBe("—");
  });
});
