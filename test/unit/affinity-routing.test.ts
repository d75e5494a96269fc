/**
 * Pinned clients and sticky sessions as the mesh would route them: each
 * target's compiled manifests read by the simulator's interpreter
 * (test/support/mesh: Istio first match wins; the Gateway API's precedence
 * as Istio sorts it). This proves that the compiler and the interpreter
 * agree, not that Envoy does. A property test checks, over generated
 * matches, that a pinned request wins over the weighted rule under the
 * Gateway API's precedence (most specific match, not list order).
 */
import { expect } from "chai";
import fc from "fast-check";
import { compileRollout } from "../../src/compile/compile.js";
import { sessionCookieValue } from "../../src/compile/session-cookie.js";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import type { Rollout } from "../../src/rollout/types.js";
import { makeRollout, makeSpec, type SpecDoc, specYaml } from "../support/make-spec.js";
import { parseManifests, routeTable } from "../support/mesh/manifests.js";
import { responseHeaderValues, routeRequest } from "../support/mesh/route-request.js";
import type { MeshRequest, RouteTable } from "../support/mesh/route-table.js";

const SERVICE = { name: "recommender", namespace: "recs", selector: { app: "recommender" } };
const AFFINITY = { cookieName: "rc", stableCookieName: "rs", maxAge: "1h" };
const PINNED = [{ headers: { "x-canary": { exact: "always" } } }];
const RECOMMEND: MeshRequest = {
  method: "POST",
  path: "/api/v1/recommend",
  query: {},
  headers: {},
};

const TARGETS = {
  istio: {},
  "gateway-api": {
    target: "gateway-api",
    service: { host: "recommender", port: 8080, selector: { app: "recommender" } },
  },
} as const;

function spec(target: keyof typeof TARGETS, spec: SpecDoc = {}, status?: SpecDoc): SpecDoc {
  return makeSpec({
    spec: {
      route: {
        match: [{ uri: { exact: "/api/v1/recommend" }, method: { exact: "POST" } }],
        canaryMatch: PINNED,
        timeout: "2s",
      },
      traffic: { canaryWeight: 5, sessionAffinity: AFFINITY },
      ...TARGETS[target],
      ...spec,
    },
    ...(status === undefined ? {} : { status }),
  });
}

function table(rollout: Rollout): RouteTable {
  const texts = compileRollout(rollout)
    .filter((f) => !f.path.endsWith("kustomization.yaml"))
    .map((f) => f.content);
  return routeTable(parseManifests(...texts), [SERVICE]);
}

/** The version a request reaches (by the backend's selector) and the Set-Cookie values it gets back. */
function send(t: RouteTable, request: MeshRequest, u = 0.5): { to: string; setCookie: string[] } {
  const routed = routeRequest(t, request, () => u);
  if (routed.kind !== "routed") throw new Error(`request ${routed.kind}`);
  const version = routed.backend.selector.version ?? "?";
  return { to: version, setCookie: responseHeaderValues(routed.responseHeaders, "set-cookie") };
}

function withHeaders(headers: Record<string, string>, base = RECOMMEND): MeshRequest {
  return { ...base, headers: { ...base.headers, ...headers } };
}

for (const target of ["istio", "gateway-api"] as const) {
  describe(`pinned and sticky routing through the simulator's reading of the ${target} output`, () => {
    const rollout = makeRollout(spec(target));
    const value = sessionCookieValue(rollout);
    const t = table(rollout);

    it("sends pinned requests to v2 at weight 5 whatever the weighted draw, with or without a stable cookie", () => {
      for (const u of [0, 0.5, 0.999]) {
        expect(send(t, withHeaders({ "x-canary": "always" }), u).to).to.equal("v2");
        const stableHolder = withHeaders({ "x-canary": "always", cookie: `rs=${value}` });
        expect(send(t, stableHolder, u).to).to.equal("v2");
      }
    });

    it("splits other requests by weight, each version setting its own cookie", () => {
      expect(send(t, RECOMMEND, 0.5)).to.deep.equal({
        to: "v1",
        setCookie: [`rs=${value}; Max-Age=3600; Path=/`],
      });
      expect(send(t, RECOMMEND, 0.99)).to.deep.equal({
        to: "v2",
        setCookie: [`rc=${value}; Max-Age=3600; Path=/`],
      });
    });

    it("keeps cookie holders on their version whatever the draw, among other cookies", () => {
      for (const u of [0, 0.999]) {
        expect(send(t, withHeaders({ cookie: `a=1; rc=${value}; b=2` }), u).to).to.equal("v2");
        expect(send(t, withHeaders({ cookie: `rs=${value}` }), u).to).to.equal("v1");
      }
      // An earlier rollout's cookie (another value) pins nobody.
      expect(send(t, withHeaders({ cookie: "rc=0000000000000000" }), 0.5).to).to.equal("v1");
    });

    it("after a rollback sends everyone to v1, pinned or not, and deletes the canary cookie", () => {
      const back = table(
        makeRollout(
          spec(
            target,
            { traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } },
            {
              phase: "RolledBack",
            },
          ),
        ),
      );
      for (const u of [0, 0.999]) {
        expect(send(back, withHeaders({ "x-canary": "always" }), u).to).to.equal("v1");
        expect(send(back, withHeaders({ cookie: `rc=${value}` }), u)).to.deep.equal({
          to: "v1",
          setCookie: ["rc=; Max-Age=0; Path=/"],
        });
        expect(send(back, RECOMMEND, u)).to.deep.equal({ to: "v1", setCookie: [] });
      }
    });

    it("sends requests outside the route to v1 with no cookie", () => {
      const other = { ...RECOMMEND, path: "/healthz", method: "GET" };
      expect(send(t, withHeaders({ "x-canary": "always" }, other), 0.999)).to.deep.equal({
        to: "v1",
        setCookie: [],
      });
    });
  });
}

describe("Gateway API precedence: a pinned request never falls to the weighted rule", () => {
  // Forms the gateway-api target accepts, small enough to collide often.
  const path = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom("/a", "/a/b", "/b").map((p) => ({ exact: p })),
    fc.constantFrom("/", "/a", "/a/b").map((p) => ({ prefix: p })),
  );
  const method = fc.oneof(
    fc.constant(undefined),
    fc.constantFrom("GET", "POST").map((m) => ({ exact: m })),
  );
  const kv = (names: string[]) =>
    fc.dictionary(
      fc.constantFrom(...names),
      fc.constantFrom("1", "2").map((v) => ({ exact: v })),
      {
        maxKeys: 2,
      },
    );
  const match = fc
    .record({ uri: path, method, headers: kv(["x-a", "x-b"]), queryParams: kv(["q", "r"]) })
    .map((m) =>
      Object.fromEntries(
        Object.entries(m).filter(
          ([, v]) => v !== undefined && (typeof v !== "object" || Object.keys(v).length > 0),
        ),
      ),
    )
    .filter((m) => Object.keys(m).length > 0);
  const request = fc.record({
    path: fc.constantFrom("/a", "/a/b", "/b", "/a/b/c", "/"),
    method: fc.constantFrom("GET", "POST"),
    query: kv(["q", "r"]).map((d) =>
      Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.exact])),
    ),
    headers: kv(["x-a", "x-b", "x-c"]).map((d) =>
      Object.fromEntries(Object.entries(d).map(([k, v]) => [k, v.exact])),
    ),
  });

  it("holds for generated route matches, pinned entries and requests", () => {
    let pinnedRequests = 0;
    fc.assert(
      fc.property(
        fc.array(match, { minLength: 0, maxLength: 3 }),
        fc.array(match, { minLength: 1, maxLength: 2 }),
        fc.array(request, { minLength: 1, maxLength: 8 }),
        (routeMatch, canaryMatch, requests) => {
          const doc = spec("gateway-api", {
            route: { ...(routeMatch.length > 0 ? { match: routeMatch } : {}), canaryMatch },
            traffic: { canaryWeight: 5 },
          });
          const parsed = parseRollouts("r.yaml", "r.yaml", specYaml(doc));
          // A pinned entry that conflicts with a route match is refused; nothing to route.
          fc.pre(parsed.diagnostics.length === 0);
          const rollout = (parsed.rollouts[0] as { rollout: Rollout }).rollout;
          const t = table(rollout);
          const pinned = t.routes.filter((r) => r.name.startsWith("rollout-pinned."));
          for (const r of requests) {
            const routed = routeRequest(t, r, () => 0.5);
            const isPinned = pinned.some((p) => routed.kind === "routed" && routed.route === p);
            const matchesPinned = pinned.some(
              (p) => t.routes.indexOf(p) >= 0 && wouldMatch(t, p, r),
            );
            if (matchesPinned) {
              pinnedRequests += 1;
              expect(isPinned, JSON.stringify({ routeMatch, canaryMatch, r })).to.equal(true);
              expect(routed.kind === "routed" && routed.backend.selector.version).to.equal("v2");
            }
          }
        },
      ),
      { numRuns: 300, seed: 15 },
    );
    // Not vacuous: many generated requests were pinned ones.
    expect(pinnedRequests).to.be.greaterThan(100);
  });
});

/** Whether `route` alone would take `request` (a table holding only it). */
function wouldMatch(
  t: RouteTable,
  route: RouteTable["routes"][number],
  request: MeshRequest,
): boolean {
  return routeRequest({ ...t, routes: [route] }, request, () => 0.5).kind !== "unrouted";
}
