import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import {
  budgetDetail,
  codeName,
  describeError,
  describeFailure,
  describeVoteError,
  formatWait,
  retryAfter,
} from "./errors";

const now = new Date("2025-01-01T12:00:00Z");

describe("retryAfter", () => {
  it("reads delta seconds", () => {
    expect(retryAfter(new Headers({ "Retry-After": "7" }), now)).toBe(7);
  });
  it("reads an HTTP date", () => {
    expect(retryAfter(new Headers({ "Retry-After": "Wed, 01 Jan 2025 12:00:30 GMT" }), now)).toBe(30);
  });
  it("clamps a past date to zero", () => {
    expect(retryAfter(new Headers({ "Retry-After": "Wed, 01 Jan 2025 11:00:00 GMT" }), now)).toBe(0);
  });
  it("falls back to RateLimit-Reset", () => {
    expect(retryAfter(new Headers({ "RateLimit-Reset": "42" }), now)).toBe(42);
  });
  it("answers undefined without usable headers", () => {
    expect(retryAfter(new Headers({ "Retry-After": "soon" }), now)).toBeUndefined();
    expect(retryAfter(new Headers(), now)).toBeUndefined();
  });
});

describe("formatWait", () => {
  it.each([
    [0, "0 seconds"],
    [1, "1 second"],
    [0.2, "1 second"],
    [45, "45 seconds"],
    [60, "1 minute"],
    [61, "2 minutes"],
    [3600, "1 hour"],
    [7201, "3 hours"],
  ])("%s → %s", (s, want) => expect(formatWait(s)).toBe(want));
});

describe("describeError", () => {
  it("words a rate limit with the retry time and the plan", () => {
    const err = new ConnectError(
      "rate limit exceeded",
      Code.ResourceExhausted,
      new Headers({ "Retry-After": "6", "RateLimit-Limit": "10", "RateLimit-Remaining": "0" }),
    );
    const m = describeError(err, now);
    expect(m.code).toBe("resource_exhausted");
    expect(m.retryAfterSeconds).toBe(6);
    expect(m.title).toMatch(/rate limit/i);
    expect(m.detail).toBe("Try again in 6 seconds. Your plan allows 10 requests a minute.");
  });
  it("keeps the server's words for resource_exhausted without a retry time", () => {
    const m = describeError(
      new ConnectError("request body is 9 bytes, over the 4-byte limit", Code.ResourceExhausted),
      now,
    );
    expect(m.retryAfterSeconds).toBeUndefined();
    expect(m.detail).toBe("Request body is 9 bytes, over the 4-byte limit");
  });
  it("keeps a rate limit a rate limit", () => {
    const m = describeError(
      new ConnectError(
        "rate limit exceeded: 10 requests per minute for tier free; retry in 6s",
        Code.ResourceExhausted,
        new Headers({ "Retry-After": "6" }),
      ),
      now,
    );
    expect(m.kind).toBe("rate_limit");
    expect(m.title).toBe("You're going faster than your rate limit.");
    expect(m.detail).toBe("Try again in 6 seconds.");
    expect(m.retry).toBeUndefined();
  });
  it("shows a budget refusal's own account, not a rate limit", () => {
    // The rate limiter adds its headers to every answer, refusals from further in too.
    const headers = new Headers({ "Retry-After": "3600", "RateLimit-Limit": "10", "RateLimit-Remaining": "9" });
    const raw =
      "budget exhausted: spend budget on dev: 100000000000000000 wei per 24h0m0s, 100000000000000000 wei used or reserved, 0 wei left; spend starts to free up at 2025-01-01T13:00:00Z";
    const m = describeError(new ConnectError(raw, Code.ResourceExhausted, headers), now);
    expect(m.code).toBe("resource_exhausted");
    expect(m.kind).toBe("budget");
    expect(m.title).toBe("Your spend budget on dev is used up.");
    expect(m.title).not.toMatch(/rate limit/i);
    expect(m.detail).not.toMatch(/rate limit|requests a minute/i);
    expect(m.detail).toMatch(
      /^Your budget on dev is 0\.1 ETH per 24 h: 0\.1 ETH is spent or held by deployments in flight, leaving 0 ETH\. Spend starts to free up at .+\.$/,
    );
    expect(m.detail).not.toContain("2025-01-01T13:00:00Z");
    expect(m.retry).toBe("Try again in 1 hour.");
    expect(m.retryAfterSeconds).toBe(3600);
  });
  it("words a budget held by deployments in flight", () => {
    expect(
      budgetDetail(
        "spend budget on dev: 1000 wei per 1h0m0s, 1000 wei used or reserved, 0 wei left; reservations free up as deployments in flight end",
      ),
    ).toBe(
      "Your budget on dev is 0.000000000000001 ETH per hour: 0.000000000000001 ETH is spent or held by deployments in flight, leaving 0 ETH. Reservations free up as deployments in flight end.",
    );
  });
  it("keeps an unfamiliar budget wording, its figures readable", () => {
    const m = describeError(
      new ConnectError(
        "budget exhausted: 2000000000000000000 wei over",
        Code.ResourceExhausted,
        new Headers({ "Retry-After": "15" }),
      ),
      now,
    );
    expect(m.kind).toBe("budget");
    expect(m.detail).toBe("2 ETH over.");
  });
  it("words too many deployments in flight as a quota", () => {
    const raw = "too many deployments in flight: 3, the free tier allows 3; try again when one has ended";
    const m = describeError(
      new ConnectError(raw, Code.ResourceExhausted, new Headers({ "Retry-After": "15", "RateLimit-Limit": "10" })),
      now,
    );
    expect(m.kind).toBe("quota");
    expect(m.title).toBe("You have too many deployments in flight.");
    expect(m.detail).toBe("You have 3 deployments in flight and the free tier allows 3 at once. Wait for one to end.");
    expect(m.retry).toBe("Try again in 15 seconds.");
  });
  it("words other quotas with the server's sentence", () => {
    const m = describeError(
      new ConnectError(
        "too many open deployment watches: at most 5 per user (WatchDeployment and WebSocket together); close one and retry",
        Code.ResourceExhausted,
      ),
      now,
    );
    expect(m.kind).toBe("quota");
    expect(m.title).toBe("Too many live deployment views are open.");
    expect(m.detail).toBe(
      "Too many open deployment watches: at most 5 per user (WatchDeployment and WebSocket together); close one and retry.",
    );
    expect(m.retryAfterSeconds).toBeUndefined();
  });
  it("says which network a tier may not use", () => {
    const m = describeError(
      new ConnectError('network "mainnet" is not open to the free tier', Code.PermissionDenied),
      now,
    );
    expect(m.title).toBe("That network isn't open to your plan.");
    expect(m.detail).toBe('Network "mainnet" is not open to the free tier. Choose another network.');
  });
  it("words a deployment that failed on its budget or gas ceiling", () => {
    const fmt = () => "later";
    const b = describeFailure(
      "the deployment may cost up to 2000000000000000 wei, more than is left of its spend budget on dev: 1000000000000000 wei per 24h0m0s, 0 wei used or reserved, 1000000000000000 wei left",
      fmt,
    );
    expect(b.title).toMatch(/spend budget/);
    expect(b.detail).toBe(
      "The deployment may cost up to 0.002 ETH, more than is left of its spend budget on dev: 0.001 ETH per 24 h, 0 ETH used or reserved, 0.001 ETH left.",
    );
    const g = describeFailure(
      "the deployment needs 6000000 gas (estimate plus margin), above the ceiling of 5000000 gas per deployment for the free tier on dev",
    );
    expect(g.title).toMatch(/more gas/);
    expect(g.detail).toContain("5,000,000 gas per deployment");
    expect(describeFailure("").detail).toBe("No reason was recorded.");
  });
  it("tells wrong credentials from an ended session", () => {
    expect(describeError(new ConnectError("invalid email or password", Code.Unauthenticated)).title).toBe(
      "Wrong email or password.",
    );
    const m = describeError(new ConnectError("token expired", Code.Unauthenticated));
    expect(m.title).toBe("You're signed out.");
    expect(m.detail).toMatch(/log in again/i);
  });
  it("shows validation messages", () => {
    const m = describeError(
      new ConnectError("validation errors:\n - password: must be at least 12 characters", Code.InvalidArgument),
    );
    expect(m.title).toBe("Some input needs fixing.");
    expect(m.detail).toContain("password: must be at least 12 characters");
  });
  it("hides internals but quotes the request id", () => {
    const m = describeError(
      new ConnectError("pq: connection refused", Code.Internal, new Headers({ "X-Request-Id": "req-123" })),
    );
    expect(m.detail).not.toContain("pq:");
    expect(m.detail).toContain("req-123");
    expect(m.requestId).toBe("req-123");
  });
  it("says when the server is unreachable", () => {
    const m = describeError(new TypeError("Failed to fetch"));
    expect(m.code).toBe("unavailable");
    expect(m.title).toBe("Can't reach Slipway.");
  });
  it("names codes as the wire does", () => {
    expect(codeName(Code.ResourceExhausted)).toBe("resource_exhausted");
    expect(codeName(Code.Unauthenticated)).toBe("unauthenticated");
    expect(codeName(Code.NotFound)).toBe("not_found");
  });
});

describe("describeVoteError", () => {
  it.each([
    [
      Code.PermissionDenied,
      "vote not allowed: the requester cannot vote on their own deployment",
      "You cannot vote on this deployment (your own, or not an approver).",
      "Vote not allowed: the requester cannot vote on their own deployment.",
    ],
    [
      Code.Aborted,
      "deployment is not waiting for approval: the deployment's approval is already decided: approved",
      "No longer waiting for approval.",
      "Deployment is not waiting for approval: the deployment's approval is already decided: approved.",
    ],
    [
      Code.AlreadyExists,
      "already voted: you have voted on this deployment",
      "You have already voted.",
      "Already voted: you have voted on this deployment.",
    ],
  ])("words code %s", (code, raw, title, detail) => {
    const m = describeVoteError(new ConnectError(raw, code), now);
    expect(m.title).toBe(title);
    expect(m.detail).toBe(detail);
    expect(m.code).toBe(codeName(code));
  });
  it("words other failures as describeError does", () => {
    const err = new ConnectError("deployment not found", Code.NotFound);
    expect(describeVoteError(err, now)).toEqual(describeError(err, now));
    expect(describeVoteError(new TypeError("Failed to fetch")).title).toBe("Can't reach Slipway.");
  });
});
