#!/usr/bin/env node
// Before tests, benches and the demo: the tests run Debian's real prometheus
// (and promtool, from the same package) and headless chromium, and never skip,
// so make sure they exist before mocha starts. Silent when present; installed
// when we are root on a Debian-like system (CI containers), with one
// `apt-get update`; otherwise a clear message and exit 1.
//
//   node scripts/ensure-debian-packages.mjs prometheus chromium
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

/** Each package we may need: the binaries that show it is there (any one name of each group), and why. */
const PACKAGES = {
  prometheus: {
    binaries: [["prometheus"], ["promtool"]],
    why: "The integration tests start a real Prometheus, and backfill history with promtool.",
  },
  "openssh-server": {
    binaries: [["sshd"], ["ssh"], ["ssh-keygen"]],
    why: "The authenticated-git tests run sshd on loopback and clone over SSH.",
  },
  chromium: {
    binaries: [["chromium", "chromium-browser"]],
    why: "The browser tests open the HTML report in headless Chromium (driven by playwright-core, which downloads no browser).",
  },
};

/** The first executable `name` on PATH, else in /usr/bin or /usr/sbin (Debian's places, not always on PATH). */
function findExecutable(name) {
  const dirs = [
    ...(process.env.PATH ?? "").split(delimiter).filter((d) => d !== ""),
    "/usr/bin",
    "/usr/sbin",
  ];
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

const wanted = process.argv.slice(2);
for (const name of wanted) {
  if (!Object.hasOwn(PACKAGES, name)) {
    process.stderr.write(`ensure-debian-packages: unknown package ${name}\n`);
    process.exit(2);
  }
}
const missing = () =>
  wanted.filter((name) =>
    PACKAGES[name].binaries.some((group) => group.every((b) => findExecutable(b) === undefined)),
  );

function run(command, args) {
  const r = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  return r.status === 0;
}

let absent = missing();
if (absent.length === 0) process.exit(0);

const isRoot = typeof process.getuid === "function" && process.getuid() === 0;
if (isRoot && findExecutable("apt-get") !== undefined) {
  process.stderr.write(
    `ensure-debian-packages: installing Debian's ${absent.join(" and ")} (not found)\n`,
  );
  if (run("apt-get", ["update"])) {
    run("apt-get", ["install", "-y", "--no-install-recommends", ...absent]);
  }
  absent = missing();
  if (absent.length === 0) process.exit(0);
}

process.stderr.write(
  `ensure-debian-packages: ${absent.join(" and ")} not found on PATH or in /usr/bin.\n` +
    absent.map((name) => `${PACKAGES[name].why}\n`).join("") +
    `Install with:\n\n    sudo apt-get install ${absent.join(" ")}\n\n` +
    "or put the binaries on PATH.\n",
);
process.exit(1);
