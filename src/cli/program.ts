/**
 * The command line: commands, flags and the one place errors become exit
 * codes (see ExitCode). `run` returns the code; only main.ts exits.
 */
import { Command, CommanderError, Option } from "commander";
import { ExitCode, InvalidSpecError, MeshcanaryError } from "../errors.js";
import { readPackageJson } from "../package-files.js";
import { addArgoCdOptions } from "./argocd-options.js";
import { type BacktestFlags, backtestCommand } from "./backtest-command.js";
import { compileCommand, validateCommand } from "./compile-command.js";
import { type Console, processConsole } from "./console.js";
import { addNotifyOptions } from "./notify-options.js";
import { addPrometheusAuthOptions } from "./prometheus-options.js";
import { type StatusFlags, statusCommand } from "./status-command.js";
import { type WatchFlags, watchCommand } from "./watch-command.js";

const API_VERSIONS = ["v1", "v1beta1", "networking.istio.io/v1", "networking.istio.io/v1beta1"];

function apiVersionOption(): Option {
  return new Option(
    "--api-version <version>",
    "Istio API version of the manifests (default: meshcanary.yaml's apiVersion, else v1 = networking.istio.io/v1, Istio >= 1.22)",
  ).choices(API_VERSIONS);
}

function configOption(): Option {
  return new Option(
    "--config <file>",
    "project settings file (default: meshcanary.yaml in this directory or above, up to the repo root)",
  );
}

/**
 * @param setExitCode for commands that decide their own exit code (watch,
 * status); the others end with 0 or throw.
 */
export function buildProgram(
  consoleFor: (quiet: boolean) => Console,
  setExitCode: (code: number) => void = () => {},
): Command {
  const { version } = readPackageJson<{ version: string }>("package.json");
  const program = new Command("meshcanary")
    .description(
      "Canary rollouts on Istio, the GitOps way: compile rollout specs to VirtualService/DestinationRule manifests.",
    )
    .version(version)
    .option("-q, --quiet", "do not print notes (skipped documents, stale directories)")
    .exitOverride()
    .showHelpAfterError("(see meshcanary --help)")
    .addHelpText(
      "after",
      "\nExit codes: 0 ok, 1 invalid input or out-of-date output, 2 usage error, 3 an external dependency failed (file system, Prometheus, git).",
    );
  const io = (cmd: Command) =>
    consoleFor(cmd.optsWithGlobals<{ quiet?: boolean }>().quiet === true);

  program
    .command("compile")
    .description(
      "Compile rollout specs into Istio manifests under --out: <namespace>/<name>/{virtualservice,destinationrule,kustomization}.yaml and a root kustomization.yaml.",
    )
    .argument(
      "[paths...]",
      "spec files or directories, searched recursively for *.yaml/*.yml (default: meshcanary.yaml's specs)",
    )
    .option("-o, --out <dir>", "output directory (default: meshcanary.yaml's out)")
    .option(
      "--check",
      "write nothing; exit 1 listing generated files that are out of date (for CI)",
    )
    .option(
      "--prune",
      "remove output directories of rollouts that no longer exist (only ones meshcanary generated)",
    )
    .addOption(apiVersionOption())
    .addOption(configOption())
    .addHelpText(
      "after",
      "\nExamples:\n  meshcanary compile examples/ --out build/manifests\n  meshcanary compile rollouts/ --out manifests --check\n  meshcanary compile            # paths and out from meshcanary.yaml",
    )
    .action((paths: string[], flags, cmd: Command) => compileCommand(paths, flags, io(cmd)));

  program
    .command("validate")
    .description(
      "Check rollout specs (schema, semantics, conflicts, Istio schema of the result) without writing anything.",
    )
    .argument("[paths...]", "spec files or directories (default: meshcanary.yaml's specs)")
    .addOption(apiVersionOption())
    .addOption(configOption())
    .action((paths: string[], flags, cmd: Command) => validateCommand(paths, flags, io(cmd)));

  program
    .command("watch")
    .description(
      "Run the watchdog: clone --repo, and for every active rollout query Prometheus, decide (rollback, advance, promote, hold), and commit and push each decision with its recompiled manifests.",
    )
    .requiredOption(
      "--repo <url>",
      "GitOps repository: a git URL or the path of a bare repository (cloned; your working copy is never touched)",
    )
    .requiredOption("--prometheus <url>", "Prometheus base URL, e.g. http://prometheus:9090")
    .option("--branch <name>", "branch to watch and push to", "main")
    .option(
      "--specs <path>",
      "spec directory in the repo (default: the repo's meshcanary.yaml specs)",
    )
    .option(
      "--out <path>",
      "manifest directory in the repo (default: the repo's meshcanary.yaml out)",
    )
    .addOption(apiVersionOption())
    .option(
      "--interval <duration>",
      "longest time between cycles; each rollout is checked on its analysis.interval",
      "10s",
    )
    .option(
      "--workdir <dir>",
      "keep the clone here and reuse it across restarts (default: a new temporary directory)",
    )
    .option("--listen <host:port>", "serve /metrics and /healthz, e.g. 127.0.0.1:9464")
    .option(
      "--once",
      "run one cycle, print the decisions and exit (0 ok, 1 a spec invalid, 3 Prometheus or git failed)",
    )
    .option("--dry-run", "decide and print, but edit, commit and push nothing")
    .option(
      "--argocd-url <url>",
      "after a push, ask this Argo CD to sync --argocd-app (token from $ARGOCD_AUTH_TOKEN)",
    )
    .option("--argocd-app <name>", "the Argo CD Application to sync")
    .option("--query-timeout <duration>", "timeout of each Prometheus request", "5s")
    .option("--author-name <name>", "commit author name", "meshcanary")
    .option("--author-email <email>", "commit author email", "meshcanary@localhost")
    .addHelpText(
      "after",
      "\nExamples:\n  meshcanary watch --repo git@git.example.com:platform/gitops.git --prometheus http://prometheus:9090 --listen 127.0.0.1:9464\n  meshcanary watch --repo /srv/gitops.git --prometheus http://127.0.0.1:9090 --once --dry-run",
    )
    .action(async (flags: WatchFlags, cmd: Command) => {
      setExitCode(await watchCommand(flags, io(cmd)));
    });

  program
    .command("status")
    .description(
      "Show each rollout's phase, weight and step, and its last values against the SLA, as the watchdog sees them now.",
    )
    .argument("[paths...]", "local spec files or directories (or use --repo)")
    .requiredOption("--prometheus <url>", "Prometheus base URL")
    .option("--repo <url>", "read the specs from this GitOps repository instead of local paths")
    .option("--branch <name>", "branch of --repo", "main")
    .option("--specs <path>", "spec directory in --repo (default: its meshcanary.yaml specs)")
    .option("--json", "print the status as JSON")
    .option("--query-timeout <duration>", "timeout of each Prometheus request", "5s")
    .option("--rollout <namespace/name>", "show only this rollout")
    .option(
      "--report <file.html>",
      "also write a self-contained HTML report of one rollout: the last --report-range of latency, error rate and weight, and the checks judged now",
    )
    .option("--report-range <duration>", "history drawn by --report", "1h")
    .action(async (paths: string[], flags: StatusFlags, cmd: Command) => {
      setExitCode(await statusCommand(paths, flags, io(cmd)));
    });

  program
    .command("backtest")
    .description(
      "Replay the watchdog over Prometheus history: what would these specs have decided between --from and --to? Uses the watchdog's own checks, judge and decisions; prints each decision with the values behind it.",
    )
    .argument("<paths...>", "spec files or directories")
    .requiredOption("--prometheus <url>", "Prometheus base URL")
    .requiredOption(
      "--from <time>",
      "start of the replay: RFC 3339 (2026-11-20T10:00:00Z), or now-<duration> (now-24h); the spec's weight is taken as set at this time",
    )
    .option("--to <time>", "end of the replay (RFC 3339, now, now-<duration>)", "now")
    .option(
      "--step <duration>",
      "how often the replayed watchdog runs a cycle (default: the spec's analysis.interval; checks stay on that interval's grid)",
    )
    .option("--rollout <namespace/name>", "replay only this rollout of the given specs")
    .option("--report <file.html>", "also write a self-contained HTML report (one rollout)")
    .option(
      "--json",
      "print the timeline as JSON: every check and decision with values and thresholds",
    )
    .option("--query-timeout <duration>", "timeout of each Prometheus request", "30s")
    .addHelpText(
      "after",
      "\nThe metrics are what really happened at the weights really set then; the replay judges them with these specs.\n\nExamples:\n  meshcanary backtest rollouts/recommend.yaml --prometheus http://prometheus:9090 --from 2026-11-20T10:00:00Z --to 2026-11-20T12:00:00Z\n  meshcanary backtest rollouts/ --prometheus http://127.0.0.1:9090 --from now-24h --json\n  meshcanary backtest rollouts/recommend.yaml --prometheus http://127.0.0.1:9090 --from now-2h --report report.html",
    )
    .action(async (paths: string[], flags: BacktestFlags, cmd: Command) => {
      setExitCode(await backtestCommand(paths, flags, io(cmd)));
    });

  addPrometheusAuthOptions(program);
  addArgoCdOptions(program);
  addNotifyOptions(program);
  return program;
}

/** Runs the CLI and returns the exit code; errors are printed, never thrown. */
export async function run(
  argv: readonly string[],
  consoleFor: (quiet: boolean) => Console = (quiet) => processConsole({ quiet }),
): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = buildProgram(consoleFor, (code) => {
    exitCode = code;
  });
  try {
    await program.parseAsync(argv as string[]);
    return exitCode;
  } catch (error) {
    return report(error, consoleFor(false));
  }
}

function report(error: unknown, io: Console): number {
  if (error instanceof CommanderError) {
    // Commander has printed its message (or the help) already.
    return error.exitCode === 0 ? ExitCode.ok : ExitCode.usage;
  }
  if (error instanceof InvalidSpecError) {
    // Already `file:line:col: path: message` lines, one per problem.
    io.error(error.message);
    return error.exitCode;
  }
  if (error instanceof MeshcanaryError) {
    io.error(`meshcanary: ${error.message}`);
    return error.exitCode;
  }
  const err = error instanceof Error ? error : new Error(String(error));
  io.error(`meshcanary: internal error (a bug in meshcanary, please report it): ${err.message}`);
  if (process.env.MESHCANARY_DEBUG !== undefined) io.error(err.stack ?? "");
  return ExitCode.internal;
}
