// API key scopes as the console offers them: what each one allows, in words,
// which are ticked by default, and what to send. Kept apart from the page so
// the choice is tested without a DOM.

export type Scope = "read" | "deploy" | "contracts" | "keys";

export interface ScopeDef {
  scope: Scope;
  label: string;
  /** What a key with this scope may do, as the server checks it. */
  hint: string;
  /** Ticked when the form opens: the server's own default for no scopes. */
  byDefault: boolean;
}

/** SCOPES in the server's canonical order (read, deploy, contracts, keys). */
export const SCOPES: readonly ScopeDef[] = [
  {
    scope: "read",
    label: "Read",
    hint: "See deployments, networks, your account and your keys; watch deployments.",
    byDefault: true,
  },
  { scope: "deploy", label: "Deploy", hint: "Start and cancel deployments, which spend gas.", byDefault: true },
  { scope: "contracts", label: "Contracts", hint: "Generate, compile and audit contracts.", byDefault: true },
  {
    scope: "keys",
    label: "Manage keys",
    hint: "Create and revoke API keys. Leave it off unless the key must manage keys: a leaked key with it can make more.",
    byDefault: false,
  },
];

/** defaultScopes is what a key made without choosing gets: every scope but keys. */
export function defaultScopes(): Scope[] {
  return SCOPES.filter((d) => d.byDefault).map((d) => d.scope);
}

/**
 * chosenScopes turns the ticked boxes into the request's scopes, in
 * canonical order whatever order they were ticked in. An empty list is an
 * error for the form to show rather than a request: the server would read
 * "no scopes" as the default set, which is not what someone who unticked
 * everything meant.
 */
export function chosenScopes(ticked: Iterable<string>): { scopes: Scope[]; error?: string } {
  const set = new Set(ticked);
  const scopes = SCOPES.filter((d) => set.has(d.scope)).map((d) => d.scope);
  if (scopes.length === 0) return { scopes, error: "Choose at least one thing the key may do." };
  return { scopes };
}

/** scopeLabels words a key's scopes for the list, such as "Read, Deploy". */
export function scopeLabels(scopes: readonly string[]): string {
  if (scopes.length === 0) return "none";
  const known = new Map(SCOPES.map((d) => [d.scope as string, d.label]));
  return scopes.map((s) => known.get(s) ?? s).join(", ");
}
