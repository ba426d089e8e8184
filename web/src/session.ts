// Tokens live in memory only (never localStorage, so an XSS or another tab
// cannot read them back later). The access token is refreshed shortly before
// it expires and again once if the server refuses it; concurrent calls share
// one refresh, because refresh tokens are single use and a second use would
// revoke the whole session.
import { Code, ConnectError, type Interceptor } from "@connectrpc/connect";
import { AuthService } from "./gen/slipway/v1/auth_pb";

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  /** Lifetime of the access token in seconds. */
  expiresIn: number;
}

export type Refresher = (refreshToken: string) => Promise<TokenPair>;

/** Refresh when less than this is left of the access token's life. */
export const refreshMarginMs = 30_000;

export class Session {
  private access = "";
  private refreshToken = "";
  private expiresAt = 0;
  private inflight: Promise<string> | null = null;
  private listeners = new Set<(signedIn: boolean) => void>();
  email = "";
  /** The user's role ("deployer", "approver", "admin") as of login; "" when unknown. */
  role = "";

  constructor(
    private readonly refresher: Refresher,
    private readonly now: () => number = Date.now,
  ) {}

  get signedIn(): boolean {
    return this.refreshToken !== "";
  }

  /** set stores a pair from login or refresh. */
  set(pair: TokenPair): void {
    const wasSignedIn = this.signedIn;
    this.access = pair.accessToken;
    this.refreshToken = pair.refreshToken;
    this.expiresAt = this.now() + pair.expiresIn * 1000;
    if (!wasSignedIn) this.emit();
  }

  /** clear forgets every token (logout, or a refresh the server refused). */
  clear(): void {
    const was = this.signedIn;
    this.access = "";
    this.refreshToken = "";
    this.expiresAt = 0;
    this.email = "";
    this.role = "";
    if (was) this.emit();
  }

  /** currentRefreshToken is what logout sends to revoke the session. */
  currentRefreshToken(): string {
    return this.refreshToken;
  }

  onChange(fn: (signedIn: boolean) => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  private emit(): void {
    for (const fn of this.listeners) fn(this.signedIn);
  }

  /** fresh says whether the access token is usable without a refresh. */
  fresh(): boolean {
    return this.access !== "" && this.expiresAt - this.now() > refreshMarginMs;
  }

  /**
   * accessToken answers a usable access token, refreshing first when it is
   * about to expire; "" when signed out.
   */
  async accessToken(): Promise<string> {
    if (!this.signedIn) return "";
    if (this.fresh()) return this.access;
    return this.refresh();
  }

  /**
   * refresh trades the refresh token for a new pair, once for all callers
   * waiting at the same time. A refusal signs the session out and rethrows.
   */
  refresh(): Promise<string> {
    if (this.inflight) return this.inflight;
    const rt = this.refreshToken;
    if (rt === "") return Promise.resolve("");
    this.inflight = (async () => {
      try {
        const pair = await this.refresher(rt);
        // A logout while the refresh was in flight wins.
        if (this.refreshToken !== rt) return this.access;
        this.set(pair);
        return this.access;
      } catch (err) {
        if (this.refreshToken === rt && isAuthRefusal(err)) this.clear();
        throw err;
      } finally {
        this.inflight = null;
      }
    })();
    return this.inflight;
  }
}

/** isAuthRefusal is true for errors that mean the credentials are no good. */
export function isAuthRefusal(err: unknown): boolean {
  return typeof err === "object" && err !== null && (err as { code?: unknown }).code === Code.Unauthenticated;
}

/** Procedures that take no access token. */
const anonymous = new Set(["Register", "Login", "Refresh", "Logout"]);

/**
 * authInterceptor puts the session's access token on every call but the
 * anonymous ones and, when the server still refuses it as unauthenticated
 * (revoked, or the clock is off), refreshes once and retries.
 */
export function authInterceptor(session: Session): Interceptor {
  return (next) => async (req) => {
    if (req.service.typeName === AuthService.typeName && anonymous.has(req.method.name)) {
      return next(req);
    }
    const token = await session.accessToken();
    if (token !== "") req.header.set("Authorization", `Bearer ${token}`);
    try {
      return await next(req);
    } catch (err) {
      // Streams report errors while they are read, past this point; a
      // stream starts with a fresh token and needs no retry here.
      if (
        req.stream ||
        token === "" ||
        !(err instanceof ConnectError) ||
        err.code !== Code.Unauthenticated ||
        !session.signedIn
      )
        throw err;
      const again = await session.refresh();
      req.header.set("Authorization", `Bearer ${again}`);
      return next(req);
    }
  };
}
