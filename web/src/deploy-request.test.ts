import { describe, expect, it } from "vitest";
import { create, toJson } from "@bufbuild/protobuf";
import { ContractKind, ContractTemplateSchema } from "./gen/slipway/v1/contracts_pb";
import { CreateDeploymentRequestSchema } from "./gen/slipway/v1/deployments_pb";
import {
  deployRequest,
  maxNetworks,
  networksError,
  upgradeableKinds,
  withUpgradeable,
  type DeployInput,
} from "./deploy-request";

const template = create(ContractTemplateSchema, {
  kind: ContractKind.ERC20,
  name: "My Token",
  symbol: "MTK",
  options: { premint: "1000", mintable: true, access: "ownable" },
});
const salt = "0x" + "11".repeat(32);

function input(over: Partial<DeployInput> = {}): DeployInput {
  return {
    networks: ["dev"],
    template,
    args: ["0x000000000000000000000000000000000000dEaD", 5, true, ["a", "b"]],
    idempotencyKey: "k-1",
    confirmations: 0,
    allowFindings: false,
    salt: "",
    saltScope: "caller",
    upgradeable: "",
    ...over,
  };
}

describe("deployRequest", () => {
  it("sends one network as network", () => {
    const r = deployRequest(input());
    expect(r.network).toBe("dev");
    expect(r.networks).toEqual([]);
  });
  it("sends several networks as networks, in the order chosen", () => {
    const r = deployRequest(input({ networks: ["sepolia", "dev", "holesky"] }));
    expect(r.network).toBe("");
    expect(r.networks).toEqual(["sepolia", "dev", "holesky"]);
  });
  it("carries the template, arguments as JSON values and the form's other fields", () => {
    const r = deployRequest(input({ confirmations: 3, allowFindings: true }));
    const json = toJson(CreateDeploymentRequestSchema, r) as Record<string, unknown>;
    expect(json).toEqual({
      network: "dev",
      template: {
        kind: "ERC20",
        name: "My Token",
        symbol: "MTK",
        options: { premint: "1000", mintable: true, access: "ownable" },
      },
      constructorArgs: ["0x000000000000000000000000000000000000dEaD", 5, true, ["a", "b"]],
      idempotencyKey: "k-1",
      confirmations: 3,
      allowFindings: true,
    });
  });
  it("sends a salt with its scope, and no scope without a salt", () => {
    const withSalt = deployRequest(input({ salt, saltScope: "raw" }));
    expect(withSalt.salt).toBe(salt);
    expect(withSalt.saltScope).toBe("raw");
    const none = deployRequest(input({ saltScope: "raw" }));
    expect(none.salt).toBe("");
    expect(none.saltScope).toBe("");
  });
  it("maps Upgradeable to the template option, leaving the form's template as it was", () => {
    for (const kind of ["uups", "transparent", ""]) {
      expect(deployRequest(input({ upgradeable: kind })).template?.options?.upgradeable).toBe(kind);
    }
    expect(template.options?.upgradeable).toBe("");
    expect(template.options?.mintable).toBe(true);
  });
});

describe("withUpgradeable", () => {
  it("sets the option on a template without options", () => {
    const bare = create(ContractTemplateSchema, { kind: ContractKind.ERC721, name: "N" });
    expect(withUpgradeable(bare, "uups").options?.upgradeable).toBe("uups");
    expect(bare.options).toBeUndefined();
  });
  it("offers none, UUPS and transparent", () => {
    expect(upgradeableKinds.map((k) => k.value)).toEqual(["", "uups", "transparent"]);
  });
});

describe("networksError", () => {
  it("wants one network or more, up to the API's limit", () => {
    expect(networksError([])).toBe("Choose at least one network.");
    expect(networksError(["dev"])).toBe("");
    expect(networksError(Array.from({ length: maxNetworks }, (_, i) => `n${i}`))).toBe("");
    expect(networksError(Array.from({ length: maxNetworks + 1 }, (_, i) => `n${i}`))).toBe(
      `Choose at most ${maxNetworks} networks.`,
    );
  });
});
