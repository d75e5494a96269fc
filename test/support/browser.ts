/**
 * Headless Chromium for tests: Debian's `chromium` driven by playwright-core
 * (which downloads no browser of its own). A missing browser is an error with
 * the install command, never a skipped test.
 */
import { type Browser, chromium } from "playwright-core";
import { findExecutable } from "./find-executable.js";

const INSTALL_HINT =
  "the browser tests need Debian's chromium package: sudo apt-get install chromium " +
  "(or run `node scripts/ensure-debian-packages.mjs chromium` as root, or put a chromium binary on PATH)";

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

/** Launches headless Chromium; the caller closes it (usually in a mocha `after`). */
export async function launchChromium(): Promise<Browser> {
  const executablePath = findExecutable("chromium", "chromium-browser");
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
