// Turning API failures into sentences a person can act on. Every page shows
// errors through describeError, so the wording (and the retry time of a rate
// limit) is decided in one place. resource_exhausted is more than a rate
// limit: a used-up spend budget and a quota of work in flight come with it
// too (and with Retry-After), and their own explanation is what to show.
import { Code, ConnectError } from "@connectrpc/connect";
import { formatEth, formatPeriod, humaniseAmounts, parseGoDuration } from "./budgets";

/** What a resource_exhausted refusal is about. */
export type Refusal = "rate_limit" | "budget" | "quota" | "size";

export interface ErrorMessage {
  /** One short sentence: what happened. */
  title: string;
  /** What to do about it, or the server's own explanation. */
  detail: string;
  /** Seconds until a retry can succeed, when the server said so. */
  retryAfterSeconds?: number;
  /**
   * "Try again in …." apart from detail, when detail is the server's own
   * explanation: errorBox counts this line down and leaves detail alone.
   */
  retry?: string;
  /** For resource_exhausted: a rate limit, a spend budget, a quota, a size. */
  kind?: Refusal;
  /** The Connect code name, for styling and tests. */
  code: string;
  /** The server's request id, to quote in a bug report. */
  requestId?: string;
}

/**
 * retryAfter reads how long to wait from a refusal's headers: Retry-After
 * (delta seconds or an HTTP date), else RateLimit-Reset (delta seconds).
 * It answers undefined when neither is usable.
 */
export function retryAfter(headers: Headers, now: Date = new Date()): number | undefined {
  const ra = headers.get("Retry-After");
  if (ra !== null && ra.trim() !== "") {
    const v = ra.trim();
    if (/^\d+$/.test(v)) return Number(v);
    const at = Date.parse(v);
    if (!Number.isNaN(at)) return Math.max(0, Math.ceil((at - now.getTime()) / 1000));
  }
  const reset = headers.get("RateLimit-Reset");
  if (reset !== null && /^\s*\d+\s*$/.test(reset)) return Number(reset.trim());
  return undefined;
}

/** formatWait words a number of seconds: "1 second", "45 seconds", "2 minutes". */
export function formatWait(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return s === 1 ? "1 second" : `${s} seconds`;
  const m = Math.ceil(s / 60);
  if (m < 60) return m === 1 ? "1 minute" : `${m} minutes`;
  const h = Math.ceil(m / 60);
  return h === 1 ? "1 hour" : `${h} hours`;
}

function capitalise(s: string): string {
  return s.length === 0 ? s : s[0].toUpperCase() + s.slice(1);
}

/** sentence capitalises a server message and ends it with a full stop. */
export function sentence(s: string): string {
  const t = s.trim();
  if (t === "") return t;
  return capitalise(/[.!?]$/.test(t) ? t : `${t}.`);
}

/**
 * budgetDetail words the server's account of a budget ("spend budget on
 * dev: 1000 wei per 24h0m0s, 1000 wei used or reserved, 0 wei left; …") as
 * sentences in ETH. Any other wording is kept, its figures made readable.
 */
export function budgetDetail(raw: string, formatWhen?: (ms: number) => string): string {
  const m = /^spend budget on (\S+): (\d+) wei per (\S+), (\d+) wei used or reserved, (\d+) wei left(?:; (.+))?$/.exec(
    raw.trim(),
  );
  if (!m) return sentence(humaniseAmounts(raw, formatWhen));
  const [, network, limit, period, used, left, tail] = m;
  const secs = parseGoDuration(period);
  const per = (secs !== undefined && formatPeriod(secs)) || `per ${period}`;
  const words = `Your budget on ${network} is ${formatEth(limit)} ${per}: ${formatEth(used)} is spent or held by deployments in flight, leaving ${formatEth(left)}.`;
  return tail ? `${words} ${sentence(humaniseAmounts(tail, formatWhen))}` : words;
}

/** describeResourceExhausted tells rate limits, budgets, quotas and size limits apart. */
function describeResourceExhausted(
  raw: string,
  headers: Headers,
  now: Date,
  base: { code: string; requestId?: string },
): ErrorMessage {
  const wait = retryAfter(headers, now);
  const retry = wait === undefined ? {} : { retry: `Try again in ${formatWait(wait)}.`, retryAfterSeconds: wait };
  const budget = /^budget exhausted:\s*/i.exec(raw);
  if (budget || /^(no )?spend budget on /i.test(raw)) {
    const rest = raw.slice(budget?.[0].length ?? 0);
    const network = /spend budget on ([^\s:;,]+)/i.exec(rest)?.[1];
    return {
      ...base,
      kind: "budget",
      title: network ? `Your spend budget on ${network} is used up.` : "Your spend budget is used up.",
      detail: budgetDetail(rest),
      ...retry,
    };
  }
  const deploys = /^too many deployments in flight: (\d+), the (\S+) tier allows (\d+)/i.exec(raw);
  if (deploys) {
    const [, n, tier, limit] = deploys;
    return {
      ...base,
      kind: "quota",
      title: "You have too many deployments in flight.",
      detail: `You have ${n} deployment${n === "1" ? "" : "s"} in flight and the ${tier} tier allows ${limit} at once. Wait for one to end.`,
      ...retry,
    };
  }
  if (/^too many .* in flight|^too many open /i.test(raw)) {
    const title = /compile|audit/i.test(raw)
      ? "Too many compiles and audits are running."
      : /watch/i.test(raw)
        ? "Too many live deployment views are open."
        : "Too much is in flight at once.";
    return { ...base, kind: "quota", title, detail: sentence(raw), ...retry };
  }
  if (/^too many failed authentications/i.test(raw)) {
    return {
      ...base,
      kind: "rate_limit",
      title: "Too many failed sign-ins from this address.",
      detail: wait === undefined ? sentence(raw) : `Try again in ${formatWait(wait)}.`,
      retryAfterSeconds: wait,
    };
  }
  if (wait === undefined) {
    return { ...base, kind: "size", title: "That request is too large or too frequent.", detail: capitalise(raw) };
  }
  // A rate limit ("rate limit exceeded: …"), or any other refusal that
  // only says when to come back.
  const limit = headers.get("RateLimit-Limit");
  const plan = limit ? ` Your plan allows ${limit} requests a minute.` : "";
  return {
    ...base,
    kind: "rate_limit",
    title: "You're going faster than your rate limit.",
    detail: `Try again in ${formatWait(wait)}.${plan}`,
    retryAfterSeconds: wait,
  };
}

/**
 * describeFailure words why a deployment failed (its error field): a
 * budget or a gas ceiling get their own title; figures become readable.
 */
export function describeFailure(error: string, formatWhen?: (ms: number) => string): { title: string; detail: string } {
  const detail = error.trim() === "" ? "No reason was recorded." : sentence(humaniseAmounts(error, formatWhen));
  if (/spend budget/i.test(error))
    return { title: "This deployment failed: it would go over your spend budget.", detail };
  if (/ceiling of \d+ gas|gas per deployment/i.test(error))
    return { title: "This deployment failed: it needs more gas than one deployment may use.", detail };
  return { title: "This deployment failed.", detail };
}

/** describeError maps anything a call can throw to an ErrorMessage. */
export function describeError(err: unknown, now: Date = new Date()): ErrorMessage {
  if (!(err instanceof ConnectError)) {
    if (err instanceof TypeError) {
      // fetch rejects with a TypeError when the network is down.
      return {
        title: "Can't reach Slipway.",
        detail: "Check your connection and that the server is running, then try again.",
        code: "unavailable",
      };
    }
    const msg = err instanceof Error ? err.message : String(err);
    return { title: "Something went wrong.", detail: msg, code: "unknown" };
  }
  const raw = err.rawMessage;
  const requestId = err.metadata.get("X-Request-Id") ?? undefined;
  const base = { code: Code[err.code] ? codeName(err.code) : "unknown", requestId };
  switch (err.code) {
    case Code.ResourceExhausted:
      return describeResourceExhausted(raw, err.metadata, now, base);
    case Code.Unauthenticated:
      if (/invalid email or password/i.test(raw)) {
        return { ...base, title: "Wrong email or password.", detail: "Check both and try again." };
      }
      return {
        ...base,
        title: "You're signed out.",
        detail: "Your session ended or expired. Log in again to continue.",
      };
    case Code.PermissionDenied:
      if (/^network "[^"]*" is not open to /i.test(raw)) {
        return {
          ...base,
          title: "That network isn't open to your plan.",
          detail: `${sentence(raw)} Choose another network.`,
        };
      }
      return { ...base, title: "You don't have access to that.", detail: capitalise(raw) };
    case Code.InvalidArgument:
      return { ...base, title: "Some input needs fixing.", detail: capitalise(raw) };
    case Code.AlreadyExists:
      return { ...base, title: "That already exists.", detail: capitalise(raw) };
    case Code.NotFound:
      return { ...base, title: "Not found.", detail: capitalise(raw) };
    case Code.FailedPrecondition:
      return { ...base, title: "That can't be done now.", detail: capitalise(raw) };
    case Code.Unavailable: {
      const wait = retryAfter(err.metadata, now);
      return {
        ...base,
        title: "Slipway is unavailable right now.",
        detail: wait === undefined ? "Try again in a moment." : `Try again in ${formatWait(wait)}.`,
        retryAfterSeconds: wait,
      };
    }
    case Code.DeadlineExceeded:
      return {
        ...base,
        title: "The server took too long to answer.",
        detail: "Try again; if it keeps happening, the server may be overloaded.",
      };
    case Code.Canceled:
      return { ...base, title: "The request was cancelled.", detail: "" };
    case Code.Unimplemented:
      return { ...base, title: "This server doesn't offer that yet.", detail: capitalise(raw) };
    default:
      return {
        ...base,
        title: "Something went wrong on the server.",
        detail: requestId
          ? `Try again. If it keeps failing, report request id ${requestId}.`
          : "Try again in a moment.",
      };
  }
}

/** What a refused vote means, by Connect code: the server's reason follows as the detail. */
const voteRefusals: Record<string, string> = {
  permission_denied: "You cannot vote on this deployment (your own, or not an approver).",
  aborted: "No longer waiting for approval.",
  already_exists: "You have already voted.",
};

/**
 * describeVoteError words a refused ApproveDeployment or RejectDeployment:
 * the requester and non-approvers may not vote, a deployment decided (or
 * ended) takes no more votes, and nobody votes twice. Anything else is
 * worded as describeError words it.
 */
export function describeVoteError(err: unknown, now: Date = new Date()): ErrorMessage {
  const m = describeError(err, now);
  const title = voteRefusals[m.code];
  if (!title || !(err instanceof ConnectError)) return m;
  return { ...m, title, detail: sentence(err.rawMessage) };
}

/** codeName is the Connect wire name of a code, such as "resource_exhausted". */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase());
}
