/** The watchdog's working copy against a real bare repository. */
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "chai";
import { redactUrlCredentials } from "../../src/gitops/redact.js";
import { GitError, GitWorkingCopy, HistoryRewrittenError } from "../../src/gitops/repo.js";
import { BareRemote, git } from "../support/git-remote.js";

const AUTHOR = { name: "meshcanary", email: "meshcanary@localhost" };

describe("GitOps working copy (real git)", () => {
  let remote: BareRemote;
  beforeEach(() => {
    remote = new BareRemote({ "rollouts/a.yaml": "a: 1\n" });
  });
  afterEach(() => remote.remove());

  const open = (workdir?: string) =>
    GitWorkingCopy.open({
      remote: remote.bare,
      branch: "main",
      author: AUTHOR,
      ...(workdir === undefined ? {} : { workdir }),
    });

  it("clones, commits with the configured author and pushes without force", async () => {
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

  it("resets a working copy left dirty by a crash", async () => {
    const workdir = mkdtempSync(join(tmpdir(), "meshcanary-wd-"));
    const first = await open(workdir);
    await first.sync();
    writeFileSync(join(workdir, "rollouts/a.yaml"), "half-written");
    writeFileSync(join(workdir, "stray.tmp"), "x");
    const again = await open(workdir);
    await again.sync();
    expect(readFileSync(join(workdir, "rollouts/a.yaml"), "utf8")).to.equal("a: 1\n");
    expect(existsSync(join(workdir, "stray.tmp"))).to.equal(false);
  });

  it("stops when the remote's history was rewritten, and never overwrites it", async () => {
    const repo = await open();
    await repo.sync();
    remote.rewriteHistory();
    const rewritten = remote.head();
    const error = await repo.sync().catch((e: unknown) => e);
    expect(error).to.be.instanceOf(HistoryRewrittenError);
    expect((error as Error).message).to.match(/history of main was rewritten/);
    expect(remote.head()).to.equal(rewritten);
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

  it("fails with a GitError naming the remote when it cannot be reached, without credentials", async () => {
    const error = await GitWorkingCopy.open({
      remote: "https://user:s3cret-token@127.0.0.1:9/nothing.git",
      branch: "main",
      author: AUTHOR,
    }).catch((e: unknown) => e);
    expect(error).to.be.instanceOf(GitError);
    expect((error as Error).message).to.contain("https://***@127.0.0.1:9/nothing.git");
    expect((error as Error).message).to.not.contain("s3cret-token");
  });

  it("redacts credentials in any URL", () => {
    expect(redactUrlCredentials("fetch https://u:p@h/x and ssh://git:t@h2/y")).to.equal(
      "fetch https://***@h/x and ssh://***@h2/y",
    );
  });
});
