/**
 * The container image, built and run without a container runtime. podman
 * builds here (chroot isolation) but cannot run containers (no cgroup
 * controllers), so the stand-in for `podman run --read-only` is: mount the
 * image read-only (`podman image mount`), and in a private mount namespace
 * give it /dev, /proc, a writable /tmp and the test's directories, then
 * `chroot --userspec=<the image's USER>` and exec its ENTRYPOINT with its Env
 * and WorkingDir. The network namespace is the host's, so loopback servers
 * (the test Prometheus) are reachable.
 */
import { spawnSync } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { CliResult } from "../support/cli.js";
import { REPO_ROOT } from "../support/paths.js";

export interface ImageConfig {
  readonly id: string;
  /** Bytes, as `podman images` reports. */
  readonly size: number;
  readonly user: string;
  readonly env: readonly string[];
  readonly entrypoint: readonly string[];
  readonly workingDir: string;
}

export interface BuiltImage {
  readonly image: string;
  readonly base: string;
}

function run(command: string, args: readonly string[], timeout = 60_000): string {
  const r = spawnSync(command, args, { encoding: "utf8", timeout, maxBuffer: 64 << 20 });
  if (r.error !== undefined) throw new Error(`${command}: ${r.error.message}`);
  if (r.status !== 0)
    throw new Error(
      `${command} ${args.join(" ")} exited with ${r.status ?? r.signal}:\n${r.stderr.slice(-4000)}`,
    );
  return r.stdout;
}

/** `scripts/build-test-image.mjs`: the stand-in base (cached) and the Containerfile built on it. */
export function buildTestImage(): BuiltImage {
  const out = run(
    process.execPath,
    [join(REPO_ROOT, "scripts", "build-test-image.mjs")],
    1_200_000,
  );
  return JSON.parse(out) as BuiltImage;
}

export function inspectImage(image: string): ImageConfig {
  const [info] = JSON.parse(run("podman", ["image", "inspect", image])) as {
    Id: string;
    Size: number;
    Config: { User?: string; Env?: string[]; Entrypoint?: string[]; WorkingDir?: string };
  }[];
  if (info === undefined) throw new Error(`podman image inspect ${image}: no image`);
  return {
    id: info.Id,
    size: info.Size,
    user: info.Config.User ?? "",
    env: info.Config.Env ?? [],
    entrypoint: info.Config.Entrypoint ?? [],
    workingDir: info.Config.WorkingDir ?? "/",
  };
}

/** An image's root, mounted read-only until `close()`. */
export class MountedImage {
  readonly root: string;
  readonly config: ImageConfig;
  /** The host directory the image sees as its writable /tmp. */
  readonly tmp: string;
  readonly #image: string;

  constructor(image: string) {
    this.#image = image;
    this.config = inspectImage(image);
    this.root = run("podman", ["image", "mount", image]).trim();
    this.tmp = mkdtempSync(join(tmpdir(), "meshcanary-image-tmp-"));
    chmodSync(this.tmp, 0o1777);
  }

  /**
   * Runs the image's entrypoint (or `entrypoint`) with `args` as its user.
   * `binds` maps host directories to mount points that exist in the image.
   */
  run(
    args: readonly string[],
    options: {
      binds?: Record<string, string>;
      entrypoint?: readonly string[];
      timeoutMs?: number;
    } = {},
  ): CliResult {
    const binds = Object.entries(options.binds ?? {}).flat();
    const script = [
      "R=$1; U=$2; W=$3; n=$4; shift 4; T=$1; shift",
      'mount --rbind /dev "$R/dev"',
      'mount -t proc proc "$R/proc"',
      'mount --bind "$T" "$R/tmp"',
      'while [ "$n" -gt 0 ]; do mount --bind "$1" "$R$2"; shift 2; n=$((n - 1)); done',
      'exec chroot --userspec="$U" "$R" /usr/bin/env -i -C "$W" "$@"',
    ].join("\n");
    const r = spawnSync(
      "unshare",
      [
        "--mount",
        "--propagation",
        "private",
        "--",
        "sh",
        "-euc",
        script,
        "sh",
        this.root,
        this.config.user,
        this.config.workingDir,
        String(binds.length / 2),
        this.tmp,
        ...binds,
        ...this.config.env,
        ...(options.entrypoint ?? this.config.entrypoint),
        ...args,
      ],
      { encoding: "utf8", timeout: options.timeoutMs ?? 60_000, stdio: ["ignore", "pipe", "pipe"] },
    );
    if (r.error !== undefined) throw new Error(`running the image: ${r.error.message}`);
    return { code: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  }

  close(): void {
    spawnSync("podman", ["image", "unmount", this.#image]);
    rmSync(this.tmp, { recursive: true, force: true });
  }
}
