/**
 * Pinned clients (`route.canaryMatch`) and sticky sessions
 * (`traffic.sessionAffinity`): merging matches, the routes ahead of the
 * weighted one in each lifecycle state, the cookies, and the Istio output.
 */
import { expect } from "chai";
import { parse } from "yaml";
import { affinityPlan } from "../../src/compile/affinity-plan.js";
import { compileRollout } from "../../src/compile/compile.js";
import {
  cookieRegex,
  deleteCookie,
  sessionCookieValue,
  setCookie,
} from "../../src/compile/session-cookie.js";
import { applyDecisionEdit } from "../../src/rollout/edit.js";
import { andMatches, mergeMatch } from "../../src/rollout/match-merge.js";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import { makeRollout, makeSpec, specYaml } from "../support/make-spec.js";

const PINNED = [{ headers: { "x-canary": { exact: "always" } } }];
const AFFINITY = { cookieName: "rc", stableCookieName: "rs", maxAge: "1h" };
const ROUTE = {
  match: [{ uri: { exact: "/api/v1/recommend" }, method: { exact: "POST" } }],
  canaryMatch: PINNED,
  timeout: "2s",
};

function strategySpec(spec: Record<string, unknown> = {}, status?: Record<string, unknown>) {
  return makeSpec({
    spec: { route: ROUTE, traffic: { canaryWeight: 5, sessionAffinity: AFFINITY }, ...spec },
    ...(status === undefined ? {} : { status }),
  });
}

describe("mergeMatch: a pinned entry ANDed with a route match", () => {
  const uri = { uri: { exact: "/a" } };
  const cases: [string, Record<string, unknown>, Record<string, unknown>, object | string[]][] = [
    [
      "disjoint fields are combined",
      uri,
      { method: { exact: "POST" } },
      { ...uri, method: { exact: "POST" } },
    ],
    ["a field set the same on both is kept once", uri, { uri: { exact: "/a" } }, uri],
    ["a field set differently conflicts", uri, { uri: { prefix: "/" } }, ["uri"]],
    [
      "header maps merge name by name",
      { headers: { a: { exact: "1" } } },
      { headers: { b: { exact: "2" } } },
      { headers: { a: { exact: "1" }, b: { exact: "2" } } },
    ],
    [
      "the same header set differently conflicts at its name",
      { queryParams: { q: { exact: "1" } } },
      { queryParams: { q: { regex: "1" } } },
      ["queryParams", "q"],
    ],
    [
      "gateways lists must be equal",
      { gateways: ["mesh"] },
      { gateways: ["mesh", "gw"] },
      ["gateways"],
    ],
  ];
  for (const [name, a, b, expected] of cases) {
    it(name, () => {
      const result = mergeMatch(a, b);
      if (Array.isArray(expected)) expect(result).to.deep.equal({ conflict: expected });
      else expect(result).to.deep.equal({ merged: expected });
    });
  }

  it("ANDs every extra entry with every base entry, and an absent base is all traffic", () => {
    const base = [{ uri: { exact: "/a" } }, { uri: { exact: "/b" } }];
    const extra = [{ method: { exact: "GET" } }, { port: 8080 }];
    expect(andMatches(base, extra)).to.deep.equal([
      { uri: { exact: "/a" }, method: { exact: "GET" } },
      { uri: { exact: "/a" }, port: 8080 },
      { uri: { exact: "/b" }, method: { exact: "GET" } },
      { uri: { exact: "/b" }, port: 8080 },
    ]);
    expect(andMatches([], extra)).to.deep.equal(extra);
  });
});

describe("affinityPlan: routes ahead of the weighted one, by lifecycle state", () => {
  const promoted = makeSpec({
    spec: {
      route: ROUTE,
      stable: { name: "v2", labels: { version: "v2" } },
      canary: undefined,
      traffic: { canaryWeight: 0, sessionAffinity: AFFINITY },
    },
    status: { phase: "Promoted" },
  });
  const cases: [string, Record<string, unknown>, string[], boolean][] = [
    [
      "in play at 5 %",
      strategySpec(),
      ["rollout-pinned", "rollout-sticky-canary", "rollout-sticky-stable"],
      true,
    ],
    [
      "in play at 0 % (pending): pinned testers already reach the canary, no cookie is handed out",
      strategySpec({ traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } }),
      ["rollout-pinned"],
      false,
    ],
    [
      "in a shadow: no pinned route (its evidence is mirrored copies only), no cookie",
      strategySpec({
        traffic: { canaryWeight: 0, sessionAffinity: AFFINITY, shadow: { deadline: "10m" } },
      }),
      [],
      false,
    ],
    [
      "the first step after a shadow: the pinned route and the cookies start",
      strategySpec(
        { traffic: { canaryWeight: 5, sessionAffinity: AFFINITY, shadow: { deadline: "10m" } } },
        {
          phase: "Progressing",
          lastDecision: { action: "advance", at: "2026-11-30T12:00:00Z", from: "shadow" },
        },
      ),
      ["rollout-pinned", "rollout-sticky-canary", "rollout-sticky-stable"],
      true,
    ],
    [
      "in play, Progressing at 50 %",
      strategySpec(
        { traffic: { canaryWeight: 50, sessionAffinity: AFFINITY } },
        { phase: "Progressing" },
      ),
      ["rollout-pinned", "rollout-sticky-canary", "rollout-sticky-stable"],
      true,
    ],
    [
      "rolled back: only the route deleting the canary cookie, to the stable",
      strategySpec(
        { traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } },
        { phase: "RolledBack" },
      ),
      ["rollout-unstick"],
      false,
    ],
    ["promoted: nothing", promoted, [], false],
  ];
  for (const [name, doc, routes, setsCookies] of cases) {
    it(name, () => {
      const plan = affinityPlan(makeRollout(doc));
      expect(plan.ahead.map((r) => r.name)).to.deep.equal(routes);
      expect(plan.canarySetCookie !== undefined, "canary Set-Cookie").to.equal(setsCookies);
      expect(plan.stableSetCookie !== undefined, "stable Set-Cookie").to.equal(setsCookies);
    });
  }

  it("sends pinned and canary-cookie holders to the canary, stable-cookie holders and (after a rollback) canary-cookie holders to the stable", () => {
    const rollout = makeRollout(strategySpec());
    const value = sessionCookieValue(rollout);
    const [pinned, stickyCanary, stickyStable] = affinityPlan(rollout).ahead;
    expect(pinned).to.deep.equal({
      name: "rollout-pinned",
      match: [{ ...ROUTE.match[0], headers: { "x-canary": { exact: "always" } } }],
      to: "canary",
    });
    expect(stickyCanary?.to).to.equal("canary");
    expect(stickyCanary?.match).to.deep.equal([
      { ...ROUTE.match[0], headers: { cookie: { regex: cookieRegex("rc", value) } } },
    ]);
    expect(stickyStable?.to).to.equal("stable");
    const back = makeRollout(
      strategySpec(
        { traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } },
        { phase: "RolledBack" },
      ),
    );
    const [unstick] = affinityPlan(back).ahead;
    expect(unstick?.to).to.equal("stable");
    expect(unstick?.setCookie).to.equal("rc=; Max-Age=0; Path=/");
    expect(unstick?.match).to.deep.equal(stickyCanary?.match);
  });

  it("without a stable cookie, stable responses set none and no route keeps stable clients", () => {
    const plan = affinityPlan(
      makeRollout(
        strategySpec({ traffic: { canaryWeight: 5, sessionAffinity: { cookieName: "rc" } } }),
      ),
    );
    expect(plan.ahead.map((r) => r.name)).to.deep.equal([
      "rollout-pinned",
      "rollout-sticky-canary",
    ]);
    expect(plan.stableSetCookie).to.equal(undefined);
    expect(plan.canarySetCookie).to.match(/^rc=[0-9a-f]{16}; Max-Age=86400; Path=\/$/);
  });
});

describe("session cookies", () => {
  it("derive their value from the rollout and both versions: same input, same value; a new canary, a new value", () => {
    const a = sessionCookieValue(makeRollout(strategySpec()));
    expect(sessionCookieValue(makeRollout(strategySpec()))).to.equal(a);
    const relabelled = strategySpec({ canary: { name: "v2", labels: { version: "v3" } } });
    expect(sessionCookieValue(makeRollout(relabelled))).to.not.equal(a);
    expect(a).to.match(/^[0-9a-f]{16}$/);
  });

  it("are written as name=value; Max-Age=s; Path=/, and deleted with Max-Age=0", () => {
    expect(setCookie("rc", "abc", 3600)).to.equal("rc=abc; Max-Age=3600; Path=/");
    expect(deleteCookie("rc")).to.equal("rc=; Max-Age=0; Path=/");
  });

  const headers: [string, boolean][] = [
    ["rc=0123", true],
    ["a=b; rc=0123", true],
    ["a=b; rc=0123; c=d", true],
    ["a=b;rc=0123", true],
    ["a=b, rc=0123", true],
    ["xrc=0123", false],
    ["rc=01234", false],
    ["rc=012", false],
    ["a=rc=0123", false],
    ["", false],
  ];
  for (const [header, matches] of headers) {
    it(`the cookie match ${matches ? "holds" : "does not hold"} for Cookie: ${JSON.stringify(header)}`, () => {
      expect(new RegExp(cookieRegex("rc", "0123")).test(header)).to.equal(matches);
    });
  }

  it("escapes the regular-expression characters a cookie name may hold", () => {
    const re = new RegExp(cookieRegex("a.b$c", "1"));
    expect(re.test("a.b$c=1")).to.equal(true);
    expect(re.test("aXb$c=1")).to.equal(false);
  });
});

describe("Istio output of pinned clients and sticky sessions", () => {
  type Route = {
    name: string;
    match?: unknown[];
    route: { destination: { subset: string }; weight?: number; headers?: unknown }[];
    timeout?: string;
  };
  function http(doc: Record<string, unknown>): Route[] {
    const vs = compileRollout(makeRollout(doc)).find((f) => f.path.endsWith("virtualservice.yaml"));
    return (parse(vs?.content ?? "") as { spec: { http: Route[] } }).spec.http;
  }

  it("puts the pinned and sticky routes ahead of the weighted route, each 100 % to its version with the route's timeout", () => {
    const routes = http(strategySpec());
    expect(
      routes.map((r) => [r.name, r.route.map((d) => `${d.destination.subset}:${d.weight}`)]),
    ).to.deep.equal([
      ["rollout-pinned", ["v2:100"]],
      ["rollout-sticky-canary", ["v2:100"]],
      ["rollout-sticky-stable", ["v1:100"]],
      ["rollout", ["v1:95", "v2:5"]],
      ["stable", ["v1:undefined"]],
    ]);
    expect(routes.slice(0, 4).map((r) => r.timeout)).to.deep.equal(["2s", "2s", "2s", "2s"]);
  });

  it("sets each version's cookie on the weighted route's destinations", () => {
    const weighted = http(strategySpec())[3] as Route;
    const value = sessionCookieValue(makeRollout(strategySpec()));
    expect(weighted.route.map((d) => d.headers)).to.deep.equal([
      { response: { add: { "set-cookie": `rs=${value}; Max-Age=3600; Path=/` } } },
      { response: { add: { "set-cookie": `rc=${value}; Max-Age=3600; Path=/` } } },
    ]);
  });

  it("drops the pinned and sticky routes after a rollback, and compiles them again when a person retries", () => {
    const back = strategySpec(
      { traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } },
      { phase: "RolledBack" },
    );
    expect(http(back).map((r) => r.name)).to.deep.equal(["rollout-unstick", "rollout", "stable"]);
    expect((http(back)[1] as Route).route.every((d) => d.headers === undefined)).to.equal(true);
    const retried = strategySpec({ traffic: { canaryWeight: 5, sessionAffinity: AFFINITY } });
    expect(http(retried).map((r) => r.name)).to.include("rollout-pinned");
  });

  it("leaves the output as without the fields when there is no canary", () => {
    const steady = makeSpec({
      spec: { route: ROUTE, canary: undefined, traffic: { sessionAffinity: AFFINITY } },
    });
    const plain = makeSpec({
      spec: { route: { match: ROUTE.match, timeout: "2s" }, canary: undefined, traffic: undefined },
    });
    expect(http(steady)).to.deep.equal(http(plain));
  });
});

describe("canaryMatch and sessionAffinity once the canary is gone", () => {
  it("the watchdog's promote commit still validates, with a note at each inert field", () => {
    const text = specYaml(strategySpec({}, { phase: "Progressing" }));
    const edited = applyDecisionEdit(text, 0, {
      canaryWeight: 0,
      status: { phase: "Promoted", stepStartedAt: "2026-11-30T10:00:00Z" },
      promote: { name: "v2", labels: { version: "v2" } },
    });
    const parsed = parseRollouts("r.yaml", "r.yaml", edited);
    expect(parsed.diagnostics).to.deep.equal([]);
    expect(parsed.rollouts).to.have.length(1);
    const notes = parsed.notes.filter((n) => n.includes("inert"));
    expect(notes).to.have.length(2);
    expect(notes[0]).to.match(
      /^r\.yaml:\d+:\d+: spec\.route\.canaryMatch: note: inert: there is no spec\.canary \(promoted or not started\), so no pinned route is compiled/,
    );
    expect(notes[1]).to.match(
      /^r\.yaml:\d+:\d+: spec\.traffic\.sessionAffinity: note: inert: there is no spec\.canary/,
    );
  });

  it("after a rollback, notes that pinned clients are off and cookie holders go to the stable", () => {
    const back = strategySpec(
      { traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } },
      { phase: "RolledBack" },
    );
    const parsed = parseRollouts("r.yaml", "r.yaml", specYaml(back));
    expect(parsed.diagnostics).to.deep.equal([]);
    expect(parsed.notes.filter((n) => n.includes("inert"))).to.deep.equal([
      "r.yaml:17:7: spec.route.canaryMatch: note: inert: status.phase is RolledBack, so no pinned route is compiled; the field is kept for the next canary",
      "r.yaml:32:7: spec.traffic.sessionAffinity: note: inert: status.phase is RolledBack, so no sticky route is compiled: everyone goes to the stable, and a client holding the canary cookie has it deleted",
    ]);
  });

  it("warns, on the gateway-api target only and while the canary is in play, that sticky sessions need implementation-specific features", () => {
    const gateway = {
      target: "gateway-api",
      service: { host: "recommender", port: 8080, selector: { app: "recommender" } },
      route: { match: ROUTE.match, canaryMatch: PINNED },
    };
    const warnings = (doc: Record<string, unknown>) =>
      parseRollouts("r.yaml", "r.yaml", specYaml(doc)).notes.filter((n) =>
        n.includes("implementation-specific"),
      );
    expect(warnings(strategySpec(gateway))).to.have.length(1);
    expect(warnings(strategySpec(gateway))[0]).to.match(
      /^r\.yaml:\d+:\d+: spec\.traffic\.sessionAffinity: warning: on target gateway-api, sticky sessions match the Cookie header with a RegularExpression/,
    );
    expect(warnings(strategySpec())).to.deep.equal([]);
    const back = strategySpec(
      { ...gateway, traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } },
      { phase: "RolledBack" },
    );
    expect(warnings(back)).to.deep.equal([]);
  });

  it("at weight 0, notes that sticky sessions hand out no cookie until the first step", () => {
    const pending = strategySpec({ traffic: { canaryWeight: 0, sessionAffinity: AFFINITY } });
    const notes = parseRollouts("r.yaml", "r.yaml", specYaml(pending)).notes.filter((n) =>
      n.includes("inert"),
    );
    expect(notes).to.have.length(1);
    expect(notes[0]).to.match(
      /^r\.yaml:\d+:\d+: spec\.traffic\.sessionAffinity: note: inert: canaryWeight is 0, so no cookie is handed out until the first step$/,
    );
  });

  it("in a shadow, notes that pinned clients start with the first step", () => {
    const shadow = strategySpec({ traffic: { canaryWeight: 0, shadow: { deadline: "10m" } } });
    const notes = parseRollouts("r.yaml", "r.yaml", specYaml(shadow)).notes.filter((n) =>
      n.includes("canaryMatch"),
    );
    expect(notes).to.have.length(1);
    expect(notes[0]).to.match(
      /^r\.yaml:\d+:\d+: spec\.route\.canaryMatch: note: inert: in the shadow phase no user request reaches the canary .*, so the pinned route starts with the first step$/,
    );
  });

  it("notes nothing while the canary is in play", () => {
    const parsed = parseRollouts("r.yaml", "r.yaml", specYaml(strategySpec()));
    expect(parsed.notes.filter((n) => n.includes("inert"))).to.deep.equal([]);
  });
});
