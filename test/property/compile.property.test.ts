/**
 * Properties of the compiler over generated specs (fast-check; RUNS per
 * property, seeds printed on failure): valid specs always compile to valid
 * manifests; mutated specs either compile or are refused with positioned
 * messages, never a crash.
 */
import { expect } from "chai";
import fc from "fast-check";
import { parse, stringify } from "yaml";
import { compileRollout, compileRollouts } from "../../src/compile/compile.js";
import { formatDiagnostic } from "../../src/errors.js";
import { checkAcrossRollouts } from "../../src/rollout/cross-checks.js";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import { anyValue, RUNS, validSpec } from "../support/arbitraries.js";
import { specYaml } from "../support/make-spec.js";

type Route = { destination: { subset: string }; weight?: number };
type VirtualService = { spec: { http: { match?: unknown; route: Route[] }[] } };

const POSITIONED = /^r\.yaml:\d+:\d+: \S/;

/** Replays a failure fast-check printed: PROPERTY_SEED and PROPERTY_PATH. */
const REPLAY =
  process.env.PROPERTY_SEED === undefined
    ? {}
    : {
        seed: Number(process.env.PROPERTY_SEED),
        path: process.env.PROPERTY_PATH ?? "",
        endOnFailure: true,
      };

/** Every path (as segments) into a JSON-like value. */
function paths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
  const out: (string | number)[][] = [prefix];
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      out.push(...paths(v, [...prefix, i]));
    });
  } else if (value !== null && typeof value === "object") {
    for (const [k, v] of Object.entries(value)) out.push(...paths(v, [...prefix, k]));
  }
  return out;
}

function mutate(
  doc: unknown,
  path: (string | number)[],
  op: "set" | "delete" | "extra",
  value: unknown,
): unknown {
  const copy = structuredClone(doc);
  if (path.length === 0) return op === "set" ? value : copy;
  const parent = path.slice(0, -1).reduce<any>((node, key) => node?.[key], copy);
  const key = path[path.length - 1] as string | number;
  if (parent === null || typeof parent !== "object") return copy;
  if (op === "set") parent[key] = value;
  else if (op === "delete")
    Array.isArray(parent) ? parent.splice(Number(key), 1) : delete parent[key];
  else if (parent[key] !== null && typeof parent[key] === "object" && !Array.isArray(parent[key]))
    parent[key].unexpectedField = value;
  return copy;
}

const TEXT_NOISE = [
  "\t",
  ":",
  "-",
  "{",
  "[",
  "'",
  '"',
  "#",
  "&",
  "*",
  "!",
  "%",
  "@",
  "`",
  "|",
  ">",
  "\n",
  "\n  ",
  "\u0000",
  "\ufeff",
];

const textMutation = fc.oneof(
  fc.record({
    kind: fc.constant("insert" as const),
    at: fc.nat(),
    noise: fc.constantFrom(...TEXT_NOISE),
  }),
  fc.record({ kind: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ kind: fc.constant("duplicate-line" as const), at: fc.nat() }),
  fc.constant({ kind: "alias" as const }),
  fc.constant({ kind: "laughs" as const }),
);

type TextMutation = typeof textMutation extends fc.Arbitrary<infer T> ? T : never;

function applyText(text: string, m: TextMutation): string {
  const lines = text.split("\n");
  switch (m.kind) {
    case "insert": {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.noise + text.slice(at);
    }
    case "truncate":
      return text.slice(0, m.at % (text.length + 1));
    case "duplicate-line": {
      const i = m.at % lines.length;
      lines.splice(i, 0, lines[i] ?? "");
      return lines.join("\n");
    }
    case "alias":
      return `${text}x-anchor: &a { name: v9, labels: { version: v9 } }\nx-alias: *a\n`;
    default: {
      const levels = ["a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]"];
      for (let i = 1; i < 9; i++) {
        const prev = String.fromCharCode(96 + i);
        levels.push(
          `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9).fill(`*${prev}`).join(", ")}]`,
        );
      }
      return `${text}${levels.join("\n")}\n`;
    }
  }
}

/** What any input must come to: rollouts that compile, or positioned messages. Nothing else. */
function refusedCleanlyOrCompiles(text: string): void {
  const parsed = parseRollouts("r.yaml", "r.yaml", text);
  const diagnostics = [...parsed.diagnostics, ...checkAcrossRollouts(parsed.rollouts)];
  for (const d of diagnostics) expect(formatDiagnostic(d)).to.match(POSITIONED);
  if (diagnostics.length === 0) compileRollouts(parsed.rollouts.map((r) => r.rollout));
}

describe(`compiler properties (${RUNS} runs each)`, function () {
  this.timeout(0);

  it("valid specs compile to manifests with weights summing to 100 and the catch-all to stable last", () => {
    fc.assert(
      fc.property(validSpec, (doc) => {
        const parsed = parseRollouts("r.yaml", "r.yaml", specYaml(doc));
        expect(parsed.diagnostics.map(formatDiagnostic)).to.deep.equal([]);
        const rollout = parsed.rollouts[0]?.rollout;
        if (rollout === undefined) throw new Error("no rollout");
        const files = compileRollout(rollout); // validates against Istio's schema, or throws
        const vs = parse(
          files.find((f) => f.path.endsWith("virtualservice.yaml"))?.content ?? "",
        ) as VirtualService;
        const [split, last] = [vs.spec.http[0], vs.spec.http.at(-1)];
        expect(split?.route.reduce((sum, r) => sum + (r.weight ?? 0), 0)).to.equal(100);
        expect(split?.route.map((r) => r.destination.subset)).to.deep.equal(
          rollout.canary === undefined
            ? [rollout.stable.name]
            : [rollout.stable.name, rollout.canary.name],
        );
        expect(vs.spec.http).to.have.length(2);
        expect(last?.match).to.equal(undefined);
        expect(last?.route.map((r) => r.destination.subset)).to.deep.equal([rollout.stable.name]);
      }),
      { numRuns: RUNS, ...REPLAY },
    );
  });

  it("mutated documents (wrong types, missing and extra fields, odd values) compile or are refused with file:line:col", () => {
    fc.assert(
      fc.property(
        validSpec,
        fc.nat(),
        fc.constantFrom("set", "delete", "extra") as fc.Arbitrary<"set" | "delete" | "extra">,
        anyValue,
        (doc, pick, op, value) => {
          const all = paths(doc);
          const path = all[pick % all.length] as (string | number)[];
          const mutated = mutate(doc, path, op, value);
          refusedCleanlyOrCompiles(stringify(mutated, { aliasDuplicateObjects: false }));
        },
      ),
      { numRuns: RUNS, ...REPLAY },
    );
  });

  it("mutated text (syntax noise, truncation, duplicate keys, anchors, alias bombs) compiles or is refused with file:line:col", () => {
    fc.assert(
      fc.property(
        validSpec,
        fc.array(textMutation, { minLength: 1, maxLength: 3 }),
        (doc, mutations) => {
          refusedCleanlyOrCompiles(
            mutations.reduce((text, m) => applyText(text, m), specYaml(doc)),
          );
        },
      ),
      { numRuns: RUNS, ...REPLAY },
    );
  });
});
