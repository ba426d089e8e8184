import { describe, expect, it } from "vitest";
import { DeploymentStatus as S } from "./gen/slipway/v1/deployments_pb";
import { cancellable, stageStates, statusLabel, terminal } from "./status";

describe("stageStates", () => {
  it("marks stages before the current one done", () => {
    expect(stageStates(S.COMPILING, S.COMPILING)).toEqual(["done", "done", "done", "current", "todo", "todo", "todo"]);
  });
  it("marks every stage done once confirmed", () => {
    expect(stageStates(S.CONFIRMED, S.CONFIRMING)).toEqual(Array(7).fill("done"));
  });
  it("marks the stage a failure happened in", () => {
    expect(stageStates(S.FAILED, S.LINTING)).toEqual(["done", "done", "failed", "todo", "todo", "todo", "todo"]);
  });
});

describe("status helpers", () => {
  it("labels and classifies statuses", () => {
    expect(statusLabel(S.CONFIRMING)).toBe("Confirming");
    expect(terminal(S.CANCELLED)).toBe(true);
    expect(terminal(S.DEPLOYING)).toBe(false);
    expect(cancellable(S.COMPILING)).toBe(true);
    expect(cancellable(S.DEPLOYING)).toBe(false);
  });
});
