/**
 * The flags that say how to authenticate to the GitOps remote, defined once
 * for every command that takes `--repo`, and their translation into the
 * working copy's `auth`. Secrets are only ever file paths on the command
 * line; a credential inside the `--repo` URL still works, with a warning.
 */
import { type Command, InvalidArgumentError, Option } from "commander";
import { UsageError } from "../errors.js";
import type { GitAuth } from "../gitops/git-auth.js";
import { redactUrlCredentials } from "../gitops/redact.js";
import { SecretFile } from "../secrets/secret-file.js";
import * as parse from "./flag-values.js";

export interface GitFlags {
  readonly repo?: string;
  readonly gitTokenFile?: string;
  readonly gitUsername?: string;
  readonly gitSshKeyFile?: string;
  readonly gitKnownHostsFile?: string;
}

/** Sent with a token when --git-username is not given: GitHub's name for token auth; GitLab takes any name. */
export const DEFAULT_GIT_USERNAME = "x-access-token";

function authOptions(): Option[] {
  return [
    new Option(
      "--git-token-file <file>",
      "HTTPS: the password or access token, from this file; read again for each git command",
    ).argParser(parse.path),
    new Option(
      "--git-username <name>",
      `HTTPS: the user name sent with --git-token-file (default ${DEFAULT_GIT_USERNAME}; Gitea/Forgejo want yours, Bitbucket x-token-auth)`,
    ).argParser(username),
    new Option(
      "--git-ssh-key-file <file>",
      "SSH: the private key (no passphrase) to log in with, and no other; read again for each git command",
    ).argParser(parse.path),
    new Option(
      "--git-known-hosts-file <file>",
      "SSH: the host keys to accept, and no others (default: ssh's known_hosts); an unknown host is refused",
    ).argParser(parse.path),
  ];
}

/** Adds the git auth flags to every subcommand of `program` that takes `--repo`. */
export function addGitAuthOptions(program: Command): void {
  for (const command of program.commands) {
    if (!command.options.some((o) => o.long === "--repo")) continue;
    for (const option of authOptions()) command.addOption(option);
  }
}

function username(value: string): string {
  // The credential protocol is line-based: a newline would let a name set other fields.
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (value === "" || /[\u0000-\u001f\u007f]/.test(value))
    throw new InvalidArgumentError("expected a user name, without control characters");
  return value;
}

export type RemoteKind = "http" | "ssh" | "local";

/** How git reaches `remote`, by git's own rules for URLs and scp-like `[user@]host:path`. */
export function remoteKind(remote: string): RemoteKind {
  const scheme = /^([a-z][a-z0-9+.-]*):\/\//i.exec(remote)?.[1]?.toLowerCase();
  if (scheme === "http" || scheme === "https") return "http";
  if (scheme === "ssh" || scheme === "git+ssh" || scheme === "ssh+git") return "ssh";
  if (scheme !== undefined) return "local";
  // scp-like: a colon before any slash (git's rule); `./a:b` and `/a:b` are paths.
  return /^[^/]*:/.test(remote) && !/^[a-z]:[\\/]/i.test(remote) ? "ssh" : "local";
}

/** A password or token in the URL: any user part of an http(s) URL, a `user:password` in any. */
export function hasUrlCredential(remote: string): boolean {
  const user = /^[a-z][a-z0-9+.-]*:\/\/([^/@\s]+)@/i.exec(remote)?.[1];
  if (user === undefined) return false;
  return remoteKind(remote) === "http" || user.includes(":");
}

/**
 * The working copy's `auth` for the flags (undefined: none given), and a
 * warning to log once when the URL carries a credential. A flag that does not
 * fit the remote is a UsageError naming it.
 */
export function gitAuthFromFlags(flags: GitFlags): { auth?: GitAuth; warning?: string } {
  const f = flags;
  const kind = f.repo === undefined ? undefined : remoteKind(f.repo);
  const token = f.gitTokenFile !== undefined || f.gitUsername !== undefined;
  const ssh = f.gitSshKeyFile !== undefined || f.gitKnownHostsFile !== undefined;
  if (f.gitUsername !== undefined && f.gitTokenFile === undefined)
    throw new UsageError("--git-username goes with --git-token-file");
  if (token && ssh)
    throw new UsageError(
      "--git-token-file and --git-ssh-key-file/--git-known-hosts-file: choose HTTPS or SSH",
    );
  const flag = token
    ? "--git-token-file"
    : f.gitSshKeyFile !== undefined
      ? "--git-ssh-key-file"
      : "--git-known-hosts-file";
  if ((token || ssh) && f.repo === undefined) throw new UsageError(`${flag} needs --repo`);
  if (token && kind !== "http")
    throw new UsageError(`${flag} needs an https:// --repo, not ${shown(f.repo)}`);
  if (ssh && kind !== "ssh")
    throw new UsageError(`${flag} needs an ssh:// or user@host:path --repo, not ${shown(f.repo)}`);
  const inUrl = f.repo !== undefined && hasUrlCredential(f.repo);
  if (token && inUrl)
    throw new UsageError(
      "--git-token-file and a credential in the --repo URL: choose one (the file; remove it from the URL)",
    );
  const warning = inUrl
    ? "--repo carries a credential in its URL, where it can reach logs, process lists and .git/config; give it in a file with --git-token-file (see README, Authenticated git)"
    : undefined;
  const auth: GitAuth | undefined = token
    ? {
        kind: "token",
        username: f.gitUsername ?? DEFAULT_GIT_USERNAME,
        token: new SecretFile("--git-token-file", f.gitTokenFile as string),
      }
    : ssh
      ? {
          kind: "ssh",
          ...(f.gitSshKeyFile === undefined
            ? {}
            : { key: new SecretFile("--git-ssh-key-file", f.gitSshKeyFile) }),
          ...(f.gitKnownHostsFile === undefined
            ? {}
            : { knownHosts: new SecretFile("--git-known-hosts-file", f.gitKnownHostsFile) }),
        }
      : undefined;
  return { ...(auth === undefined ? {} : { auth }), ...(warning === undefined ? {} : { warning }) };
}

function shown(remote: string | undefined): string {
  return redactUrlCredentials(remote ?? "");
}
