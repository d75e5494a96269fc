/**
 * Every flag of every command given a bad value, run as a real process: each
 * exits with its code from the one table (2 for a bad value, 3 for an address
 * or dependency the OS refuses), names the flag, and never ends as an
 * internal error (70) or a hang (each run is killed at a deadline).
 */
import { cpSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { join } from "node:path";
import { expect } from "chai";
import { processConsole } from "../../src/cli/console.js";
import { buildProgram } from "../../src/cli/program.js";
import { type CliResult, runCli } from "../support/cli.js";
import { tempDir } from "../support/files.js";
import { freePort } from "../support/free-port.js";
import { BareRemote } from "../support/git-remote.js";
import { REPO_ROOT } from "../support/paths.js";
import { fastSpec, repoFiles, rolloutRemote } from "../support/rollout-repo.js";

/**
 * Bad values of the flags every command with `--prometheus` takes: [bad
 * arguments, what stderr must name]. The base URL is http://, so TLS flags are
 * misplaced there; secrets are only ever paths.
 */
const prometheusAuthRows: [string[], string][] = [
  [["--prometheus-bearer-token-file", ""], "--prometheus-bearer-token-file"],
  [
    [
      "--prometheus-bearer-token-file",
      "/run/token",
      "--prometheus-username",
      "u",
      "--prometheus-password-file",
      "/run/password",
    ],
    "--prometheus-bearer-token-file and --prometheus-username: choose one",
  ],
  [
    ["--prometheus-username", "meshcanary"],
    "--prometheus-username and --prometheus-password-file go together",
  ],
  [["--prometheus-password-file", "/run/password"], "--prometheus-password-file"],
  [["--prometheus-username", "u", "--prometheus-password-file", ""], "--prometheus-password-file"],
  [["--prometheus-header", "X-Scope-OrgID"], "--prometheus-header: expected NAME=VALUE"],
  [["--prometheus-header", "=tenant-a"], "--prometheus-header: expected NAME=VALUE"],
  [["--prometheus-header", "Host=x"], "--prometheus-header Host: meshcanary sets this header"],
  [["--prometheus-header", "X-A=1", "--prometheus-header", "x-a=2"], "--prometheus-header x-a"],
  [["--prometheus-header-file", "X-Key"], "--prometheus-header-file: expected NAME=PATH"],
  [["--prometheus-header-file", "X-Key="], "--prometheus-header-file X-Key: the value is empty"],
  [["--prometheus-ca-file", "/run/ca.crt"], "--prometheus-ca-file needs an https://"],
  [["--prometheus-ca-file", ""], "--prometheus-ca-file"],
  [
    ["--prometheus-cert-file", "/run/tls.crt", "--prometheus-key-file", "/run/tls.key"],
    "--prometheus-cert-file needs an https://",
  ],
  [["--prometheus-cert-file", "/run/tls.crt"], "--prometheus-cert-file and --prometheus-key-file"],
  [["--prometheus-key-file", "/run/tls.key"], "--prometheus-key-file go together"],
  [
    ["--prometheus-server-name", "prometheus.example"],
    "--prometheus-server-name needs an https://",
  ],
];

const AUTHOR = "Jane Doe <jane@example.com>";
const MANUAL_COMMANDS = ["pause", "resume", "promote", "abort"];

/** Generous: the runs below take well under a second; only a hang reaches it. */
const DEADLINE_MS = 15_000;

function expectExit(r: CliResult, code: number, named: string): void {
  expect(r.signal, `still running after ${DEADLINE_MS} ms, killed; stderr: ${r.stderr}`).to.equal(
    null,
  );
  expect(r.stderr).to.not.contain("internal error");
  expect(r.code, r.stderr).to.equal(code);
  expect(r.stderr).to.contain(named);
}

describe("bad flag values (process)", function () {
  this.timeout(DEADLINE_MS + 5_000);
  const dir = tempDir();
  mkdirSync(join(dir, ".git"));
  mkdirSync(join(dir, "rollouts"));
  cpSync(join(REPO_ROOT, "examples", "recommend.yaml"), join(dir, "rollouts", "recommend.yaml"));
  writeFileSync(join(dir, "a-file"), "not a directory\n");
  let remote: BareRemote;
  /** Nothing listens here: a refusing dependency. */
  let closed: string;
  before(async () => {
    remote = rolloutRemote();
    closed = `http://127.0.0.1:${await freePort()}`;
  });
  after(() => rmSync(remote.root, { recursive: true, force: true }));

  /** Valid arguments for each command, so the appended bad value is the only fault. */
  const base = (command: string): string[] => {
    switch (command) {
      case "compile":
        return ["compile", "rollouts", "--out", "out"];
      case "validate":
        return ["validate", "rollouts"];
      // The loop, not --once: were a value checked only later, the run would clone and go on watching.
      case "watch":
        return ["watch", "--repo", remote.bare, "--prometheus", closed, "--workdir", "wd"];
      case "status":
        return ["status", "rollouts", "--prometheus", closed];
      // --dry-run: were a bad value taken, nothing would be pushed.
      case "pause":
      case "resume":
      case "promote":
      case "abort":
        return [command, "recs/recommend", "--repo", remote.bare, "--author", AUTHOR, "--dry-run"];
      default:
        return ["backtest", "rollouts", "--prometheus", closed, "--from", "now-1h"];
    }
  };

  /** [command, bad arguments appended to its valid ones, what stderr must name]. */
  const table: [string, string[], string][] = [
    ["compile", ["--quiet=yes"], "--quiet"],
    ["compile", ["--version=yes"], "--version"],
    ["compile", ["--bogus"], "--bogus"],
    ["compile", [""], "paths"],
    ["compile", ["nope"], "nope"],
    ["compile", ["/dev/null"], "/dev/null"],
    ["compile", ["--out", ""], "--out"],
    ["compile", ["-o", ""], "--out"],
    ["compile", ["--check=yes"], "--check"],
    ["compile", ["--prune=yes"], "--prune"],
    ["compile", ["--api-version", "v2"], "--api-version"],
    ["compile", ["--config", "nope.yaml"], "--config"],
    ["compile", ["--config", "rollouts"], "--config"],
    ["validate", ["nope"], "nope"],
    ["validate", ["--api-version", "v3"], "--api-version"],
    ["validate", ["--config", "nope.yaml"], "--config"],
    ["watch", ["--repo", ""], "--repo"],
    ["watch", ["--repo", "-x"], "--repo"],
    ["watch", ["--prometheus", "bogus"], "--prometheus"],
    ["watch", ["--prometheus", "ftp://prometheus:9090"], "--prometheus"],
    ["watch", ["--prometheus", "http://prometheus:9090/?x=1"], "--prometheus"],
    ["watch", ["--branch", "a b"], "--branch"],
    ["watch", ["--branch", "-x"], "--branch"],
    ["watch", ["--branch", "a..b"], "--branch"],
    ["watch", ["--branch", "main.lock"], "--branch"],
    ["watch", ["--specs", "../elsewhere"], "--specs"],
    ["watch", ["--specs", "/rollouts"], "--specs"],
    ["watch", ["--specs", ""], "--specs"],
    ["watch", ["--out", "../manifests"], "--out"],
    ["watch", ["--api-version", "v2"], "--api-version"],
    ["watch", ["--interval", "0s"], "--interval"],
    ["watch", ["--interval", "10"], "--interval"],
    ["watch", ["--workdir", "a-file"], "--workdir"],
    ["watch", ["--workdir", ""], "--workdir"],
    ["watch", ["--listen", "bogus"], "--listen"],
    ["watch", ["--listen", "127.0.0.1:99999"], "--listen"],
    ["watch", ["--listen", "127.0.0.1"], "--listen"],
    ["watch", ["--listen", "127.0.0.1:0"], "--listen"],
    ["watch", ["--once=yes"], "--once"],
    ["watch", ["--dry-run=yes"], "--dry-run"],
    ["watch", ["--argocd-url", "bogus", "--argocd-app", "routes"], "--argocd-url"],
    ["watch", ["--argocd-url", "http://argocd", "--argocd-app", "Bad_App"], "--argocd-app"],
    ["watch", ["--argocd-url", "http://argocd"], "--argocd-app"],
    ["watch", ["--argocd-token-file", "/run/token"], "--argocd-token-file"],
    [
      "watch",
      ["--argocd-url", "http://argocd", "--argocd-app", "routes", "--argocd-ca-file", "/run/ca"],
      "--argocd-ca-file",
    ],
    ["watch", ["--notify-failure-cycles", "0"], "--notify-failure-cycles"],
    ["watch", ["--notify-failure-cycles", "2.5"], "--notify-failure-cycles"],
    ["watch", ["--report-url-base", "meshcanary.example"], "--report-url-base"],
    ["watch", ["--query-timeout", "5"], "--query-timeout"],
    ["watch", ["--author-name", ""], "--author-name"],
    ["watch", ["--author-name", "Bot <bot@x>"], "--author-name"],
    ["watch", ["--author-email", "bot"], "--author-email"],
    ["status", ["nope"], "nope"],
    ["status", ["--prometheus", "bogus"], "--prometheus"],
    ["status", ["--repo", ""], "--repo"],
    ["status", ["--branch", "a b"], "--branch"],
    ["status", ["--specs", "../elsewhere"], "--specs"],
    ["status", ["--json=yes"], "--json"],
    ["status", ["--query-timeout", "x"], "--query-timeout"],
    ["status", ["--rollout", "recommend"], "--rollout"],
    ["status", ["--rollout", "recs/recommend/v2"], "--rollout"],
    ["status", ["--report", "no-such-dir/status.html"], "--report"],
    ["status", ["--report", "rollouts"], "--report"],
    ["status", ["--report-range", "0s"], "--report-range"],
    ["backtest", ["nope"], "nope"],
    ["backtest", ["--prometheus", "bogus"], "--prometheus"],
    ["backtest", ["--from", "yesterday"], "--from"],
    ["backtest", ["--from", "2026-02-30T00:00:00Z"], "--from"],
    ["backtest", ["--from", "now-100000000000h"], "--from"],
    ["backtest", ["--to", "later"], "--to"],
    ["backtest", ["--to", "now-2h"], "--to"],
    ["backtest", ["--step", "0s"], "--step"],
    ["backtest", ["--step", "1ms"], "--step"],
    ["backtest", ["--rollout", "recommend"], "--rollout"],
    ["backtest", ["--report", "no-such-dir/report.html"], "--report"],
    ["backtest", ["--json=yes"], "--json"],
    ["backtest", ["--query-timeout", "-1s"], "--query-timeout"],
    ["watch", ["--argocd-token-file", ""], "--argocd-token-file"],
    ["watch", ["--argocd-server-name", "argocd.example"], "--argocd-server-name"],
    [
      "watch",
      ["--argocd-url", "http://argocd", "--argocd-app", "routes", "--argocd-server-name", "a"],
      "--argocd-server-name",
    ],
    ["watch", ["--notify-webhook-file", ""], "--notify-webhook-file"],
    ["watch", ["--notify-slack-webhook-file", ""], "--notify-slack-webhook-file"],
    // The watch base's --repo is a local path: neither https:// nor ssh.
    ["watch", ["--git-token-file", "/run/token"], "--git-token-file needs an https:// --repo"],
    ["watch", ["--git-ssh-key-file", "/run/key"], "--git-ssh-key-file needs an ssh://"],
    ["watch", ["--git-known-hosts-file", "/run/hosts"], "--git-known-hosts-file needs an ssh://"],
    [
      "watch",
      ["--git-token-file", "/run/token", "--git-ssh-key-file", "/run/key"],
      "--git-token-file and --git-ssh-key-file/--git-known-hosts-file: choose HTTPS or SSH",
    ],
    // The status base reads local specs: no --repo for a credential to go with.
    ["status", ["--git-token-file", "/run/token"], "--git-token-file needs --repo"],
    ["status", ["--git-ssh-key-file", "/run/key"], "--git-ssh-key-file needs --repo"],
    ["status", ["--git-known-hosts-file", "/run/hosts"], "--git-known-hosts-file needs --repo"],
    ...["watch", "status"].flatMap((command): [string, string[], string][] => [
      [command, ["--git-token-file", ""], "--git-token-file"],
      [command, ["--git-ssh-key-file", ""], "--git-ssh-key-file"],
      [command, ["--git-known-hosts-file", ""], "--git-known-hosts-file"],
      [command, ["--git-username", ""], "--git-username"],
      [command, ["--git-username", "bot"], "--git-username goes with --git-token-file"],
    ]),
    ...["watch", "status", "backtest"].flatMap((command) =>
      prometheusAuthRows.map(([bad, named]): [string, string[], string] => [command, bad, named]),
    ),
    ...MANUAL_COMMANDS.flatMap((command): [string, string[], string][] => [
      [command, ["--repo", ""], "--repo"],
      [command, ["--dir", "a-file"], "--dir"],
      [command, ["--dir", "rollouts"], "--repo and --dir: choose one"],
      [command, ["--branch", "a b"], "--branch"],
      [command, ["--workdir", "a-file"], "--workdir"],
      [command, ["--specs", "../elsewhere"], "--specs"],
      [command, ["--out", "/manifests"], "--out"],
      [command, ["--api-version", "v2"], "--api-version"],
      [command, ["--author", "Jane Doe"], "--author"],
      [command, ["--author", "Jane <jane>"], "--author"],
      [command, ["--reason", ""], "--reason"],
      [command, ["--reason", "two\nlines"], "--reason"],
      [command, ["--dry-run=yes"], "--dry-run"],
      [command, ["--git-token-file", "/run/token"], "--git-token-file needs an https:// --repo"],
      [command, ["--git-token-file", ""], "--git-token-file"],
      [command, ["--git-ssh-key-file", ""], "--git-ssh-key-file"],
      [command, ["--git-known-hosts-file", ""], "--git-known-hosts-file"],
      [command, ["--git-username", ""], "--git-username"],
      [command, ["--git-username", "bot"], "--git-username goes with --git-token-file"],
    ]),
  ];
  for (const [command, bad, named] of table) {
    it(`${command} ${bad.map((a) => JSON.stringify(a)).join(" ")}: exit 2 naming ${named}`, () => {
      expectExit(runCli([...base(command), ...bad], dir, { deadlineMs: DEADLINE_MS }), 2, named);
    });
  }

  const missing: [string, string[], string][] = [
    ["watch", ["watch", "--prometheus", "http://127.0.0.1:9"], "--repo"],
    ["watch", ["watch", "--repo", "/srv/gitops.git"], "--prometheus"],
    ["status", ["status", "rollouts"], "--prometheus"],
    ["backtest", ["backtest", "rollouts", "--prometheus", "http://127.0.0.1:9"], "--from"],
    ...MANUAL_COMMANDS.flatMap((command): [string, string[], string][] => [
      [command, [command, "--author", AUTHOR], "missing required argument 'namespace/name'"],
      [command, [command, "recommend", "--author", AUTHOR], "expected <namespace>/<name>"],
      [command, [command, "recs/recommend", "--workdir", "wd"], "--workdir needs --repo"],
    ]),
  ];
  for (const [command, args, named] of missing) {
    it(`${command} without ${named}: exit 2 naming it`, () => {
      expectExit(runCli(args, dir, { deadlineMs: DEADLINE_MS }), 2, named);
    });
  }

  it("has a row for every flag of every command, so a new flag without one fails here", () => {
    // A row covers a flag it passes a bad value to and whose name it expects in stderr.
    const covered = new Set<string>();
    for (const [command, bad, named] of [...table, ...missing])
      for (const arg of bad) {
        const flag = arg.split("=")[0] as string;
        if (flag.startsWith("--") && named.includes(flag)) covered.add(`${command} ${flag}`);
      }
    const program = buildProgram(() => processConsole({ quiet: true }));
    const coveredAnywhere = (flag: string) => [...covered].some((c) => c.endsWith(` ${flag}`));
    const lacking = [
      ...program.commands.flatMap((c) =>
        c.options.map((o) => `${c.name()} ${o.long}`).filter((row) => !covered.has(row)),
      ),
      // Program-wide flags (--quiet, --version) need a row under any one command.
      ...program.options
        .map((o) => o.long as string)
        .filter((flag) => !coveredAnywhere(flag))
        .map((flag) => `(any command) ${flag}`),
    ];
    expect(
      lacking,
      "flags without a bad-value row in this table; add [command, [flag, bad value], text naming the flag] for each",
    ).to.deep.equal([]);
  });

  describe("--listen on an address the OS refuses: exit 3 before any git or Prometheus call", () => {
    let busy: Server;
    let port: number;
    before(async () => {
      busy = createServer();
      await new Promise<void>((resolve) => busy.listen(0, "127.0.0.1", resolve));
      port = (busy.address() as { port: number }).port;
    });
    after(() => new Promise<void>((resolve) => busy.close(() => resolve())));

    // A repo that does not exist: had git run first, the message would be about cloning.
    const watch = [
      "watch",
      "--repo",
      "/nonexistent/gitops.git",
      "--prometheus",
      "http://127.0.0.1:9",
    ];
    for (const mode of [[], ["--once"]]) {
      it(`a busy port${mode.length > 0 ? " with --once" : ", in the loop"}`, () => {
        const r = runCli([...watch, ...mode, "--listen", `127.0.0.1:${port}`], dir, {
          deadlineMs: DEADLINE_MS,
        });
        expectExit(
          r,
          3,
          `--listen 127.0.0.1:${port}: cannot listen: the address is already in use`,
        );
        expect(r.stderr).to.not.contain("clone");
      });
    }

    it("an address of no interface here (TEST-NET-1)", () => {
      const r = runCli([...watch, "--once", "--listen", "192.0.2.1:9464"], dir, {
        deadlineMs: DEADLINE_MS,
      });
      expectExit(r, 3, "--listen 192.0.2.1:9464: cannot listen");
      expect(r.stderr).to.not.contain("clone");
    });
  });

  it("a bad value in the GitOps repo's meshcanary.yaml: exit 2 naming the file, line and key", () => {
    const bad = new BareRemote({
      ...repoFiles(fastSpec()),
      "meshcanary.yaml": "specs: rollouts\nout: manifests\napiVersion: v2\n",
    });
    try {
      for (const command of [["watch", "--once"], ["status"]]) {
        const r = runCli([...command, "--repo", bad.bare, "--prometheus", closed], dir, {
          deadlineMs: DEADLINE_MS,
        });
        expectExit(r, 2, "meshcanary.yaml:3:13: apiVersion: must be one of");
      }
    } finally {
      rmSync(bad.root, { recursive: true, force: true });
    }
  });

  describe("a refusing Prometheus: exit 3", () => {
    for (const command of ["status", "backtest"]) {
      it(command, () => {
        expectExit(runCli(base(command), dir, { deadlineMs: DEADLINE_MS }), 3, "ECONNREFUSED");
      });
    }

    it("watch --once, and the --listen server it bound first does not keep it running", async () => {
      const listen = `127.0.0.1:${await freePort()}`;
      const r = runCli(
        ["watch", "--once", "--repo", remote.bare, "--prometheus", closed, "--listen", listen],
        dir,
        { deadlineMs: DEADLINE_MS },
      );
      expectExit(r, 3, "ECONNREFUSED");
      expect(r.stdout).to.match(/^recs\/recommend +20% +hold: error: Prometheus/);
    });
  });
});
