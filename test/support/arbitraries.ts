/**
 * fast-check generators of rollout specs: valid ones covering the spec's
 * shapes, and mutations of them that a person or an attacker might write.
 */
import fc from "fast-check";
import { CONTROL_CHARACTER } from "../../src/rollout/formats.js";
import type { SpecDoc } from "./make-spec.js";

/** Runs per property: 1,000 by default, PROPERTY_RUNS (100,000 in `npm run test:long`) when set. */
export const RUNS = Number(process.env.PROPERTY_RUNS ?? 1000);

const label = fc.stringMatching(/^[a-z0-9]([-a-z0-9]{0,20}[a-z0-9])?$/);
const labelValue = fc.stringMatching(/^([A-Za-z0-9]([-A-Za-z0-9_.]{0,10}[A-Za-z0-9])?)?$/);
/** One line of printable text, any script: what free-text fields accept. */
const text = fc
  .string({ unit: "grapheme", maxLength: 30 })
  .filter((s) => !CONTROL_CHARACTER.test(s));
const stringMatch = fc.oneof(
  text.map((exact) => ({ exact })),
  text.map((prefix) => ({ prefix })),
  text.map((regex) => ({ regex })),
);
const headerName = fc.stringMatching(/^[a-z0-9-]{1,20}$/);
const duration = fc
  .tuple(fc.integer({ min: 1, max: 5000 }), fc.constantFrom("ms", "s", "m", "h"))
  .map(([n, u]) => `${n}${u}`);

const matchRequest = fc
  .record(
    {
      uri: stringMatch,
      method: fc.constantFrom("GET", "POST", "PUT").map((exact) => ({ exact })),
      headers: fc.dictionary(headerName, stringMatch, { minKeys: 1, maxKeys: 3 }),
      queryParams: fc.dictionary(
        fc.stringMatching(/^[a-zA-Z_]{1,10}$/).filter((k) => k !== "__proto__"),
        stringMatch,
        {
          minKeys: 1,
          maxKeys: 2,
        },
      ),
      name: text,
      ignoreUriCase: fc.boolean(),
    },
    { requiredKeys: [] },
  )
  .filter((m) => Object.keys(m).length > 0);

const host = fc.oneof(
  label,
  fc.tuple(label, label).map(([s, ns]) => `${s}.${ns}.svc.cluster.local`),
  fc.tuple(label, label).map(([a, b]) => `${a}.${b}.example.com`),
);

/** A valid rollout document, with or without a canary. */
export const validSpec: fc.Arbitrary<SpecDoc> = fc
  .record({
    name: label,
    namespace: label,
    host,
    port: fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined }),
    match: fc.array(matchRequest, { minLength: 1, maxLength: 3 }),
    timeout: fc.option(duration, { nil: undefined }),
    retries: fc.option(
      fc.record({
        attempts: fc.integer({ min: 0, max: 5 }),
        perTryTimeout: duration,
        retryOn: fc.constantFrom("5xx", "5xx,reset", "connect-failure"),
      }),
      { nil: undefined },
    ),
    stableName: label,
    canaryName: label,
    stableVersion: labelValue,
    canaryVersion: labelValue,
    hasCanary: fc.boolean(),
    weight: fc.integer({ min: 0, max: 100 }),
    steps: fc
      .uniqueArray(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 6 })
      .map((s) => s.sort((a, b) => a - b)),
  })
  .filter((r) => r.stableName !== r.canaryName && r.stableVersion !== r.canaryVersion)
  .map((r) => ({
    apiVersion: "meshcanary.dev/v1alpha1",
    kind: "Rollout",
    metadata: { name: r.name, namespace: r.namespace },
    spec: {
      service: { host: r.host, ...(r.port === undefined ? {} : { port: r.port }) },
      route: {
        match: r.match,
        ...(r.timeout === undefined ? {} : { timeout: r.timeout }),
        ...(r.retries === undefined ? {} : { retries: r.retries }),
      },
      stable: { name: r.stableName, labels: { version: r.stableVersion } },
      ...(r.hasCanary
        ? { canary: { name: r.canaryName, labels: { version: r.canaryVersion } } }
        : {}),
      traffic: { canaryWeight: r.hasCanary ? r.weight : 0, steps: r.steps },
    },
  }));

/** An active rollout (canary, weight above 0): what the watchdog edits. */
export const activeSpec = validSpec.filter((d) => {
  const spec = d.spec as { canary?: unknown; traffic: { canaryWeight: number } };
  return spec.canary !== undefined && spec.traffic.canaryWeight > 0;
});

/** Values of every kind, including hostile ones. */
export const anyValue: fc.Arbitrary<unknown> = fc.oneof(
  fc.string(),
  fc.string({ unit: "grapheme" }),
  fc.string({ unit: "binary", maxLength: 20 }),
  fc.constantFrom(
    "",
    "a\nb: c",
    "---\nkind: Secret",
    "{{evil}}",
    "*x",
    "&a",
    "yes",
    "0o17",
    "1e400",
    "-",
    "../../etc",
    "\u202e",
    "\u200b",
  ),
  fc.integer(),
  fc.double(),
  fc.constantFrom(Number.MAX_SAFE_INTEGER, -1, 0, 101, 1e21, 0.5),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 5 }),
  fc.dictionary(fc.string({ maxLength: 5 }), fc.string({ maxLength: 5 }), { maxKeys: 3 }),
  fc.string({ minLength: 5000, maxLength: 20000 }),
  fc.integer({ min: 50, max: 300 }).map((depth) => {
    let v: unknown = "deep";
    for (let i = 0; i < depth; i++) v = [v];
    return v;
  }),
);
