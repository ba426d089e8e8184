import { describe, expect, it } from "vitest";
import { DeploymentStatus as S } from "./gen/slipway/v1/deployments_pb";
import { cancellable, stageIndex, stageStates, stages, statuses, statusLabel, statusName, terminal } from "./status";

describe("stages", () => {
  it("puts approval between compile and sign, whatever the enum numbers", () => {
    expect(stages.map((st) => st.label)).toEqual([
      "Queued",
      "Generate",
      "Audit",
      "Compile",
      "Approval",
      "Sign",
      "Confirm",
      "Confirmed",
    ]);
    expect(S.AWAITING_APPROVAL).toBeGreaterThan(S.DEPLOYING);
    expect(stageIndex(S.AWAITING_APPROVAL)).toBe(stageIndex(S.COMPILING) + 1);
    expect(stageIndex(S.AWAITING_APPROVAL)).toBeLessThan(stageIndex(S.DEPLOYING));
    expect(stageIndex(S.FAILED)).toBe(-1);
  });
  it("lists every status once, in pipeline order", () => {
    expect(statuses).toEqual([
      S.PENDING,
      S.GENERATING,
      S.LINTING,
      S.COMPILING,
      S.AWAITING_APPROVAL,
      S.DEPLOYING,
      S.CONFIRMING,
      S.CONFIRMED,
      S.PARTIALLY_CONFIRMED,
      S.FAILED,
      S.CANCELLED,
    ]);
    expect(stageIndex(S.PARTIALLY_CONFIRMED)).toBe(-1);
  });
});

describe("stageStates", () => {
  // want: each stage's state, in the order of stages (Queued … Confirmed).
  it.each<[string, S, S, boolean, string]>([
    [
      "marks stages before the current one done",
      S.COMPILING,
      S.COMPILING,
      false,
      "done done done current todo todo todo todo",
    ],
    [
      "marks every stage done once confirmed after approval",
      S.CONFIRMED,
      S.CONFIRMING,
      true,
      "done done done done done done done done",
    ],
    ["marks the stage a failure happened in", S.FAILED, S.LINTING, false, "done done failed todo todo todo todo todo"],
    [
      "shows a deployment waiting for approval at the approval stage",
      S.AWAITING_APPROVAL,
      S.AWAITING_APPROVAL,
      true,
      "done done done done current todo todo todo",
    ],
    [
      "orders by stage, not enum number: signing after approval leaves approval done",
      S.DEPLOYING,
      S.DEPLOYING,
      true,
      "done done done done done current todo todo",
    ],
    [
      "marks approval failed for a rejection or expiry",
      S.FAILED,
      S.AWAITING_APPROVAL,
      true,
      "done done done done failed todo todo todo",
    ],
    [
      "marks approval failed when cancelled while waiting",
      S.CANCELLED,
      S.AWAITING_APPROVAL,
      true,
      "done done done done failed todo todo todo",
    ],
    [
      "skips approval on a network without approvals once past it",
      S.DEPLOYING,
      S.DEPLOYING,
      false,
      "done done done done skipped current todo todo",
    ],
    [
      "skips approval without approvals, to the end",
      S.CONFIRMED,
      S.CONFIRMING,
      false,
      "done done done done skipped done done done",
    ],
    [
      "skips approval without approvals, and a later failure",
      S.FAILED,
      S.CONFIRMING,
      false,
      "done done done done skipped done failed todo",
    ],
    [
      "draws a multi-network deployment confirmed on some networks: all done but the last, partial",
      S.PARTIALLY_CONFIRMED,
      S.CONFIRMING,
      true,
      "done done done done done done done partial",
    ],
    [
      "draws a partial confirmation without approvals with approval skipped",
      S.PARTIALLY_CONFIRMED,
      S.CONFIRMING,
      false,
      "done done done done skipped done done partial",
    ],
    [
      "draws nothing reached before the first status is known",
      S.UNSPECIFIED,
      S.UNSPECIFIED,
      false,
      "todo todo todo todo todo todo todo todo",
    ],
  ])("%s", (_name, status, reached, approvals, want) => {
    expect(stageStates(status, reached, approvals)).toEqual(want.split(" "));
  });
  it("leaves approval to come while compiling, whether or not the network needs it", () => {
    expect(stageStates(S.COMPILING, S.COMPILING, false)[4]).toBe("todo");
    expect(stageStates(S.COMPILING, S.COMPILING, true)[4]).toBe("todo");
  });
});

describe("status helpers", () => {
  it("labels and classifies statuses", () => {
    expect(statusLabel(S.CONFIRMING)).toBe("Confirming");
    expect(statusLabel(S.AWAITING_APPROVAL)).toBe("Awaiting approval");
    expect(terminal(S.CANCELLED)).toBe(true);
    expect(terminal(S.DEPLOYING)).toBe(false);
    expect(terminal(S.AWAITING_APPROVAL)).toBe(false);
  });
  it("labels a partial confirmation and ends there", () => {
    expect(statusLabel(S.PARTIALLY_CONFIRMED)).toBe("Partially confirmed");
    expect(statusName(S.PARTIALLY_CONFIRMED)).toBe("PARTIALLY_CONFIRMED");
    expect(terminal(S.PARTIALLY_CONFIRMED)).toBe(true);
    expect(terminal(S.CONFIRMED)).toBe(true);
    expect(terminal(S.FAILED)).toBe(true);
    expect(cancellable(S.PARTIALLY_CONFIRMED)).toBe(false);
  });
  it("labels every status", () => {
    expect(statuses.map(statusLabel)).toEqual([
      "Pending",
      "Generating",
      "Linting",
      "Compiling",
      "Awaiting approval",
      "Deploying",
      "Confirming",
      "Confirmed",
      "Partially confirmed",
      "Failed",
      "Cancelled",
    ]);
    expect(statusLabel(S.UNSPECIFIED)).toBe("Unspecified");
  });
  it("cancels until signing begins, by stage order", () => {
    expect(cancellable(S.PENDING)).toBe(true);
    expect(cancellable(S.COMPILING)).toBe(true);
    expect(cancellable(S.AWAITING_APPROVAL)).toBe(true);
    expect(cancellable(S.DEPLOYING)).toBe(false);
    expect(cancellable(S.CONFIRMING)).toBe(false);
    expect(cancellable(S.FAILED)).toBe(false);
    expect(cancellable(S.UNSPECIFIED)).toBe(false);
  });
});
