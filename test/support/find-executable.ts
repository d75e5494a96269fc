/** Finding Debian's binaries the tests run (prometheus, promtool, chromium). */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** The first executable of `names` on PATH, else in /usr/bin (Debian's place, often not on a CI PATH). */
export function findExecutable(...names: readonly string[]): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""), "/usr/bin"];
  for (const name of names) {
    for (const dir of dirs) {
      const path = join(dir, name);
      try {
        accessSync(path, constants.X_OK);
        if (statSync(path).isFile()) return path;
      } catch {
        // not here; try the next directory
      }
    }
  }
  return undefined;
}
