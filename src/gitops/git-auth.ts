/**
 * How git proves who the watchdog is to the GitOps remote, from files only
 * (a Kubernetes Secret volume): a token for HTTPS, a key and known_hosts for
 * SSH. Only paths reach git's environment; the token is read by a credential
 * helper at each call and the key by ssh itself, so a rotated Secret is used
 * at the next git command, and no secret is in argv, `.git/config` or a message.
 *
 * Before each network command `prepare` reads the files: a missing, unreadable
 * or empty one is a clear error naming the flag and path, instead of git's
 * "could not read Password" or ssh's "Permission denied".
 */
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { SecretFile } from "../secrets/secret-file.js";

export interface TokenAuth {
  readonly kind: "token";
  /** The user name sent with the token (most hosts ignore it; some need a fixed one). */
  readonly username: string;
  readonly token: SecretFile;
}

export interface SshAuth {
  readonly kind: "ssh";
  readonly key?: SecretFile;
  /** The only host keys accepted; ssh's own known_hosts files when absent. Checked strictly either way. */
  readonly knownHosts?: SecretFile;
}

export type GitAuth = TokenAuth | SshAuth;

/** What one git command needs: its extra environment, and the values to mask in its errors. */
export interface PreparedAuth {
  readonly env: Readonly<Record<string, string>>;
  readonly secrets: readonly string[];
}

/** `text` as one shell word. */
export function shellQuote(text: string): string {
  return `'${text.replaceAll("'", `'\\''`)}'`;
}

/**
 * `credential.helper` settings, appended after any the user set through
 * GIT_CONFIG_COUNT: the empty value first drops every helper configured
 * before (a `store` helper would write the token to ~/.git-credentials), then
 * ours prints the file's content at each `get` and ignores `store`/`erase`.
 */
export function tokenEnv(
  username: string,
  tokenPath: string,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, string> {
  const helper = `!f() { test "$1" = get || exit 0; echo ${shellQuote(`username=${username}`)}; printf 'password=%s\\n' "$(cat ${shellQuote(tokenPath)})"; }; f`;
  const start = Number.parseInt(env.GIT_CONFIG_COUNT ?? "0", 10) || 0;
  return {
    GIT_CONFIG_COUNT: String(start + 2),
    [`GIT_CONFIG_KEY_${start}`]: "credential.helper",
    [`GIT_CONFIG_VALUE_${start}`]: "",
    [`GIT_CONFIG_KEY_${start + 1}`]: "credential.helper",
    [`GIT_CONFIG_VALUE_${start + 1}`]: helper,
  };
}

/**
 * The ssh options for a key and known_hosts: only this key (never an agent's
 * or ~/.ssh's), only these host keys, a host not in them refused, and never
 * a prompt (a passphrase, a new host) that no one would answer.
 */
export function sshAuthOptions(
  keyPath: string | undefined,
  knownHostsPath: string | undefined,
): string {
  return [
    ...(keyPath === undefined ? [] : ["-i", shellQuote(keyPath), "-o", "IdentitiesOnly=yes"]),
    ...(knownHostsPath === undefined
      ? []
      : [
          "-o",
          shellQuote(`UserKnownHostsFile="${knownHostsPath}"`),
          "-o",
          "GlobalKnownHostsFile=/dev/null",
        ]),
    "-o",
    "StrictHostKeyChecking=yes",
    "-o",
    "BatchMode=yes",
  ].join(" ");
}

/** Private copies of keys, removed when the process exits. */
const copies = new Set<string>();
let cleanupRegistered = false;

export class GitCredentials {
  readonly #auth: GitAuth;
  /** The ssh command without authentication (timeouts, see `sshCommand`). */
  readonly #ssh: string;
  #copyDir: string | undefined;
  #copied: Buffer | undefined;

  constructor(auth: GitAuth, ssh: string) {
    this.#auth = auth;
    this.#ssh = ssh;
  }

  async prepare(): Promise<PreparedAuth> {
    const auth = this.#auth;
    if (auth.kind === "token") {
      const token = await auth.token.read();
      return { env: tokenEnv(auth.username, auth.token.path), secrets: [token] };
    }
    if (auth.knownHosts !== undefined) await auth.knownHosts.readBytes();
    const key = auth.key === undefined ? undefined : await this.#keyPath(auth.key);
    return {
      env: { GIT_SSH_COMMAND: `${this.#ssh} ${sshAuthOptions(key, auth.knownHosts?.path)}` },
      secrets: [],
    };
  }

  /**
   * The key's path for ssh, which refuses a key that others may read (a Secret
   * volume's default mode is 0644): such a key is copied, 0600, to a private
   * directory, and copied again when its content changes.
   */
  async #keyPath(key: SecretFile): Promise<string> {
    const bytes = await key.readBytes();
    if ((statSync(key.path).mode & 0o077) === 0) return key.path;
    if (this.#copyDir === undefined) {
      this.#copyDir = mkdtempSync(join(tmpdir(), "meshcanary-ssh-"));
      copies.add(this.#copyDir);
      if (!cleanupRegistered) {
        cleanupRegistered = true;
        process.once("exit", () => {
          for (const dir of copies) rmSync(dir, { recursive: true, force: true });
        });
      }
    }
    const copy = join(this.#copyDir, "key");
    if (this.#copied === undefined || !this.#copied.equals(bytes)) {
      writeFileSync(copy, bytes, { mode: 0o600 });
      this.#copied = bytes;
    }
    return copy;
  }
}
