import { expect } from "chai";
import { formatPath, locate, parsePointer, parseYamlFile } from "../../src/rollout/yaml-source.js";

describe("YAML source positions", () => {
  const text =
    "# comment\na: 1\nspec:\n  traffic:\n    steps: [5, 10, 25]\n  labels:\n    app.kubernetes.io/version: v1\n---\nkind: Other\n";
  const parsed = parseYamlFile("f.yaml", text);

  it("reads every document of a file", () => {
    expect(parsed.documents.map((d) => d.index)).to.deep.equal([0, 1]);
    expect(parsed.diagnostics).to.deep.equal([]);
  });

  const cases: [(string | number)[], "key" | "value", { line: number; col: number }][] = [
    [["a"], "value", { line: 2, col: 4 }],
    [["a"], "key", { line: 2, col: 1 }],
    [["spec", "traffic", "steps", 2], "value", { line: 5, col: 20 }],
    [["spec", "labels", "app.kubernetes.io/version"], "key", { line: 7, col: 5 }],
    [["spec", "traffic", "missing"], "value", { line: 5, col: 5 }],
  ];
  for (const [path, at, pos] of cases) {
    it(`finds ${formatPath(path)} (${at}) at ${pos.line}:${pos.col}`, () => {
      expect(locate(parsed.documents[0] as never, path, at)).to.deep.equal(pos);
    });
  }

  it("counts lines across documents of one file", () => {
    expect(locate(parsed.documents[1] as never, ["kind"])).to.deep.equal({ line: 9, col: 7 });
  });

  it("reports syntax errors with their position", () => {
    const bad = parseYamlFile("bad.yaml", "a: 1\n b: 2\n");
    expect(bad.documents).to.deep.equal([]);
    expect(bad.diagnostics[0]).to.include({ file: "bad.yaml", line: 1, col: 4, path: "" });
    expect(bad.diagnostics[0]?.message).to.match(/^invalid YAML: /);
  });

  const paths: [(string | number)[], string][] = [
    [["spec", "traffic", "steps", 2], "spec.traffic.steps[2]"],
    [
      ["spec", "canary", "labels", "app.kubernetes.io/version"],
      'spec.canary.labels["app.kubernetes.io/version"]',
    ],
    [[], ""],
  ];
  for (const [segments, text] of paths) {
    it(`formats ${JSON.stringify(segments)} as ${text}`, () =>
      expect(formatPath(segments)).to.equal(text));
  }

  it("turns JSON pointers into segments, numbers only inside lists", () => {
    const data = { spec: { steps: [1, 2], labels: { "0": "x", "a/b": "y" } } };
    expect(parsePointer("/spec/steps/1", data)).to.deep.equal(["spec", "steps", 1]);
    expect(parsePointer("/spec/labels/0", data)).to.deep.equal(["spec", "labels", "0"]);
    expect(parsePointer("/spec/labels/a~1b", data)).to.deep.equal(["spec", "labels", "a/b"]);
  });
});
