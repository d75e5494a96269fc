/**
 * The gateway-api target over generated specs (fast-check; RUNS per
 * property): whatever Istio matches, hosts, gateways and labels a spec holds,
 * it is either refused with positioned messages or compiles to a route that
 * passes the target's schema and CEL checks — never a template error, which
 * would mean validation let through something the translation cannot express.
 */
import { expect } from "chai";
import fc from "fast-check";
import { parse } from "yaml";
import { compileRollout } from "../../src/compile/compile.js";
import { formatDiagnostic } from "../../src/errors.js";
import type { LocatedRollout } from "../../src/rollout/cross-checks.js";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import { RUNS, validSpec } from "../support/arbitraries.js";
import { type SpecDoc, specYaml } from "../support/make-spec.js";

const POSITIONED = /^r\.yaml:\d+:\d+: \S/;

type Match = Record<string, any>;

/** The forms this target translates, from any generated match: most specs then reach the compiler. */
function translatable(match: Match): Match {
  const exactOnly = (conditions: Record<string, Record<string, string>> | undefined) =>
    conditions === undefined
      ? undefined
      : Object.fromEntries(
          Object.entries(conditions).map(([k, c]) => [
            k,
            c.prefix === undefined ? c : { exact: c.prefix },
          ]),
        );
  const { uri, headers, queryParams, ignoreUriCase: _, ...rest } = match;
  return {
    ...rest,
    ...(uri === undefined
      ? {}
      : { uri: { prefix: `/${encodeURIComponent(Object.values(uri)[0] as string)}` } }),
    ...(headers === undefined ? {} : { headers: exactOnly(headers) }),
    ...(queryParams === undefined ? {} : { queryParams: exactOnly(queryParams) }),
  };
}

const gatewaySpec: fc.Arbitrary<SpecDoc> = fc
  .record({
    doc: validSpec,
    clean: fc.boolean(),
    port: fc.integer({ min: 1, max: 65535 }),
    appLabel: fc.constantFrom("app", "app.kubernetes.io/name", "tier"),
    gateways: fc.constantFrom(["mesh"], ["istio-ingress/public"], ["mesh", "public"], undefined),
    hosts: fc.constantFrom(undefined, ["recommender"], ["api.example.com", "*.example.com"], ["*"]),
    noMatch: fc.boolean(),
  })
  .map(({ doc, clean, port, appLabel, gateways, hosts, noMatch }) => {
    const generated = doc.spec as Record<string, any>;
    const { retries: _, ...route } = generated.route;
    // Half the specs keep everything generated; the other half only what this target can express.
    const spec = clean
      ? {
          ...generated,
          service: { host: "recommender" },
          route: { ...route, match: route.match.map(translatable) },
        }
      : generated;
    return {
      ...doc,
      spec: {
        ...spec,
        target: "gateway-api",
        service: { ...spec.service, port, selector: { [appLabel]: "recommender" } },
        ...(gateways === undefined ? {} : { gateways }),
        ...(hosts === undefined ? {} : { hosts }),
        route: noMatch ? { ...spec.route, match: undefined } : spec.route,
      },
    };
  });

describe("gateway-api target properties", function () {
  // PROPERTY_RUNS (100,000 in test:long) sets the work; it takes what it takes.
  this.timeout(0);
  it(`${RUNS} generated specs: refused at positions, or compiled to a route whose weights sum to 100`, () => {
    let compiled = 0;
    fc.assert(
      fc.property(gatewaySpec, (doc) => {
        const parsed = parseRollouts("r.yaml", "r.yaml", specYaml(doc));
        if (parsed.diagnostics.length > 0) {
          for (const d of parsed.diagnostics) expect(formatDiagnostic(d)).to.match(POSITIONED);
          return;
        }
        const [located] = parsed.rollouts;
        const files = compileRollout((located as LocatedRollout).rollout);
        const route = parse(
          (files.find((f) => f.path.endsWith("httproute.yaml")) as { content: string }).content,
        ) as { spec: { rules: { name: string; backendRefs: { weight: number }[] }[] } };
        const [first, last] = [route.spec.rules[0], route.spec.rules.at(-1)];
        expect(first?.backendRefs.reduce((sum, b) => sum + b.weight, 0)).to.equal(100);
        if (route.spec.rules.length > 1) expect(last?.name).to.equal("stable");
        compiled++;
      }),
      { numRuns: RUNS },
    );
    // The generator must reach the compiler, not only the refusals.
    expect(compiled).to.be.greaterThan(RUNS / 10);
  });
});
