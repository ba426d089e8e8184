// The console's one Connect transport (same origin, JSON so requests are
// readable in the browser's network panel) and a client per service. An
// interceptor adds the access token, refreshing it through the Session.
import { createClient } from "@connectrpc/connect";
import { createConnectTransport } from "@connectrpc/connect-web";
import { AuthService } from "./gen/slipway/v1/auth_pb";
import { ApiKeyService } from "./gen/slipway/v1/api_keys_pb";
import { ContractService } from "./gen/slipway/v1/contracts_pb";
import { DeploymentService } from "./gen/slipway/v1/deployments_pb";
import { NetworkService } from "./gen/slipway/v1/networks_pb";
import { authInterceptor, Session } from "./session";

const refreshTransport = createConnectTransport({ baseUrl: window.location.origin });
const refreshClient = createClient(AuthService, refreshTransport);

export const session = new Session(async (refreshToken) => {
  const r = await refreshClient.refresh({ refreshToken });
  return { accessToken: r.accessToken, refreshToken: r.refreshToken, expiresIn: r.expiresIn };
});

const transport = createConnectTransport({
  baseUrl: window.location.origin,
  interceptors: [authInterceptor(session)],
});

export const auth = createClient(AuthService, transport);
export const apiKeys = createClient(ApiKeyService, transport);
export const contracts = createClient(ContractService, transport);
export const deployments = createClient(DeploymentService, transport);
export const networks = createClient(NetworkService, transport);

export interface ConsoleConfig {
  /** Base URL of the Temporal Web UI, "" when none is known. */
  temporalUiUrl: string;
  temporalNamespace: string;
}

let configPromise: Promise<ConsoleConfig> | null = null;

/** consoleConfig is what the server says about its surroundings (/config.json). */
export function consoleConfig(): Promise<ConsoleConfig> {
  configPromise ??= fetch("/config.json", { headers: { Accept: "application/json" } })
    .then((r): Promise<Partial<ConsoleConfig>> | Partial<ConsoleConfig> =>
      r.ok ? (r.json() as Promise<Partial<ConsoleConfig>>) : {},
    )
    .catch((): Partial<ConsoleConfig> => ({}))
    .then((c) => ({ temporalUiUrl: c.temporalUiUrl ?? "", temporalNamespace: c.temporalNamespace || "default" }));
  return configPromise;
}

/** temporalRunUrl links a workflow to its page in the Temporal Web UI. */
export function temporalRunUrl(cfg: ConsoleConfig, workflowId: string): string {
  if (cfg.temporalUiUrl === "" || workflowId === "") return "";
  const base = cfg.temporalUiUrl.replace(/\/+$/, "");
  return `${base}/namespaces/${encodeURIComponent(cfg.temporalNamespace)}/workflows/${encodeURIComponent(workflowId)}`;
}
