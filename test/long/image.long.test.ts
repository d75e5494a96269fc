/**
 * The container image (`npm run test:long`): the real Containerfile built with
 * podman on a stand-in for its base (scripts/build-test-image.mjs: Debian
 * bookworm from mmdebstrap plus Node 24 from the npm registry, because only
 * the npm and Debian registries are reachable here), then run from its
 * read-only root as its own numeric user (see image-run.ts): --version,
 * validate and compile of the example, ssh's view of its user, and
 * `watch --once` against the test Prometheus and a bare git remote.
 */
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { runCli } from "../support/cli.js";
import { listFiles, writeFiles } from "../support/files.js";
import { REPO_ROOT } from "../support/paths.js";
import { fastSpec } from "../support/rollout-repo.js";
import { decisionSubjects, type Harness, startHarness } from "../support/watchdog-harness.js";
import { type BuiltImage, buildTestImage, inspectImage, MountedImage } from "./image-run.js";

const EXAMPLES = join(REPO_ROOT, "examples");
const VERSION = (
  JSON.parse(readFileSync(join(REPO_ROOT, "package.json"), "utf8")) as {
    version: string;
  }
).version;

/** Every file under `dir`, relative, with its text. */
function tree(dir: string): Record<string, string> {
  return Object.fromEntries(listFiles(dir).map((f) => [f, readFileSync(join(dir, f), "utf8")]));
}

describe("container image (Containerfile, built with podman on a stand-in base)", function () {
  this.timeout(1_200_000);
  let built: BuiltImage;
  let image: MountedImage;
  let uid: number;

  before(() => {
    built = buildTestImage();
    image = new MountedImage(built.image);
    uid = Number(image.config.user.split(":")[0]);
    const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;
    console.log(
      `      image ${mb(image.config.size)} (stand-in base ${mb(inspectImage(built.base).size)})`,
    );
  });
  after(() => image?.close());

  it("runs as a numeric non-root user with a passwd entry and a HOME it owns, entrypoint meshcanary", () => {
    expect(image.config.user).to.match(/^[1-9][0-9]*:[0-9]+$/);
    expect(image.config.entrypoint).to.deep.equal(["meshcanary"]);
    const passwd = readFileSync(join(image.root, "etc", "passwd"), "utf8").split("\n");
    const entry = passwd.find((line) => line.split(":")[2] === String(uid));
    expect(entry, `passwd entry for uid ${uid}`).to.be.a("string");
    const home = (entry as string).split(":")[5] ?? "";
    expect(image.config.env).to.include(`HOME=${home}`);
    expect(statSync(join(image.root, home)).uid).to.equal(uid);
  });

  it("holds only the built CLI and production dependencies", () => {
    const app = join(image.root, "opt", "meshcanary");
    expect(readdirSync(app).sort()).to.deep.equal([
      "dist",
      "node_modules",
      "package.json",
      "schemas",
      "templates",
    ]);
    const modules = join(app, "node_modules");
    const installed = readdirSync(modules).flatMap((name) =>
      name.startsWith("@") ? readdirSync(join(modules, name)).map((n) => `${name}/${n}`) : [name],
    );
    const lock = JSON.parse(readFileSync(join(REPO_ROOT, "package-lock.json"), "utf8")) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const inLock = (dev: boolean) =>
      Object.entries(lock.packages)
        .filter(([path, p]) => path.startsWith("node_modules/") && (p.dev === true) === dev)
        .map(([path]) => path.slice("node_modules/".length))
        .filter((name) => !name.includes("/node_modules/"));
    expect(installed).to.include.members(["yaml", "@kubernetes-models/istio", "commander"]);
    expect(installed.filter((name) => inLock(true).includes(name))).to.deep.equal([]);
    expect(
      installed.filter((name) => !name.startsWith(".") && !inLock(false).includes(name)),
    ).to.deep.equal([]);
  });

  it("--version prints the package version as the image user", () => {
    const r = image.run(["--version"]);
    expect([r.code, r.stdout, r.stderr]).to.deep.equal([0, `${VERSION}\n`, ""]);
  });

  it("validates the example, refuses a broken spec with its position, and compiles the same bytes as the host", () => {
    const ok = image.run(["validate", "."], { binds: { [EXAMPLES]: "/repo" } });
    expect([ok.code, ok.stdout]).to.deep.equal([0, "1 rollout valid\n"]);

    writeFiles(join(image.tmp, "broken"), {
      "bad.yaml":
        "apiVersion: meshcanary.dev/v1alpha1\nkind: Rollout\nmetadata: {name: Bad, namespace: recs}\n",
    });
    const bad = image.run(["validate", "/tmp/broken"]);
    expect(bad.code).to.equal(1);
    expect(bad.stderr).to.contain("/tmp/broken/bad.yaml:3:");

    // Templates and schemas are in the image: its output equals the host's, written under /tmp only.
    cpSync(EXAMPLES, join(image.tmp, "example"), { recursive: true });
    const compiled = image.run(["compile", "/tmp/example", "--out", "/tmp/manifests"]);
    expect(compiled.code, compiled.stderr).to.equal(0);
    const host = runCli(["compile", "example", "--out", "host"], image.tmp);
    expect(host.code, host.stderr).to.equal(0);
    expect(tree(join(image.tmp, "manifests"))).to.deep.equal(tree(join(image.tmp, "host")));
  });

  it("gives ssh a user and a HOME (ssh refuses a uid without a passwd entry)", () => {
    const r = image.run(["-G", "git.example.com"], { entrypoint: ["ssh"] });
    expect(r.code, r.stderr).to.equal(0);
    const home = image.config.env.find((e) => e.startsWith("HOME="))?.slice(5);
    expect(r.stdout).to.match(/^user meshcanary$/m);
    expect(r.stdout).to.contain(`userknownhostsfile ${home}/.ssh/known_hosts`);
  });

  describe("watch --once", () => {
    let h: Harness | undefined;
    after(async () => {
      if (h !== undefined) execFileSync("chown", ["-R", "0:0", h.remote.bare]);
      await h?.close();
    });

    it("clones, decides on the test Prometheus' metrics, commits and pushes as the image user", async () => {
      h = await startHarness({ spec: fastSpec({ analysis: { promoteAfter: 1 } }) });
      await h.waitForFullWindow();
      // The remote belongs to the image's user, as a real remote's account would.
      execFileSync("chown", ["-R", `${uid}:0`, h.remote.bare]);
      chmodSync(h.remote.root, 0o755);
      const r = image.run(
        ["watch", "--once", "--repo", "/mnt/gitops.git", "--prometheus", h.prom.url],
        { binds: { [h.remote.root]: "/mnt" } },
      );
      execFileSync("chown", ["-R", "0:0", h.remote.bare]);
      expect(r.stderr).to.not.match(/"level":"(error|warn)"/);
      expect(r.code, r.stderr).to.equal(0);
      expect(r.stdout).to.match(/^recs\/recommend {3}20% {2}advance 20% → 50%: healthy/);
      expect(decisionSubjects(h)).to.deep.equal(["advance recs/recommend: 20% → 50%"]);
      expect(h.remote.log()[0]?.author).to.equal("meshcanary");
    });
  });
});
