/** The watchdog's edits change the fields they set and not one byte more. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ExitCode } from "../../src/errors.js";
import { applyDecisionEdit, SpecEditError } from "../../src/spec/edit.js";
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

describe("spec edits of keys the person left out", () => {
  const head = [
    "apiVersion: meshcanary.dev/v1alpha1",
    "kind: Rollout",
    "metadata: {name: r, namespace: ns}",
  ];
  const specStart = [
    ...head,
    "spec:",
    "  service: {host: svc}",
    "  route: {match: [{uri: {prefix: /}}]}",
  ];
  const subsets = [
    "  stable: {name: v1, labels: {version: v1}}",
    "  canary: {name: v2, labels: {version: v2}}",
  ];
  const advance = { canaryWeight: 10, status: { phase: "Progressing" as const } };
  const promote = {
    canaryWeight: 0,
    status: { phase: "Promoted" as const },
    promote: { name: "v2", labels: { version: "v2" } },
  };
  /** The edited text must also read back as a valid rollout with the new values. */
  const readBack = (text: string, index = 0) => {
    const parsed = parseRollouts("r.yaml", "r.yaml", text);
    expect(parsed.diagnostics).to.deep.equal([]);
    return parsed.rollouts.find((r) => r.rollout.source.documentIndex === index)?.rollout;
  };

  it("inserts canaryWeight into a block traffic, before comments after its last key and another document", () => {
    const text = [
      ...specStart,
      ...subsets,
      "  traffic:",
      "    steps: [5, 50] # the steps",
      "    # a note under traffic",
      "# the end",
      "---",
      "kind: ConfigMap # another document",
      "",
    ].join("\n");
    const edited = applyDecisionEdit(text, 0, advance);
    expect(edited).to.equal(
      [
        ...specStart,
        ...subsets,
        "  traffic:",
        "    steps: [5, 50] # the steps",
        "    canaryWeight: 10",
        "    # a note under traffic",
        "# the end",
        "status:",
        "  phase: Progressing",
        "---",
        "kind: ConfigMap # another document",
        "",
      ].join("\n"),
    );
    expect(readBack(edited)?.traffic.canaryWeight).to.equal(10);
  });

  it("creates the whole traffic mapping at the spec's indentation, in a file without a final line break", () => {
    const text = [
      ...head,
      "spec:",
      "    service: {host: svc}",
      "    route:",
      "        match: [{uri: {prefix: /}}]",
      "    stable: {name: v1, labels: {version: v1}}",
      "    canary: {name: v2, labels: {version: v2}}",
    ].join("\n");
    const edited = applyDecisionEdit(text, 0, advance);
    expect(edited).to.equal(
      `${text}\n${["    traffic:", "        canaryWeight: 10", "status:", "    phase: Progressing"].join("\n")}`,
    );
    expect(readBack(edited)?.traffic).to.deep.equal({
      canaryWeight: 10,
      steps: [5, 10, 25, 50, 100],
    });
    const promoted = applyDecisionEdit(text, 0, promote);
    expect(promoted).to.equal(
      [
        ...head,
        "spec:",
        "    service: {host: svc}",
        "    route:",
        "        match: [{uri: {prefix: /}}]",
        "    stable: { name: v2, labels: { version: v2 } }",
        "    traffic:",
        "        canaryWeight: 0",
        "status:",
        "    phase: Promoted",
      ].join("\n"),
    );
  });

  it("inserts into flow mappings, and into a document written in flow style", () => {
    const flowTraffic = [
      ...specStart,
      ...subsets,
      "  traffic: { steps: [5, 50] } # flow",
      "status: {}",
      "",
    ].join("\n");
    expect(applyDecisionEdit(flowTraffic, 0, advance)).to.equal(
      [
        ...specStart,
        ...subsets,
        "  traffic: { steps: [5, 50], canaryWeight: 10 } # flow",
        "status:",
        "  phase: Progressing",
        "",
      ].join("\n"),
    );
    const flowDoc =
      "# one line\n{apiVersion: meshcanary.dev/v1alpha1, kind: Rollout, metadata: {name: r, namespace: ns}, spec: {service: {host: svc}, route: {match: [{uri: {prefix: /}}]}, canary: {name: v2, labels: {version: v2}}, stable: {name: v1, labels: {version: v1}}}} # end\n";
    const edited = applyDecisionEdit(flowDoc, 0, promote);
    expect(edited).to.equal(
      "# one line\n{apiVersion: meshcanary.dev/v1alpha1, kind: Rollout, metadata: {name: r, namespace: ns}, spec: {service: {host: svc}, route: {match: [{uri: {prefix: /}}]}, stable: { name: v2, labels: { version: v2 } }, traffic: { canaryWeight: 0 }}, status: { phase: Promoted }} # end\n",
    );
    expect(readBack(edited)?.stable.name).to.equal("v2");
    expect(readBack(applyDecisionEdit(flowDoc, 0, advance))?.traffic.canaryWeight).to.equal(10);
  });

  it("keeps CRLF line breaks in every line it writes", () => {
    const text = `${[
      ...specStart,
      "  stable:",
      "    name: v1",
      "    labels: {version: v1}",
      "  canary: {name: v2, labels: {version: v2}}",
      "",
    ].join("\r\n")}---\r\nkind: ConfigMap\r\n`;
    for (const edit of [advance, promote]) {
      const edited = applyDecisionEdit(text, 0, edit);
      expect(edited.replace(/\r\n/g, "")).to.not.contain("\n");
      expect(edited.endsWith("---\r\nkind: ConfigMap\r\n")).to.equal(true);
      expect(readBack(edited)?.traffic.canaryWeight).to.equal(edit.canaryWeight);
    }
    expect(applyDecisionEdit(text, 0, promote)).to.contain(
      "  stable:\r\n    name: v2\r\n    labels:\r\n      version: v2\r\n",
    );
  });

  it("edits the chosen document of several, each missing its status and weight", () => {
    const doc = (name: string) =>
      [
        "apiVersion: meshcanary.dev/v1alpha1",
        "kind: Rollout",
        `metadata: {name: ${name}, namespace: ns}`,
        "spec:",
        `  service: {host: ${name}}`,
        "  route: {match: [{uri: {prefix: /}}]}",
        ...subsets,
        "",
      ].join("\n");
    const text = `${doc("a")}---\n${doc("b")}---\n${doc("c")}`;
    const edited = applyDecisionEdit(text, 1, advance);
    expect(edited).to.equal(
      `${doc("a")}---\n${doc("b")}  traffic:\n    canaryWeight: 10\nstatus:\n  phase: Progressing\n---\n${doc("c")}`,
    );
    expect(readBack(edited, 1)?.traffic.canaryWeight).to.equal(10);
  });

  const unsafe: [string, string, RegExp][] = [
    [
      "traffic as an alias",
      "x: &t {steps: [5]}\nspec:\n  traffic: *t\n  canary: {name: v2}\n",
      /^r\.yaml: document 1: spec\.traffic is an alias \(\*t\); edit it by hand$/,
    ],
    [
      "traffic shared through an anchor",
      "spec:\n  traffic: &t {steps: [5]}\n  canary: {name: v2}\n  copy: *t\n",
      /^r\.yaml: document 1: spec\.traffic is shared through its anchor \(&t\); edit it by hand$/,
    ],
    [
      "a document that is a list",
      "- spec: {}\n",
      /^r\.yaml: document 1: the document is not a mapping$/,
    ],
    ["a document that does not parse", "spec: [\n", /^r\.yaml: document 1 cannot be parsed$/],
  ];
  for (const [what, text, message] of unsafe) {
    it(`refuses ${what} with a SpecEditError`, () => {
      expect(() => applyDecisionEdit(text, 0, advance, "r.yaml"))
        .to.throw(SpecEditError, message)
        .with.property("exitCode", ExitCode.invalid);
    });
  }
});
