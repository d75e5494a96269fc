/**
 * One spec compiled for both targets must route every request the same way:
 * the simulator interprets the VirtualService (first match wins) and the
 * HTTPRoute (most specific match wins) each by its own rules.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { compileRollouts } from "../../src/compile/compile.js";
import { GOLDEN_CASES } from "../support/golden-cases.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";
import { parseManifests, routeTable } from "../support/mesh/manifests.js";
import { routeRequest } from "../support/mesh/route-request.js";
import type { MeshRequest } from "../support/mesh/route-table.js";
import { FIXTURES } from "../support/paths.js";

const MATCHES = [
  { uri: { exact: "/api/v1/recommend" }, method: { exact: "POST" } },
  { headers: { "x-canary": { exact: "always" }, "x-user-cohort": { regex: "^(beta|alpha)$" } } },
  { queryParams: { model: { exact: "v2" }, variant: { regex: "^b[0-9]+$" } } },
  { method: { exact: "GET" }, uri: { prefix: "/api/" } },
];

function compiled(target: "istio" | "gateway-api", match: unknown[] | undefined) {
  const spec = makeSpec({
    spec: {
      target,
      service: { host: "recommender", port: 8080, selector: { app: "recommender" } },
      route: { ...(match === undefined ? {} : { match }), timeout: "2s" },
      traffic: { canaryWeight: 25 },
    },
  });
  const files = compileRollouts([makeRollout(spec)]).filter((f) =>
    f.path.startsWith("recs/recommend/"),
  );
  const table = routeTable(parseManifests(...files.map((f) => f.content)), [
    { name: "recommender", namespace: "recs", selector: { app: "recommender" } },
  ]);
  /** The version a request reaches when the weighted draw lands in the canary's 25%. */
  return (r: MeshRequest) => {
    const routing = routeRequest(table, r, () => 0.9);
    return routing.kind === "routed" ? routing.backend.selector.version : routing.kind;
  };
}

const req = (method: string, path: string, more: Partial<MeshRequest> = {}): MeshRequest => ({
  method,
  path,
  query: {},
  headers: {},
  ...more,
});

describe("simulated mesh: both targets' output of one spec route alike", () => {
  const cases: [string, MeshRequest, string][] = [
    ["the exact path and method", req("POST", "/api/v1/recommend"), "v2"],
    ["the exact path, another method", req("PUT", "/api/v1/recommend"), "v1"],
    ["a GET under the prefix", req("GET", "/api/v1/recommend"), "v2"],
    ["a GET outside the prefix", req("GET", "/health"), "v1"],
    [
      "both headers",
      req("PUT", "/x", { headers: { "x-canary": "always", "x-user-cohort": "beta" } }),
      "v2",
    ],
    ["one header of two", req("PUT", "/x", { headers: { "x-canary": "always" } }), "v1"],
    ["both query parameters", req("PUT", "/x", { query: { model: "v2", variant: "b12" } }), "v2"],
    [
      "a query value the regex refuses",
      req("PUT", "/x", { query: { model: "v2", variant: "c1" } }),
      "v1",
    ],
    ["nothing to match", req("DELETE", "/"), "v1"],
  ];
  const istio = compiled("istio", MATCHES);
  const gateway = compiled("gateway-api", MATCHES);
  for (const [what, r, expected] of cases) {
    it(`${what}: ${expected} on both`, () => {
      expect([istio(r), gateway(r)]).to.deep.equal([expected, expected]);
    });
  }

  it("sends every request to the weighted route when the spec has no match", () => {
    const all = [compiled("istio", undefined), compiled("gateway-api", undefined)];
    for (const [, r] of cases) expect(all.map((route) => route(r))).to.deep.equal(["v2", "v2"]);
  });
});

describe("simulated mesh: every golden output is one the simulator can route", () => {
  for (const name of GOLDEN_CASES) {
    const expected = join(FIXTURES, name, "expected");
    for (const ns of readdirSync(expected, { withFileTypes: true }).filter((e) =>
      e.isDirectory(),
    )) {
      for (const rollout of readdirSync(join(expected, ns.name))) {
        const dir = join(expected, ns.name, rollout);
        it(`${name}: ${ns.name}/${rollout}`, () => {
          const texts = readdirSync(dir).map((f) => readFileSync(join(dir, f), "utf8"));
          const table = routeTable(parseManifests(...texts), []);
          expect(table.routes.length).to.be.greaterThan(0);
          for (const route of table.routes) {
            expect(
              route.backends.reduce((sum, b) => sum + b.weight, 0),
              route.name,
            ).to.be.greaterThan(0);
          }
        });
      }
    }
  }
});
