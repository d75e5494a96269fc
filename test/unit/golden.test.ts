/**
 * Golden files: fixtures/<case>/rollout.yaml compiles to exactly the bytes in
 * fixtures/<case>/expected/. `UPDATE_GOLDEN=1 npm test` rewrites them; review the diff.
 */
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { expect } from "chai";
import { loadProjectConfig, repositoryDefaults } from "../../src/config/project-config.js";
import { compileProject } from "../../src/project.js";
import { listFiles, tempDir } from "../support/files.js";
import { GOLDEN_CASES } from "../support/golden-cases.js";
import { FIXTURES, REPO_ROOT, UPDATE_GOLDEN } from "../support/paths.js";

describe("golden manifests", () => {
  const out = tempDir();

  it("covers the cases the compiler issue names", () => {
    expect(GOLDEN_CASES).to.include.members([
      "recommend-5",
      "recommend-0",
      "steady-state",
      "header-match",
      "multiple-matches",
      "fqdn-port",
      "external-gateway",
      "gateway-api-recommend",
      "gateway-api-matches",
      "gateway-api-gateway",
      "gateway-api-all-traffic",
      "gateway-api-from-config",
      "istio-all-traffic",
      "istio-spec-wins",
    ]);
  });

  for (const name of GOLDEN_CASES) {
    it(name, () => {
      const dir = join(FIXTURES, name);
      const config = existsSync(join(dir, "meshcanary.yaml"))
        ? loadProjectConfig(dir, "meshcanary.yaml")
        : {};
      const { plan } = compileProject({
        specs: [join(dir, "rollout.yaml")],
        out: join(out, name),
        apiVersion: config.apiVersion ?? "networking.istio.io/v1",
        defaults: repositoryDefaults(config),
        cwd: REPO_ROOT,
      });
      const expectedDir = join(dir, "expected");
      if (UPDATE_GOLDEN) {
        rmSync(expectedDir, { recursive: true, force: true });
        for (const f of plan.files) {
          mkdirSync(dirname(join(expectedDir, f.path)), { recursive: true });
          writeFileSync(join(expectedDir, f.path), f.content);
        }
      }
      expect(plan.files.map((f) => f.path).sort()).to.deep.equal(listFiles(expectedDir));
      for (const f of plan.files) {
        expect(f.content, f.path).to.equal(readFileSync(join(expectedDir, f.path), "utf8"));
      }
    });
  }
});
