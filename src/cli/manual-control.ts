/**
 * What `meshcanary pause|resume|promote|abort NS/NAME` share: find the
 * rollout, refuse when there is nothing to do, edit its spec, recompile its
 * manifests exactly as the watchdog's decision commits do, and commit. Against
 * `--repo` the commit is pushed as a compare-and-swap from the synced head,
 * like the watchdog's; a rejected push is applied once more on the new head.
 * Against a local checkout (`--dir`, default the current directory) the commit
 * is made there and never pushed.
 */
import { rmSync } from "node:fs";
import { dirname } from "node:path";
import { Command, Option } from "commander";
import { rolloutId } from "../analysis/identity.js";
import { type SettingFlags, type WatchSettings, watchSettings } from "../config/watch-settings.js";
import { decisionFiles, generatedRolloutDirs } from "../engine/decision-files.js";
import {
  applyManual,
  type ManualAction,
  type ManualRequest,
  manualMessage,
  manualSubject,
  nothingToDo,
} from "../engine/manual-edit.js";
import {
  type Diagnostic,
  ExitCode,
  formatDiagnostic,
  InvalidSpecError,
  MeshcanaryError,
  UsageError,
} from "../errors.js";
import { type Author, configuredAuthor, LocalCheckout } from "../gitops/local-checkout.js";
import { redactUrlCredentials } from "../gitops/redact.js";
import { GitError, type GitOpsRepo, GitWorkingCopy, type RepoFile } from "../gitops/repo.js";
import { loadRepoRollouts, type SpecFiles } from "../rollout/load.js";
import { editDistance } from "../rollout/suggest.js";
import type { Rollout } from "../rollout/types.js";
import type { Console } from "./console.js";
import { unifiedDiff } from "./file-diff.js";
import * as parse from "./flag-values.js";
import { type GitFlags, gitAuthFromFlags } from "./git-options.js";

export interface ManualFlags extends GitFlags, SettingFlags {
  readonly repo?: string;
  readonly dir?: string;
  readonly branch: string;
  readonly workdir?: string;
  readonly author?: Author;
  readonly reason?: string;
  readonly dryRun?: boolean;
}

/** One command's own words; the flags and the flow are shared. */
export interface ManualCommandSpec {
  readonly action: ManualAction;
  readonly description: string;
  readonly examples: readonly string[];
}

/** A seam for tests: a wrapper around the working copy, to land someone's push before ours. */
export interface ManualHooks {
  readonly wrapRepo?: (repo: GitOpsRepo) => GitOpsRepo;
}

/** A state in which the command would change nothing, or must not: exit 1, nothing committed. */
export class RefusedError extends MeshcanaryError {
  constructor(message: string) {
    super(message, "REFUSED", ExitCode.invalid);
  }
}

function option<T>(flags: string, description: string, parser: (value: string) => T): Option {
  return new Option(flags, description).argParser(parser);
}

export function manualCommand(spec: ManualCommandSpec, io: (cmd: Command) => Console): Command {
  return new Command(spec.action)
    .description(spec.description)
    .argument("<namespace/name>", "the rollout", parse.rolloutId)
    .addOption(
      option(
        "--repo <url>",
        "GitOps repository to clone, commit to and push to (a git URL or the path of a bare repository)",
        parse.gitRemote,
      ),
    )
    .addOption(
      option(
        "--dir <path>",
        "a local git checkout to commit in, never pushed (default: the current directory, when no --repo)",
        parse.directory,
      ),
    )
    .addOption(option("--branch <name>", "branch of --repo", parse.branch).default("main"))
    .addOption(
      option(
        "--workdir <dir>",
        "with --repo: keep the clone here (default: a temporary directory, removed afterwards)",
        parse.directory,
      ),
    )
    .addOption(
      option(
        "--specs <path>",
        "spec directory in the repository (default: its meshcanary.yaml specs)",
        parse.repoPath,
      ),
    )
    .addOption(
      option(
        "--out <path>",
        "manifest directory in the repository (default: its meshcanary.yaml out)",
        parse.repoPath,
      ),
    )
    .addOption(
      new Option(
        "--api-version <version>",
        "Istio API version of the manifests (default: meshcanary.yaml's apiVersion, else v1)",
      ).choices(["v1", "v1beta1", "networking.istio.io/v1", "networking.istio.io/v1beta1"]),
    )
    .addOption(
      option(
        '--author <"Name <email>">',
        "commit author (default: git's configured user.name and user.email)",
        parse.author,
      ),
    )
    .addOption(option("--reason <text>", "why, on one line: goes into the commit", parse.oneLine))
    .option("--dry-run", "print the diff of the commit; commit and push nothing")
    .addHelpText("after", `\nExamples:\n${spec.examples.map((e) => `  ${e}`).join("\n")}`)
    .action(async (id: string, flags: ManualFlags, cmd: Command) => {
      await manualControl(spec.action, id, flags, io(cmd));
    });
}

export async function manualControl(
  action: ManualAction,
  id: string,
  flags: ManualFlags,
  io: Console,
  hooks: ManualHooks = {},
): Promise<void> {
  if (flags.repo !== undefined && flags.dir !== undefined)
    throw new UsageError("--repo and --dir: choose one (a remote to push to, or a local checkout)");
  if (flags.workdir !== undefined && flags.repo === undefined)
    throw new UsageError("--workdir needs --repo");
  const git = gitAuthFromFlags(flags);
  if (flags.repo === undefined) {
    const checkout = await LocalCheckout.open(
      flags.dir ?? process.cwd(),
      flags.dir === undefined ? "no --repo or --dir, and the current directory" : "--dir",
    );
    const author = await authorOf(flags, checkout.dir);
    await inCheckout(checkout, id, flags, io, author, request(action, author, flags, Date.now()));
    return;
  }
  if (git.warning !== undefined) io.error(`meshcanary: warning: ${git.warning}`);
  const author = await authorOf(flags, process.cwd());
  const copy = await GitWorkingCopy.open({
    remote: flags.repo,
    branch: flags.branch,
    ...(git.auth === undefined ? {} : { auth: git.auth }),
    ...(flags.workdir === undefined ? {} : { workdir: flags.workdir }),
    author,
  });
  try {
    await inRepo(hooks.wrapRepo?.(copy) ?? copy, action, id, flags, io, () =>
      request(action, author, flags, Date.now()),
    );
  } finally {
    // A temporary clone is this command's alone; a --workdir is kept for the next run.
    if (flags.workdir === undefined) rmSync(dirname(copy.dir), { recursive: true, force: true });
  }
}

function request(action: ManualAction, author: Author, flags: ManualFlags, atMs: number) {
  return {
    action,
    author: `${author.name} <${author.email}>`,
    atMs,
    ...(flags.reason === undefined ? {} : { reason: flags.reason }),
  };
}

async function authorOf(flags: ManualFlags, cwd: string): Promise<Author> {
  const author = flags.author ?? (await configuredAuthor(cwd));
  if (author === undefined)
    throw new UsageError(
      'no commit author: pass --author "Name <email>", or set git\'s identity: git config --global user.name "Your Name" && git config --global user.email you@example.com',
    );
  return author;
}

interface Plan {
  readonly rollout: Rollout;
  readonly subject: string;
  readonly message: string;
  readonly files: readonly RepoFile[];
}

/** The commit the command makes, or a refusal. */
async function plan(
  files: SpecFiles,
  settings: WatchSettings,
  id: string,
  req: ManualRequest,
): Promise<Plan> {
  const loaded = await loadRepoRollouts(files, settings.specs);
  const found = loaded.rollouts.find((r) => rolloutId(r.rollout) === id)?.rollout;
  if (found === undefined) throw new RefusedError(unknownRollout(id, loaded, settings));
  const problems = loaded.diagnostics.filter((d) => d.file === found.source.file);
  if (problems.length > 0) throw new InvalidSpecError(problems);
  const why = nothingToDo(found, req.action);
  if (why !== undefined)
    throw new RefusedError(`${why}: nothing to ${req.action}, nothing committed`);
  const text = await files.read(found.source.file);
  if (text === undefined) throw new RefusedError(`${found.source.file}: no longer there`);
  const edited = applyManual(text, found, req);
  const outputDirs = await generatedRolloutDirs(files, settings.out);
  return {
    rollout: found,
    subject: manualSubject(found, req.action),
    message: manualMessage(found, req),
    files: await decisionFiles(files, settings, outputDirs, edited.rollout, edited.text),
  };
}

function unknownRollout(
  id: string,
  loaded: { rollouts: readonly { rollout: Rollout }[]; diagnostics: readonly Diagnostic[] },
  settings: WatchSettings,
): string {
  const ids = [...new Set(loaded.rollouts.map((r) => rolloutId(r.rollout)))].sort();
  const where = `no rollout ${id} in ${settings.specs.join(", ")}`;
  const [namespace, name] = id.split("/");
  const similar = ids.filter(
    (other) =>
      editDistance(other, id) <= Math.max(2, Math.floor(id.length / 4)) ||
      other.startsWith(`${namespace}/`) ||
      other.endsWith(`/${name}`),
  );
  // The rollout may be in a file that does not validate: its problems say where.
  const skipped =
    loaded.diagnostics.length === 0
      ? ""
      : `; spec files with problems were skipped:\n${loaded.diagnostics.map(formatDiagnostic).join("\n")}`;
  if (similar.length > 0) return `${where}; similar: ${similar.join(", ")}${skipped}`;
  if (ids.length === 0) return `${where}: it holds no rollouts${skipped}`;
  return `${where}; rollouts there: ${ids.slice(0, 20).join(", ")}${ids.length > 20 ? ", …" : ""}${skipped}`;
}

async function printDiff(files: SpecFiles, plan: Plan, io: Console): Promise<void> {
  const changes = await Promise.all(
    plan.files.map(async (f) => ({
      path: f.path,
      before: await files.read(f.path),
      after: f.content,
    })),
  );
  io.out(`dry run: would commit "${plan.subject}"`);
  io.out((await unifiedDiff(changes)).trimEnd());
  io.note("dry run: nothing committed or pushed");
}

/** How many times a change is applied when pushes are rejected: once, and once more on the new head. */
const PUSH_ATTEMPTS = 2;

async function inRepo(
  repo: GitOpsRepo,
  action: ManualAction,
  id: string,
  flags: ManualFlags,
  io: Console,
  req: () => ManualRequest,
): Promise<void> {
  const shown = redactUrlCredentials(flags.repo ?? "");
  for (let attempt = 1; attempt <= PUSH_ATTEMPTS; attempt++) {
    await repo.sync();
    const settings = watchSettings(repo.dir, flags);
    const p = await plan(repo, settings, id, req());
    if (flags.dryRun === true) return printDiff(repo, p, io);
    const sha = await repo.commit(p.files, p.message);
    if (sha === undefined) throw new RefusedError(`${id}: the ${action} changes no file`);
    if ((await repo.push()) === "pushed") {
      io.out(`${sha.slice(0, 12)} ${p.subject}`);
      io.out(`pushed to ${flags.branch} of ${shown}`);
      return;
    }
    if (attempt < PUSH_ATTEMPTS)
      io.note(
        "push rejected: someone else pushed meanwhile; applying the change again on their state",
      );
  }
  throw new GitError(
    `push to ${flags.branch} of ${shown} rejected ${PUSH_ATTEMPTS} times: others keep pushing to it; nothing was pushed; run the command again`,
  );
}

async function inCheckout(
  checkout: LocalCheckout,
  id: string,
  flags: ManualFlags,
  io: Console,
  author: Author,
  req: ManualRequest,
): Promise<void> {
  const { action } = req;
  const settings = watchSettings(checkout.dir, flags);
  const p = await plan(checkout, settings, id, req);
  // The commit must hold only this change: a person's unfinished edit of these files is theirs to commit.
  const dirty = await checkout.uncommitted(p.files.map((f) => f.path));
  if (dirty.length > 0)
    throw new RefusedError(
      `uncommitted changes in ${dirty.join(", ")} (in ${checkout.dir}): commit or stash them first, so the ${action} commit holds only its own change`,
    );
  if (flags.dryRun === true) return printDiff(checkout, p, io);
  const sha = await checkout.commit(p.files, p.message, author);
  if (sha === undefined) throw new RefusedError(`${id}: the ${action} changes no file`);
  const branch = (await checkout.branch()) ?? "<branch>";
  io.out(`${sha.slice(0, 12)} ${p.subject}`);
  io.out(
    `committed in ${checkout.dir}, not pushed; push it to take effect: git -C ${checkout.dir} push origin ${branch}`,
  );
}
