/**
 * One small error hierarchy. Every error meshcanary raises on purpose carries
 * a stable `code` and the process exit code the CLI maps it to; the CLI is
 * the only place that turns them into `process.exit`.
 */

/** The exit-code table (README "Exit codes"). */
export const ExitCode = {
  ok: 0,
  /** Invalid input, or generated output that is out of date (`--check`). */
  invalid: 1,
  /** The command line itself is wrong. */
  usage: 2,
  /** Something outside meshcanary failed: file system, Prometheus, git. */
  external: 3,
  /** A bug in meshcanary. */
  internal: 70,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** A problem at a place in a source file: `file:line:col: path: message`. */
export interface Diagnostic {
  readonly file: string;
  readonly line: number;
  readonly col: number;
  /** Dotted path with `[index]`, e.g. `spec.traffic.steps[2]`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

export function formatDiagnostic(d: Diagnostic): string {
  const where = `${d.file}:${d.line}:${d.col}`;
  return d.path === "" ? `${where}: ${d.message}` : `${where}: ${d.path}: ${d.message}`;
}

/** Orders diagnostics by file, then position, so output is the same every run. */
export function sortDiagnostics(ds: readonly Diagnostic[]): Diagnostic[] {
  return [...ds].sort(
    (a, b) =>
      compareStrings(a.file, b.file) ||
      a.line - b.line ||
      a.col - b.col ||
      compareStrings(a.path, b.path) ||
      compareStrings(a.message, b.message),
  );
}

function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export class MeshcanaryError extends Error {
  readonly code: string;
  readonly exitCode: ExitCode;
  constructor(message: string, code: string, exitCode: ExitCode, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
    this.exitCode = exitCode;
  }
}

/** One or more problems in the rollout specs; nothing was written. */
export class InvalidSpecError extends MeshcanaryError {
  readonly diagnostics: readonly Diagnostic[];
  constructor(
    diagnostics: readonly Diagnostic[],
    kind: { code: string; exitCode: ExitCode } = {
      code: "INVALID_SPEC",
      exitCode: ExitCode.invalid,
    },
  ) {
    const sorted = sortDiagnostics(diagnostics);
    super(sorted.map(formatDiagnostic).join("\n"), kind.code, kind.exitCode);
    this.diagnostics = sorted;
  }
}

/**
 * Problems in meshcanary.yaml, as `file:line:col: key: message`. Its values
 * are settings, like flags: a usage error (exit 2), found before anything runs.
 */
export class InvalidConfigError extends InvalidSpecError {
  constructor(diagnostics: readonly Diagnostic[]) {
    super(diagnostics, { code: "INVALID_CONFIG", exitCode: ExitCode.usage });
  }
}

/** A template rendered something that is not a valid manifest: a bug in a template, not in the spec. */
export class TemplateError extends MeshcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "TEMPLATE", ExitCode.invalid, options);
  }
}

export class UsageError extends MeshcanaryError {
  constructor(message: string) {
    super(message, "USAGE", ExitCode.usage);
  }
}

/** Generated files on disk differ from what the specs compile to (`compile --check`). */
export class OutOfDateError extends MeshcanaryError {
  readonly files: readonly string[];
  constructor(files: readonly string[]) {
    super(
      `${files.length} generated file(s) out of date; run meshcanary compile:\n${files.join("\n")}`,
      "OUT_OF_DATE",
      ExitCode.invalid,
    );
    this.files = files;
  }
}

/** Reading or writing the file system failed for a reason outside the input (permissions, disk). */
export class FileSystemError extends MeshcanaryError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, "FILE_SYSTEM", ExitCode.external, options);
  }
}
