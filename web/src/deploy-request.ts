// The CreateDeployment request the deploy form sends: one network as
// network, several as networks (the API takes exactly one of the two), the
// salt with its scope only when a salt is given, and the template's
// upgradeable option (deployments.proto, contracts.proto).
import { clone, create, fromJson } from "@bufbuild/protobuf";
import { ValueSchema } from "@bufbuild/protobuf/wkt";
import type { JsonValue } from "./abi";
import { ContractTemplateSchema, TemplateOptionsSchema, type ContractTemplate } from "./gen/slipway/v1/contracts_pb";
import { CreateDeploymentRequestSchema, type CreateDeploymentRequest } from "./gen/slipway/v1/deployments_pb";

/** The template option upgradeable's values, as the deploy form offers them. */
export const upgradeableKinds: { value: string; label: string }[] = [
  { value: "", label: "No (a plain contract)" },
  { value: "uups", label: "UUPS proxy" },
  { value: "transparent", label: "Transparent proxy" },
];

/** maxNetworks is how many networks one deployment may name (networks' max_items). */
export const maxNetworks = 16;

export interface DeployInput {
  /** The networks chosen, in the order shown; at least one. */
  networks: string[];
  template: ContractTemplate;
  /** The constructor's (or, upgradeable, the initializer's) arguments as JSON values. */
  args: JsonValue[];
  idempotencyKey: string;
  /** 0 for each network's default. */
  confirmations: number;
  allowFindings: boolean;
  /** "" for a plain CREATE. */
  salt: string;
  /** "caller" or "raw"; sent only with a salt. */
  saltScope: string;
  /** "", "uups" or "transparent". */
  upgradeable: string;
}

/** networksError is why the chosen networks cannot be deployed to, or "". */
export function networksError(networks: string[]): string {
  if (networks.length === 0) return "Choose at least one network.";
  if (networks.length > maxNetworks) return `Choose at most ${maxNetworks} networks.`;
  return "";
}

/** withUpgradeable is t with its upgradeable option set to kind (t itself is left as it is). */
export function withUpgradeable(t: ContractTemplate, kind: string): ContractTemplate {
  const c = clone(ContractTemplateSchema, t);
  c.options ??= create(TemplateOptionsSchema);
  c.options.upgradeable = kind;
  return c;
}

/** deployRequest builds the request for in. */
export function deployRequest(input: DeployInput): CreateDeploymentRequest {
  const one = input.networks.length === 1;
  return create(CreateDeploymentRequestSchema, {
    network: one ? input.networks[0] : "",
    networks: one ? [] : [...input.networks],
    template: withUpgradeable(input.template, input.upgradeable),
    constructorArgs: input.args.map((v) => fromJson(ValueSchema, v)),
    idempotencyKey: input.idempotencyKey,
    confirmations: input.confirmations,
    allowFindings: input.allowFindings,
    salt: input.salt,
    saltScope: input.salt === "" ? "" : input.saltScope,
  });
}
