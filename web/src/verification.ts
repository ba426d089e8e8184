// A confirmed deployment's source verification as people read it: the verify
// stage re-derives the contract's bytecode from the compiled sources and
// compares it with the code at its address (a full match, or a partial one
// when only the metadata hash differs). The deployment stays CONFIRMED
// whatever it finds. The DOM for it is verification-view.ts.
import { equals } from "@bufbuild/protobuf";
import { VerificationSchema, type Verification } from "./gen/slipway/v1/deployments_pb";

/**
 * verificationLabel words a verification's status, and for a VERIFIED one
 * its match: "Verified — full match", "Verified — partial match (metadata
 * differs)". A service's status has no match: plain "Verified".
 */
export function verificationLabel(status: string, match = ""): string {
  switch (status) {
    case "PENDING":
      return "Pending";
    case "VERIFIED":
      if (match === "full") return "Verified — full match";
      if (match === "partial") return "Verified — partial match (metadata differs)";
      return "Verified";
    case "FAILED":
      return "Failed";
    case "SKIPPED":
      return "Skipped";
    default:
      return status ? status.charAt(0) + status.slice(1).toLowerCase() : "Unknown";
  }
}

/** verificationClass is a status's badge colour, as the deployment statuses use them. */
export function verificationClass(status: string): string {
  switch (status) {
    case "PENDING":
      return "st-pending";
    case "VERIFIED":
      return "sev-ok";
    case "FAILED":
      return "st-failed";
    case "SKIPPED":
      return "st-cancelled";
    default:
      return "";
  }
}

/** sameVerification: a and b would be drawn the same (both unset, or equal field by field). */
export function sameVerification(a: Verification | undefined, b: Verification | undefined): boolean {
  if (a === b) return true;
  if (!a || !b) return false;
  return equals(VerificationSchema, a, b);
}

/**
 * linkUrl is a service's url when it is safe to link to (http or https);
 * "" for anything else, which is then shown as text or not at all.
 */
export function linkUrl(url: string): string {
  if (!url) return "";
  try {
    const u = new URL(url);
    return u.protocol === "https:" || u.protocol === "http:" ? u.href : "";
  } catch {
    return "";
  }
}

/**
 * verificationGraceMs is how long after confirmation a deployment with no
 * verification yet is still expected to get one: the verify stage records
 * PENDING first thing. Deployments whose run predates the verify stage
 * never get one.
 */
export const verificationGraceMs = 2 * 60_000;

/**
 * verificationUnderWay says whether a confirmed deployment's verification
 * may still change, so that the page keeps following it: it is PENDING, or
 * none is recorded yet this soon after confirmedAtMs.
 */
export function verificationUnderWay(
  v: Pick<Verification, "status"> | undefined,
  confirmedAtMs: number | undefined,
  now: number = Date.now(),
): boolean {
  if (v) return v.status === "PENDING";
  return confirmedAtMs !== undefined && now - confirmedAtMs < verificationGraceMs;
}
