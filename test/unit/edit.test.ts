/** The watchdog's edits change the fields they set and not one byte more. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { applyDecisionEdit } from "../../src/spec/edit.js";
import { parseRollouts } from "../../src/spec/parse-rollouts.js";
import { REPO_ROOT } from "../support/paths.js";

const EXAMPLE = readFileSync(join(REPO_ROOT, "examples", "recommend.yaml"), "utf8");
const STATUS = {
  phase: "Progressing" as const,
  stepStartedAt: "2026-11-20T10:00:10Z",
  reason: "advance: healthy in 3 of 3 checks",
  lastDecision: {
    action: "advance" as const,
    at: "2026-11-20T10:00:10Z",
    values: { "p99 latency": 87, requests: 512 },
  },
};

/** Lines of `b` that are not in `a`, and the reverse. */
function lineDiff(a: string, b: string): { removed: string[]; added: string[] } {
  const la = a.split("\n");
  const lb = b.split("\n");
  return { removed: la.filter((l) => !lb.includes(l)), added: lb.filter((l) => !la.includes(l)) };
}

describe("spec edits", () => {
  it("changes only canaryWeight's value and appends status, keeping comments and layout", () => {
    const edited = applyDecisionEdit(EXAMPLE, 0, { canaryWeight: 10, status: STATUS });
    expect(edited.startsWith(EXAMPLE.slice(0, EXAMPLE.indexOf("canaryWeight: 5")))).to.equal(true);
    const { removed, added } = lineDiff(EXAMPLE, edited);
    expect(removed).to.deep.equal([
      "    canaryWeight: 5 # set by a person to start; the watchdog moves it from here",
    ]);
    expect(added).to.deep.equal([
      "    canaryWeight: 10 # set by a person to start; the watchdog moves it from here",
      "status:",
      "  phase: Progressing",
      '  stepStartedAt: "2026-11-20T10:00:10Z"',
      '  reason: "advance: healthy in 3 of 3 checks"',
      "  lastDecision:",
      "    action: advance",
      '    at: "2026-11-20T10:00:10Z"',
      "    values:",
      "      p99 latency: 87",
      "      requests: 512",
    ]);
    const parsed = parseRollouts("r.yaml", "r.yaml", edited);
    expect(parsed.diagnostics).to.deep.equal([]);
    expect(parsed.rollouts[0]?.rollout.status).to.deep.equal(STATUS);
  });

  it("quotes values every YAML reader would otherwise read differently (found by test:long)", () => {
    const status = {
      phase: "Progressing" as const,
      reason: "0o17",
      stepStartedAt: "2026-11-20T10:00:10Z",
    };
    const edited = applyDecisionEdit(EXAMPLE, 0, { canaryWeight: 10, status });
    expect(edited)
      .to.contain('  reason: "0o17"\n')
      .and.to.contain('  stepStartedAt: "2026-11-20T10:00:10Z"\n');
    expect(parseRollouts("r.yaml", "r.yaml", edited).rollouts[0]?.rollout.status).to.deep.equal(
      status,
    );
  });

  it("replaces an existing status instead of adding a second one", () => {
    const once = applyDecisionEdit(EXAMPLE, 0, { canaryWeight: 10, status: STATUS });
    const twice = applyDecisionEdit(once, 0, {
      canaryWeight: 0,
      status: { phase: "RolledBack", reason: "rollback" },
    });
    expect(twice.match(/^status:/gm)).to.have.length(1);
    expect(twice.endsWith("status:\n  phase: RolledBack\n  reason: rollback\n")).to.equal(true);
    expect(twice).to.contain("    canaryWeight: 0 # set by a person");
  });

  it("promotes: the canary's subset becomes stable and canary is removed, the rest untouched", () => {
    const edited = applyDecisionEdit(EXAMPLE, 0, {
      canaryWeight: 0,
      status: { phase: "Promoted" },
      promote: { name: "v2", labels: { version: "v2" } },
    });
    const { removed, added } = lineDiff(EXAMPLE, edited);
    expect(removed).to.deep.equal([
      "  stable: { name: v1, labels: { version: v1 } }",
      "  canary: { name: v2, labels: { version: v2 } }",
      "    canaryWeight: 5 # set by a person to start; the watchdog moves it from here",
    ]);
    expect(added).to.deep.equal([
      "  stable: { name: v2, labels: { version: v2 } }",
      "    canaryWeight: 0 # set by a person to start; the watchdog moves it from here",
      "status:",
      "  phase: Promoted",
    ]);
    const rollout = parseRollouts("r.yaml", "r.yaml", edited).rollouts[0]?.rollout;
    expect(rollout?.stable).to.deep.equal({ name: "v2", labels: { version: "v2" } });
    expect(rollout?.canary).to.equal(undefined);
    expect(rollout?.traffic.canaryWeight).to.equal(0);
  });

  it("edits block-style subsets with matching indentation, and only the chosen document of a file", () => {
    const other = "apiVersion: v1\nkind: ConfigMap # keep me\n";
    const block = [
      "apiVersion: meshcanary.dev/v1alpha1",
      "kind: Rollout",
      "metadata: {name: r, namespace: ns}",
      "spec:",
      "  service: {host: svc}",
      "  route: {match: [{uri: {prefix: /}}]}",
      "  stable:",
      "    name: v1 # old",
      "    labels:",
      "      version: v1",
      "",
      "  canary:",
      "    name: v2",
      "    labels:",
      "      version: v2",
      "  traffic:",
      "    canaryWeight: 50",
      "# the end",
      "",
    ].join("\n");
    const text = `${other}---\n${block}`;
    const edited = applyDecisionEdit(text, 1, {
      canaryWeight: 0,
      status: { phase: "Promoted" },
      promote: { name: "v2", labels: { version: "v2" } },
    });
    expect(edited).to.equal(
      `${other}---\n${[
        "apiVersion: meshcanary.dev/v1alpha1",
        "kind: Rollout",
        "metadata: {name: r, namespace: ns}",
        "spec:",
        "  service: {host: svc}",
        "  route: {match: [{uri: {prefix: /}}]}",
        "  stable:",
        "    name: v2",
        "    labels:",
        "      version: v2",
        "",
        "  traffic:",
        "    canaryWeight: 0",
        "status:",
        "  phase: Promoted",
        "# the end",
        "",
      ].join("\n")}`,
    );
  });
});
