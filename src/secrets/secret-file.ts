/**
 * A secret kept in a file, as Kubernetes mounts a Secret: the value is read
 * again on every use, so a rotated Secret (Kubernetes swaps the `..data`
 * symlink to a new directory) takes effect without a restart. The files are
 * a few bytes and read at most a few times per cycle, so re-reading costs
 * less than getting change detection right (an mtime can repeat within its
 * granularity; a swap keeps the size).
 *
 * Errors name the flag and the path, never the content.
 */
import { readFile } from "node:fs/promises";
import { ExitCode, MeshcanaryError } from "../errors.js";

/** A secret file that cannot be used: missing, unreadable, empty. Exit 3 (an external dependency). */
export class SecretFileError extends MeshcanaryError {
  readonly flag: string;
  readonly path: string;
  constructor(message: string, flag: string, path: string, options?: { cause?: unknown }) {
    super(message, "SECRET_FILE", ExitCode.external, options);
    this.flag = flag;
    this.path = path;
  }
}

export class SecretFile {
  /** The flag that named the file, e.g. `--prometheus-password-file`, for messages. */
  readonly flag: string;
  readonly path: string;

  constructor(flag: string, path: string) {
    this.flag = flag;
    this.path = path;
  }

  /** The file's text now, less one trailing newline (`echo` and editors add one). */
  async read(): Promise<string> {
    const value = trimNewline(await this.#readText());
    if (value === "")
      throw new SecretFileError(`${this.flag} ${this.path}: file is empty`, this.flag, this.path);
    return value;
  }

  /** The file's bytes now, as they are (certificates and keys; PEM ignores the newline). */
  async readBytes(): Promise<Buffer> {
    try {
      return await readFile(this.path);
    } catch (error) {
      throw this.#cannotRead(error);
    }
  }

  async #readText(): Promise<string> {
    try {
      return await readFile(this.path, "utf8");
    } catch (error) {
      throw this.#cannotRead(error);
    }
  }

  #cannotRead(error: unknown): SecretFileError {
    const code = (error as NodeJS.ErrnoException).code ?? "error";
    return new SecretFileError(
      `cannot read ${this.flag} ${this.path}: ${code}${REASONS[code] === undefined ? "" : ` (${REASONS[code]})`}`,
      this.flag,
      this.path,
      // The cause is Node's own error, which holds the path and the code, never the content.
      { cause: error },
    );
  }
}

const REASONS: Readonly<Record<string, string>> = {
  ENOENT: "no such file",
  EACCES: "permission denied",
  EISDIR: "a directory, not a file",
  ELOOP: "a symlink loop",
  ENOTDIR: "a path component is not a directory",
};

function trimNewline(text: string): string {
  if (text.endsWith("\r\n")) return text.slice(0, -2);
  if (text.endsWith("\n")) return text.slice(0, -1);
  return text;
}
