import { mkdirSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import {
  ExitCode,
  formatDiagnostic,
  InvalidSpecError,
  MeshcanaryError,
  UsageError,
} from "../../src/errors.js";
import { loadValidRollouts } from "../../src/project.js";
import { loadRollouts, MAX_SPEC_BYTES } from "../../src/rollout/load.js";
import { tempDir, writeFiles } from "../support/files.js";
import { makeSpec, specYaml } from "../support/make-spec.js";

/** A rollout whose latency SLA is on a bucket edge, so loading it adds no note. */
const other = (name: string, host: string) =>
  makeSpec({
    metadata: { name },
    spec: { service: { host }, analysis: { sla: { latency: { maxMs: 250 } } } },
  });

describe("loading specs", () => {
  const root = tempDir();
  let n = 0;
  const repo = (files: Record<string, string>) => {
    const dir = join(root, `repo-${n++}`);
    mkdirSync(join(dir, ".git"), { recursive: true });
    writeFiles(dir, files);
    return dir;
  };

  it("walks directories recursively in a stable order, reading .yaml and .yml", () => {
    const dir = repo({
      "rollouts/b.yml": specYaml(other("b", "b-svc")),
      "rollouts/team/a.yaml": specYaml(other("a", "a-svc")),
      "rollouts/notes.txt": "not yaml",
      "rollouts/.hidden/c.yaml": specYaml(other("c", "c-svc")),
    });
    const result = loadRollouts(["rollouts"], { cwd: dir });
    expect(result.diagnostics).to.deep.equal([]);
    expect(result.rollouts.map((r) => r.rollout.source.relativePath)).to.deep.equal([
      "rollouts/b.yml",
      "rollouts/team/a.yaml",
    ]);
  });

  it("skips documents of other kinds with a note, and reads every document of a file", () => {
    const deployment = { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "x" } };
    const argo = { apiVersion: "argoproj.io/v1alpha1", kind: "Rollout", metadata: { name: "y" } };
    const dir = repo({
      "r.yaml": specYaml(deployment, other("a", "a-svc"), argo, other("b", "b-svc")),
    });
    const result = loadRollouts(["r.yaml"], { cwd: dir });
    expect(result.rollouts.map((r) => r.rollout.name)).to.deep.equal(["a", "b"]);
    const argoLine = specYaml(deployment, other("a", "a-svc")).split("\n").length + 1;
    const skipped = [
      "r.yaml:1:1: skipped document 1: another API group's document (apiVersion: apps/v1, kind: Deployment)",
      `r.yaml:${argoLine}:1: skipped document 3: another API group's document (apiVersion: argoproj.io/v1alpha1, kind: Rollout)`,
    ];
    expect(result.notes).to.deep.equal(skipped);
    expect(result.skipped).to.deep.equal(skipped);
  });

  it("with no rollout, fails naming everything it passed over and where", () => {
    const dir = repo({
      "specs/a-values.yaml": "# chart values\nreplicas: 3\n",
      "specs/b.yaml": [
        "apiVersion: v1",
        "kind: ConfigMap",
        "---",
        "kind: Deployment",
        "---",
        "- a list",
        "---",
        "",
      ].join("\n"),
      "specs/c-argo.yaml": "\n\napiVersion: argoproj.io/v1alpha1\nkind: Rollout\n",
      "specs/d-empty.yaml": "# nothing here\n",
    });
    symlinkSync(join(dir, "specs", "b.yaml"), join(dir, "specs", "link.yaml"));
    let error: unknown;
    try {
      loadValidRollouts(["specs"], dir);
    } catch (e) {
      error = e;
    }
    expect(error).to.be.instanceOf(MeshcanaryError);
    expect((error as MeshcanaryError).exitCode).to.equal(ExitCode.invalid);
    expect((error as Error).message).to.equal(
      [
        "no meshcanary.dev/v1alpha1 Rollout documents in specs; passed over:",
        `  ${join(dir, "specs", "link.yaml")}: skipped symbolic link`,
        "  specs/a-values.yaml:2:1: skipped document 1: no apiVersion and no kind (not a Kubernetes object)",
        "  specs/b.yaml:1:1: skipped document 1: another API group's document (apiVersion: v1, kind: ConfigMap)",
        "  specs/b.yaml:4:1: skipped document 2: not a meshcanary.dev document (no apiVersion, kind: Deployment)",
        "  specs/b.yaml:6:1: skipped document 3: a list, not a Kubernetes object",
        "  specs/c-argo.yaml:3:1: skipped document 1: another API group's document (apiVersion: argoproj.io/v1alpha1, kind: Rollout)",
      ].join("\n"),
    );
    const empty = repo({ "specs/empty.yaml": "# nothing\n---\n" });
    expect(() => loadValidRollouts(["specs"], empty)).to.throw(
      MeshcanaryError,
      /^no meshcanary.dev\/v1alpha1 Rollout documents in specs: no YAML documents found$/,
    );
  });

  it("refuses a look-alike beside a valid rollout instead of skipping it", () => {
    const lookAlike = { kind: "Rollout", metadata: { name: "b", namespace: "recs" } };
    const dir = repo({ "r.yaml": specYaml(other("a", "a-svc"), lookAlike) });
    const result = loadRollouts(["r.yaml"], { cwd: dir });
    const line = specYaml(other("a", "a-svc")).split("\n").length + 1;
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal([
      `r.yaml:${line}:1: apiVersion: is required (did you mean apiVersion: meshcanary.dev/v1alpha1?)`,
      `r.yaml:${line}:1: spec: is required`,
    ]);
    expect(result.notes).to.deep.equal([]);
    expect(() => loadValidRollouts(["r.yaml"], dir)).to.throw(InvalidSpecError);
  });

  it("refuses rollouts written inside a list, and only inside a list", () => {
    const dir = repo({
      "seq.yaml": specYaml(other("a", "a-svc")).replace(/^/gm, "  ").replace(/^ {2}/, "- "),
      "values.yaml": "items:\n  - kind: Rollout\n",
    });
    const result = loadRollouts(["seq.yaml", "values.yaml"], { cwd: dir });
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal([
      "seq.yaml:1:3: [0]: a rollout inside a list is not read; write each rollout as its own YAML document, separated by ---",
    ]);
    expect(result.skipped).to.deep.equal([
      "values.yaml:1:1: skipped document 1: no apiVersion and no kind (not a Kubernetes object)",
    ]);
  });

  it("names both files when two rollouts claim the same host", () => {
    const dir = repo({
      "rollouts/a.yaml": specYaml(other("a", "recommender")),
      "rollouts/b.yaml": specYaml(
        makeSpec({
          metadata: { name: "b" },
          spec: { service: { host: "x" }, hosts: ["recommender.recs.svc.cluster.local"] },
        }),
      ),
    });
    const result = loadRollouts(["rollouts"], { cwd: dir });
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal([
      "rollouts/b.yaml:32:7: spec.hosts[0]: host recommender.recs.svc.cluster.local is already routed by rollout recs/a (rollouts/a.yaml:8:11); two VirtualServices for one host make routing undefined (Istio IST0109)",
    ]);
  });

  it("compares hosts as FQDNs within each rollout's namespace", () => {
    const dir = repo({
      "a.yaml": specYaml(other("a", "recommender")),
      "b.yaml": specYaml(makeSpec({ metadata: { name: "a", namespace: "other" } })),
    });
    expect(loadRollouts(["."], { cwd: dir }).diagnostics).to.deep.equal([]);
  });

  it("refuses files over the size limit without reading them as YAML", () => {
    const dir = repo({ "big.yaml": `# ${"x".repeat(MAX_SPEC_BYTES)}\n` });
    const result = loadRollouts(["big.yaml"], { cwd: dir });
    expect(result.diagnostics.map(formatDiagnostic)).to.deep.equal([
      `big.yaml:1:1: file is ${MAX_SPEC_BYTES + 3} bytes; rollout specs may be at most ${MAX_SPEC_BYTES} bytes`,
    ]);
  });

  it("warns, with its position, of a latency SLA inside one of Istio's buckets", () => {
    const dir = repo({ "r.yaml": specYaml(makeSpec(), other("b", "b-svc")) });
    const result = loadRollouts(["r.yaml"], { cwd: dir });
    expect(result.diagnostics).to.deep.equal([]);
    expect(result.rollouts).to.have.length(2);
    const lines = specYaml(makeSpec()).split("\n");
    const line = lines.findIndex((l) => l.includes("maxMs: 150")) + 1;
    expect(result.notes).to.deep.equal([
      `r.yaml:${line}:${(lines[line - 1]?.indexOf("150") ?? 0) + 1}: spec.analysis.sla.latency.maxMs: warning: 150 ms lies inside Istio's latency bucket (100, 250] ms; the statistical judge interpolates inside the bucket (as histogram_quantile does), so verdicts near 150 ms rest on that assumption. A bucket edge (100 or 250 ms) is judged exactly.`,
    ]);
    // The threshold judge compares histogram_quantile's figure as it is: nothing to warn of.
    const thresholdDoc = makeSpec({
      spec: { analysis: { judge: "threshold", sla: { latency: { maxMs: 150 } } } },
    });
    const threshold = repo({ "t.yaml": specYaml(thresholdDoc) });
    expect(loadRollouts(["t.yaml"], { cwd: threshold }).notes).to.deep.equal([]);
  });

  it("notes an inert shadow (promoted or rolled back), never refuses it", () => {
    const shadow = { canaryWeight: 0, shadow: { deadline: "10m" } };
    const judge = { judge: "threshold", sla: { latency: { maxMs: 150 } } };
    const promoted = makeSpec({
      spec: { canary: undefined, traffic: shadow, analysis: judge },
      status: { phase: "Promoted" },
    });
    const rolledBack = makeSpec({
      metadata: { name: "b" },
      spec: { service: { host: "b-svc" }, traffic: shadow, analysis: judge },
      status: { phase: "RolledBack" },
    });
    const running = makeSpec({
      metadata: { name: "c" },
      spec: { service: { host: "c-svc" }, traffic: shadow, analysis: judge },
    });
    const text = specYaml(promoted, rolledBack, running);
    const result = loadRollouts(["r.yaml"], { cwd: repo({ "r.yaml": text }) });
    expect(result.diagnostics).to.deep.equal([]);
    expect(result.rollouts).to.have.length(3);
    const lines = text.split("\n");
    const at = (n: number) => {
      // The position of a mapping is its first key, on the line after `shadow:`.
      const line = lines.findIndex((l, i) => l === "    shadow:" && i > n) + 2;
      return `r.yaml:${line}:7: spec.traffic.shadow: note: inert: `;
    };
    const second = lines.indexOf("  name: b");
    expect(result.notes).to.deep.equal([
      `${at(0)}there is no spec.canary (promoted or not started), so nothing is mirrored`,
      `${at(second)}status.phase is RolledBack, so nothing is mirrored; remove status to run the shadow again`,
    ]);
  });

  it("passes over symbolic links inside a directory, with a note", () => {
    const outside = join(root, "outside.yaml");
    writeFileSync(outside, specYaml(other("z", "z-svc")));
    const dir = repo({ "rollouts/a.yaml": specYaml(other("a", "a-svc")) });
    symlinkSync(outside, join(dir, "rollouts", "link.yaml"));
    const result = loadRollouts(["rollouts"], { cwd: dir });
    expect(result.rollouts.map((r) => r.rollout.name)).to.deep.equal(["a"]);
    expect(result.notes).to.deep.equal([
      `${join(dir, "rollouts", "link.yaml")}: skipped symbolic link`,
    ]);
  });

  it("annotates paths relative to the repo root, wherever it is run from", () => {
    const dir = repo({ "rollouts/a.yaml": specYaml(other("a", "a-svc")) });
    const fromRoot = loadRollouts(["rollouts"], { cwd: dir });
    const fromInside = loadRollouts(["."], { cwd: join(dir, "rollouts") });
    const fromOutside = loadRollouts([join(dir, "rollouts", "a.yaml")], { cwd: root });
    for (const r of [fromRoot, fromInside, fromOutside]) {
      expect(r.rollouts[0]?.rollout.source.relativePath).to.equal("rollouts/a.yaml");
    }
  });

  it("says which path does not exist", () => {
    expect(() => loadRollouts(["nope/"], { cwd: root })).to.throw(
      UsageError,
      "nope/: no such file or directory",
    );
  });
});
