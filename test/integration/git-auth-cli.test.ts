/**
 * `meshcanary watch` as a process with git credentials from files: one cycle
 * (`--once`) over HTTPS and over SSH, a running loop that reports a bad
 * credential on /readyz and recovers when the file is fixed (no restart),
 * and the warning for a credential left in the --repo URL. No secret in
 * stdout, stderr, /readyz, /metrics or the working copy.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import fetch from "node-fetch";
import { startCli } from "../support/cli.js";
import { tempDir } from "../support/files.js";
import { freePort } from "../support/free-port.js";
import { type GitHttpServer, startGitHttpServer } from "../support/git-http-server.js";
import { BareRemote } from "../support/git-remote.js";
import { filesHolding } from "../support/git-secrets.js";
import { secretMount } from "../support/secret-mount.js";
import { auditSecret } from "../support/secrets-audit.js";
import { generateKey, type Sshd, startSshd } from "../support/sshd.js";
import { waitFor } from "../support/watchdog-harness.js";

const TOKEN = "ghp_cliRightToken0123456789abcdef";
const WRONG = "ghp_cliWrongToken9876543210fedcba";
auditSecret(TOKEN, WRONG);
/** No rollout is active, so a cycle needs git only; Prometheus is never asked. */
const NO_PROMETHEUS = "http://127.0.0.1:9";
const SETTINGS = ["--specs", "rollouts", "--out", "manifests"];

/**
 * Runs the CLI to its end without blocking this process, which serves git
 * over HTTP to it (runCli's spawnSync would deadlock).
 */
async function run(
  args: string[],
  cwd: string,
): Promise<{ code: number | string; stdout: string; stderr: string }> {
  const w = startCli(args, cwd);
  const timer = setTimeout(() => w.child.kill("SIGKILL"), 60_000);
  const code = await w.exited;
  clearTimeout(timer);
  return { code, ...w.output() };
}

const IDLE = /^no active rollout due a check$/i;

interface Readiness {
  readonly status: number;
  readonly body: { status?: string; lastError?: string };
  readonly text: string;
}

async function readiness(port: number): Promise<Readiness> {
  const res = await fetch(`http://127.0.0.1:${port}/readyz`);
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text) as Readiness["body"], text };
}

describe("meshcanary watch with git credentials from files (process)", function () {
  this.timeout(120_000);
  let remote: BareRemote;
  let server: GitHttpServer;
  let sshd: Sshd;
  let httpsUrl: string;
  let sshUrl: string;
  let clientKey: string;
  let knownHosts: string;
  before(async () => {
    remote = new BareRemote({ "rollouts/.keep": "", "README.md": "gitops\n" });
    server = await startGitHttpServer({
      root: remote.root,
      username: "x-access-token",
      token: () => TOKEN,
    });
    httpsUrl = server.url("gitops.git");
    sshd = await startSshd();
    sshUrl = sshd.url(remote.bare);
    clientKey = readFileSync(sshd.clientKey, "utf8");
    const mount = secretMount(join(tempDir(), "hosts"), { known_hosts: sshd.knownHostsLine });
    knownHosts = mount.path("known_hosts");
  });
  after(async () => {
    await server.close();
    await sshd.stop();
    remote.remove();
  });
  const keyBody = () => (clientKey.split("\n")[1] as string).trim();

  it("--once over HTTPS with --git-token-file: exit 0, the token nowhere in the output or the workdir", async () => {
    const mount = secretMount(join(tempDir(), "secret"), { token: `${TOKEN}\n` });
    const workdir = join(tempDir(), "wd");
    const r = await run(
      [
        "watch",
        "--once",
        "--repo",
        httpsUrl,
        "--git-token-file",
        mount.path("token"),
        "--prometheus",
        NO_PROMETHEUS,
        "--workdir",
        workdir,
        ...SETTINGS,
      ],
      remote.root,
    );
    expect(r.stderr).to.include("cloned the remote");
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.match(IDLE);
    expect(`${r.stdout}${r.stderr}`).to.not.include(TOKEN);
    expect(filesHolding(workdir, TOKEN)).to.deep.equal([]);
  });

  it("--once over SSH with --git-ssh-key-file and --git-known-hosts-file: exit 0, the key nowhere", async () => {
    const mount = secretMount(join(tempDir(), "secret"), { "ssh-privatekey": clientKey });
    const workdir = join(tempDir(), "wd");
    const r = await run(
      [
        "watch",
        "--once",
        "--repo",
        sshUrl,
        "--git-ssh-key-file",
        mount.path("ssh-privatekey"),
        "--git-known-hosts-file",
        knownHosts,
        "--prometheus",
        NO_PROMETHEUS,
        "--workdir",
        workdir,
        ...SETTINGS,
      ],
      remote.root,
    );
    expect(r.stderr).to.include("cloned the remote");
    expect(r.code).to.equal(0);
    expect(r.stdout.trim()).to.match(IDLE);
    expect(`${r.stdout}${r.stderr}`).to.not.include(keyBody());
    expect(filesHolding(workdir, keyBody())).to.deep.equal([]);
  });

  it("status takes the same flags: a wrong token is exit 3 naming the remote, the right one gets past git", async () => {
    const mount = secretMount(join(tempDir(), "secret"), { token: WRONG });
    const status = () =>
      run(
        [
          "status",
          "--repo",
          httpsUrl,
          "--git-token-file",
          mount.path("token"),
          "--specs",
          "rollouts",
          "--prometheus",
          NO_PROMETHEUS,
        ],
        remote.root,
      );
    const refused = await status();
    expect(refused.code).to.equal(3);
    expect(refused.stderr).to.include(httpsUrl).and.include("Authentication failed");
    mount.update({ token: TOKEN });
    const passed = await status();
    expect(passed.stderr).to.not.include("Authentication failed");
    expect(passed.code).to.equal(0);
    for (const r of [refused, passed])
      expect(`${r.stdout}${r.stderr}`).to.not.include(TOKEN).and.not.include(WRONG);
  });

  it("--git-token-file with an SSH --repo: exit 2 naming the flag", async () => {
    const r = await run(
      [
        "watch",
        "--once",
        "--repo",
        sshUrl,
        "--git-token-file",
        "/t",
        "--prometheus",
        NO_PROMETHEUS,
      ],
      remote.root,
    );
    expect(r.code).to.equal(2);
    expect(r.stderr).to.include("--git-token-file needs an https:// --repo");
  });

  it("a credential in the --repo URL still works, with one warning that points to --git-token-file and never shows it", async () => {
    const inUrl = httpsUrl.replace("http://", `http://x-access-token:${TOKEN}@`);
    const r = await run(
      ["watch", "--once", "--repo", inUrl, "--prometheus", NO_PROMETHEUS, ...SETTINGS],
      remote.root,
    );
    expect(r.code).to.equal(0);
    const warnings = r.stderr.split("\n").filter((l) => l.includes("credential in its URL"));
    expect(warnings).to.have.length(1);
    expect(warnings[0]).to.include("--git-token-file");
    expect(`${r.stdout}${r.stderr}`).to.not.include(TOKEN);
  });

  const LOOPS: {
    what: string;
    repo: () => string;
    flags: (dir: string) => { args: string[]; fix: () => void };
    failure: string;
    secrets: () => string[];
  }[] = [
    {
      what: "HTTPS, a wrong token",
      repo: () => httpsUrl,
      flags: (dir) => {
        const mount = secretMount(join(dir, "secret"), { token: WRONG });
        return {
          args: ["--git-token-file", mount.path("token")],
          fix: () => mount.update({ token: TOKEN }),
        };
      },
      failure: "Authentication failed",
      secrets: () => [TOKEN, WRONG],
    },
    {
      what: "SSH, a key sshd does not know",
      repo: () => sshUrl,
      flags: (dir) => {
        generateKey(join(dir, "other"));
        const mount = secretMount(join(dir, "secret"), {
          "ssh-privatekey": readFileSync(join(dir, "other"), "utf8"),
        });
        return {
          args: [
            "--git-ssh-key-file",
            mount.path("ssh-privatekey"),
            "--git-known-hosts-file",
            knownHosts,
          ],
          fix: () => mount.update({ "ssh-privatekey": clientKey }),
        };
      },
      failure: "Permission denied",
      secrets: () => [keyBody()],
    },
  ];
  for (const loop of LOOPS)
    it(`a running watchdog, ${loop.what}: /readyz names the endpoint, and it recovers when the file is fixed`, async () => {
      const dir = tempDir();
      const { args, fix } = loop.flags(dir);
      const port = await freePort();
      const w = startCli(
        [
          "watch",
          "--repo",
          loop.repo(),
          ...args,
          "--prometheus",
          NO_PROMETHEUS,
          "--interval",
          "1s",
          "--listen",
          `127.0.0.1:${port}`,
          "--workdir",
          join(dir, "wd"),
          ...SETTINGS,
        ],
        remote.root,
      );
      try {
        const failing = await waitFor("/readyz to report the failure", async () => {
          const r = await readiness(port).catch(() => undefined);
          return r?.body.lastError?.includes(loop.failure) === true ? r : undefined;
        });
        expect(failing.status).to.equal(503);
        expect(failing.body.lastError).to.include(loop.repo());
        fix();
        const ready = await waitFor("/readyz to be ok again", async () => {
          const r = await readiness(port).catch(() => undefined);
          return r?.status === 200 ? r : undefined;
        });
        expect(ready.body.status).to.equal("ok");
        expect(w.child.exitCode).to.equal(null);
        const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        const overview = await (await fetch(`http://127.0.0.1:${port}/`)).text();
        for (const secret of loop.secrets())
          for (const text of [
            failing.text,
            metrics,
            overview,
            w.output().stderr,
            w.output().stdout,
          ])
            expect(text).to.not.include(secret);
      } finally {
        w.child.kill("SIGTERM");
        await w.exited;
      }
    });
});
