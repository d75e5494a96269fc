/** `meshcanary pause` / `resume` set and remove `spec.paused`, and not one byte more. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { ExitCode } from "../../src/errors.js";
import { SpecEditError, setPausedEdit } from "../../src/rollout/edit.js";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import { REPO_ROOT } from "../support/paths.js";

const EXAMPLE = readFileSync(join(REPO_ROOT, "examples", "recommend.yaml"), "utf8");
const HEAD =
  "apiVersion: meshcanary.dev/v1alpha1\nkind: Rollout\nmetadata: {name: r, namespace: ns}\n";
const BLOCK = `${HEAD}spec:\n  service: {host: svc} # the service\n  route: {match: [{uri: {prefix: /}}]}\n  stable: {name: v1, labels: {version: v1}}\n  canary: {name: v2, labels: {version: v2}}\n  traffic: {canaryWeight: 5}\n# after spec\nstatus: {phase: Progressing}\n`;
const FLOW = `${HEAD}spec: {service: {host: svc}, route: {match: [{uri: {prefix: /}}]}, stable: {name: v1, labels: {version: v1}}, canary: {name: v2, labels: {version: v2}}}\n`;

function pausedOf(text: string, index = 0): boolean | undefined {
  const parsed = parseRollouts("r.yaml", "r.yaml", text);
  expect(parsed.diagnostics).to.deep.equal([]);
  return parsed.rollouts.find((r) => r.rollout.source.documentIndex === index)?.rollout.paused;
}

interface Row {
  readonly name: string;
  readonly before: string;
  readonly paused: boolean;
  readonly after: string;
  readonly index?: number;
}

const ROWS: Row[] = [
  {
    name: "pause adds paused: true at the end of a block spec, before a comment and status",
    before: BLOCK,
    paused: true,
    after: BLOCK.replace(
      "  traffic: {canaryWeight: 5}\n",
      "  traffic: {canaryWeight: 5}\n  paused: true\n",
    ),
  },
  {
    name: "pause adds it after a nested block mapping at the spec's indentation (the example)",
    before: EXAMPLE,
    paused: true,
    after: `${EXAMPLE}  paused: true\n`,
  },
  {
    name: "pause replaces paused: false, keeping its comment",
    before: BLOCK.replace("  traffic:", "  paused: false # held by the team\n  traffic:"),
    paused: true,
    after: BLOCK.replace("  traffic:", "  paused: true # held by the team\n  traffic:"),
  },
  {
    name: "resume removes the paused line and nothing else",
    before: BLOCK.replace("  traffic:", "  paused: true # held by the team\n  traffic:"),
    paused: false,
    after: BLOCK,
  },
  {
    name: "resume removes paused: false too (false is the default, not written)",
    before: BLOCK.replace("  traffic:", "  paused: false\n  traffic:"),
    paused: false,
    after: BLOCK,
  },
  {
    name: "pause inserts into a flow spec",
    before: FLOW,
    paused: true,
    after: FLOW.replace("}}}\n", "}}, paused: true}\n"),
  },
  {
    name: "resume removes from the middle of a flow spec with its comma",
    before: FLOW.replace("spec: {", "spec: {paused: true, "),
    paused: false,
    after: FLOW,
  },
  {
    name: "resume removes the last pair of a flow spec with the comma before it",
    before: FLOW.replace("}}}\n", "}}, paused: true}\n"),
    paused: false,
    after: FLOW,
  },
  {
    name: "pause keeps CRLF line breaks",
    before: BLOCK.replaceAll("\n", "\r\n"),
    paused: true,
    after: BLOCK.replace(
      "  traffic: {canaryWeight: 5}\n",
      "  traffic: {canaryWeight: 5}\n  paused: true\n",
    ).replaceAll("\n", "\r\n"),
  },
  {
    name: "resume keeps CRLF line breaks",
    before: BLOCK.replace("  traffic:", "  paused: true\n  traffic:").replaceAll("\n", "\r\n"),
    paused: false,
    after: BLOCK.replaceAll("\n", "\r\n"),
  },
  {
    name: "pause in a file without a final line break",
    before: BLOCK.replace("# after spec\nstatus: {phase: Progressing}\n", "").trimEnd(),
    paused: true,
    after: `${BLOCK.replace("# after spec\nstatus: {phase: Progressing}\n", "").trimEnd()}\n  paused: true`,
  },
  {
    name: "pause edits only the chosen document of several",
    before: `${FLOW}---\n${BLOCK}`,
    index: 1,
    paused: true,
    after: `${FLOW}---\n${BLOCK.replace("  traffic: {canaryWeight: 5}\n", "  traffic: {canaryWeight: 5}\n  paused: true\n")}`,
  },
];

describe("pause and resume edits (spec.paused)", () => {
  for (const row of ROWS) {
    it(row.name, () => {
      const index = row.index ?? 0;
      const edited = setPausedEdit(row.before, index, row.paused, "r.yaml");
      expect(edited).to.equal(row.after);
      expect(pausedOf(edited, index)).to.equal(row.paused);
    });
  }

  it("pause then resume gives back the file byte for byte", () => {
    for (const text of [EXAMPLE, BLOCK, FLOW, BLOCK.replaceAll("\n", "\r\n")]) {
      expect(setPausedEdit(setPausedEdit(text, 0, true), 0, false)).to.equal(text);
    }
  });

  const unsafe: [string, string, boolean, RegExp][] = [
    ["resume without a paused key", BLOCK, false, /^r\.yaml: document 1: spec\.paused is missing$/],
    [
      "a spec shared through an anchor",
      `${HEAD}spec: &s {service: {host: svc}}\nother: *s\n`,
      true,
      /^r\.yaml: document 1: spec is shared through its anchor \(&s\); edit it by hand$/,
    ],
  ];
  for (const [what, text, paused, message] of unsafe) {
    it(`refuses ${what} with a SpecEditError`, () => {
      expect(() => setPausedEdit(text, 0, paused, "r.yaml"))
        .to.throw(SpecEditError, message)
        .with.property("exitCode", ExitCode.invalid);
    });
  }
});
