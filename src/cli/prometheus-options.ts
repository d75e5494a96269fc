/**
 * The flags that say how to reach an authenticated Prometheus, defined once
 * for every command that takes `--prometheus`, and their translation into
 * the client's options. Secrets are only ever file paths on the command line.
 */
import { type Command, Option } from "commander";
import { UsageError } from "../errors.js";
import {
  isHeaderValue,
  type PlainHeader,
  type PrometheusAuth,
  type SecretHeader,
} from "../prometheus/auth.js";
import { SecretFile } from "../secrets/secret-file.js";
import * as parse from "./flag-values.js";

export interface PrometheusFlags {
  readonly prometheus: string;
  readonly prometheusBearerTokenFile?: string;
  readonly prometheusUsername?: string;
  readonly prometheusPasswordFile?: string;
  readonly prometheusHeader?: readonly string[];
  readonly prometheusHeaderFile?: readonly string[];
  readonly prometheusCaFile?: string;
  readonly prometheusCertFile?: string;
  readonly prometheusKeyFile?: string;
  readonly prometheusServerName?: string;
}

const collect = (value: string, previous: string[] | undefined): string[] => [
  ...(previous ?? []),
  value,
];

function authOptions(): Option[] {
  return [
    new Option(
      "--prometheus-bearer-token-file <file>",
      "send Authorization: Bearer <the file's content>; read again for each request",
    ).argParser(parse.path),
    new Option("--prometheus-username <name>", "basic auth user (with --prometheus-password-file)"),
    new Option(
      "--prometheus-password-file <file>",
      "basic auth password, from this file; read again for each request",
    ).argParser(parse.path),
    new Option(
      "--prometheus-header <name=value>",
      "send this header with each request, e.g. X-Scope-OrgID=tenant-a (repeatable; for a secret value use --prometheus-header-file)",
    ).argParser(collect),
    new Option(
      "--prometheus-header-file <name=file>",
      "send this header with the file's content as value (repeatable)",
    ).argParser(collect),
    new Option(
      "--prometheus-ca-file <file>",
      "PEM CA bundle that signs Prometheus' certificate (default: Node's CAs)",
    ).argParser(parse.path),
    new Option(
      "--prometheus-cert-file <file>",
      "PEM client certificate for mTLS (with --prometheus-key-file)",
    ).argParser(parse.path),
    new Option("--prometheus-key-file <file>", "PEM key of --prometheus-cert-file").argParser(
      parse.path,
    ),
    new Option(
      "--prometheus-server-name <name>",
      "name to send as SNI and to verify the certificate against, instead of the URL's host",
    ),
  ];
}

/** Adds the auth flags to every subcommand of `program` that takes `--prometheus`. */
export function addPrometheusAuthOptions(program: Command): void {
  for (const command of program.commands) {
    if (!command.options.some((o) => o.long === "--prometheus")) continue;
    for (const option of authOptions()) command.addOption(option);
  }
}

/** RFC 9110 token characters. */
const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;
/** Headers the client sets itself. */
const RESERVED = new Set(["content-type", "content-length", "host", "transfer-encoding"]);

/**
 * The client's `url` and `auth` from the flags; a bad combination is a
 * UsageError naming the flag (and never a header's value).
 */
export function prometheusConnection(flags: PrometheusFlags): {
  url: string;
  auth: PrometheusAuth;
} {
  const f = flags;
  together(
    "--prometheus-username",
    f.prometheusUsername,
    "--prometheus-password-file",
    f.prometheusPasswordFile,
  );
  together(
    "--prometheus-cert-file",
    f.prometheusCertFile,
    "--prometheus-key-file",
    f.prometheusKeyFile,
  );
  if (f.prometheusBearerTokenFile !== undefined && f.prometheusUsername !== undefined)
    throw new UsageError(
      "--prometheus-bearer-token-file and --prometheus-username: choose one way to authenticate",
    );
  const authorization =
    f.prometheusBearerTokenFile !== undefined || f.prometheusUsername !== undefined;
  const seen = new Set<string>();
  const header = (flag: string, text: string) => {
    const { name, value } = parseHeaderFlag(flag, text);
    const lower = name.toLowerCase();
    if (RESERVED.has(lower) || (lower === "authorization" && authorization))
      throw new UsageError(`${flag} ${name}: meshcanary sets this header itself`);
    if (seen.has(lower)) throw new UsageError(`${flag} ${name}: header given twice`);
    seen.add(lower);
    return { name, value };
  };
  const headers: PlainHeader[] = (f.prometheusHeader ?? []).map((h) =>
    header("--prometheus-header", h),
  );
  const secretHeaders: SecretHeader[] = (f.prometheusHeaderFile ?? []).map((h) => {
    const { name, value } = header("--prometheus-header-file", h);
    return { name, file: new SecretFile("--prometheus-header-file", value) };
  });
  const tlsFlags = {
    "--prometheus-ca-file": f.prometheusCaFile,
    "--prometheus-cert-file": f.prometheusCertFile,
    "--prometheus-server-name": f.prometheusServerName,
  };
  const https = /^https:\/\//i.test(f.prometheus);
  for (const [flag, value] of Object.entries(tlsFlags))
    if (value !== undefined && !https)
      throw new UsageError(`${flag} needs an https:// --prometheus URL, not ${f.prometheus}`);
  const file = (flag: string, path: string | undefined) =>
    path === undefined ? undefined : new SecretFile(flag, path);
  const ca = file("--prometheus-ca-file", f.prometheusCaFile);
  const cert = file("--prometheus-cert-file", f.prometheusCertFile);
  const key = file("--prometheus-key-file", f.prometheusKeyFile);
  const bearerToken = file("--prometheus-bearer-token-file", f.prometheusBearerTokenFile);
  const password = file("--prometheus-password-file", f.prometheusPasswordFile);
  const tls = {
    ...(ca === undefined ? {} : { ca }),
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(f.prometheusServerName === undefined ? {} : { serverName: f.prometheusServerName }),
  };
  return {
    url: f.prometheus,
    auth: {
      ...(bearerToken === undefined ? {} : { bearerToken }),
      ...(password === undefined || f.prometheusUsername === undefined
        ? {}
        : { basic: { username: f.prometheusUsername, password } }),
      ...(headers.length === 0 ? {} : { headers }),
      ...(secretHeaders.length === 0 ? {} : { secretHeaders }),
      ...(Object.keys(tls).length === 0 ? {} : { tls }),
    },
  };
}

/** `NAME=VALUE` → name and value; the message never repeats the value. */
export function parseHeaderFlag(flag: string, text: string): PlainHeader {
  const at = text.indexOf("=");
  const name = at < 0 ? "" : text.slice(0, at).trim();
  const value = at < 0 ? "" : text.slice(at + 1);
  const expected = flag.endsWith("-file") ? "NAME=PATH" : "NAME=VALUE";
  if (at < 0 || name === "")
    throw new UsageError(`${flag}: expected ${expected}, e.g. X-Scope-OrgID=tenant-a`);
  if (!HEADER_NAME.test(name))
    // Not repeated: a mistyped `Authorization: Bearer …=` would print the secret.
    throw new UsageError(
      `${flag}: expected ${expected} with NAME a header name (letters, digits, - and _)`,
    );
  if (value === "") throw new UsageError(`${flag} ${name}: the value is empty`);
  if (!isHeaderValue(value))
    throw new UsageError(`${flag} ${name}: the value holds a control character`);
  return { name, value };
}

function together(a: string, aValue: unknown, b: string, bValue: unknown): void {
  if ((aValue === undefined) !== (bValue === undefined))
    throw new UsageError(`${a} and ${b} go together`);
}
