/**
 * Headless Chromium for tests: Debian's `chromium` driven by playwright-core
 * (which downloads no browser of its own). A missing browser is an error with
 * the install command, never a skipped test.
 */
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";
import { type Browser, chromium } from "playwright-core";

const INSTALL_HINT =
  "the browser tests need Debian's chromium package: sudo apt-get install chromium " +
  "(or run `node scripts/ensure-chromium.mjs` as root, or put a chromium binary on PATH)";

/** Flags for a quiet, offline browser: nothing phones home, nothing is fetched but the page. */
export const CHROMIUM_ARGS = [
  "--headless",
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

/** The first executable `chromium` (or `chromium-browser`) on PATH, else in /usr/bin. */
export function findChromium(): string | undefined {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""), "/usr/bin"];
  for (const name of ["chromium", "chromium-browser"]) {
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

/** Launches headless Chromium; the caller closes it (usually in a mocha `after`). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findChromium();
  if (executablePath === undefined) throw new Error(`chromium not found: ${INSTALL_HINT}`);
  try {
    return await chromium.launch({ executablePath, headless: true, args: [...CHROMIUM_ARGS] });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    throw new Error(`could not start ${executablePath}: ${message}\n(${INSTALL_HINT})`, {
      cause: error,
    });
  }
}
