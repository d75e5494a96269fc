/**
 * The command line: commands, flags and the one place errors become exit
 * codes (see ExitCode). `run` returns the code; only main.ts exits.
 */
import { Command, CommanderError, Option } from "commander";
import { ExitCode, InvalidSpecError, MeshcanaryError } from "../errors.js";
import { readPackageJson } from "../package-files.js";
import { compileCommand, validateCommand } from "./compile-command.js";
import { type Console, processConsole } from "./console.js";

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

export function buildProgram(consoleFor: (quiet: boolean) => Console): Command {
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

  return program;
}

/** Runs the CLI and returns the exit code; errors are printed, never thrown. */
export async function run(
  argv: readonly string[],
  consoleFor: (quiet: boolean) => Console = (quiet) => processConsole({ quiet }),
): Promise<number> {
  const program = buildProgram(consoleFor);
  try {
    await program.parseAsync(argv as string[]);
    return ExitCode.ok;
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
