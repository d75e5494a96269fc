/**
 * Writes a whole file or nothing: a temporary file beside it, renamed into
 * place. `shown` names it in the error, e.g. `--report out.html`.
 */
import { renameSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { FileSystemError } from "../errors.js";

export function writeFileAtomic(path: string, text: string, shown = path): void {
  const temp = join(dirname(path), `.${basename(path)}.${process.pid}.tmp`);
  try {
    writeFileSync(temp, text);
    renameSync(temp, path);
  } catch (error) {
    rmSync(temp, { force: true });
    throw new FileSystemError(`cannot write ${shown}: ${(error as Error).message}`, {
      cause: error,
    });
  }
}
