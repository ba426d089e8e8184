import { describe, expect, it } from "vitest";
import { DeploymentStatus as S } from "./gen/slipway/v1/deployments_pb";
import { cancellable, stageIndex, stageStates, stages, statuses, statusLabel, terminal } from "./status";

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
      S.FAILED,
      S.CANCELLED,
    ]);
  });
});

describe("stageStates", () => {
  it("marks stages before the current one done", () => {
    expect(stageStates(S.COMPILING, S.COMPILING, false)).toEqual([
      "done",
      "done",
      "done",
      "current",
      "todo",
      "todo",
      "todo",
      "todo",
    ]);
  });
  it("marks every stage done once confirmed after approval", () => {
    expect(stageStates(S.CONFIRMED, S.CONFIRMING, true)).toEqual(Array(8).fill("done"));
  });
  it("marks the stage a failure happened in", () => {
    expect(stageStates(S.FAILED, S.LINTING, false)).toEqual([
      "done",
      "done",
      "failed",
      "todo",
      "todo",
      "todo",
      "todo",
      "todo",
    ]);
  });
  it("shows a deployment waiting for approval at the approval stage", () => {
    expect(stageStates(S.AWAITING_APPROVAL, S.AWAITING_APPROVAL, true)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "current",
      "todo",
      "todo",
      "todo",
    ]);
  });
  it("orders by stage, not enum number: signing after approval leaves approval done", () => {
    expect(stageStates(S.DEPLOYING, S.DEPLOYING, true)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "done",
      "current",
      "todo",
      "todo",
    ]);
  });
  it("marks approval failed for a rejection or expiry, and cancelled while waiting likewise", () => {
    const want = ["done", "done", "done", "done", "failed", "todo", "todo", "todo"];
    expect(stageStates(S.FAILED, S.AWAITING_APPROVAL, true)).toEqual(want);
    expect(stageStates(S.CANCELLED, S.AWAITING_APPROVAL, true)).toEqual(want);
  });
  it("leaves approval to come while compiling, whether or not the network needs it", () => {
    expect(stageStates(S.COMPILING, S.COMPILING, false)[4]).toBe("todo");
    expect(stageStates(S.COMPILING, S.COMPILING, true)[4]).toBe("todo");
  });
  it("skips approval on a network without approvals once past it", () => {
    expect(stageStates(S.DEPLOYING, S.DEPLOYING, false)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "skipped",
      "current",
      "todo",
      "todo",
    ]);
    expect(stageStates(S.CONFIRMED, S.CONFIRMING, false)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "skipped",
      "done",
      "done",
      "done",
    ]);
    expect(stageStates(S.FAILED, S.CONFIRMING, false)).toEqual([
      "done",
      "done",
      "done",
      "done",
      "skipped",
      "done",
      "failed",
      "todo",
    ]);
  });
  it("draws nothing reached before the first status is known", () => {
    expect(stageStates(S.UNSPECIFIED, S.UNSPECIFIED, false)).toEqual(Array(8).fill("todo"));
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
