/** Files shipped beside the code (templates, schemas), found from this module in src/ or dist/. */
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export const PACKAGE_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");

export function readPackageFile(...parts: string[]): string {
  return readFileSync(join(PACKAGE_ROOT, ...parts), "utf8");
}

export function readPackageJson<T>(...parts: string[]): T {
  return JSON.parse(readPackageFile(...parts)) as T;
}
