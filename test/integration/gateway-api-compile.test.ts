/**
 * `meshcanary compile` with the gateway-api target as a user runs it (the
 * built bin, real files): the example compiles to an HTTPRoute and one
 * Service per version, `kubectl kustomize` builds exactly the files written,
 * switching a rollout's target replaces its files (`--prune` removes the old
 * ones), and `--check` works on both targets.
 */

import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Ajv } from "ajv";
import { expect } from "chai";
import { parse } from "yaml";
import { runCli } from "../support/cli.js";
import { kustomizeBuild, schemaProblems } from "../support/deploy-build.js";
import { listFiles, tempDir } from "../support/files.js";
import { FIXTURES, VENDORED_SCHEMAS } from "../support/paths.js";

const EXAMPLE = readFileSync(join(FIXTURES, "gateway-api-recommend", "rollout.yaml"), "utf8");

describe("compile: the gateway-api target", () => {
  const root = tempDir();
  let n = 0;
  const repo = (spec = EXAMPLE): string => {
    const dir = join(root, `repo-${n++}`);
    mkdirSync(join(dir, ".git"), { recursive: true });
    mkdirSync(join(dir, "rollouts"));
    writeFileSync(join(dir, "rollouts", "recommend.yaml"), spec);
    return dir;
  };
  const setTarget = (dir: string, target: string) => {
    const file = join(dir, "rollouts", "recommend.yaml");
    writeFileSync(
      file,
      readFileSync(file, "utf8").replace(/^ {2}target: \S+/m, `  target: ${target}`),
    );
  };

  it("builds with kubectl kustomize into exactly the files written, each valid", () => {
    const dir = repo();
    const r = runCli(["compile", "rollouts", "-o", "out"], dir);
    expect([r.code, r.stderr]).to.deep.equal([0, ""]);
    const written = listFiles(join(dir, "out")).filter((p) => !p.endsWith("kustomization.yaml"));
    expect(written).to.deep.equal([
      "recs/recommend/httproute.yaml",
      "recs/recommend/service-v1.yaml",
      "recs/recommend/service-v2.yaml",
    ]);
    const built = kustomizeBuild(join(dir, "out"));
    const asWritten = written.map((p) => parse(readFileSync(join(dir, "out", p), "utf8")));
    const key = (o: { kind: string; metadata: { name: string } }) => `${o.kind}/${o.metadata.name}`;
    expect(built.map(key).sort()).to.deep.equal(asWritten.map(key).sort());
    for (const object of built) {
      expect(object, key(object)).to.deep.equal(asWritten.find((w) => key(w) === key(object)));
    }
    // The Services against Kubernetes' schema, the HTTPRoute against the vendored CRD schema, each read here.
    const services = built.filter((o) => o.kind === "Service");
    expect(services.flatMap(schemaProblems)).to.deep.equal([]);
    const crd = JSON.parse(
      readFileSync(join(VENDORED_SCHEMAS, "gateway-api", "HTTPRoute.v1.schema.json"), "utf8"),
    ) as object;
    const validate = new Ajv({ strict: false, allErrors: true, logger: false }).compile(crd);
    const route = built.find((o) => o.kind === "HTTPRoute");
    expect(validate(route), JSON.stringify(validate.errors)).to.equal(true);
  });

  it("replaces a rollout's files when it switches target, and --prune removes the old ones", () => {
    const dir = repo();
    setTarget(dir, "istio");
    // The istio target keeps the example's route as is; the selector is unused there.
    expect(runCli(["compile", "rollouts", "-o", "out"], dir).code).to.equal(0);
    expect(listFiles(join(dir, "out", "recs", "recommend"))).to.deep.equal([
      "destinationrule.yaml",
      "kustomization.yaml",
      "virtualservice.yaml",
    ]);

    setTarget(dir, "gateway-api");
    const stale = runCli(["compile", "rollouts", "-o", "out", "--check"], dir);
    expect(stale.code).to.equal(1);
    expect(stale.stderr).to.contain("out/recs/recommend/httproute.yaml: out of date");

    const kept = runCli(["compile", "rollouts", "-o", "out"], dir);
    expect(kept.code).to.equal(0);
    expect(kept.stderr).to.equal(
      [
        "meshcanary: note: out/recs/recommend/destinationrule.yaml: its rollout no longer compiles this file; kept, unlisted in its kustomization (use --prune to remove)",
        "meshcanary: note: out/recs/recommend/virtualservice.yaml: its rollout no longer compiles this file; kept, unlisted in its kustomization (use --prune to remove)",
        "",
      ].join("\n"),
    );
    // Left on disk, but the kustomization builds only the new target's objects.
    expect(
      kustomizeBuild(join(dir, "out"))
        .map((o) => o.kind)
        .sort(),
    ).to.deep.equal(["HTTPRoute", "Service", "Service"]);
    const upToDate = runCli(["compile", "rollouts", "-o", "out", "--check"], dir);
    expect([upToDate.code, upToDate.stdout]).to.deep.equal([0, "out: up to date (1 rollout)\n"]);
    const wouldPrune = runCli(["compile", "rollouts", "-o", "out", "--check", "--prune"], dir);
    expect(wouldPrune.code).to.equal(1);
    expect(wouldPrune.stderr).to.contain(
      "out/recs/recommend/virtualservice.yaml: would be removed",
    );

    const pruned = runCli(["compile", "rollouts", "-o", "out", "--prune"], dir);
    expect([pruned.code, pruned.stderr]).to.deep.equal([0, ""]);
    expect(pruned.stdout).to.equal(
      "compiled 1 rollout into out: 0 written, 5 unchanged, 2 removed\n",
    );
    expect(listFiles(join(dir, "out", "recs", "recommend"))).to.deep.equal([
      "httproute.yaml",
      "kustomization.yaml",
      "service-v1.yaml",
      "service-v2.yaml",
    ]);
    const clean = runCli(["compile", "rollouts", "-o", "out", "--check", "--prune"], dir);
    expect([clean.code, clean.stdout]).to.deep.equal([0, "out: up to date (1 rollout)\n"]);

    // And back: the gateway-api files go the same way.
    setTarget(dir, "istio");
    expect(runCli(["compile", "rollouts", "-o", "out", "--prune"], dir).code).to.equal(0);
    expect(listFiles(join(dir, "out", "recs", "recommend"))).to.deep.equal([
      "destinationrule.yaml",
      "kustomization.yaml",
      "virtualservice.yaml",
    ]);
  });

  it("keeps files it did not generate in a rollout's directory", () => {
    const dir = repo();
    runCli(["compile", "rollouts", "-o", "out"], dir);
    writeFileSync(join(dir, "out", "recs", "recommend", "notes.yaml"), "# mine\n");
    const r = runCli(["compile", "rollouts", "-o", "out", "--prune"], dir);
    expect([r.code, r.stderr]).to.deep.equal([0, ""]);
    expect(readFileSync(join(dir, "out", "recs", "recommend", "notes.yaml"), "utf8")).to.equal(
      "# mine\n",
    );
  });

  it("takes the target from meshcanary.yaml for specs without one; validate agrees", () => {
    const dir = repo(EXAMPLE.replace(/^ {2}target: gateway-api\n/m, ""));
    writeFileSync(join(dir, "meshcanary.yaml"), "specs: rollouts\nout: out\ntarget: gateway-api\n");
    const r = runCli(["compile"], dir);
    expect([r.code, r.stderr]).to.deep.equal([0, ""]);
    expect(listFiles(join(dir, "out", "recs", "recommend"))).to.include("httproute.yaml");
    expect(runCli(["validate"], dir).stdout).to.equal("1 rollout valid\n");
    expect(runCli(["compile", "--check"], dir).code).to.equal(0);
  });

  it("refuses an untranslatable match at its position, naming the target, and writes nothing", () => {
    const dir = repo(
      EXAMPLE.replace(
        "method: { exact: POST }",
        "method: { exact: POST }\n        authority: { exact: api.example.com }",
      ),
    );
    const r = runCli(["compile", "rollouts", "-o", "out"], dir);
    expect(r.code).to.equal(1);
    expect(r.stderr).to.match(
      /^rollouts\/recommend\.yaml:\d+:20: spec\.route\.match\[0\]\.authority: target gateway-api cannot express this: /m,
    );
    expect(listFiles(dir).filter((p) => p.startsWith("out/"))).to.deep.equal([]);
  });
});
