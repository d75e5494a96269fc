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
import * as parse from "./flag-values.js";
import { addGitAuthOptions } from "./git-options.js";
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
  ).argParser(parse.existingFile);
}

/** An option whose value `parse` checks (and converts) while the command line is read. */
function option<T>(flags: string, description: string, parser: (value: string) => T): Option {
  return new Option(flags, description).argParser(parser);
}

/** A duration option; its default goes through the same parser and shows as written. */
function durationOption(flags: string, description: string, defaultText?: string): Option {
  const o = option(flags, description, parse.duration);
  return defaultText === undefined ? o : o.default(parse.duration(defaultText), defaultText);
}

function prometheusOption(): Option {
  return option(
    "--prometheus <url>",
    "Prometheus base URL, e.g. http://prometheus:9090",
    parse.httpUrl,
  ).makeOptionMandatory();
}

function branchOption(description: string): Option {
  return option("--branch <name>", description, parse.branch).default("main");
}

function rolloutOption(description: string): Option {
  return option("--rollout <namespace/name>", description, parse.rolloutId);
}

function reportOption(description: string): Option {
  return option("--report <file.html>", description, parse.outputFile);
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
      "\nExit codes: 0 ok, 1 invalid input or out-of-date output, 2 usage error, 3 an external dependency failed or refused (file system, Prometheus, git, the --listen address).",
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
      parse.paths,
    )
    .addOption(
      option("-o, --out <dir>", "output directory (default: meshcanary.yaml's out)", parse.path),
    )
    .option(
      "--check",
      "write nothing; exit 1 listing generated files that are out of date (for CI)",
    )
    .option(
      "--prune",
      "remove output directories of rollouts that no longer exist, and files a rollout no longer compiles (only ones meshcanary generated)",
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
    .argument(
      "[paths...]",
      "spec files or directories (default: meshcanary.yaml's specs)",
      parse.paths,
    )
    .addOption(apiVersionOption())
    .addOption(configOption())
    .action((paths: string[], flags, cmd: Command) => validateCommand(paths, flags, io(cmd)));

  program
    .command("watch")
    .description(
      "Run the watchdog: clone --repo, and for every active rollout query Prometheus, decide (rollback, advance, promote, hold), and commit and push each decision with its recompiled manifests.",
    )
    .addOption(
      option(
        "--repo <url>",
        "GitOps repository: a git URL or the path of a bare repository (cloned; your working copy is never touched)",
        parse.gitRemote,
      ).makeOptionMandatory(),
    )
    .addOption(prometheusOption())
    .addOption(branchOption("branch to watch and push to"))
    .addOption(
      option(
        "--specs <path>",
        "spec directory in the repo (default: the repo's meshcanary.yaml specs)",
        parse.repoPath,
      ),
    )
    .addOption(
      option(
        "--out <path>",
        "manifest directory in the repo (default: the repo's meshcanary.yaml out)",
        parse.repoPath,
      ),
    )
    .addOption(apiVersionOption())
    .addOption(
      durationOption(
        "--interval <duration>",
        "longest time between cycles; each rollout is checked on its analysis.interval",
        "10s",
      ),
    )
    .addOption(
      option(
        "--workdir <dir>",
        "keep the clone here and reuse it across restarts (default: a new temporary directory)",
        parse.directory,
      ),
    )
    .addOption(
      option(
        "--listen <host:port>",
        "serve /metrics and /healthz, e.g. 127.0.0.1:9464; bound before anything else (exit 3 if the address is taken)",
        parse.listenAddress,
      ),
    )
    .option(
      "--once",
      "run one cycle, print the decisions and exit (0 ok, 1 a spec invalid, 3 Prometheus or git failed)",
    )
    .option("--dry-run", "decide and print, but edit, commit and push nothing")
    .addOption(
      option(
        "--argocd-url <url>",
        "after a push, ask this Argo CD to sync --argocd-app (token from $ARGOCD_AUTH_TOKEN)",
        parse.httpUrl,
      ),
    )
    .addOption(option("--argocd-app <name>", "the Argo CD Application to sync", parse.objectName))
    .addOption(
      durationOption("--query-timeout <duration>", "timeout of each Prometheus request", "5s"),
    )
    .addOption(
      option("--author-name <name>", "commit author name", parse.authorName).default("meshcanary"),
    )
    .addOption(
      option("--author-email <email>", "commit author email", parse.authorEmail).default(
        "meshcanary@localhost",
      ),
    )
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
    .argument("[paths...]", "local spec files or directories (or use --repo)", parse.paths)
    .addOption(prometheusOption())
    .addOption(
      option(
        "--repo <url>",
        "read the specs from this GitOps repository instead of local paths",
        parse.gitRemote,
      ),
    )
    .addOption(branchOption("branch of --repo"))
    .addOption(
      option(
        "--specs <path>",
        "spec directory in --repo (default: its meshcanary.yaml specs)",
        parse.repoPath,
      ),
    )
    .option("--json", "print the status as JSON")
    .addOption(
      durationOption("--query-timeout <duration>", "timeout of each Prometheus request", "5s"),
    )
    .addOption(rolloutOption("show only this rollout"))
    .addOption(
      reportOption(
        "also write a self-contained HTML report of one rollout: the last --report-range of latency, error rate and weight, and the checks judged now",
      ),
    )
    .addOption(durationOption("--report-range <duration>", "history drawn by --report", "1h"))
    .action(async (paths: string[], flags: StatusFlags, cmd: Command) => {
      setExitCode(await statusCommand(paths, flags, io(cmd)));
    });

  program
    .command("backtest")
    .description(
      "Replay the watchdog over Prometheus history: what would these specs have decided between --from and --to? Uses the watchdog's own checks, judge and decisions; prints each decision with the values behind it.",
    )
    .argument("<paths...>", "spec files or directories", parse.paths)
    .addOption(prometheusOption())
    .addOption(
      option(
        "--from <time>",
        "start of the replay: RFC 3339 (2026-11-20T10:00:00Z), or now-<duration> (now-24h); the spec's weight is taken as set at this time",
        parse.time,
      ).makeOptionMandatory(),
    )
    .addOption(
      option(
        "--to <time>",
        "end of the replay (RFC 3339, now, now-<duration>)",
        parse.time,
      ).default(parse.time("now"), "now"),
    )
    .addOption(
      durationOption(
        "--step <duration>",
        "how often the replayed watchdog runs a cycle (default: the spec's analysis.interval; checks stay on that interval's grid)",
      ),
    )
    .addOption(rolloutOption("replay only this rollout of the given specs"))
    .addOption(reportOption("also write a self-contained HTML report (one rollout)"))
    .option(
      "--json",
      "print the timeline as JSON: every check and decision with values and thresholds",
    )
    .addOption(
      durationOption("--query-timeout <duration>", "timeout of each Prometheus request", "30s"),
    )
    .addHelpText(
      "after",
      "\nThe metrics are what really happened at the weights really set then; the replay judges them with these specs.\n\nExamples:\n  meshcanary backtest rollouts/recommend.yaml --prometheus http://prometheus:9090 --from 2026-11-20T10:00:00Z --to 2026-11-20T12:00:00Z\n  meshcanary backtest rollouts/ --prometheus http://127.0.0.1:9090 --from now-24h --json\n  meshcanary backtest rollouts/recommend.yaml --prometheus http://127.0.0.1:9090 --from now-2h --report report.html",
    )
    .action(async (paths: string[], flags: BacktestFlags, cmd: Command) => {
      setExitCode(await backtestCommand(paths, flags, io(cmd)));
    });

  addPrometheusAuthOptions(program);
  addGitAuthOptions(program);
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
