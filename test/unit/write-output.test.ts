import {
  existsSync,
  mkdirSync,
  readFileSync,
  renameSync,
  statSync,
  symlinkSync,
  utimesSync,
  writeFileSync,
} from "node:fs";
import { join, relative } from "node:path";
import { expect } from "chai";
import { compileRollouts, type OutputFile } from "../../src/compile/compile.js";
import { FileSystemError } from "../../src/errors.js";
import { applyOutput, generatedRolloutDirs, planOutput } from "../../src/output/write-output.js";
import { listFiles, tempDir } from "../support/files.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

function compiled(...names: string[]): OutputFile[] {
  return compileRollouts(
    names.map((name) =>
      makeRollout(makeSpec({ metadata: { name }, spec: { service: { host: `${name}-svc` } } })),
    ),
  );
}

describe("output directory", () => {
  const root = tempDir();
  let n = 0;
  const freshOut = () => join(root, `out-${n++}`);

  it("writes every file and a root kustomization listing the rollout directories", () => {
    const out = freshOut();
    applyOutput(out, planOutput(out, compiled("a", "b")));
    expect(listFiles(out)).to.deep.equal([
      "kustomization.yaml",
      "recs/a/destinationrule.yaml",
      "recs/a/kustomization.yaml",
      "recs/a/virtualservice.yaml",
      "recs/b/destinationrule.yaml",
      "recs/b/kustomization.yaml",
      "recs/b/virtualservice.yaml",
    ]);
    expect(readFileSync(join(out, "kustomization.yaml"), "utf8")).to.contain(
      "  - recs/a\n  - recs/b\n",
    );
    expect(generatedRolloutDirs(out)).to.deep.equal(["recs/a", "recs/b"]);
  });

  it("leaves unchanged files alone and reports nothing to do on a second run", () => {
    const out = freshOut();
    applyOutput(out, planOutput(out, compiled("a")));
    const file = join(out, "recs/a/virtualservice.yaml");
    const past = new Date("2020-01-01T00:00:00Z");
    utimesSync(file, past, past);
    const plan = planOutput(out, compiled("a"));
    expect(plan.changed).to.deep.equal([]);
    applyOutput(out, plan);
    expect(statSync(file).mtime.toISOString()).to.equal(past.toISOString());
  });

  it("keeps a stale rollout directory (and lists it) unless pruning, then removes only generated ones", () => {
    const out = freshOut();
    applyOutput(out, planOutput(out, compiled("a", "b")));
    mkdirSync(join(out, "recs", "hand-written"));
    writeFileSync(join(out, "recs", "hand-written", "kustomization.yaml"), "resources: []\n");

    const keep = planOutput(out, compiled("a"));
    expect(keep.stale).to.deep.equal(["recs/b"]);
    expect(keep.prune).to.deep.equal([]);
    applyOutput(out, keep);
    expect(existsSync(join(out, "recs/b/virtualservice.yaml"))).to.equal(true);
    expect(readFileSync(join(out, "kustomization.yaml"), "utf8")).to.contain("  - recs/b\n");

    const prune = planOutput(out, compiled("a"), { prune: true });
    expect(prune.prune).to.deep.equal(["recs/b"]);
    applyOutput(out, prune);
    expect(existsSync(join(out, "recs/b"))).to.equal(false);
    expect(existsSync(join(out, "recs/hand-written/kustomization.yaml"))).to.equal(true);
    expect(readFileSync(join(out, "kustomization.yaml"), "utf8")).to.not.contain("recs/b");
  });

  function snapshot(dir: string): Record<string, string> {
    return Object.fromEntries(listFiles(dir).map((p) => [p, readFileSync(join(dir, p), "utf8")]));
  }

  it("leaves the previous output untouched when staging fails (disk full)", () => {
    const out = freshOut();
    applyOutput(out, planOutput(out, compiled("a")));
    const before = snapshot(out);
    let writes = 0;
    const diskFull = {
      writeFile: (path: string, content: string) => {
        if (++writes === 3)
          throw Object.assign(new Error("ENOSPC: no space left on device"), { code: "ENOSPC" });
        writeFileSync(path, content);
      },
      rename: renameSync,
    };
    const plan = planOutput(out, compiled("a", "b"));
    expect(plan.changed.length).to.be.greaterThan(3);
    expect(() => applyOutput(out, plan, diskFull)).to.throw(FileSystemError, /ENOSPC/);
    expect(snapshot(out)).to.deep.equal(before);
    expect(listFiles(root).filter((p) => p.includes(".meshcanary-"))).to.deep.equal([]);
  });

  it("moves a first output in with one rename, and later files one by one, root kustomization last", () => {
    const out = freshOut();
    const moved: string[] = [];
    const recording = {
      writeFile: writeFileSync,
      rename: (from: string, to: string) => {
        moved.push(relative(root, to));
        renameSync(from, to);
      },
    };
    applyOutput(out, planOutput(out, compiled("a")), recording);
    expect(moved).to.deep.equal([relative(root, out)]);
    expect(listFiles(out)).to.have.length(4);
    moved.length = 0;
    applyOutput(out, planOutput(out, compiled("a", "b")), recording);
    expect(moved.map((p) => relative(relative(root, out), p))).to.deep.equal([
      "recs/b/destinationrule.yaml",
      "recs/b/kustomization.yaml",
      "recs/b/virtualservice.yaml",
      "kustomization.yaml",
    ]);
  });

  it("refuses to write through a symlinked namespace directory", () => {
    const out = freshOut();
    const elsewhere = join(root, "elsewhere");
    mkdirSync(elsewhere);
    mkdirSync(out);
    symlinkSync(elsewhere, join(out, "recs"));
    expect(() => applyOutput(out, planOutput(out, compiled("a")))).to.throw(
      FileSystemError,
      /recs: is a symbolic link/,
    );
    expect(listFiles(elsewhere)).to.deep.equal([]);
    // Checked before anything moves: not even the root kustomization was written.
    expect(listFiles(out)).to.deep.equal([]);
  });
});
