/**
 * `--dry-run`'s output: what a commit would change, as `git diff` shows it.
 * The old and new texts go into a temporary directory and git compares them,
 * so no work tree is touched and the diff reads like any other.
 */
import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { FileSystemError } from "../errors.js";

export interface FileChange {
  /** Repository-relative, POSIX. */
  readonly path: string;
  /** `undefined`: the file is new. */
  readonly before: string | undefined;
  /** `null`: the file is removed. */
  readonly after: string | null;
}

/** A unified diff of the changes, `a/<path>` to `b/<path>`; empty when nothing changes. */
export async function unifiedDiff(changes: readonly FileChange[]): Promise<string> {
  const root = mkdtempSync(join(tmpdir(), "meshcanary-diff-"));
  try {
    const parts: string[] = [];
    for (const { path, before, after } of changes) {
      if (before === after) continue;
      const a = join(root, "a", path);
      const b = join(root, "b", path);
      if (after !== null) {
        mkdirSync(dirname(b), { recursive: true });
        writeFileSync(b, after);
      }
      if (before !== undefined) {
        mkdirSync(dirname(a), { recursive: true });
        writeFileSync(a, before);
      }
      parts.push(
        await gitDiff(
          root,
          before === undefined ? "/dev/null" : `a/${path}`,
          after === null ? "/dev/null" : `b/${path}`,
        ),
      );
    }
    return parts.join("");
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

/** `git diff --no-index` exits 1 when the files differ: that is its answer, not a failure. */
function gitDiff(cwd: string, a: string, b: string): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(
      "git",
      ["diff", "--no-index", "--no-prefix", "--no-color", "--no-ext-diff", "--", a, b],
      { cwd, encoding: "utf8", maxBuffer: 64 * 1024 * 1024, env: { ...process.env, LC_ALL: "C" } },
      (error, stdout, stderr) => {
        if (error === null || error.code === 1) resolve(stdout);
        else reject(new FileSystemError(`git diff failed: ${stderr.trim() || error.message}`));
      },
    );
  });
}
