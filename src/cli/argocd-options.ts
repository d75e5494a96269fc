/**
 * The flags that say how to reach Argo CD after a push, and their translation
 * into the sync call. The token is a file path (`--argocd-token-file`) or the
 * `$ARGOCD_AUTH_TOKEN` environment variable, never a flag's value.
 */
import { type Command, Option } from "commander";
import { UsageError } from "../errors.js";
import { SecretFile } from "../secrets/secret-file.js";
import { type ArgoCdSync, argoCdSync } from "../watchdog/argocd.js";
import * as parse from "./flag-values.js";

export interface ArgoCdFlags {
  readonly argocdUrl?: string;
  readonly argocdApp?: string;
  readonly argocdTokenFile?: string;
  readonly argocdCaFile?: string;
  readonly argocdServerName?: string;
}

/** Adds the token and CA flags to `watch`, next to its `--argocd-url`. */
export function addArgoCdOptions(program: Command): void {
  const watch = program.commands.find((c) => c.name() === "watch");
  watch?.addOption(
    new Option(
      "--argocd-token-file <file>",
      "Argo CD API token, from this file (read again for each sync); instead of $ARGOCD_AUTH_TOKEN",
    ).argParser(parse.path),
  );
  watch?.addOption(
    new Option(
      "--argocd-ca-file <file>",
      "PEM CA bundle that signs Argo CD's certificate (default: Node's CAs)",
    ).argParser(parse.path),
  );
  watch?.addOption(
    new Option(
      "--argocd-server-name <name>",
      "name to send as SNI and to verify Argo CD's certificate against, instead of the URL's host",
    ),
  );
}

/**
 * The sync call from the flags and `$ARGOCD_AUTH_TOKEN`, or undefined without
 * `--argocd-url`; a bad combination is a UsageError naming the flag.
 */
export function argoCdFromFlags(
  flags: ArgoCdFlags,
  env: NodeJS.ProcessEnv = process.env,
): ArgoCdSync | undefined {
  const { argocdUrl: url, argocdApp: app, argocdTokenFile, argocdCaFile, argocdServerName } = flags;
  if ((url === undefined) !== (app === undefined))
    throw new UsageError("--argocd-url and --argocd-app go together");
  const envToken = env.ARGOCD_AUTH_TOKEN === "" ? undefined : env.ARGOCD_AUTH_TOKEN;
  if (url === undefined || app === undefined) {
    for (const [flag, value] of [
      ["--argocd-token-file", argocdTokenFile],
      ["--argocd-ca-file", argocdCaFile],
      ["--argocd-server-name", argocdServerName],
    ] as const)
      if (value !== undefined) throw new UsageError(`${flag} needs --argocd-url and --argocd-app`);
    return undefined;
  }
  if (argocdTokenFile !== undefined && envToken !== undefined)
    throw new UsageError(
      "--argocd-token-file and $ARGOCD_AUTH_TOKEN: choose one place for the Argo CD token",
    );
  for (const [flag, value] of [
    ["--argocd-ca-file", argocdCaFile],
    ["--argocd-server-name", argocdServerName],
  ] as const)
    if (value !== undefined && !/^https:\/\//i.test(url))
      throw new UsageError(`${flag} needs an https:// --argocd-url`);
  const token =
    argocdTokenFile !== undefined
      ? { from: "file" as const, file: new SecretFile("--argocd-token-file", argocdTokenFile) }
      : envToken === undefined
        ? undefined
        : { from: "env" as const, value: envToken };
  return argoCdSync({
    url,
    app,
    ...(token === undefined ? {} : { token }),
    ...(argocdCaFile === undefined ? {} : { ca: new SecretFile("--argocd-ca-file", argocdCaFile) }),
    ...(argocdServerName === undefined ? {} : { serverName: argocdServerName }),
  });
}
