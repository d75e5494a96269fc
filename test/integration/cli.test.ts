/** The `meshcanary` command as a user runs it: real processes, real files, exit codes. */
import { cpSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "../support/cli.js";
import { listFiles, tempDir, writeFiles } from "../support/files.js";
import { makeSpec, specYaml } from "../support/make-spec.js";
import { REPO_ROOT } from "../support/paths.js";

function snapshot(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((p) => [p, readFileSync(join(dir, p), "utf8")]));
}

describe("meshcanary CLI", () => {
  const root = tempDir();
  let n = 0;
  /** A GitOps repo with the bundled example as rollouts/recommend.yaml. */
  const repo = () => {
    const dir = join(root, `repo-${n++}`);
    mkdirSync(join(dir, ".git"), { recursive: true });
    mkdirSync(join(dir, "rollouts"));
    cpSync(join(REPO_ROOT, "examples", "recommend.yaml"), join(dir, "rollouts", "recommend.yaml"));
    return dir;
  };

  it("compiles the bundled example as the README says", () => {
    const dir = repo();
    const r = runCli(["compile", join(REPO_ROOT, "examples"), "--out", "build/manifests"], dir);
    expect(r.stderr).to.equal("");
    expect(r.code).to.equal(0);
    expect(r.stdout).to.equal("compiled 1 rollout into build/manifests: 4 written, 0 unchanged\n");
    expect(listFiles(join(dir, "build/manifests"))).to.deep.equal([
      "kustomization.yaml",
      "recs/recommend/destinationrule.yaml",
      "recs/recommend/kustomization.yaml",
      "recs/recommend/virtualservice.yaml",
    ]);
    const vs = readFileSync(
      join(dir, "build/manifests/recs/recommend/virtualservice.yaml"),
      "utf8",
    );
    expect(vs).to.contain("subset: v1\n          weight: 95\n");
    expect(vs).to.contain("subset: v2\n          weight: 5\n");
  });

  it("writes byte-identical output on every run and reports nothing written the second time", () => {
    const dir = repo();
    expect(runCli(["compile", "rollouts", "-o", "out"], dir).code).to.equal(0);
    const first = snapshot(join(dir, "out"));
    const again = runCli(["compile", "rollouts", "-o", "out"], dir);
    expect(again.stdout).to.equal("compiled 1 rollout into out: 0 written, 4 unchanged\n");
    expect(snapshot(join(dir, "out"))).to.deep.equal(first);
  });

  it("--check passes on fresh output and fails, listing files, once a spec changes", () => {
    const dir = repo();
    runCli(["compile", "rollouts", "-o", "out"], dir);
    const ok = runCli(["compile", "rollouts", "-o", "out", "--check"], dir);
    expect([ok.code, ok.stdout]).to.deep.equal([0, "out: up to date (1 rollout)\n"]);
    const spec = join(dir, "rollouts", "recommend.yaml");
    writeFileSync(spec, readFileSync(spec, "utf8").replace("canaryWeight: 5", "canaryWeight: 10"));
    const before = snapshot(join(dir, "out"));
    const stale = runCli(["compile", "rollouts", "-o", "out", "--check"], dir);
    expect(stale.code).to.equal(1);
    expect(stale.stderr).to.equal(
      "meshcanary: 1 generated file(s) out of date; run meshcanary compile:\nout/recs/recommend/virtualservice.yaml: out of date\n",
    );
    expect(snapshot(join(dir, "out"))).to.deep.equal(before);
  });

  it("reports every problem as file:line:col, exits 1 and leaves the previous output untouched", () => {
    const dir = repo();
    runCli(["compile", "rollouts", "-o", "out"], dir);
    const before = snapshot(join(dir, "out"));
    writeFiles(dir, {
      "rollouts/broken.yaml": specYaml(
        makeSpec({
          metadata: { name: "broken" },
          spec: {
            service: { host: "other" },
            trafic: { canaryWeight: 5 },
            traffic: { canaryWeight: 500 },
          },
        }),
      ),
      "rollouts/bad-yaml.yaml": "apiVersion: meshcanary.dev/v1alpha1\nkind: [Rollout\n",
    });
    const r = runCli(["compile", "rollouts", "-o", "out"], dir);
    expect(r.code).to.equal(1);
    expect(r.stdout).to.equal("");
    expect(r.stderr.split("\n")).to.deep.equal([
      "rollouts/bad-yaml.yaml:3:1: invalid YAML: Flow sequence in block collection must be sufficiently indented and end with a ]",
      "rollouts/broken.yaml:25:19: spec.traffic.canaryWeight: must be at most 100",
      "rollouts/broken.yaml:31:3: spec.trafic: unknown field (did you mean traffic?)",
      "",
    ]);
    expect(r.stderr).to.not.match(/\bat .*\.js:\d+/); // no stack trace
    expect(snapshot(join(dir, "out"))).to.deep.equal(before);
  });

  it("prunes only directories meshcanary generated, and only when asked", () => {
    const dir = repo();
    writeFiles(dir, {
      "rollouts/second.yaml": specYaml(
        makeSpec({ metadata: { name: "second" }, spec: { service: { host: "second" } } }),
      ),
    });
    runCli(["compile", "rollouts", "-o", "out"], dir);
    writeFiles(dir, {
      "rollouts/second.yaml": "# removed\n",
      "out/recs/mine/kustomization.yaml": "resources: []\n",
    });
    const kept = runCli(["compile", "rollouts", "-o", "out"], dir);
    expect(kept.code).to.equal(0);
    expect(kept.stderr).to.equal(
      "meshcanary: note: out/recs/second: no rollout compiles here any more; kept (use --prune to remove)\n",
    );
    const pruned = runCli(["compile", "rollouts", "-o", "out", "--prune"], dir);
    expect(pruned.stdout).to.equal(
      "compiled 1 rollout into out: 1 written, 3 unchanged, 1 removed\n",
    );
    expect(listFiles(join(dir, "out"))).to.deep.equal([
      "kustomization.yaml",
      "recs/mine/kustomization.yaml",
      "recs/recommend/destinationrule.yaml",
      "recs/recommend/kustomization.yaml",
      "recs/recommend/virtualservice.yaml",
    ]);
  });

  it("takes specs, out and apiVersion from meshcanary.yaml, and flags override it", () => {
    const dir = repo();
    writeFiles(dir, {
      "meshcanary.yaml": "specs: rollouts\nout: manifests\napiVersion: v1beta1\n",
    });
    mkdirSync(join(dir, "rollouts", "sub"));
    const r = runCli(["compile"], join(dir, "rollouts", "sub"));
    expect(r.code).to.equal(0);
    expect(
      readFileSync(join(dir, "manifests/recs/recommend/virtualservice.yaml"), "utf8"),
    ).to.contain("apiVersion: networking.istio.io/v1beta1\n");
    expect(runCli(["compile", "--api-version", "v1"], dir).code).to.equal(0);
    expect(
      readFileSync(join(dir, "manifests/recs/recommend/virtualservice.yaml"), "utf8"),
    ).to.contain("apiVersion: networking.istio.io/v1\n");
  });

  it("reports a bad meshcanary.yaml with its position and key, as a usage error (exit 2)", () => {
    const dir = repo();
    writeFiles(dir, { "meshcanary.yaml": "specs: rollouts\noutput: manifests\napiVersion: v2\n" });
    const r = runCli(["compile"], dir);
    expect(r.stderr.split("\n")).to.deep.equal([
      "meshcanary.yaml:2:1: output: unknown field (did you mean out?)",
      'meshcanary.yaml:3:13: apiVersion: must be one of networking.istio.io/v1, networking.istio.io/v1beta1, v1, v1beta1, not the string "v2"',
      "",
    ]);
    expect(r.code).to.equal(2);
  });

  it("validate checks without writing", () => {
    const dir = repo();
    const r = runCli(["validate", "rollouts"], dir);
    expect([r.code, r.stdout]).to.deep.equal([0, "1 rollout valid\n"]);
    expect(listFiles(dir)).to.deep.equal(["rollouts/recommend.yaml"]);
    writeFiles(dir, {
      "rollouts/recommend.yaml": specYaml(makeSpec({ spec: { traffic: { steps: [10, 5] } } })),
    });
    const bad = runCli(["validate", "rollouts"], dir);
    expect([bad.code, bad.stderr]).to.deep.equal([
      1,
      "rollouts/recommend.yaml:28:9: spec.traffic.steps[1]: must be greater than 10\n",
    ]);
  });

  const usage: [string, string[], RegExp][] = [
    [
      "an unknown option",
      ["compile", "rollouts", "--out", "o", "--bogus"],
      /unknown option '--bogus'/,
    ],
    [
      "a missing --out",
      ["compile", "rollouts"],
      /no output directory: give --out DIR or set out in meshcanary.yaml/,
    ],
    [
      "a path that does not exist",
      ["compile", "nope", "--out", "o"],
      /nope: no such file or directory/,
    ],
    [
      "a bad --api-version",
      ["compile", "rollouts", "--out", "o", "--api-version", "v2"],
      /Allowed choices are v1, v1beta1/,
    ],
    ["an unknown command", ["compiel"], /unknown command 'compiel'/],
  ];
  for (const [what, args, message] of usage) {
    it(`exits 2 on ${what}`, () => {
      const r = runCli(args, repo());
      expect(r.code).to.equal(2);
      expect(r.stderr).to.match(message);
    });
  }

  it("exits 1 when the paths hold no rollout", () => {
    const dir = repo();
    writeFiles(dir, { "empty/readme.yaml": "kind: ConfigMap\napiVersion: v1\n" });
    const r = runCli(["compile", "empty", "-o", "out"], dir);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.contain(
      "meshcanary: no meshcanary.dev/v1alpha1 Rollout documents in empty",
    );
  });

  it("exits 3 when the output cannot be written", () => {
    const dir = repo();
    writeFiles(dir, { taken: "a regular file where the output directory should go\n" });
    const r = runCli(["compile", "rollouts", "-o", "taken/out"], dir);
    expect(r.code).to.equal(3);
    expect(r.stderr).to.match(/^meshcanary: .*taken\/out: cannot write output: /);
  });

  it("--help explains commands, options and exit codes", () => {
    const top = runCli(["--help"], root);
    expect(top.code).to.equal(0);
    expect(top.stdout)
      .to.contain("compile")
      .and.to.contain("validate")
      .and.to.contain("Exit codes: 0 ok, 1 invalid input");
    const compile = runCli(["compile", "--help"], root);
    expect(compile.stdout)
      .to.contain("--check")
      .and.to.contain("--prune")
      .and.to.contain("meshcanary compile examples/ --out build/manifests");
  });
});
