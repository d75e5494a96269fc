/**
 * The layout's rules, read from the source (ARCHITECTURE.md says them in
 * words): no import cycle, a pure `analysis/`, and manifest kinds named only
 * by the routing targets. Imports are read with a regex, type-only ones
 * included: a type import is a dependency too, even if it vanishes at run time.
 */
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { expect } from "chai";
import { REPO_ROOT } from "../support/paths.js";

const SRC = join(REPO_ROOT, "src");

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((e) =>
      e.isDirectory()
        ? sourceFiles(join(dir, e.name))
        : e.name.endsWith(".ts")
          ? [join(dir, e.name)]
          : [],
    )
    .sort();
}

const IMPORT = /(?:^|\n)\s*(?:import|export)\b[^;]*?\bfrom\s+"(\.{1,2}\/[^"]+)"/g;

/** Relative imports of each file under src/, as paths relative to src/ (`.js` → `.ts`). */
function importGraph(files: Record<string, string>): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const [file, text] of Object.entries(files)) {
    const targets = [...text.matchAll(IMPORT)].map((m) =>
      relative(SRC, resolve(SRC, dirname(file), m[1] as string)).replace(/\.js$/, ".ts"),
    );
    graph.set(file, [...new Set(targets)]);
  }
  return graph;
}

/** One cycle as a path `a → b → a`, or undefined. */
function findCycle(graph: ReadonlyMap<string, readonly string[]>): string[] | undefined {
  const state = new Map<string, "open" | "done">();
  const stack: string[] = [];
  const visit = (node: string): string[] | undefined => {
    if (state.get(node) === "done") return undefined;
    if (state.get(node) === "open") return [...stack.slice(stack.indexOf(node)), node];
    state.set(node, "open");
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      const cycle = visit(next);
      if (cycle !== undefined) return cycle;
    }
    stack.pop();
    state.set(node, "done");
    return undefined;
  };
  for (const node of [...graph.keys()].sort()) {
    const cycle = visit(node);
    if (cycle !== undefined) return cycle;
  }
  return undefined;
}

const files = Object.fromEntries(
  sourceFiles(SRC).map((f) => [relative(SRC, f), readFileSync(f, "utf8")]),
);
const graph = importGraph(files);

describe("layering", () => {
  it("finds a cycle when there is one (the check itself can fail)", () => {
    const g = importGraph({
      "a/x.ts": 'import { y } from "../b/y.js";',
      "b/y.ts": 'import type { z } from "./z.js";',
      "b/z.ts": 'export { x } from "../a/x.js";',
    });
    expect(findCycle(g)).to.deep.equal(["a/x.ts", "b/y.ts", "b/z.ts", "a/x.ts"]);
    expect(findCycle(new Map([["a.ts", ["b.ts"]]]))).to.equal(undefined);
  });

  it("has no import cycle in src/, type-only imports included", () => {
    expect(findCycle(graph)).to.equal(undefined);
  });

  it("analysis/ imports only analysis/, stats/, the rollout types and lifecycle predicates", () => {
    const outside = [...graph]
      .filter(([file]) => file.startsWith("analysis/"))
      .flatMap(([file, targets]) =>
        targets
          .filter(
            (t) =>
              !/^(analysis|stats)\//.test(t) && !/^(rollout|spec)\/(types|lifecycle)\.ts$/.test(t),
          )
          .map((t) => `${file} → ${t}`),
      );
    expect(outside).to.deep.equal([]);
  });

  it("analysis/ is pure: no async, no Promise, no MetricsSource", () => {
    const impure = Object.entries(files)
      .filter(([file]) => file.startsWith("analysis/"))
      .filter(([, text]) => /\basync\b|\bawait\b|\bPromise\b|\bMetricsSource\b/.test(text))
      .map(([file]) => file);
    expect(impure).to.deep.equal([]);
  });

  it("compile/ names no manifest kind outside its targets", () => {
    const kinds =
      /\b(VirtualService|DestinationRule|HTTPRoute|Gateway|TrafficSplit|Ingress|networking\.istio\.io)\b/;
    const naming = Object.entries(files)
      .filter(([file]) => file.startsWith("compile/") && !file.startsWith("compile/targets/"))
      .filter(([, text]) => kinds.test(text))
      .map(([file]) => file);
    expect(naming).to.deep.equal([]);
  });
});
