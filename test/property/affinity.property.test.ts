/**
 * Pinned clients and sticky sessions over generated specs (fast-check; RUNS
 * per property), on both targets and in every lifecycle state: a spec is
 * refused with positioned messages or compiles (never a template error, which
 * would mean validation let through what a target cannot express), and the
 * compiled routes follow the lifecycle: pinned and sticky routes only while
 * the canary is in play, always ahead of the weighted route.
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

// Mostly valid values, so most specs reach the compiler; now and then one to refuse.
const cookieName = fc.oneof(
  { arbitrary: fc.stringMatching(/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,12}$/), weight: 8 },
  { arbitrary: fc.constantFrom("a b", "a=b", "__Host-x", "x;y", ""), weight: 1 },
);
const affinity = fc.record(
  {
    cookieName,
    maxAge: fc.oneof(
      { arbitrary: fc.constantFrom("1s", "24h", "30m", "9600h"), weight: 8 },
      { arbitrary: fc.constantFrom("1500ms", "9601h", "soon"), weight: 1 },
    ),
    stableCookieName: cookieName,
  },
  { requiredKeys: ["cookieName"] },
);
const status = fc.constantFrom(
  undefined,
  { phase: "Progressing" },
  { phase: "RolledBack" },
  { phase: "Promoted" },
);

const strategySpec: fc.Arbitrary<SpecDoc> = fc
  .record({
    doc: validSpec,
    pinnedFrom: validSpec,
    affinity: fc.option(affinity, { nil: undefined }),
    status,
    gatewayApi: fc.boolean(),
    noMatch: fc.boolean(),
    // Half the pinned entries are any generated match (often conflicting with the route's), half a plain header.
    anyPinned: fc.boolean(),
    header: fc.stringMatching(/^x-[a-z]{1,8}$/),
  })
  .map(({ doc, pinnedFrom, affinity, status, gatewayApi, noMatch, anyPinned, header }) => {
    const spec = doc.spec as Record<string, any>;
    const pinned = anyPinned
      ? ((pinnedFrom.spec as Record<string, any>).route.match as object[]).slice(0, 2)
      : [{ headers: { [header]: { exact: "always" } } }];
    const { retries: _, ...route } = spec.route;
    return {
      ...doc,
      ...(status === undefined ? {} : { status }),
      spec: {
        ...spec,
        ...(gatewayApi
          ? {
              target: "gateway-api",
              service: { host: "recommender", port: 8080, selector: { app: "recommender" } },
            }
          : {}),
        route: {
          ...(gatewayApi ? route : spec.route),
          ...(noMatch ? { match: undefined } : {}),
          canaryMatch: pinned,
        },
        traffic: {
          ...spec.traffic,
          ...(affinity === undefined ? {} : { sessionAffinity: affinity }),
        },
      },
    };
  });

type Named = { name: string };

describe("pinned clients and sticky sessions over generated specs", function () {
  // PROPERTY_RUNS (100,000 in test:long) sets the work; it takes what it takes.
  this.timeout(0);
  it(`${RUNS} specs: refused at positions, or compiled with the added routes only while the canary is in play`, () => {
    let compiled = 0;
    let inPlay = 0;
    fc.assert(
      fc.property(strategySpec, (doc) => {
        const parsed = parseRollouts("r.yaml", "r.yaml", specYaml(doc));
        if (parsed.diagnostics.length > 0) {
          for (const d of parsed.diagnostics) expect(formatDiagnostic(d)).to.match(POSITIONED);
          return;
        }
        const { rollout } = parsed.rollouts[0] as LocatedRollout;
        const files = compileRollout(rollout);
        const text = (suffix: string) => files.find((f) => f.path.endsWith(suffix))?.content;
        const names: string[] =
          rollout.target === "gateway-api"
            ? (parse(text("httproute.yaml") as string).spec.rules as Named[]).map((r) => r.name)
            : (parse(text("virtualservice.yaml") as string).spec.http as Named[]).map(
                (r) => r.name,
              );
        const added = names.filter((n) => n.startsWith(`${rollout.route.name}-`));
        const weighted = names.indexOf(rollout.route.name);
        expect(weighted, "the weighted route").to.be.at.least(0);
        expect(names.slice(0, weighted), "routes ahead of the weighted one").to.deep.equal(added);
        // In play, as the issue defines it: a canary, and neither rolled back nor promoted.
        const phase = rollout.status?.phase;
        if (rollout.canary !== undefined && phase !== "RolledBack" && phase !== "Promoted") {
          inPlay++;
          expect(added[0]).to.equal(`${rollout.route.name}-pinned`);
        } else {
          const back =
            rollout.canary !== undefined && rollout.traffic.sessionAffinity !== undefined;
          expect(added).to.deep.equal(back ? [`${rollout.route.name}-unstick`] : []);
        }
        compiled++;
      }),
      { numRuns: RUNS },
    );
    // The generators must reach the compiler, in play and not.
    expect(compiled).to.be.greaterThan(RUNS / 10);
    expect(inPlay).to.be.greaterThan(RUNS / 20);
  });
});
