/**
 * Values of command-line flags: each parser checks one kind of value as
 * commander reads it, before any command runs, so a bad value is exit 2 with
 * the flag named (`option '--interval <duration>' argument '0' is invalid.
 * expected a duration such as 500ms, 10s or 1m`) instead of a failure after
 * a clone or a query.
 */
import { statSync } from "node:fs";
import { dirname, isAbsolute, normalize, resolve } from "node:path";
import { InvalidArgumentError } from "commander";
import { parseDuration } from "../rollout/duration.js";
import type { ListenAddress } from "../watchdog/http-server.js";

function invalid(message: string): never {
  throw new InvalidArgumentError(message);
}

/** A positive duration such as 500ms, 10s or 1m, in ms. */
export function duration(value: string): number {
  const ms = parseDuration(value);
  if (ms === undefined || ms < 1) invalid("expected a duration such as 500ms, 10s or 1m");
  return ms;
}

/** A time given as text, resolved against one `now` per command run. */
export interface TimeFlag {
  readonly text: string;
  /** Epoch ms. */
  at(nowMs: number): number;
}

const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d(\.\d+)?(Z|[+-]([01]\d|2[0-3]):[0-5]\d)$/i;

/** Date.parse rolls 2026-02-30 over to March 2; a date that does not exist is refused instead. */
function calendarDate(match: RegExpExecArray): boolean {
  const [year, month, day] = [1, 2, 3].map((i) => Number(match[i]));
  const date = new Date(Date.UTC(year as number, (month as number) - 1, day));
  return date.getUTCMonth() === (month as number) - 1 && date.getUTCDate() === day;
}
/** Prometheus refuses times before the epoch; anything that old is a typo. */
const EARLIEST_MS = 0;

/** RFC 3339 (`2026-11-20T10:00:00Z`), `now`, or `now-<duration>` (`now-24h`). */
export function time(value: string): TimeFlag {
  if (value === "now") return { text: value, at: (nowMs) => nowMs };
  const relative = /^now-(.+)$/.exec(value);
  if (relative !== null) {
    const agoMs = parseDuration(relative[1] as string);
    if (agoMs === undefined) invalid("expected now-<duration>, e.g. now-24h");
    if (Date.now() - agoMs < EARLIEST_MS) invalid("reaches back before 1970");
    return { text: value, at: (nowMs) => nowMs - agoMs };
  }
  const match = RFC3339.exec(value);
  const ms = match !== null && calendarDate(match) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(ms))
    invalid("expected an RFC 3339 time such as 2026-11-20T10:00:00Z, now, or now-24h");
  if (ms < EARLIEST_MS) invalid("is before 1970");
  return { text: value, at: () => ms };
}

/** An http(s) base URL such as http://prometheus:9090 (a path prefix is kept). */
export function httpUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return invalid("expected an http:// or https:// URL, e.g. http://prometheus:9090");
  }
  if (url.protocol !== "http:" && url.protocol !== "https:")
    invalid(`expected an http:// or https:// URL, not ${url.protocol}`);
  if (url.search !== "" || url.hash !== "") invalid("a base URL takes no ?query or #fragment");
  return value;
}

/** `HOST:PORT`, `[IPv6]:PORT` or `:PORT` (127.0.0.1). */
export function listenAddress(value: string): ListenAddress {
  const match = /^(?:\[([^\]]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(value);
  if (match === null) invalid("expected HOST:PORT, e.g. 127.0.0.1:9464");
  const port = Number(match[3]);
  if (port < 1 || port > 65535) invalid("the port must be 1 to 65535");
  return { host: match[1] ?? (match[2] === "" ? "127.0.0.1" : (match[2] as string)), port };
}

/** A Kubernetes object name (DNS-1123 subdomain), as Argo CD Application names are. */
export function objectName(value: string): string {
  if (!/^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(value))
    invalid("expected a Kubernetes name: lowercase letters, digits, '-' and '.'");
  return value;
}

const LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/** `namespace/name` of a rollout, both DNS-1123 labels as the spec requires. */
export function rolloutId(value: string): string {
  const [namespace, name, ...rest] = value.split("/");
  if (rest.length > 0 || !LABEL.test(namespace ?? "") || !LABEL.test(name ?? ""))
    invalid("expected <namespace>/<name>, e.g. recs/recommend");
  return value;
}

/** A branch name git accepts (`git check-ref-format --branch`), checked without running git. */
export function branch(value: string): string {
  const bad =
    value === "" ||
    value === "@" ||
    value.startsWith("-") ||
    value.startsWith("/") ||
    value.endsWith("/") ||
    value.endsWith(".") ||
    value.endsWith(".lock") ||
    value.includes("..") ||
    value.includes("//") ||
    value.includes("@{") ||
    value.split("/").some((part) => part.startsWith(".")) ||
    // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
    /[\u0000-\u0020\u007f~^:?*[\\]/.test(value);
  if (bad) invalid("not a valid git branch name");
  return value;
}

/** A git URL or path; never empty, never something git could read as an option. */
export function gitRemote(value: string): string {
  if (value.trim() === "") invalid("expected a git URL or the path of a repository");
  if (value.startsWith("-")) invalid("a repository does not start with '-'");
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (/[\u0000-\u001f\u007f]/.test(value)) invalid("contains a control character");
  return value;
}

/** A path on this machine; never empty (an empty --out would write into the current directory). */
export function path(value: string): string {
  if (value === "") invalid("expected a path, got an empty string");
  if (value.includes("\0")) invalid("contains a NUL character");
  return value;
}

/** Each of several path arguments (`[paths...]`), collected in order. */
export function paths(value: string, previous: readonly string[] = []): string[] {
  return [...previous, path(value)];
}

/** A path inside the GitOps repository, relative to its root. */
export function repoPath(value: string): string {
  path(value);
  if (isAbsolute(value) || normalize(value).split(/[\\/]/)[0] === "..")
    invalid("expected a path relative to the repository root, inside it");
  return value;
}

/** A file that exists (an unreadable one is a file-system failure, found when it is read). */
export function existingFile(value: string): string {
  path(value);
  const stat = statSync(value, { throwIfNoEntry: false });
  if (stat === undefined) invalid("no such file");
  if (stat.isDirectory()) invalid("is a directory, expected a file");
  return value;
}

/** A directory that exists or can be made here: not an existing file. */
export function directory(value: string): string {
  path(value);
  const stat = statSync(value, { throwIfNoEntry: false });
  if (stat !== undefined && !stat.isDirectory()) invalid("is a file, expected a directory");
  return value;
}

/** A file to write: its directory exists, and it is not itself a directory. */
export function outputFile(value: string): string {
  path(value);
  if (statSync(value, { throwIfNoEntry: false })?.isDirectory() === true)
    invalid("is a directory, expected a file name");
  const parent = dirname(resolve(value));
  if (statSync(parent, { throwIfNoEntry: false })?.isDirectory() !== true)
    invalid(`directory ${dirname(value)} does not exist`);
  return value;
}

/** A commit author name: one line, not empty, without the `<>` git uses around the email. */
export function authorName(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (value.trim() === "" || /[<>\u0000-\u001f\u007f]/.test(value))
    invalid("expected a name on one line, without < or >");
  return value;
}

/** A commit author email: `local@domain`, no spaces or `<>`. */
export function authorEmail(value: string): string {
  if (!/^[^\s<>@]+@[^\s<>@]+$/.test(value))
    invalid("expected an email address such as bot@example.com");
  return value;
}

/** `Name <email>`, as git writes an author. */
export function author(value: string): { name: string; email: string } {
  const match = /^([^<>]*[^\s<>])\s*<([^<>]*)>$/.exec(value.trim());
  if (match === null) invalid('expected "Name <email>", e.g. "Jane Doe <jane@example.com>"');
  return { name: authorName(match[1] as string), email: authorEmail(match[2] as string) };
}

/** Free text on one line (it goes into `status.reason` and a commit body). */
export function oneLine(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is refused
  if (value.trim() === "" || /[\u0000-\u001f\u007f]/.test(value))
    invalid("expected text on one line, not empty");
  return value.trim();
}
