/**
 * The simulator's interpreter of compiled manifests (test/support/mesh/):
 * which route a request takes under each target's rules, table-driven.
 */
import { expect } from "chai";
import { routeTable } from "../support/mesh/manifests.js";
import { routeMatches } from "../support/mesh/match.js";
import { responseHeaderValues, routeRequest } from "../support/mesh/route-request.js";
import type { MeshRequest, RouteTable, ServiceModel } from "../support/mesh/route-table.js";

const MAIN: ServiceModel = {
  name: "recommender",
  namespace: "recs",
  selector: { app: "recommender" },
};

function request(r: Partial<MeshRequest> = {}): MeshRequest {
  return { method: "GET", path: "/", query: {}, headers: {}, ...r };
}

/** A VirtualService whose http routes are the given ones, each to a subset named after the route. */
function istio(http: Record<string, unknown>[]): RouteTable {
  return routeTable(
    [
      {
        kind: "VirtualService",
        metadata: { name: "r", namespace: "recs" },
        spec: {
          hosts: ["recommender"],
          http: http.map((h, i) => ({
            name: `r${i}`,
            route: [{ destination: { host: "recommender", subset: `r${i}` } }],
            ...h,
          })),
        },
      },
      {
        kind: "DestinationRule",
        metadata: { name: "r", namespace: "recs" },
        spec: {
          host: "recommender",
          subsets: http.map((_, i) => ({ name: `r${i}`, labels: { version: `r${i}` } })),
        },
      },
    ],
    [MAIN],
  );
}

/** An HTTPRoute whose rules have the given matches, each to a per-rule Service named after the rule. */
function gateway(rules: (Record<string, unknown>[] | undefined)[]): RouteTable {
  return routeTable(
    [
      {
        kind: "HTTPRoute",
        metadata: { name: "r", namespace: "recs" },
        spec: {
          rules: rules.map((matches, i) => ({
            name: `r${i}`,
            ...(matches === undefined ? {} : { matches }),
            backendRefs: [{ name: `recommender-r${i}`, port: 8080 }],
          })),
        },
      },
      ...rules.map((_, i) => ({
        kind: "Service",
        metadata: { name: `recommender-r${i}`, namespace: "recs" },
        spec: { selector: { app: "recommender", version: `r${i}` } },
      })),
    ],
    [MAIN],
  );
}

/** The name of the route the request takes, or `404`. */
function taken(table: RouteTable, r: MeshRequest): string {
  const route = table.routes.find((x) => routeMatches(x, r));
  return route === undefined ? "404" : (route.backends[0]?.backend.selector.version ?? "?");
}

describe("simulated mesh: Istio VirtualService matches (first match wins)", () => {
  const cases: [string, Record<string, unknown>, MeshRequest, boolean][] = [
    ["uri exact", { uri: { exact: "/a" } }, request({ path: "/a" }), true],
    [
      "uri exact, trailing slash differs",
      { uri: { exact: "/a" } },
      request({ path: "/a/" }),
      false,
    ],
    [
      "uri prefix is a string prefix",
      { uri: { prefix: "/api" } },
      request({ path: "/apix" }),
      true,
    ],
    [
      "uri prefix /api/ misses /api",
      { uri: { prefix: "/api/" } },
      request({ path: "/api" }),
      false,
    ],
    ["uri regex is a full match", { uri: { regex: "/v[0-9]+" } }, request({ path: "/v12" }), true],
    [
      "uri regex does not match a part",
      { uri: { regex: "/v[0-9]+" } },
      request({ path: "/v12/x" }),
      false,
    ],
    ["ignoreUriCase", { uri: { exact: "/A" }, ignoreUriCase: true }, request({ path: "/a" }), true],
    ["method exact", { method: { exact: "POST" } }, request({ method: "POST" }), true],
    ["method exact, other method", { method: { exact: "POST" } }, request(), false],
    [
      "header exact",
      { headers: { "x-canary": { exact: "always" } } },
      request({ headers: { "x-canary": "always" } }),
      true,
    ],
    [
      "header names are case-insensitive",
      { headers: { "X-Canary": { exact: "always" } } },
      request({ headers: { "x-canary": "always" } }),
      true,
    ],
    [
      "header prefix",
      { headers: { "x-user": { prefix: "int-" } } },
      request({ headers: { "x-user": "int-7" } }),
      true,
    ],
    [
      "header regex on a cookie",
      { headers: { cookie: { regex: ".*mc=v2.*" } } },
      request({ headers: { cookie: "a=1; mc=v2" } }),
      true,
    ],
    [
      "header presence (empty match)",
      { headers: { "x-a": {} } },
      request({ headers: { "x-a": "" } }),
      true,
    ],
    ["header presence, header absent", { headers: { "x-a": {} } }, request(), false],
    [
      "queryParams exact",
      { queryParams: { m: { exact: "v2" } } },
      request({ query: { m: "v2" } }),
      true,
    ],
    [
      "queryParams regex",
      { queryParams: { m: { regex: "v[0-9]" } } },
      request({ query: { m: "v3" } }),
      true,
    ],
    [
      "withoutHeaders: absent header",
      { withoutHeaders: { "x-a": { exact: "1" } } },
      request(),
      true,
    ],
    [
      "withoutHeaders: other value",
      { withoutHeaders: { "x-a": { exact: "1" } } },
      request({ headers: { "x-a": "2" } }),
      true,
    ],
    [
      "withoutHeaders: the value",
      { withoutHeaders: { "x-a": { exact: "1" } } },
      request({ headers: { "x-a": "1" } }),
      false,
    ],
    [
      "authority as the :authority header",
      { authority: { exact: "api.example.com" } },
      request({ headers: { ":authority": "api.example.com" } }),
      true,
    ],
    ["authority, another host", { authority: { exact: "api.example.com" } }, request(), false],
    [
      "conditions are ANDed",
      { uri: { exact: "/a" }, method: { exact: "POST" } },
      request({ path: "/a" }),
      false,
    ],
  ];
  for (const [what, match, r, expected] of cases) {
    it(`${what}: ${expected ? "matches" : "does not match"}`, () => {
      expect(taken(istio([{ match: [match] }]), r)).to.equal(expected ? "r0" : "404");
    });
  }

  it("takes the first matching route even when a later one is more specific", () => {
    const table = istio([
      { match: [{ uri: { prefix: "/" } }] },
      { match: [{ uri: { exact: "/a" } }] },
    ]);
    expect(taken(table, request({ path: "/a" }))).to.equal("r0");
  });

  it("ORs a route's matches and lets a route without match take everything", () => {
    const table = istio([{ match: [{ uri: { exact: "/a" } }, { uri: { exact: "/b" } }] }, {}]);
    expect([
      taken(table, request({ path: "/b" })),
      taken(table, request({ path: "/c" })),
    ]).to.deep.equal(["r0", "r1"]);
  });

  it("refuses a field it does not interpret instead of routing as if it were absent", () => {
    expect(() => istio([{ match: [{ sourceLabels: { app: "x" } }] }])).to.throw(
      "VirtualService.spec.http[0].match[0].sourceLabels: not interpreted by the simulator",
    );
    expect(() => istio([{ fault: { abort: {} } }])).to.throw("spec.http[0].fault: not interpreted");
  });

  it("selects a subset's pods by the host Service's selector plus the subset's labels", () => {
    const backend = istio([{}]).routes[0]?.backends[0]?.backend;
    expect(backend).to.deep.equal({
      service: "recommender",
      namespace: "recs",
      selector: { app: "recommender", version: "r0" },
    });
  });
});

describe("simulated mesh: Gateway API HTTPRoute precedence", () => {
  const cases: [string, (Record<string, unknown>[] | undefined)[], MeshRequest, string][] = [
    [
      "an Exact path beats a longer PathPrefix listed first",
      [
        [{ path: { type: "PathPrefix", value: "/api/v1/recommend" } }],
        [{ path: { type: "Exact", value: "/api/v1" } }],
      ],
      request({ path: "/api/v1" }),
      "r1",
    ],
    [
      "the longest PathPrefix wins",
      [
        [{ path: { type: "PathPrefix", value: "/api" } }],
        [{ path: { type: "PathPrefix", value: "/api/v1" } }],
      ],
      request({ path: "/api/v1/x" }),
      "r1",
    ],
    [
      "a method match beats none on the same path",
      [
        [{ path: { type: "Exact", value: "/a" } }],
        [{ path: { type: "Exact", value: "/a" }, method: "POST" }],
      ],
      request({ path: "/a", method: "POST" }),
      "r1",
    ],
    [
      "more header matches win on the same path and method",
      [
        [{ path: { type: "Exact", value: "/a" } }],
        [
          {
            path: { type: "Exact", value: "/a" },
            headers: [{ name: "x-canary", value: "always" }],
          },
        ],
      ],
      request({ path: "/a", headers: { "x-canary": "always" } }),
      "r1",
    ],
    [
      "more query matches win when headers tie",
      [[{ path: { value: "/" } }], [{ queryParams: [{ name: "m", value: "v2" }] }]],
      request({ path: "/x", query: { m: "v2" } }),
      "r1",
    ],
    [
      "on a full tie the first rule wins",
      [[{ path: { value: "/" } }], undefined],
      request({ path: "/x" }),
      "r0",
    ],
    [
      "a regular-expression path ranks below even PathPrefix /",
      [[{ path: { type: "RegularExpression", value: "/a.*" } }], [{ path: { value: "/" } }]],
      request({ path: "/abc" }),
      "r1",
    ],
    ["absent matches take every path", [undefined], request({ path: "/anything" }), "r0"],
    [
      "PathPrefix is element-wise: /api does not match /apix",
      [[{ path: { type: "PathPrefix", value: "/api" } }]],
      request({ path: "/apix" }),
      "404",
    ],
    [
      "PathPrefix ignores a trailing slash: /api/ matches /api",
      [[{ path: { type: "PathPrefix", value: "/api/" } }]],
      request({ path: "/api" }),
      "r0",
    ],
    [
      "header RegularExpression on the cookie",
      [[{ headers: [{ type: "RegularExpression", name: "Cookie", value: ".*mc=abc.*" }] }]],
      request({ headers: { cookie: "mc=abc" } }),
      "r0",
    ],
    [
      "the first of two headers with one name counts",
      [
        [
          {
            headers: [
              { name: "x-a", value: "1" },
              { name: "X-A", value: "2" },
            ],
          },
        ],
      ],
      request({ headers: { "x-a": "1" } }),
      "r0",
    ],
  ];
  for (const [what, rules, r, expected] of cases) {
    it(what, () => {
      expect(taken(gateway(rules), r).replace(/^recommender-/, "")).to.equal(expected);
    });
  }

  it("routes to the Service a backendRef names, with that Service's selector", () => {
    const backend = gateway([undefined]).routes[0]?.backends[0];
    expect(backend?.backend).to.deep.equal({
      service: "recommender-r0",
      namespace: "recs",
      selector: { app: "recommender", version: "r0" },
    });
    expect(backend?.weight).to.equal(1); // the Gateway API's default weight
  });

  it("refuses a backendRef to a Service that does not exist", () => {
    const table = () =>
      routeTable(
        [
          {
            kind: "HTTPRoute",
            metadata: { name: "r", namespace: "recs" },
            spec: { rules: [{ backendRefs: [{ name: "nope", port: 80 }] }] },
          },
        ],
        [MAIN],
      );
    expect(table).to.throw(
      "HTTPRoute.spec.rules[0].backendRefs[0]: Service recs/nope is not defined",
    );
  });
});

describe("simulated mesh: weights, mirrors and response headers", () => {
  const sequence = (values: number[]) => () => values.shift() ?? 0;

  it("draws the destination by weight and skips weight 0", () => {
    const table = routeTable(
      [
        {
          kind: "VirtualService",
          metadata: { name: "r", namespace: "recs" },
          spec: {
            http: [
              {
                route: [
                  { destination: { host: "recommender", subset: "a" }, weight: 0 },
                  { destination: { host: "recommender", subset: "b" }, weight: 30 },
                  { destination: { host: "recommender", subset: "c" }, weight: 70 },
                ],
              },
            ],
          },
        },
        {
          kind: "DestinationRule",
          metadata: { name: "r", namespace: "recs" },
          spec: {
            host: "recommender",
            subsets: ["a", "b", "c"].map((n) => ({ name: n, labels: { version: n } })),
          },
        },
      ],
      [MAIN],
    );
    const pick = (u: number) => {
      const r = routeRequest(table, request(), sequence([u]));
      return r.kind === "routed" ? r.backend.selector.version : r.kind;
    };
    expect([pick(0), pick(0.29), pick(0.3), pick(0.99)]).to.deep.equal(["b", "b", "c", "c"]);
  });

  const mirrorCases: [string, RouteTable, number, string[]][] = [
    [
      "Istio mirror + mirrorPercentage 10, draw 9.9%",
      istio([{ mirror: { host: "recommender", subset: "r0" }, mirrorPercentage: { value: 10 } }]),
      0.099,
      ["r0"],
    ],
    [
      "Istio mirror + mirrorPercentage 10, draw 10%",
      istio([{ mirror: { host: "recommender", subset: "r0" }, mirrorPercentage: { value: 10 } }]),
      0.1,
      [],
    ],
    [
      "Istio mirror without a percentage: every request",
      istio([{ mirror: { host: "recommender", subset: "r0" } }]),
      0.999,
      ["r0"],
    ],
    [
      "Istio mirrors[] with a percentage each",
      istio([
        {
          mirrors: [
            { destination: { host: "recommender", subset: "r0" }, percentage: { value: 50 } },
          ],
        },
      ]),
      0.49,
      ["r0"],
    ],
    ["Gateway API RequestMirror percent", mirrorRoute({ percent: 25 }), 0.24, ["r1"]],
    ["Gateway API RequestMirror percent, above it", mirrorRoute({ percent: 25 }), 0.25, []],
    [
      "Gateway API RequestMirror fraction 1/3",
      mirrorRoute({ fraction: { numerator: 1, denominator: 3 } }),
      0.33,
      ["r1"],
    ],
    [
      "Gateway API RequestMirror fraction, default denominator 100",
      mirrorRoute({ fraction: { numerator: 5 } }),
      0.05,
      [],
    ],
    ["Gateway API RequestMirror, neither: 100%", mirrorRoute({}), 0.999, ["r1"]],
  ];
  for (const [what, table, draw, expected] of mirrorCases) {
    it(what, () => {
      const r = routeRequest(table, request(), sequence([0, draw]));
      expect(r.kind).to.equal("routed");
      if (r.kind !== "routed") return;
      expect(r.mirrors.map((m) => m.selector.version)).to.deep.equal(expected);
    });
  }

  it("hands the client the Set-Cookie of the route and of the destination chosen, a set replacing an add", () => {
    const table = istio([
      {
        headers: { response: { add: { "Set-Cookie": "route=1; Max-Age=60" } } },
        route: [
          {
            destination: { host: "recommender", subset: "r0" },
            headers: { response: { add: { "set-cookie": "mc-canary=abc; Max-Age=86400" } } },
          },
        ],
      },
    ]);
    const r = routeRequest(table, request(), sequence([0]));
    expect(
      r.kind === "routed" ? responseHeaderValues(r.responseHeaders, "Set-Cookie") : [],
    ).to.deep.equal(["mc-canary=abc; Max-Age=86400", "route=1; Max-Age=60"]);
    expect(
      responseHeaderValues(
        [
          { add: [["set-cookie", "a=1"]], set: [] },
          { add: [], set: [["Set-Cookie", "b=2"]] },
        ],
        "set-cookie",
      ),
    ).to.deep.equal(["b=2"]);
  });

  it("reads a ResponseHeaderModifier on a backendRef as that destination's headers", () => {
    const table = routeTable(
      [
        {
          kind: "HTTPRoute",
          metadata: { name: "r", namespace: "recs" },
          spec: {
            rules: [
              {
                backendRefs: [
                  {
                    name: "recommender",
                    port: 8080,
                    filters: [
                      {
                        type: "ResponseHeaderModifier",
                        responseHeaderModifier: {
                          add: [{ name: "Set-Cookie", value: "mc=1; Max-Age=5" }],
                        },
                      },
                    ],
                  },
                ],
              },
            ],
          },
        },
      ],
      [MAIN],
    );
    const r = routeRequest(table, request(), sequence([0]));
    expect(
      r.kind === "routed" ? responseHeaderValues(r.responseHeaders, "set-cookie") : [],
    ).to.deep.equal(["mc=1; Max-Age=5"]);
  });
});

function mirrorRoute(requestMirror: Record<string, unknown>): RouteTable {
  return routeTable(
    [
      {
        kind: "HTTPRoute",
        metadata: { name: "r", namespace: "recs" },
        spec: {
          rules: [
            {
              filters: [
                {
                  type: "RequestMirror",
                  requestMirror: {
                    backendRef: { name: "recommender-r1", port: 8080 },
                    ...requestMirror,
                  },
                },
              ],
              backendRefs: [{ name: "recommender-r0", port: 8080 }],
            },
          ],
        },
      },
      ...["r0", "r1"].map((v) => ({
        kind: "Service",
        metadata: { name: `recommender-${v}`, namespace: "recs" },
        spec: { selector: { app: "recommender", version: v } },
      })),
    ],
    [MAIN],
  );
}
