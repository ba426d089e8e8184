// Turning API failures into sentences a person can act on. Every page shows
// errors through describeError, so the wording (and the retry time of a rate
// limit) is decided in one place.
import { Code, ConnectError } from "@connectrpc/connect";

export interface ErrorMessage {
  /** One short sentence: what happened. */
  title: string;
  /** What to do about it, or the server's own explanation. */
  detail: string;
  /** Seconds until a retry can succeed, when the server said so. */
  retryAfterSeconds?: number;
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

/** describeError maps anything a call can throw to an ErrorMessage. */
export function describeError(err: unknown, now: Date = new Date()): ErrorMessage {
  if (!(err instanceof ConnectError)) {
    if (err instanceof TypeError) {
      // fetch rejects with a TypeError when the network is down.
      return { title: "Can't reach Slipway.", detail: "Check your connection and that the server is running, then try again.", code: "unavailable" };
    }
    const msg = err instanceof Error ? err.message : String(err);
    return { title: "Something went wrong.", detail: msg, code: "unknown" };
  }
  const raw = err.rawMessage;
  const requestId = err.metadata.get("X-Request-Id") ?? undefined;
  const base = { code: Code[err.code] ? codeName(err.code) : "unknown", requestId };
  switch (err.code) {
    case Code.ResourceExhausted: {
      const wait = retryAfter(err.metadata, now);
      if (wait === undefined) {
        return { ...base, title: "That request is too large or too frequent.", detail: capitalise(raw) };
      }
      const limit = err.metadata.get("RateLimit-Limit");
      const plan = limit ? ` Your plan allows ${limit} requests a minute.` : "";
      return {
        ...base,
        title: "You're going faster than your rate limit.",
        detail: `Try again in ${formatWait(wait)}.${plan}`,
        retryAfterSeconds: wait,
      };
    }
    case Code.Unauthenticated:
      if (/invalid email or password/i.test(raw)) {
        return { ...base, title: "Wrong email or password.", detail: "Check both and try again." };
      }
      return { ...base, title: "You're signed out.", detail: "Your session ended or expired. Log in again to continue." };
    case Code.PermissionDenied:
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
      return { ...base, title: "The server took too long to answer.", detail: "Try again; if it keeps happening, the server may be overloaded." };
    case Code.Canceled:
      return { ...base, title: "The request was cancelled.", detail: "" };
    case Code.Unimplemented:
      return { ...base, title: "This server doesn't offer that yet.", detail: capitalise(raw) };
    default:
      return {
        ...base,
        title: "Something went wrong on the server.",
        detail: requestId ? `Try again. If it keeps failing, report request id ${requestId}.` : "Try again in a moment.",
      };
  }
}

/** codeName is the Connect wire name of a code, such as "resource_exhausted". */
export function codeName(code: Code): string {
  return (Code[code] ?? "unknown").replace(/[A-Z]/g, (c, i: number) => (i > 0 ? "_" : "") + c.toLowerCase());
}
