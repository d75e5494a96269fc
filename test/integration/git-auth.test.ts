/**
 * Git with credentials from files, against real servers on loopback: HTTPS
 * through `git http-backend` behind basic auth (test/support/git-http-server.ts),
 * SSH through Debian's sshd (test/support/sshd.ts). Each failure names the
 * endpoint and never the secret; fixing the file is enough to recover.
 */
import { execFileSync } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { DEFAULT_GIT_USERNAME } from "../../src/cli/git-options.js";
import { ExitCode } from "../../src/errors.js";
import type { GitAuth } from "../../src/gitops/git-auth.js";
import { GitWorkingCopy } from "../../src/gitops/repo.js";
import { SecretFile } from "../../src/secrets/secret-file.js";
import { tempDir } from "../support/files.js";
import { type GitHttpServer, startGitHttpServer } from "../support/git-http-server.js";
import { BareRemote } from "../support/git-remote.js";
import { filesHolding, inHistory } from "../support/git-secrets.js";
import { secretMount } from "../support/secret-mount.js";
import { auditOutput, auditSecret } from "../support/secrets-audit.js";
import { generateKey, type Sshd, startSshd } from "../support/sshd.js";

const TOKEN = "glpat-right-token-0123456789abcdef";
const WRONG = "glpat-wrong-token-fedcba9876543210";
auditSecret(TOKEN, WRONG);

async function failure(promise: Promise<unknown>): Promise<Error & { exitCode?: number }> {
  try {
    await promise;
  } catch (error) {
    auditOutput("git error", (error as Error).message);
    return error as Error & { exitCode?: number };
  }
  throw new Error("expected a failure");
}

function workingCopy(remote: string, auth: GitAuth): Promise<GitWorkingCopy> {
  return GitWorkingCopy.open({
    remote,
    branch: "main",
    workdir: join(tempDir("meshcanary-auth-wd-"), "wd"),
    author: { name: "meshcanary", email: "meshcanary@example.com" },
    auth,
  });
}

/** Syncs, commits a file and pushes it: what a decision does. */
async function decide(copy: GitWorkingCopy, name: string): Promise<string> {
  await copy.sync();
  const sha = await copy.commit([{ path: name, content: "decided\n" }], `decide ${name}`);
  expect(await copy.push()).to.equal("pushed");
  return sha as string;
}

describe("authenticated git", function () {
  this.timeout(120_000);

  describe("HTTPS with --git-token-file (git http-backend behind basic auth)", () => {
    let remote: BareRemote;
    let server: GitHttpServer;
    let url: string;
    before(async () => {
      remote = new BareRemote({ "README.md": "gitops\n" });
      server = await startGitHttpServer({
        root: remote.root,
        username: DEFAULT_GIT_USERNAME,
        token: () => TOKEN,
      });
      url = server.url("gitops.git");
    });
    after(async () => {
      await server.close();
      remote.remove();
    });
    const tokenAuth = (path: string): GitAuth => ({
      kind: "token",
      username: DEFAULT_GIT_USERNAME,
      token: new SecretFile("--git-token-file", path),
    });

    it("clones, commits and pushes; the token is in no file of the working copy and no commit", async () => {
      const mount = secretMount(join(tempDir(), "secret"), { token: `${TOKEN}\n` });
      const copy = await workingCopy(url, tokenAuth(mount.path("token")));
      const sha = await decide(copy, "https-ok.txt");
      expect(remote.head()).to.equal(sha);
      expect(filesHolding(join(copy.dir, ".."), TOKEN)).to.deep.equal([]);
      expect(readFileSync(join(copy.dir, ".git", "config"), "utf8")).to.not.include("credential");
      expect(inHistory(remote, TOKEN)).to.equal(false);
    });

    it("no git command meshcanary runs has the token in its arguments", async () => {
      // A \`git\` first on PATH that logs its arguments, then runs the real one.
      const bin = tempDir();
      const log = join(bin, "argv.log");
      writeFileSync(
        join(bin, "git"),
        `#!/bin/sh\nprintf '%s\\n' "$*" >> '${log}'\nexec /usr/bin/git "$@"\n`,
        { mode: 0o755 },
      );
      const mount = secretMount(join(tempDir(), "secret"), { token: TOKEN });
      const path = process.env.PATH;
      process.env.PATH = `${bin}:${path ?? ""}`;
      try {
        const copy = await workingCopy(url, tokenAuth(mount.path("token")));
        await decide(copy, "https-argv.txt");
      } finally {
        process.env.PATH = path;
      }
      const argv = readFileSync(log, "utf8");
      expect(argv).to.include("push").and.include("clone");
      expect(argv).to.not.include(TOKEN);
    });

    it("a wrong token: an error naming the endpoint, never a token (exit 3)", async () => {
      const mount = secretMount(join(tempDir(), "secret"), { token: WRONG });
      const copy = await workingCopy(url, tokenAuth(mount.path("token")));
      const before = server.refused();
      const error = await failure(copy.sync());
      expect(server.refused()).to.be.greaterThan(before);
      expect(error.message).to.include(url).and.to.include("Authentication failed");
      expect(error.message).to.not.include(WRONG).and.not.include(TOKEN);
      expect(error.exitCode).to.equal(ExitCode.external);
    });

    it("an unreadable token file: an error naming the flag, the file and the endpoint", async () => {
      const missing = join(tempDir(), "no-such-token");
      const copy = await workingCopy(url, tokenAuth(missing));
      const error = await failure(copy.sync());
      expect(error.message).to.include(`cannot read --git-token-file ${missing}: ENOENT`);
      expect(error.message).to.include(url);
      expect(error.exitCode).to.equal(ExitCode.external);
    });

    it("recovers when the Secret is fixed, in the same working copy", async () => {
      const mount = secretMount(join(tempDir(), "secret"), { token: WRONG });
      const copy = await workingCopy(url, tokenAuth(mount.path("token")));
      await failure(copy.sync());
      mount.update({ token: TOKEN });
      const sha = await decide(copy, "https-rotated.txt");
      expect(remote.head()).to.equal(sha);
    });
  });

  describe("SSH with --git-ssh-key-file and --git-known-hosts-file (Debian's sshd)", () => {
    let sshd: Sshd;
    let remote: BareRemote;
    let url: string;
    let clientKey: string;
    let knownHosts: string;
    before(async () => {
      sshd = await startSshd();
      remote = new BareRemote({ "README.md": "gitops\n" });
      url = sshd.url(remote.bare);
      clientKey = readFileSync(sshd.clientKey, "utf8");
      const dir = tempDir();
      knownHosts = join(dir, "known_hosts");
      execFileSync("sh", ["-c", 'printf "%s" "$1" > "$2"', "sh", sshd.knownHostsLine, knownHosts]);
    });
    after(async () => {
      await sshd.stop();
      remote.remove();
    });
    const sshAuth = (key: string, hosts = knownHosts): GitAuth => ({
      kind: "ssh",
      key: new SecretFile("--git-ssh-key-file", key),
      knownHosts: new SecretFile("--git-known-hosts-file", hosts),
    });
    /** The key's body, a line of base64 that only the key holds. */
    const keyBody = () => (clientKey.split("\n")[1] as string).trim();

    it("clones, commits and pushes with a key mounted as Kubernetes does by default (0644)", async () => {
      // ssh refuses such a key; meshcanary hands it a private copy instead.
      const mount = secretMount(join(tempDir(), "secret"), { "ssh-privatekey": clientKey });
      const copy = await workingCopy(url, sshAuth(mount.path("ssh-privatekey")));
      const sha = await decide(copy, "ssh-ok.txt");
      expect(remote.head()).to.equal(sha);
      expect(filesHolding(join(copy.dir, ".."), keyBody())).to.deep.equal([]);
      expect(inHistory(remote, keyBody())).to.equal(false);
    });

    it("a key sshd does not know: an error naming the endpoint (exit 3)", async () => {
      const dir = tempDir();
      generateKey(join(dir, "other"));
      const copy = await workingCopy(url, sshAuth(join(dir, "other")));
      const error = await failure(copy.sync());
      expect(error.message).to.include(url).and.to.include("Permission denied");
      expect(error.exitCode).to.equal(ExitCode.external);
    });

    it("a host key not in --git-known-hosts-file: refused (strict checking), naming the endpoint", async () => {
      const dir = tempDir();
      generateKey(join(dir, "stranger"));
      const stranger = readFileSync(join(dir, "stranger.pub"), "utf8").split(" ");
      const hosts = join(dir, "known_hosts");
      execFileSync("sh", [
        "-c",
        'printf "%s\\n" "$1" > "$2"',
        "sh",
        `[127.0.0.1]:${sshd.port} ${stranger[0]} ${stranger[1]}`,
        hosts,
      ]);
      const copy = await workingCopy(url, sshAuth(sshd.clientKey, hosts));
      const error = await failure(copy.sync());
      expect(error.message).to.include(url).and.to.include("Host key verification failed");
    });

    it("an unreadable key file: an error naming the flag, the file and the endpoint", async () => {
      const missing = join(tempDir(), "no-such-key");
      const copy = await workingCopy(url, sshAuth(missing));
      const error = await failure(copy.sync());
      expect(error.message).to.include(`cannot read --git-ssh-key-file ${missing}: ENOENT`);
      expect(error.message).to.include(url);
      expect(error.exitCode).to.equal(ExitCode.external);
    });

    it("an unreadable known_hosts file: an error naming the flag and the endpoint", async () => {
      const missing = join(tempDir(), "no-such-known-hosts");
      const copy = await workingCopy(url, sshAuth(sshd.clientKey, missing));
      const error = await failure(copy.sync());
      expect(error.message).to.include(`cannot read --git-known-hosts-file ${missing}: ENOENT`);
      expect(error.message).to.include(url);
    });

    it("recovers when the key's Secret is fixed, in the same working copy", async () => {
      const dir = tempDir();
      generateKey(join(dir, "other"));
      const mount = secretMount(join(dir, "secret"), {
        "ssh-privatekey": readFileSync(join(dir, "other"), "utf8"),
      });
      const copy = await workingCopy(url, sshAuth(mount.path("ssh-privatekey")));
      await failure(copy.sync());
      mount.update({ "ssh-privatekey": clientKey });
      const sha = await decide(copy, "ssh-rotated.txt");
      expect(remote.head()).to.equal(sha);
    });
  });
});
