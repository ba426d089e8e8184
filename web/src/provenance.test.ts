import { describe, expect, it } from "vitest";
import { create, equals, fromJsonString } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { DeploymentStatus, ProvenanceSchema } from "./gen/slipway/v1/deployments_pb";
import { provenanceFileName, provenanceText } from "./provenance";

const id = "7f1c2a9e-4b7d-4e0a-9a51-0c3b5d6e7f80";

describe("provenanceFileName", () => {
  it("names the file after the deployment", () => {
    expect(provenanceFileName(id)).toBe(`provenance-${id}.json`);
  });
  it("keeps the name to safe characters", () => {
    expect(provenanceFileName("../x y")).toBe("provenance-___x_y.json");
    expect(provenanceFileName("")).toBe("provenance-deployment.json");
  });
});

describe("provenanceText", () => {
  const p = create(ProvenanceSchema, {
    deploymentId: id,
    contractName: "MyToken",
    compilerVersion: "0.8.24",
    optimizer: true,
    optimizerRuns: 200,
    sourceHash: "0x" + "aa".repeat(32),
    salt: "0x" + "11".repeat(32),
    proxyKind: "uups",
    networks: [
      {
        network: "dev",
        chainId: 31337n,
        deploymentId: id,
        status: DeploymentStatus.CONFIRMED,
        contractAddress: "0x" + "ab".repeat(20),
        transactions: [{ role: "proxy", txHash: "0x" + "cd".repeat(32), nonce: 7n, attempt: 1, mined: true }],
      },
    ],
    createdAt: timestampFromMs(Date.UTC(2025, 0, 2, 3, 4, 5)),
    digest: "0x" + "ee".repeat(32),
  });

  it("is the message's JSON, pretty-printed with a newline at the end", () => {
    const text = provenanceText(p);
    expect(text.endsWith("}\n")).toBe(true);
    expect(text).toContain('\n  "deploymentId": "' + id + '",\n');
    const json = JSON.parse(text) as Record<string, unknown>;
    expect(json.contractName).toBe("MyToken");
    expect(json.createdAt).toBe("2025-01-02T03:04:05Z");
    expect(json.networks).toEqual([
      {
        network: "dev",
        chainId: "31337",
        deploymentId: id,
        status: "DEPLOYMENT_STATUS_CONFIRMED",
        contractAddress: "0x" + "ab".repeat(20),
        transactions: [{ role: "proxy", txHash: "0x" + "cd".repeat(32), nonce: "7", attempt: 1, mined: true }],
      },
    ]);
  });
  it("reads back as the same message, so its digest can be checked", () => {
    expect(equals(ProvenanceSchema, fromJsonString(ProvenanceSchema, provenanceText(p)), p)).toBe(true);
  });
});
