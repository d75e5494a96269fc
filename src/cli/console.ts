/** Where the CLI's words go: results to stdout, notes and errors to stderr. Injected so tests can read them. */
export interface Console {
  out(line: string): void;
  note(line: string): void;
  error(line: string): void;
}

export function processConsole(options: { quiet?: boolean } = {}): Console {
  return {
    out: (line) => process.stdout.write(`${line}\n`),
    note: (line) => {
      if (options.quiet !== true) process.stderr.write(`meshcanary: note: ${line}\n`);
    },
    error: (line) => process.stderr.write(`${line}\n`),
  };
}
