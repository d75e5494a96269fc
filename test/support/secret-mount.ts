/**
 * A directory laid out as the kubelet mounts a Secret: each key is a symlink
 * `key -> ..data/key`, `..data` a symlink to a timestamped directory, and an
 * update writes a new directory and renames a new `..data` link over the old
 * one (atomic), then removes the old directory: the file's inode, mtime and
 * content all change at once, through the same path.
 */
import { mkdirSync, renameSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { auditSecret } from "./secrets-audit.js";

/** Keys of Secrets that hold public data: a host's key, a CA or a certificate may well be printed. */
const PUBLIC_KEYS = new Set(["known_hosts", "ca.crt", "tls.crt"]);

export interface SecretMount {
  readonly dir: string;
  /** The path a pod reads, e.g. `<dir>/token`. */
  path(key: string): string;
  /** Swaps in new contents, as the kubelet does when the Secret changes. */
  update(files: Record<string, string>): void;
}

export function secretMount(dir: string, files: Record<string, string>): SecretMount {
  let generation = 0;
  let current: string | undefined;
  const write = (contents: Record<string, string>) => {
    // What a test mounts as a Secret is one (bar public keys and certificates): no output may show it.
    auditSecret(
      ...Object.entries(contents)
        .filter(([key]) => !PUBLIC_KEYS.has(key))
        .map(([, value]) => value),
    );
    generation++;
    const name = `..2026_11_30_00_00_0${generation}.${process.pid}`;
    mkdirSync(join(dir, name));
    for (const [key, value] of Object.entries(contents)) writeFileSync(join(dir, name, key), value);
    symlinkSync(name, join(dir, "..data_tmp"));
    renameSync(join(dir, "..data_tmp"), join(dir, "..data"));
    if (current !== undefined) rmSync(join(dir, current), { recursive: true, force: true });
    current = name;
  };
  mkdirSync(dir, { recursive: true });
  write(files);
  for (const key of Object.keys(files)) symlinkSync(join("..data", key), join(dir, key));
  return { dir, path: (key) => join(dir, key), update: write };
}
