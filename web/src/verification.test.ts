import { describe, expect, it } from "vitest";
import { create } from "@bufbuild/protobuf";
import { timestampFromMs } from "@bufbuild/protobuf/wkt";
import { VerificationSchema } from "./gen/slipway/v1/deployments_pb";
import {
  linkUrl,
  sameVerification,
  verificationClass,
  verificationGraceMs,
  verificationLabel,
  verificationUnderWay,
} from "./verification";

describe("verificationLabel", () => {
  it("words each status", () => {
    expect(verificationLabel("PENDING", "")).toBe("Pending");
    expect(verificationLabel("FAILED", "")).toBe("Failed");
    expect(verificationLabel("SKIPPED", "")).toBe("Skipped");
  });
  it("says how a verified contract matched", () => {
    expect(verificationLabel("VERIFIED", "full")).toBe("Verified — full match");
    expect(verificationLabel("VERIFIED", "partial")).toBe("Verified — partial match (metadata differs)");
    // A service's status carries no match.
    expect(verificationLabel("VERIFIED", "")).toBe("Verified");
    expect(verificationLabel("VERIFIED")).toBe("Verified");
  });
  it("ignores a match on other statuses", () => {
    expect(verificationLabel("FAILED", "partial")).toBe("Failed");
  });
  it("words statuses it does not know, and none", () => {
    expect(verificationLabel("TIMED_OUT", "")).toBe("Timed_out");
    expect(verificationLabel("", "")).toBe("Unknown");
  });
});

describe("verificationClass", () => {
  it("colours statuses as the deployment statuses do", () => {
    expect(verificationClass("PENDING")).toBe("st-pending");
    expect(verificationClass("VERIFIED")).toBe("sev-ok");
    expect(verificationClass("FAILED")).toBe("st-failed");
    expect(verificationClass("SKIPPED")).toBe("st-cancelled");
    expect(verificationClass("OTHER")).toBe("");
  });
});

describe("sameVerification", () => {
  const v = (status: string, message = "m", ms = 1000) =>
    create(VerificationSchema, {
      status,
      match: status === "VERIFIED" ? "full" : "",
      message,
      services: [{ name: "local", status, message }],
      updatedAt: timestampFromMs(ms),
    });
  it("is true for equal reads, which are different objects", () => {
    expect(sameVerification(v("PENDING"), v("PENDING"))).toBe(true);
    expect(sameVerification(undefined, undefined)).toBe(true);
  });
  it("is false when anything differs", () => {
    expect(sameVerification(v("PENDING"), v("VERIFIED"))).toBe(false);
    expect(sameVerification(v("PENDING", "a"), v("PENDING", "b"))).toBe(false);
    expect(sameVerification(v("PENDING", "m", 1000), v("PENDING", "m", 2000))).toBe(false);
    expect(sameVerification(undefined, v("PENDING"))).toBe(false);
    expect(sameVerification(v("PENDING"), undefined)).toBe(false);
  });
  it("sees a service's change", () => {
    const a = v("VERIFIED");
    const b = v("VERIFIED");
    b.services[0].url = "https://example.org/address/0x1";
    expect(sameVerification(a, b)).toBe(false);
  });
});

describe("linkUrl", () => {
  it("links http and https", () => {
    expect(linkUrl("https://sourcify.dev/#/lookup/0xabc")).toBe("https://sourcify.dev/#/lookup/0xabc");
    expect(linkUrl("http://127.0.0.1:5555/x")).toBe("http://127.0.0.1:5555/x");
  });
  it("links nothing else", () => {
    expect(linkUrl("")).toBe("");
    expect(linkUrl("javascript:alert(1)")).toBe("");
    expect(linkUrl("data:text/html,hi")).toBe("");
    expect(linkUrl("/relative/path")).toBe("");
  });
});

describe("verificationUnderWay", () => {
  const now = Date.parse("2025-01-01T12:00:00Z");
  it("follows a pending verification, however old", () => {
    expect(verificationUnderWay({ status: "PENDING" }, now - 3600_000, now)).toBe(true);
    expect(verificationUnderWay({ status: "PENDING" }, undefined, now)).toBe(true);
  });
  it("stops once it has an outcome", () => {
    for (const status of ["VERIFIED", "FAILED", "SKIPPED"]) {
      expect(verificationUnderWay({ status }, now, now)).toBe(false);
    }
  });
  it("waits a while for a verification not yet recorded", () => {
    expect(verificationUnderWay(undefined, now - 5_000, now)).toBe(true);
    expect(verificationUnderWay(undefined, now - verificationGraceMs, now)).toBe(false);
    // Confirmed long ago by a run without the verify stage, or no confirmation seen.
    expect(verificationUnderWay(undefined, now - 86_400_000, now)).toBe(false);
    expect(verificationUnderWay(undefined, undefined, now)).toBe(false);
  });
});
