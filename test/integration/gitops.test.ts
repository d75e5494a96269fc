/** The watchdog's working copy against a real bare repository. */
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from "node:fs";
import { createServer, type Socket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { ExitCode, UsageError } from "../../src/errors.js";
import { redactUrlCredentials } from "../../src/gitops/redact.js";
import { GitError, GitWorkingCopy } from "../../src/gitops/repo.js";
import { createLogger } from "../../src/watchdog/log.js";
import { BareRemote, git } from "../support/git-remote.js";

const AUTHOR = { name: "meshcanary", email: "meshcanary@localhost" };

describe("GitOps working copy (real git)", () => {
  let remote: BareRemote;
  let logs: { level: string; msg: string; [k: string]: unknown }[];
  beforeEach(() => {
    remote = new BareRemote({ "rollouts/a.yaml": "a: 1\n" });
    logs = [];
  });
  afterEach(() => remote.remove());

  const open = (workdir?: string, remoteUrl = remote.bare) =>
    GitWorkingCopy.open({
      remote: remoteUrl,
      branch: "main",
      author: AUTHOR,
      log: createLogger({ json: true, write: (l) => logs.push(JSON.parse(l)) }),
      ...(workdir === undefined ? {} : { workdir }),
    });
  const newWorkdir = () => mkdtempSync(join(tmpdir(), "meshcanary-wd-"));
  const messages = () => logs.map((l) => l.msg);

  /** A decision made on the working copy: edit, commit, push. */
  async function decide(repo: GitWorkingCopy, content: string) {
    writeFileSync(join(repo.dir, "rollouts/a.yaml"), content);
    await repo.commit(["rollouts/a.yaml"], `set a to ${content.trim()}`);
    return repo.push();
  }

  it("clones, commits with the configured author and pushes", async () => {
    const repo = await open();
    expect(await repo.sync()).to.equal(remote.head());
    writeFileSync(join(repo.dir, "rollouts/a.yaml"), "a: 2\n");
    const sha = await repo.commit(["rollouts/a.yaml"], "advance recs/a: 5% → 10%\n\nbody\n");
    expect(sha).to.match(/^[0-9a-f]{40}$/);
    expect(await repo.push()).to.equal("pushed");
    expect(remote.head()).to.equal(sha);
    expect(remote.log()[0]).to.include({
      subject: "advance recs/a: 5% → 10%",
      author: "meshcanary",
      body: "body",
    });
  });

  it("makes no commit when nothing changed", async () => {
    const repo = await open();
    await repo.sync();
    expect(await repo.commit(["rollouts/a.yaml"], "nothing")).to.equal(undefined);
    expect(remote.log()).to.have.length(1);
  });

  it("reports a push rejected because someone else pushed, and keeps their commit", async () => {
    const repo = await open();
    await repo.sync();
    writeFileSync(join(repo.dir, "rollouts/a.yaml"), "a: 2\n");
    await repo.commit(["rollouts/a.yaml"], "mine");
    const theirs = remote.commit("theirs", { "other.yaml": "b: 1\n" });
    expect(await repo.push()).to.equal("rejected");
    expect(remote.head()).to.equal(theirs);
    // The next sync starts from their state; the unpushed commit is dropped, to be decided again.
    expect(await repo.sync()).to.equal(theirs);
    expect(readFileSync(join(repo.dir, "rollouts/a.yaml"), "utf8")).to.equal("a: 1\n");
  });

  it("pushes only from the synced head: a force-push that dropped commits after the sync makes the push fail, and the dropped commits stay out", async () => {
    const dropped = remote.commit("a person's commit, dropped again below", { "b.yaml": "b: 1\n" });
    const repo = await open();
    await repo.sync();
    writeFileSync(join(repo.dir, "rollouts/a.yaml"), "a: 2\n");
    await repo.commit(["rollouts/a.yaml"], "mine");
    // The person drops their last commit: the remote is now an ancestor of ours,
    // so a plain push would be a fast-forward that brings it back.
    git(remote.person, "reset", "--quiet", "--hard", "HEAD~1");
    git(remote.person, "push", "--quiet", "--force", "origin", "HEAD:main");
    const rewritten = remote.head();
    expect(await repo.push()).to.equal("rejected");
    expect(remote.head()).to.equal(rewritten);
    expect(remote.log().map((c) => c.sha)).to.not.include(dropped);
    expect(await repo.sync()).to.equal(rewritten);
    expect(existsSync(join(repo.dir, "b.yaml"))).to.equal(false);
  });

  it("resets a working copy left dirty by a crash", async () => {
    const workdir = newWorkdir();
    const first = await open(workdir);
    await first.sync();
    writeFileSync(join(first.dir, "rollouts/a.yaml"), "half-written");
    writeFileSync(join(first.dir, "stray.tmp"), "x");
    const again = await open(workdir);
    await again.sync();
    expect(readFileSync(join(again.dir, "rollouts/a.yaml"), "utf8")).to.equal("a: 1\n");
    expect(existsSync(join(again.dir, "stray.tmp"))).to.equal(false);
  });

  it("follows a rewritten remote: logs it once, resets to it, never overwrites it, also after a restart", async () => {
    const workdir = newWorkdir();
    const repo = await open(workdir);
    const old = await repo.sync();
    remote.rewriteHistory();
    const rewritten = remote.head();
    expect(await repo.sync()).to.equal(rewritten);
    expect(await repo.sync()).to.equal(rewritten);
    const said = messages().filter((m) => m.startsWith("remote history rewritten"));
    expect(said).to.deep.equal([
      `remote history rewritten: ${old.slice(0, 12)} is no longer in main; continuing from ${rewritten.slice(0, 12)}`,
    ]);
    expect(await decide(repo, "a: 3\n")).to.equal("pushed");
    expect(remote.log().map((c) => c.subject)).to.deep.equal(["set a to a: 3", "rewritten"]);

    // A restart on a working copy that still holds the old history.
    remote.rewriteHistory();
    const again = remote.head();
    logs = [];
    const restarted = await open(workdir);
    expect(await restarted.sync()).to.equal(again);
    expect(messages().filter((m) => m.startsWith("remote history rewritten"))).to.have.length(1);
  });

  it("tells the commit time of the last change to each path, in one walk of the history", async () => {
    remote.commit("second", { "rollouts/b.yaml": "b: 1\n" });
    const bTime = Number(git(remote.bare, "log", "-1", "--format=%ct", "main")) * 1000;
    const aTime = Number(git(remote.bare, "log", "-1", "--format=%ct", "main~1")) * 1000;
    const repo = await open();
    await repo.sync();
    const times = await repo.lastChangeTimes(["rollouts/a.yaml", "rollouts/b.yaml", "nope.yaml"]);
    expect(Object.fromEntries(times)).to.deep.equal({
      "rollouts/a.yaml": aTime,
      "rollouts/b.yaml": bTime,
    });
  });

  it("opens without the network, then fails its sync with a GitError naming the remote without credentials, and clones once the remote is there", async () => {
    const workdir = newWorkdir();
    const away = `${remote.bare}.away`;
    const { renameSync } = await import("node:fs");
    renameSync(remote.bare, away);
    const repo = await open(workdir);
    const error = await repo.sync().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(GitError);
    expect((error as Error).message).to.match(/^cannot clone /);
    renameSync(away, remote.bare);
    expect(await repo.sync()).to.equal(remote.head());

    const secret = await GitWorkingCopy.open({
      remote: "https://user:s3cret-token@127.0.0.1:9/nothing.git",
      branch: "main",
      author: AUTHOR,
    });
    const failed = await secret.sync().catch((e: unknown) => e);
    expect(failed).to.be.instanceOf(GitError);
    expect((failed as Error).message).to.contain("https://***@127.0.0.1:9/nothing.git");
    expect((failed as Error).message).to.not.contain("s3cret-token");
  });

  for (const scheme of ["http", "ssh"] as const) {
    it(`gives up on a ${scheme} remote that accepts the connection and never answers, with a GitError`, async () => {
      const sockets: Socket[] = [];
      const server = createServer((s) => sockets.push(s));
      await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
      const { port } = server.address() as { port: number };
      try {
        const repo = await GitWorkingCopy.open({
          remote:
            scheme === "http"
              ? `http://127.0.0.1:${port}/gitops.git`
              : `ssh://git@127.0.0.1:${port}/gitops.git`,
          branch: "main",
          author: AUTHOR,
          stallSeconds: 1,
        });
        const error = await repo.sync().catch((e: unknown) => e);
        expect(error).to.be.instanceOf(GitError);
        expect((error as Error).message).to.match(
          scheme === "http" ? /Operation too slow/ : /timed out during banner exchange/,
        );
        expect(sockets.length).to.be.at.least(1);
      } finally {
        for (const s of sockets) s.destroy();
        server.close();
      }
    });
  }

  it("redacts credentials in any URL", () => {
    expect(redactUrlCredentials("fetch https://u:p@h/x and ssh://git:t@h2/y")).to.equal(
      "fetch https://***@h/x and ssh://***@h2/y",
    );
  });

  describe("the workdir is meshcanary's or refused (exit 2), never deleted", () => {
    const refused: [what: string, make: (dir: string) => void, says: RegExp][] = [
      [
        "a directory with a person's file",
        (d) => writeFileSync(join(d, "notes.txt"), "mine"),
        /not empty and not a meshcanary working copy/,
      ],
      [
        "a person's clone of the same remote",
        (d) => {
          git(d, "clone", "--quiet", remote.bare, ".");
        },
        /not empty and not a meshcanary working copy/,
      ],
      [
        "meshcanary's working copy of another remote",
        (d) => writeFileSync(join(d, ".meshcanary-workdir"), '{"remote":"/elsewhere.git"}\n'),
        /working copy of another remote \(\/elsewhere\.git\)/,
      ],
      [
        "a file",
        (d) => {
          rmSync(d, { recursive: true });
          writeFileSync(d, "x");
        },
        /not a directory/,
      ],
    ];
    for (const [what, make, says] of refused) {
      it(`refuses ${what}, and leaves it as it was`, async () => {
        const dir = newWorkdir();
        make(dir);
        const before = listing(dir);
        const error = await open(dir).catch((e: unknown) => e);
        expect(error).to.be.instanceOf(UsageError);
        expect((error as UsageError).exitCode).to.equal(ExitCode.usage);
        expect((error as Error).message)
          .to.match(says)
          .and.contain(`--workdir ${dir}`);
        expect(listing(dir)).to.deep.equal(before);
      });
    }

    const accepted: [what: string, make: (dir: string) => string][] = [
      ["an absent directory", (d) => join(d, "new", "deeper")],
      ["an empty directory", (d) => d],
      [
        "a volume root holding only lost+found",
        (d) => {
          mkdirSync(join(d, "lost+found"));
          return d;
        },
      ],
    ];
    for (const [what, make] of accepted) {
      it(`takes ${what}, and then knows it as its own`, async () => {
        const dir = make(newWorkdir());
        const repo = await open(dir);
        expect(await repo.sync()).to.equal(remote.head());
        expect(await (await open(dir)).sync()).to.equal(remote.head());
      });
    }
  });

  describe("recovers whatever a killed git leaves in the working copy", () => {
    const LOCKS = [
      "index.lock",
      "HEAD.lock",
      "ORIG_HEAD.lock",
      "refs/heads/main.lock",
      "refs/remotes/origin/main.lock",
      "packed-refs.lock",
      "shallow.lock",
      "config.lock",
    ];
    for (const lock of LOCKS) {
      it(`a stale ${lock}: removed and logged at the next start, then decisions are pushed`, async () => {
        const workdir = newWorkdir();
        const first = await open(workdir);
        await first.sync();
        writeFileSync(join(first.dir, ".git", lock), "");
        logs = [];
        const restarted = await open(workdir);
        await restarted.sync();
        expect(logs.find((l) => l.msg.startsWith("removed stale git locks"))).to.deep.include({
          locks: [lock],
        });
        expect(await decide(restarted, "a: 2\n")).to.equal("pushed");
        expect(remote.show("rollouts/a.yaml")).to.equal("a: 2\n");
      });
    }

    it("a lock that makes a command fail mid-run is removed before the next sync, in the same process", async () => {
      const repo = await open(newWorkdir());
      await repo.sync();
      writeFileSync(join(repo.dir, ".git", "index.lock"), "");
      const error = await decide(repo, "a: 2\n").catch((e: unknown) => e);
      expect(error).to.be.instanceOf(GitError);
      expect((error as Error).message).to.contain("index.lock");
      await repo.sync();
      expect(await decide(repo, "a: 2\n")).to.equal("pushed");
    });

    const DAMAGE: [what: string, damage: (gitDir: string) => void][] = [
      ["a half-written index", (g) => writeFileSync(join(g, "index"), "DIRC\0\0\0")],
      ["a missing HEAD", (g) => rmSync(join(g, "HEAD"))],
      [
        "a detached HEAD",
        (g) => writeFileSync(join(g, "HEAD"), `${git(g, "rev-parse", "HEAD").trim()}\n`),
      ],
      [
        "damaged objects",
        (g) => {
          // Replaced, not changed in place: a local clone hard-links the remote's objects.
          const sha = git(g, "rev-parse", "HEAD").trim();
          const loose = join(g, "objects", sha.slice(0, 2), sha.slice(2));
          const packs = join(g, "objects", "pack");
          const damaged = existsSync(loose)
            ? [loose]
            : readdirSync(packs)
                .filter((n) => n.endsWith(".pack"))
                .map((n) => join(packs, n));
          for (const f of damaged) {
            rmSync(f, { force: true });
            writeFileSync(f, "garbage");
          }
        },
      ],
      ["no .git at all", (g) => rmSync(g, { recursive: true })],
    ];
    for (const [what, damage] of DAMAGE) {
      it(`${what}: cloned afresh, said in the log, then decisions are pushed`, async () => {
        const workdir = newWorkdir();
        const first = await open(workdir);
        await first.sync();
        damage(join(first.dir, ".git"));
        logs = [];
        const restarted = await open(workdir);
        expect(await restarted.sync()).to.equal(remote.head());
        expect(messages()).to.include("cloned the remote into the working copy");
        expect(await decide(restarted, "a: 2\n")).to.equal("pushed");
      });
    }

    it("an unfinished clone beside the working copy: removed and logged", async () => {
      const workdir = newWorkdir();
      await (await open(workdir)).sync();
      mkdirSync(join(workdir, "clone.new-abc123", ".git"), { recursive: true });
      const restarted = await open(workdir);
      await restarted.sync();
      expect(messages()).to.include("removed clones a killed process left unfinished");
      expect(readdirSync(workdir).sort()).to.deep.equal([".meshcanary-workdir", "clone"]);
    });
  });
});

/** Every file under `path` with its size, to show nothing in it changed. */
function listing(path: string): string[] {
  if (!statSync(path).isDirectory()) return [`${path} ${statSync(path).size}`];
  return readdirSync(path)
    .flatMap((e) => listing(join(path, e)))
    .sort();
}
