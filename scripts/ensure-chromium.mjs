#!/usr/bin/env node
// Before the browser tests: they open the HTML report in Debian's real chromium
// (driven by playwright-core, which downloads no browser) and never skip, so
// make sure it exists before mocha starts: silent when present, installed when
// we are root on a Debian-like system (CI containers), otherwise a clear
// message and exit 1.
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

// Either name will do (test/support/browser.ts looks for both, in this order).
const NAMES = ["chromium", "chromium-browser"];

/** The first executable `name` on PATH, else in /usr/bin (Debian's place, not always on PATH). */
function findExecutable(name) {
  const dirs = [...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""), "/usr/bin"];
  for (const dir of dirs) {
    const path = join(dir, name);
    try {
      accessSync(path, constants.X_OK);
      if (statSync(path).isFile()) return path;
    } catch {
      // not here; try the next directory
    }
  }
  return undefined;
}

const present = () => NAMES.some((name) => findExecutable(name) !== undefined);

function run(command, args) {
  const r = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return r.status === 0;
}

if (present()) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && findExecutable("apt-get") !== undefined) {
  process.stderr.write(
    "ensure-chromium: chromium not found; installing Debian's chromium package\n",
  );
  const install = ["install", "-y", "--no-install-recommends", "chromium"];
  // Try with the package lists we have; refresh them only if that fails.
  if (!run("apt-get", install) && run("apt-get", ["update"])) run("apt-get", install);
  if (present()) process.exit(0);
}

process.stderr.write(
  "ensure-chromium: chromium not found on PATH or in /usr/bin.\n" +
    "The browser tests open the HTML report in headless Chromium and need Debian's\n" +
    "chromium package (playwright-core drives it; no browser is downloaded). Install it with:\n\n" +
    "    sudo apt-get install chromium\n\n" +
    "or put a chromium binary on PATH.\n",
);
process.exit(1);
