import { describe, expect, it } from "vitest";
import { Code, ConnectError } from "@connectrpc/connect";
import { codeName, describeError, formatWait, retryAfter } from "./errors";

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
    const err = new ConnectError("rate limit exceeded", Code.ResourceExhausted, new Headers({ "Retry-After": "6", "RateLimit-Limit": "10", "RateLimit-Remaining": "0" }));
    const m = describeError(err, now);
    expect(m.code).toBe("resource_exhausted");
    expect(m.retryAfterSeconds).toBe(6);
    expect(m.title).toMatch(/rate limit/i);
    expect(m.detail).toBe("Try again in 6 seconds. Your plan allows 10 requests a minute.");
  });
  it("keeps the server's words for resource_exhausted without a retry time", () => {
    const m = describeError(new ConnectError("request body is 9 bytes, over the 4-byte limit", Code.ResourceExhausted), now);
    expect(m.retryAfterSeconds).toBeUndefined();
    expect(m.detail).toBe("Request body is 9 bytes, over the 4-byte limit");
  });
  it("tells wrong credentials from an ended session", () => {
    expect(describeError(new ConnectError("invalid email or password", Code.Unauthenticated)).title).toBe("Wrong email or password.");
    const m = describeError(new ConnectError("token expired", Code.Unauthenticated));
    expect(m.title).toBe("You're signed out.");
    expect(m.detail).toMatch(/log in again/i);
  });
  it("shows validation messages", () => {
    const m = describeError(new ConnectError("validation errors:\n - password: must be at least 12 characters", Code.InvalidArgument));
    expect(m.title).toBe("Some input needs fixing.");
    expect(m.detail).toContain("password: must be at least 12 characters");
  });
  it("hides internals but quotes the request id", () => {
    const m = describeError(new ConnectError("pq: connection refused", Code.Internal, new Headers({ "X-Request-Id": "req-123" })));
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
