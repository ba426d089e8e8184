import { describe, expect, it, vi } from "vitest";
import { Code, ConnectError, createClient, createRouterTransport } from "@connectrpc/connect";
import { authInterceptor, Session, type TokenPair } from "./session";
import { AuthService } from "./gen/slipway/v1/auth_pb";
import { NetworkService } from "./gen/slipway/v1/networks_pb";

function clock(start = 1_000_000) {
  let t = start;
  return { now: () => t, advance: (ms: number) => (t += ms) };
}

let n = 0;
const pair = (expiresIn = 900): TokenPair => ({
  accessToken: `access-${++n}`,
  refreshToken: `refresh-${n}`,
  expiresIn,
});

describe("Session", () => {
  it("uses the access token while it is fresh", async () => {
    const c = clock();
    const refresher = vi.fn(() => Promise.resolve(pair()));
    const s = new Session(refresher, c.now);
    const p = pair();
    s.set(p);
    c.advance(800_000); // 100 s left: more than the margin
    expect(await s.accessToken()).toBe(p.accessToken);
    expect(refresher).not.toHaveBeenCalled();
  });

  it("refreshes shortly before expiry, sending the refresh token", async () => {
    const c = clock();
    const next = pair();
    const refresher = vi.fn(() => Promise.resolve(next));
    const s = new Session(refresher, c.now);
    const first = pair();
    s.set(first);
    c.advance(880_000); // 20 s left: inside the margin
    expect(await s.accessToken()).toBe(next.accessToken);
    expect(refresher).toHaveBeenCalledWith(first.refreshToken);
    expect(s.currentRefreshToken()).toBe(next.refreshToken);
  });

  it("shares one refresh between concurrent callers (refresh tokens are single use)", async () => {
    const c = clock();
    let resolve!: (p: TokenPair) => void;
    const refresher = vi.fn(() => new Promise<TokenPair>((r) => (resolve = r)));
    const s = new Session(refresher, c.now);
    s.set(pair(10)); // already inside the margin
    const calls = [s.accessToken(), s.accessToken(), s.accessToken()];
    const next = pair();
    resolve(next);
    expect(await Promise.all(calls)).toEqual([next.accessToken, next.accessToken, next.accessToken]);
    expect(refresher).toHaveBeenCalledTimes(1);
  });

  it("signs out when the server refuses the refresh", async () => {
    const c = clock();
    const s = new Session(
      () =>
        Promise.reject(
          new ConnectError("invalid, expired or revoked refresh token; log in again", Code.Unauthenticated),
        ),
      c.now,
    );
    const changes: boolean[] = [];
    s.onChange((v) => changes.push(v));
    s.set(pair(1));
    await expect(s.accessToken()).rejects.toThrow(/revoked/);
    expect(s.signedIn).toBe(false);
    expect(changes).toEqual([true, false]);
  });

  it("stays signed in when the refresh fails for another reason", async () => {
    const s = new Session(() => Promise.reject(new ConnectError("unavailable", Code.Unavailable)), clock().now);
    s.set(pair(1));
    await expect(s.accessToken()).rejects.toThrow();
    expect(s.signedIn).toBe(true);
  });

  it("lets a logout during a refresh win", async () => {
    let resolve!: (p: TokenPair) => void;
    const s = new Session(() => new Promise<TokenPair>((r) => (resolve = r)), clock().now);
    s.set(pair(1));
    const pending = s.accessToken();
    s.clear();
    resolve(pair());
    await pending;
    expect(s.signedIn).toBe(false);
  });

  it("forgets who was signed in on clear", () => {
    const s = new Session(() => Promise.resolve(pair()), clock().now);
    s.set(pair());
    s.email = "ada@example.com";
    s.role = "approver";
    s.clear();
    expect(s.email).toBe("");
    expect(s.role).toBe("");
  });

  it("answers no token when signed out", async () => {
    const refresher = vi.fn(() => Promise.resolve(pair()));
    const s = new Session(refresher);
    expect(await s.accessToken()).toBe("");
    expect(refresher).not.toHaveBeenCalled();
  });
});

describe("authInterceptor over a Connect transport", () => {
  function setup(opts: { revokeFirst?: boolean } = {}) {
    const c = clock();
    const seen: string[] = [];
    let valid = "";
    let refreshes = 0;
    const transport = createRouterTransport(
      (router) => {
        router.service(AuthService, {
          refresh(req, ctx) {
            seen.push(`refresh:${req.refreshToken}:${ctx.requestHeader.get("Authorization") ?? ""}`);
            refreshes++;
            const p = pair();
            valid = p.accessToken;
            return { ...p, tokenType: "Bearer" };
          },
        });
        router.service(NetworkService, {
          listNetworks(_req, ctx) {
            const auth = ctx.requestHeader.get("Authorization") ?? "";
            seen.push(`list:${auth}`);
            if (auth !== `Bearer ${valid}`) throw new ConnectError("token expired", Code.Unauthenticated);
            return { networks: [{ name: "dev", chainId: 31337n, confirmations: 1 }] };
          },
        });
      },
      { transport: { interceptors: [] } },
    );
    const refreshClient = createClient(AuthService, transport);
    const session = new Session(async (rt) => refreshClient.refresh({ refreshToken: rt }), c.now);
    const withAuth = createRouterTransport(
      (router) => {
        router.service(NetworkService, {
          listNetworks: (req, ctx) =>
            createClient(NetworkService, transport).listNetworks(req, { headers: ctx.requestHeader }),
        });
      },
      { transport: { interceptors: [authInterceptor(session)] } },
    );
    const first = pair();
    valid = opts.revokeFirst ? "something-else" : first.accessToken;
    session.set(first);
    return { c, seen, session, client: createClient(NetworkService, withAuth), refreshes: () => refreshes };
  }

  it("sends the bearer token", async () => {
    const t = setup();
    const r = await t.client.listNetworks({});
    expect(r.networks[0].name).toBe("dev");
    expect(t.seen[0]).toMatch(/^list:Bearer access-/);
    expect(t.refreshes()).toBe(0);
  });

  it("refreshes before a call once the token is about to expire", async () => {
    const t = setup();
    t.c.advance(899_000);
    await t.client.listNetworks({});
    expect(t.refreshes()).toBe(1);
    // The refresh call itself carries no access token.
    expect(t.seen[0]).toMatch(/^refresh:refresh-\d+:$/);
  });

  it("refreshes once and retries when the server refuses a token", async () => {
    const t = setup({ revokeFirst: true });
    const r = await t.client.listNetworks({});
    expect(r.networks).toHaveLength(1);
    expect(t.refreshes()).toBe(1);
    expect(t.seen.filter((s) => s.startsWith("list:"))).toHaveLength(2);
  });
});
