/**
 * `meshcanary pause|resume|promote|abort` as a person runs them, against a
 * real bare git remote (`--repo`) and a real local checkout (`--dir`): the
 * commit each makes, the push as a compare-and-swap, and every refusal.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import type { Console } from "../../src/cli/console.js";
import { type ManualFlags, manualControl } from "../../src/cli/manual-control.js";
import { ExitCode, MeshcanaryError } from "../../src/errors.js";
import { runCli } from "../support/cli.js";
import { tempDir } from "../support/files.js";
import { type BareRemote, git } from "../support/git-remote.js";
import { interceptPush } from "../support/intercept-push.js";
import type { SpecDoc } from "../support/make-spec.js";
import {
  DR_PATH,
  fastSpec,
  repoFiles,
  rolloutRemote,
  SPEC_PATH,
  VS_PATH,
} from "../support/rollout-repo.js";

const JANE = "Jane Doe <jane@example.com>";
type Route = { destination: { subset: string }; weight?: number };

function weights(vsText: string): Record<string, number> {
  const vs = parse(vsText) as { spec: { http: { route: Route[] }[] } };
  return Object.fromEntries(
    (vs.spec.http[0]?.route ?? []).map((r) => [r.destination.subset, r.weight ?? 100]),
  );
}

function specDoc(text: string): { spec: Record<string, any>; status?: Record<string, any> } {
  return parse(text) as { spec: Record<string, any>; status?: Record<string, any> };
}

/** A private TMPDIR, so a test can see that the command's temporary clone is gone. */
function privateTmp(root: string): string {
  const dir = join(root, "tmp");
  mkdirSync(dir, { recursive: true });
  return dir;
}

describe("manual control against --repo (process, real git)", function () {
  this.timeout(60_000);
  const cwd = tempDir();
  const remotes: BareRemote[] = [];
  afterEach(() => {
    for (const r of remotes.splice(0)) r.remove();
  });
  const remoteWith = (spec: SpecDoc = fastSpec()) => {
    const r = rolloutRemote(spec);
    remotes.push(r);
    return r;
  };
  const cli = (remote: BareRemote, args: string[], env: Record<string, string> = {}) =>
    runCli([...args, "--repo", remote.bare, "--author", JANE], cwd, {
      env: { TMPDIR: privateTmp(remote.root), ...env },
    });

  it("pause commits spec.paused: true, pushes it, and removes its temporary clone", () => {
    const remote = remoteWith();
    const before = remote.show(SPEC_PATH);
    const vs = remote.show(VS_PATH);
    const r = cli(remote, ["pause", "recs/recommend", "--reason", "holiday freeze"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.match(/^[0-9a-f]{12} pause recs\/recommend: at 20%\npushed to main of /);
    const [commit] = remote.log();
    expect(commit?.subject).to.equal("pause recs/recommend: at 20%");
    expect(commit?.author).to.equal("Jane Doe");
    expect(commit?.body).to.contain(`Paused by ${JANE} with meshcanary pause, at 20%.`);
    expect(commit?.body).to.contain("Reason: holiday freeze");
    expect(remote.show(SPEC_PATH)).to.equal(`${before}  paused: true\n`);
    expect(remote.show(VS_PATH)).to.equal(vs);
    expect(readdirSync(join(remote.root, "tmp"))).to.deep.equal([]);
  });

  it("resume removes spec.paused again: the spec is back byte for byte", () => {
    const original = rolloutRemote(fastSpec()).show(SPEC_PATH);
    const remote = remoteWith(fastSpec({ spec: { paused: true } }));
    const r = cli(remote, ["resume", "recs/recommend"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(remote.log()[0]?.subject).to.equal("resume recs/recommend: at 20%");
    expect(remote.show(SPEC_PATH)).to.equal(original);
  });

  it("abort rolls back to 0 % with phase RolledBack, the reason naming the author, and manifests 100 % stable", () => {
    const remote = remoteWith(fastSpec({ traffic: { canaryWeight: 50 } }));
    const r = cli(remote, ["abort", "recs/recommend", "--reason", "wrong artifact"]);
    expect(r.code, r.stderr).to.equal(0);
    const [commit] = remote.log();
    expect(commit?.subject).to.equal("abort recs/recommend: 50% → 0%");
    expect(commit?.body).to.contain("Reason: wrong artifact");
    const doc = specDoc(remote.show(SPEC_PATH));
    expect(doc.spec.traffic.canaryWeight).to.equal(0);
    expect(doc.status?.phase).to.equal("RolledBack");
    expect(doc.status?.reason).to.equal(`aborted by ${JANE}: wrong artifact`);
    expect(doc.status?.lastDecision?.action).to.equal("rollback");
    expect(weights(remote.show(VS_PATH))).to.deep.equal({ v1: 100, v2: 0 });
    // One commit holds the spec and its manifests.
    expect(
      git(remote.bare, "show", "--name-only", "--format=", "main").trim().split("\n"),
    ).to.have.members([SPEC_PATH, VS_PATH]);
  });

  it("promote makes the watchdog's promote commit, and compile --check agrees with its manifests", () => {
    const remote = remoteWith(fastSpec({ traffic: { canaryWeight: 100 } }));
    const r = cli(remote, ["promote", "recs/recommend"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(remote.log()[0]?.subject).to.equal("promote recs/recommend: v2 is now stable");
    const doc = specDoc(remote.show(SPEC_PATH));
    expect(doc.spec.stable).to.deep.equal({ name: "v2", labels: { version: "v2" } });
    expect(doc.spec.canary).to.equal(undefined);
    expect(doc.status?.phase).to.equal("Promoted");
    expect(doc.status?.reason).to.equal(`promoted by ${JANE}`);
    const dr = parse(remote.show(DR_PATH)) as { spec: { subsets: { name: string }[] } };
    expect(dr.spec.subsets.map((s) => s.name)).to.deep.equal(["v2"]);
    git(remote.person, "pull", "--quiet", "--ff-only", "origin", "main");
    const check = runCli(["compile", "--check"], remote.person);
    expect(check.code, check.stderr).to.equal(0);
  });

  it("--dry-run prints the diff and pushes nothing", () => {
    const remote = remoteWith();
    const head = remote.head();
    const r = cli(remote, ["abort", "recs/recommend", "--dry-run"]);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('dry run: would commit "abort recs/recommend: 20% → 0%"');
    expect(r.stdout).to.contain(`--- a/${SPEC_PATH}\n+++ b/${SPEC_PATH}`);
    expect(r.stdout).to.contain("-          weight: 20\n");
    expect(r.stdout).to.contain("+  phase: RolledBack\n");
    expect(remote.head()).to.equal(head);
  });

  it("keeps a --workdir for the next run", () => {
    const remote = remoteWith();
    const workdir = join(remote.root, "wd");
    expect(cli(remote, ["pause", "recs/recommend", "--workdir", workdir]).code).to.equal(0);
    expect(readdirSync(workdir)).to.include("clone");
    const r = cli(remote, ["resume", "recs/recommend", "--workdir", workdir]);
    expect(r.code, r.stderr).to.equal(0);
    expect(
      remote
        .log()
        .map((c) => c.subject)
        .slice(0, 2),
    ).to.deep.equal(["resume recs/recommend: at 20%", "pause recs/recommend: at 20%"]);
  });

  /** [what, spec of the remote, command, what stderr says]: exit 1, no commit. */
  const refusals: [string, SpecDoc, string[], string][] = [
    [
      "an unknown rollout, naming similar ones",
      fastSpec(),
      ["pause", "recs/recomend"],
      "no rollout recs/recomend in rollouts; similar: recs/recommend",
    ],
    [
      "pause when paused",
      fastSpec({ spec: { paused: true } }),
      ["pause", "recs/recommend"],
      "recs/recommend is already paused (spec.paused: true): nothing to pause, nothing committed",
    ],
    [
      "resume when not paused",
      fastSpec(),
      ["resume", "recs/recommend"],
      "recs/recommend is not paused: nothing to resume",
    ],
    [
      "promote without a canary",
      fastSpec({ spec: { canary: undefined }, traffic: { canaryWeight: 0 } }),
      ["promote", "recs/recommend"],
      "recs/recommend has no canary to promote",
    ],
    [
      "abort after a rollback",
      fastSpec({ traffic: { canaryWeight: 0 }, status: { phase: "RolledBack" } }),
      ["abort", "recs/recommend"],
      "recs/recommend is already RolledBack",
    ],
    [
      "promote after a rollback",
      fastSpec({ traffic: { canaryWeight: 0 }, status: { phase: "RolledBack" } }),
      ["promote", "recs/recommend"],
      "recs/recommend is already RolledBack",
    ],
    [
      "abort before the start",
      fastSpec({ traffic: { canaryWeight: 0 } }),
      ["abort", "recs/recommend"],
      "recs/recommend has not started (canaryWeight 0): nothing to abort",
    ],
  ];
  for (const [what, spec, args, message] of refusals) {
    it(`refuses ${what}: exit 1, nothing committed`, () => {
      const remote = remoteWith(spec);
      const head = remote.head();
      const r = cli(remote, args);
      expect(r.code, r.stderr).to.equal(ExitCode.invalid);
      expect(r.stderr).to.contain(message);
      expect(remote.head()).to.equal(head);
    });
  }

  it("refuses a spec file with problems: exit 1 with file:line:col, nothing committed", () => {
    const remote = remoteWith();
    remote.commit("break it", {
      [SPEC_PATH]: remote.show(SPEC_PATH).replace("canaryWeight: 20", "canaryWeight: 200"),
    });
    const head = remote.head();
    const r = cli(remote, ["pause", "recs/recommend"]);
    expect(r.code, r.stderr).to.equal(ExitCode.invalid);
    expect(r.stderr).to.match(/rollouts\/recommend\.yaml:\d+:\d+: spec\.traffic\.canaryWeight/);
    expect(remote.head()).to.equal(head);
  });

  it("without --author and without a git identity: exit 2 saying how to set one", () => {
    const remote = remoteWith();
    const home = join(remote.root, "home");
    mkdirSync(home);
    const r = runCli(["pause", "recs/recommend", "--repo", remote.bare], cwd, {
      env: {
        HOME: home,
        XDG_CONFIG_HOME: home,
        GIT_CONFIG_NOSYSTEM: "1",
        GIT_AUTHOR_NAME: "",
        GIT_AUTHOR_EMAIL: "",
      },
    });
    expect(r.code, r.stderr).to.equal(ExitCode.usage);
    expect(r.stderr).to.contain('no commit author: pass --author "Name <email>"');
    expect(r.stderr).to.contain("git config --global user.name");
  });

  it("takes git's configured identity without --author", () => {
    const remote = remoteWith();
    const r = runCli(["pause", "recs/recommend", "--repo", remote.bare], cwd, {
      env: { GIT_AUTHOR_NAME: "Configured Person", GIT_AUTHOR_EMAIL: "cp@example.com" },
    });
    expect(r.code, r.stderr).to.equal(0);
    expect(remote.log()[0]?.author).to.equal("Configured Person");
  });
});

describe("manual control: a rejected push (in process, real git)", function () {
  this.timeout(60_000);
  let remote: BareRemote;
  beforeEach(() => {
    remote = rolloutRemote();
  });
  afterEach(() => remote.remove());

  const lines: string[] = [];
  const io: Console = {
    out: (l) => lines.push(l),
    note: (l) => lines.push(`note: ${l}`),
    error: (l) => lines.push(`error: ${l}`),
  };
  const flags = (): ManualFlags => ({
    repo: remote.bare,
    branch: "main",
    author: { name: "Jane Doe", email: "jane@example.com" },
  });

  it("fetches and applies the change again on the new head when someone pushed meanwhile", async () => {
    lines.length = 0;
    let pushes = 0;
    await manualControl("pause", "recs/recommend", flags(), io, {
      wrapRepo: (repo) =>
        interceptPush(repo, async (realPush) => {
          // The first time, a person's advance to 50 % lands between the sync and the push.
          if (pushes++ === 0)
            remote.commit("advance by hand", {
              ...repoFiles(fastSpec({ traffic: { canaryWeight: 50 } })),
            });
          return realPush();
        }),
    });
    expect(pushes).to.equal(2);
    expect(
      remote
        .log()
        .map((c) => c.subject)
        .slice(0, 2),
    ).to.deep.equal(["pause recs/recommend: at 50%", "advance by hand"]);
    expect(specDoc(remote.show(SPEC_PATH)).spec).to.include({ paused: true });
    expect(specDoc(remote.show(SPEC_PATH)).spec.traffic.canaryWeight).to.equal(50);
    expect(lines).to.include(
      "note: push rejected: someone else pushed meanwhile; applying the change again on their state",
    );
  });

  it("fails clearly (exit 3) when the push is rejected again, and pushes nothing", async () => {
    let pushes = 0;
    const attempt = manualControl("abort", "recs/recommend", flags(), io, {
      wrapRepo: (repo) =>
        interceptPush(repo, async (realPush) => {
          remote.commit(`a person's commit ${++pushes}`, { [`notes/${pushes}.txt`]: "n\n" });
          return realPush();
        }),
    });
    const error = await attempt.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).to.be.instanceOf(MeshcanaryError);
    expect((error as MeshcanaryError).exitCode).to.equal(ExitCode.external);
    expect((error as Error).message).to.contain(
      "rejected 2 times: others keep pushing to it; nothing was pushed; run the command again",
    );
    expect(remote.log()[0]?.subject).to.equal("a person's commit 2");
    expect(remote.log().some((c) => c.subject.startsWith("abort"))).to.equal(false);
  });

  it("refuses on the new head when the change there is already made (the watchdog rolled back meanwhile)", async () => {
    let pushes = 0;
    const error = await manualControl("abort", "recs/recommend", flags(), io, {
      wrapRepo: (repo) =>
        interceptPush(repo, async (realPush) => {
          if (pushes++ === 0)
            remote.commit("rollback recs/recommend: 20% → 0%", {
              ...repoFiles(
                fastSpec({ traffic: { canaryWeight: 0 }, status: { phase: "RolledBack" } }),
              ),
            });
          return realPush();
        }),
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as MeshcanaryError).exitCode).to.equal(ExitCode.invalid);
    expect((error as Error).message).to.contain("recs/recommend is already RolledBack");
    expect(remote.log()[0]?.subject).to.equal("rollback recs/recommend: 20% → 0%");
  });
});

describe("manual control in a local checkout (process, real git)", function () {
  this.timeout(60_000);
  let remote: BareRemote;
  let checkout: string;
  beforeEach(() => {
    remote = rolloutRemote();
    checkout = join(remote.root, "checkout");
    git(remote.root, "clone", "--quiet", remote.bare, checkout);
  });
  afterEach(() => remote.remove());
  const head = (dir: string) => git(dir, "rev-parse", "HEAD").trim();

  it("pause in the current directory commits there, never pushes, and says how to push", () => {
    const pushed = remote.head();
    const r = runCli(["pause", "recs/recommend", "--author", JANE], checkout);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain(
      `committed in ${checkout}, not pushed; push it to take effect: git -C ${checkout} push origin main`,
    );
    expect(git(checkout, "log", "-1", "--format=%s|%an").trim()).to.equal(
      "pause recs/recommend: at 20%|Jane Doe",
    );
    expect(readFileSync(join(checkout, SPEC_PATH), "utf8")).to.contain("\n  paused: true\n");
    expect(git(checkout, "status", "--porcelain").trim()).to.equal("");
    expect(remote.head()).to.equal(pushed);
  });

  it("abort with --dir from elsewhere commits spec and manifests, and leaves a person's staged file staged", () => {
    writeFileSync(join(checkout, "notes.txt"), "unrelated\n");
    git(checkout, "add", "notes.txt");
    const r = runCli(["abort", "recs/recommend", "--dir", checkout, "--author", JANE], remote.root);
    expect(r.code, r.stderr).to.equal(0);
    expect(git(checkout, "log", "-1", "--format=%s").trim()).to.equal(
      "abort recs/recommend: 20% → 0%",
    );
    expect(
      git(checkout, "show", "--name-only", "--format=", "HEAD").trim().split("\n"),
    ).to.have.members([SPEC_PATH, VS_PATH]);
    expect(weights(readFileSync(join(checkout, VS_PATH), "utf8"))).to.deep.equal({
      v1: 100,
      v2: 0,
    });
    expect(git(checkout, "status", "--porcelain").trim()).to.equal("A  notes.txt");
  });

  it("--dry-run prints the diff and commits nothing", () => {
    const before = head(checkout);
    const r = runCli(
      ["promote", "recs/recommend", "--dir", checkout, "--dry-run", "--author", JANE],
      remote.root,
    );
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stdout).to.contain('dry run: would commit "promote recs/recommend: v2 is now stable"');
    expect(r.stdout).to.contain(`--- a/${DR_PATH}`);
    expect(head(checkout)).to.equal(before);
    expect(git(checkout, "status", "--porcelain").trim()).to.equal("");
  });

  const dirty: [string, string][] = [
    ["the spec file", SPEC_PATH],
    ["an output file", VS_PATH],
  ];
  for (const [what, path] of dirty) {
    it(`refuses uncommitted changes in ${what}: exit 1, nothing committed, the change left as it was`, () => {
      const full = join(checkout, path);
      const changed = `${readFileSync(full, "utf8")}# a person's unfinished edit\n`;
      writeFileSync(full, changed);
      const before = head(checkout);
      const r = runCli(["pause", "recs/recommend", "--author", JANE], checkout);
      expect(r.code, r.stderr).to.equal(ExitCode.invalid);
      expect(r.stderr).to.contain(`uncommitted changes in ${path}`);
      expect(head(checkout)).to.equal(before);
      expect(readFileSync(full, "utf8")).to.equal(changed);
    });
  }

  it("refuses when neither --repo nor --dir is given outside a git work tree: exit 2", () => {
    const outside = join(remote.root, "plain");
    mkdirSync(outside);
    const r = runCli(["pause", "recs/recommend", "--author", JANE], outside, {
      env: { GIT_CEILING_DIRECTORIES: remote.root },
    });
    expect(r.code, r.stderr).to.equal(ExitCode.usage);
    expect(r.stderr).to.contain("no --repo or --dir, and the current directory");
    expect(r.stderr).to.contain("not a git work tree");
  });
});
