// Spend budgets and amounts as people read them. The API gives wei as
// decimal strings; they are read as BigInt and never as floating point, so
// that 123456789 wei or 10^30 wei show exactly. Also the wording of amounts,
// periods and times inside the server's refusal messages.
import type { Budget } from "./gen/slipway/v1/auth_pb";

const WEI_PER_ETH = 10n ** 18n;

/** parseWei reads a decimal wei string; null when it is empty or not a whole number. */
export function parseWei(wei: string | undefined | null): bigint | null {
  const s = (wei ?? "").trim();
  return /^[0-9]+$/.test(s) ? BigInt(s) : null;
}

/** groupDigits puts thousands separators in a whole number: 5000000 → "5,000,000". */
export function groupDigits(n: bigint | number | string): string {
  const s = String(n);
  const neg = s.startsWith("-");
  const digits = neg ? s.slice(1) : s;
  return (neg ? "-" : "") + digits.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

/** formatUnits shows wei in a unit of 10^decimals wei, exactly; "—" for anything not a whole number of wei. */
function formatUnits(wei: string | bigint, decimals: number, unit: string): string {
  const n = typeof wei === "bigint" ? wei : parseWei(wei);
  if (n === null || n < 0n) return "—";
  const per = 10n ** BigInt(decimals);
  const whole = groupDigits(n / per);
  const frac = (n % per).toString().padStart(decimals, "0").replace(/0+$/, "");
  return frac ? `${whole}.${frac} ${unit}` : `${whole} ${unit}`;
}

/**
 * formatEth shows wei in ether, exactly: every significant decimal and no
 * trailing zeros. 10^18 → "1 ETH", 123456789 → "0.000000000123456789 ETH".
 * Anything that is not a whole number of wei shows as "—".
 */
export function formatEth(wei: string | bigint): string {
  return formatUnits(wei, 18, "ETH");
}

/**
 * formatGwei shows wei in gwei, the unit of gas prices, exactly:
 * 30000000000 → "30 gwei", 1500000001 → "1.500000001 gwei".
 */
export function formatGwei(wei: string | bigint): string {
  return formatUnits(wei, 9, "gwei");
}

/**
 * formatEthShort is formatEth cut to about `digits` significant digits
 * (never fewer than 2 decimals above 1 ETH), marked "≈" when it is cut:
 * 1234567890123456 wei → "≈0.00123456 ETH"; exact figures stay exact.
 * The cut truncates, so a figure never reads larger than it is.
 */
export function formatEthShort(wei: string | bigint, digits = 6): string {
  const n = typeof wei === "bigint" ? wei : parseWei(wei);
  if (n === null || n < 0n) return "—";
  const wholeN = n / WEI_PER_ETH;
  const frac = (n % WEI_PER_ETH).toString().padStart(18, "0").replace(/0+$/, "");
  if (frac === "") return `${groupDigits(wholeN)} ETH`;
  const keep = wholeN === 0n ? frac.search(/[1-9]/) + digits : Math.max(2, digits - wholeN.toString().length);
  const cut = frac.slice(0, keep).replace(/0+$/, "");
  const approx = cut.length < frac.length;
  return `${approx ? "≈" : ""}${groupDigits(wholeN)}${cut ? `.${cut}` : ""} ETH`;
}

/** formatWei is the exact figure, for title attributes: "123,456,789 wei". */
export function formatWei(wei: string | bigint): string {
  const n = typeof wei === "bigint" ? wei : parseWei(wei);
  return n === null ? "" : `${groupDigits(n)} wei`;
}

/**
 * remainingWei is what is left of a budget: limit − spent − reserved,
 * never below zero; null when there is no budget (an empty limit).
 */
export function remainingWei(b: Pick<Budget, "limitWei" | "spentWei" | "reservedWei">): bigint | null {
  const limit = parseWei(b.limitWei);
  if (limit === null) return null;
  const left = limit - (parseWei(b.spentWei) ?? 0n) - (parseWei(b.reservedWei) ?? 0n);
  return left > 0n ? left : 0n;
}

/**
 * formatPeriod words a budget period: "per 24 h", "per hour", "per 7 days",
 * "per 30 min", "per 45 s"; "" for none.
 */
export function formatPeriod(seconds: number | bigint): string {
  const s = Number(seconds);
  if (!Number.isFinite(s) || s <= 0) return "";
  if (s % 86400 === 0 && s >= 2 * 86400) return `per ${s / 86400} days`;
  if (s === 3600) return "per hour";
  if (s % 3600 === 0) return `per ${s / 3600} h`;
  if (s % 60 === 0) return `per ${s / 60} min`;
  return `per ${Math.round(s * 1000) / 1000} s`;
}

/** durationSeconds reads a google.protobuf.Duration (0 when unset). */
export function durationSeconds(d: { seconds: bigint; nanos: number } | undefined): number {
  return d ? Number(d.seconds) + d.nanos / 1e9 : 0;
}

/** timestampMs reads a google.protobuf.Timestamp; undefined when unset. */
export function timestampMs(ts: { seconds: bigint; nanos: number } | undefined): number | undefined {
  return ts ? Number(ts.seconds) * 1000 + Math.floor(ts.nanos / 1e6) : undefined;
}

/** parseGoDuration reads Go's Duration.String ("24h0m0s", "1m30s", "1.5s", "500ms"); undefined when it can't. */
export function parseGoDuration(s: string): number | undefined {
  const units: Record<string, number> = { h: 3600, m: 60, s: 1, ms: 1e-3, us: 1e-6, µs: 1e-6, ns: 1e-9 };
  if (!/^(\d+(\.\d+)?(h|ms|us|µs|ns|m|s))+$/.test(s)) return undefined;
  let total = 0;
  for (const m of s.matchAll(/(\d+(?:\.\d+)?)(h|ms|us|µs|ns|m|s)/g)) total += Number(m[1]) * units[m[2]];
  return total;
}

/** The row of the Budgets panel for one network, every figure worded. */
export interface BudgetView {
  network: string;
  /** False when no budget applies on the network. */
  limited: boolean;
  limit: string;
  spent: string;
  reserved: string;
  remaining: string;
  /** Each figure exactly, in ETH and wei, for title attributes ("" for none). */
  exact: { limit: string; spent: string; reserved: string; remaining: string };
  /** "per 24 h". */
  period: string;
  /** Whether nothing at all is left. */
  exhausted: boolean;
  /** Whether deployments in flight hold part of it. */
  pending: boolean;
  /** When settled spend starts to leave the period, in ms; undefined when nothing settled counts. */
  resetsAtMs?: number;
}

/** exactly is a figure's title: "0.001234567890123456 ETH = 1,234,567,890,123,456 wei". */
export function exactly(wei: string | bigint): string {
  const w = formatWei(wei);
  return w === "" ? "" : `${formatEth(wei)} = ${w}`;
}

/** budgetView words a Budget for the panel. */
export function budgetView(b: Budget): BudgetView {
  const left = remainingWei(b);
  const spent = parseWei(b.spentWei) ?? 0n;
  const reserved = parseWei(b.reservedWei) ?? 0n;
  const limited = left !== null;
  return {
    network: b.network,
    limited,
    limit: limited ? formatEthShort(b.limitWei) : "no budget",
    spent: formatEthShort(spent),
    reserved: formatEthShort(reserved),
    remaining: left === null ? "no limit" : formatEthShort(left),
    exact: {
      limit: exactly(b.limitWei),
      spent: exactly(spent),
      reserved: exactly(reserved),
      remaining: left === null ? "" : exactly(left),
    },
    period: formatPeriod(durationSeconds(b.period)),
    exhausted: left === 0n,
    pending: reserved > 0n,
    resetsAtMs: timestampMs(b.resetsAt),
  };
}

/**
 * resetsText says when a budget frees up: "at <time> (in 3 hours)" when
 * settled spend counts; otherwise whether reservations are pending.
 */
export function resetsText(v: BudgetView, formatWhen: (ms: number) => string, now: number = Date.now()): string {
  if (v.resetsAtMs !== undefined) {
    const secs = Math.ceil((v.resetsAtMs - now) / 1000);
    return secs > 0 ? `${formatWhen(v.resetsAtMs)} (in ${inWords(secs)})` : `${formatWhen(v.resetsAtMs)} (now)`;
  }
  if (v.pending) return "as deployments in flight end";
  return "nothing spent in the period";
}

function inWords(seconds: number): string {
  const s = Math.max(0, Math.ceil(seconds));
  if (s < 60) return s === 1 ? "1 second" : `${s} seconds`;
  const m = Math.ceil(s / 60);
  if (m < 60) return m === 1 ? "1 minute" : `${m} minutes`;
  const h = Math.round(m / 60);
  if (h < 48) return h === 1 ? "about 1 hour" : `about ${h} hours`;
  return `about ${Math.round(h / 24)} days`;
}

/** gasCeilingText words a network's gas ceiling: "Up to 5,000,000 gas per deployment." */
export function gasCeilingText(maxGas: bigint): string {
  return maxGas > 0n ? `Up to ${groupDigits(maxGas)} gas per deployment.` : "No gas ceiling per deployment.";
}

/**
 * humaniseAmounts rewrites the figures in a server message for people:
 * "1000000000000000 wei" → "0.001 ETH", "per 24h0m0s" → "per 24 h",
 * "5000000 gas" → "5,000,000 gas", RFC 3339 times → formatWhen's words.
 */
export function humaniseAmounts(
  text: string,
  formatWhen: (ms: number) => string = (ms) => new Date(ms).toLocaleString(),
): string {
  return text
    .replace(/\b(\d+) wei\b/g, (_, w: string) => formatEth(w))
    .replace(/\bper ((?:\d+(?:\.\d+)?(?:h|ms|us|µs|ns|m|s))+)(?![\w.])/g, (all, d: string) => {
      const secs = parseGoDuration(d);
      return secs === undefined ? all : formatPeriod(secs) || all;
    })
    .replace(/\b(\d{4,}) gas\b/g, (_, g: string) => `${groupDigits(g)} gas`)
    .replace(/\b\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d)/g, (t) => {
      const ms = Date.parse(t);
      return Number.isNaN(ms) ? t : formatWhen(ms);
    });
}
