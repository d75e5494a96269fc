/** `meshcanary status`'s view of one rollout: the phase Shadow with its share and deadline. */
import { expect } from "chai";
import { statusView } from "../../src/cli/status-command.js";
import type { RolloutOutcome } from "../../src/engine/evaluate.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

const DEADLINE = Date.UTC(2026, 10, 30, 10, 10, 0);

function hold(extra: Partial<RolloutOutcome> = {}): RolloutOutcome {
  const reason = "shadow: no check whose window starts after the step started";
  return {
    rollout: "recs/recommend",
    weight: 0,
    decision: { action: "hold", reason },
    reason,
    checks: [],
    ...extra,
  };
}

describe("status view", () => {
  const shadow = makeRollout(
    makeSpec({ spec: { traffic: { canaryWeight: 0, shadow: { percent: 25, deadline: "10m" } } } }),
  );

  it("shows a shadow's phase, share and deadline", () => {
    const view = statusView(shadow, hold({ shadowDeadlineMs: DEADLINE }));
    expect(view).to.deep.include({ phase: "Shadow", active: true, weight: 0, step: 0 });
    expect(view.shadow).to.deep.equal({ percent: 25, deadline: "2026-11-30T10:10:00.000Z" });
  });

  it("leaves the deadline out when the shadow's start is unknown", () => {
    expect(statusView(shadow, hold()).shadow).to.deep.equal({ percent: 25 });
  });

  it("shows no shadow once the canary serves users", () => {
    const weighted = makeRollout(
      makeSpec({ spec: { traffic: { canaryWeight: 5, shadow: { deadline: "10m" } } } }),
    );
    const view = statusView(weighted, hold({ weight: 5 }));
    expect(view.phase).to.equal("Progressing");
    expect(view).to.not.have.property("shadow");
  });
});
