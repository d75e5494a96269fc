#!/usr/bin/env node
// Part of `pretest`: the integration tests run Debian's real prometheus (and
// promtool from the same package) and never skip, so make sure they exist
// before mocha starts: silent when present, installed when we are root on a
// Debian-like system (CI containers), otherwise a clear message and exit 1.
import { spawnSync } from "node:child_process";
import { accessSync, constants, statSync } from "node:fs";
import { delimiter, join } from "node:path";

const BINARIES = ["prometheus", "promtool"];

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

const missing = () => BINARIES.filter((name) => findExecutable(name) === undefined);

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
    `ensure-prometheus: ${absent.join(", ")} not found; installing Debian's prometheus package\n`,
  );
  if (run("apt-get", ["update"])) {
    run("apt-get", ["install", "-y", "--no-install-recommends", "prometheus"]);
  }
  absent = missing();
  if (absent.length === 0) process.exit(0);
}

process.stderr.write(
  `ensure-prometheus: ${absent.join(" and ")} not found on PATH or in /usr/bin.\n` +
    "The integration tests start a real Prometheus and need Debian's prometheus package\n" +
    "(it provides both prometheus and promtool). Install it with:\n\n" +
    "    sudo apt-get install prometheus\n\n" +
    "or put prometheus and promtool binaries on PATH.\n",
);
process.exit(1);
