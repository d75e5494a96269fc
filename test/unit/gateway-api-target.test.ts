/**
 * The gateway-api target: every Istio match field has a decided fate
 * (translated, or refused at its position), the generated rules mean what
 * the spec says under the Gateway API's precedence, the metric identity and
 * default selectors follow the target, and the output checks (schema, CEL
 * rules, Service schema) can fail.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import { compileRollout } from "../../src/compile/compile.js";
import { gatewayApiTarget } from "../../src/compile/targets/gateway-api.js";
import { translateMatch } from "../../src/compile/targets/gateway-api-matches.js";
import { targetOf } from "../../src/compile/targets/index.js";
import { parseProjectConfig } from "../../src/config/project-config.js";
import { repoDefaults, watchSettings } from "../../src/config/watch-settings.js";
import { reparse } from "../../src/engine/apply-decision.js";
import { InvalidConfigError, TemplateError } from "../../src/errors.js";
import { loadRollouts, type SpecCache } from "../../src/rollout/load.js";
import { parseRollouts } from "../../src/rollout/parse-rollouts.js";
import { DEFAULT_SELECTORS_BY_TARGET, type Rollout } from "../../src/rollout/types.js";
import { tempDir, writeFiles } from "../support/files.js";
import { makeRollout, makeSpec, type SpecDoc, specYaml } from "../support/make-spec.js";
import { REPO_ROOT } from "../support/paths.js";

const GATEWAY_SPEC: SpecDoc = {
  target: "gateway-api",
  service: { host: "recommender", port: 8080, selector: { app: "recommender" } },
};

function gatewaySpec(spec: SpecDoc = {}, metadata: SpecDoc = {}): SpecDoc {
  return makeSpec({ metadata, spec: { ...GATEWAY_SPEC, ...spec } });
}

/** `path: message` of every problem, plus the notes, for one spec. */
function check(doc: SpecDoc): { problems: string[]; notes: string[] } {
  const parsed = parseRollouts("r.yaml", "r.yaml", specYaml(doc));
  return {
    problems: parsed.diagnostics.map((d) => `${d.path}: ${d.message}`),
    // The recommend spec's latency SLA sits inside a bucket: that note is not this target's.
    notes: parsed.notes.filter((n) => !n.includes("latency bucket")),
  };
}

type Fate = "translated" | "refused";

/**
 * One sample of every HTTPMatchRequest field the rollout schema accepts, and
 * its fate on this target. The first test fails when the schema gains a field
 * that is not here: a new field must get a decided fate.
 */
const FIELD_FATES: Record<string, [Record<string, unknown>, Fate][]> = {
  name: [[{ name: "m", uri: { exact: "/x" } }, "translated"]],
  uri: [
    [{ uri: { exact: "/x" } }, "translated"],
    [{ uri: { prefix: "/x" } }, "translated"],
    [{ uri: { regex: "/x.*" } }, "refused"],
  ],
  method: [
    [{ method: { exact: "POST" } }, "translated"],
    [{ method: { prefix: "P" } }, "refused"],
    [{ method: { regex: "P.*" } }, "refused"],
    [{ method: { exact: "PURGE" } }, "refused"],
  ],
  headers: [
    [{ headers: { "x-a": { exact: "1" } } }, "translated"],
    [{ headers: { "x-a": { regex: "1.*" } } }, "translated"],
    [{ headers: { "x-a": { prefix: "1" } } }, "refused"],
  ],
  queryParams: [
    [{ queryParams: { a: { exact: "1" } } }, "translated"],
    [{ queryParams: { a: { regex: "1.*" } } }, "translated"],
    [{ queryParams: { a: { prefix: "1" } } }, "refused"],
  ],
  ignoreUriCase: [
    [{ uri: { exact: "/x" }, ignoreUriCase: false }, "translated"],
    [{ uri: { exact: "/x" }, ignoreUriCase: true }, "refused"],
  ],
  scheme: [[{ scheme: { exact: "https" } }, "refused"]],
  authority: [[{ authority: { exact: "a.example.com" } }, "refused"]],
  withoutHeaders: [[{ withoutHeaders: { "x-a": { exact: "1" } } }, "refused"]],
  port: [[{ port: 8080 }, "refused"]],
  sourceLabels: [[{ sourceLabels: { app: "web" } }, "refused"]],
  gateways: [[{ gateways: ["mesh"] }, "refused"]],
  sourceNamespace: [[{ sourceNamespace: "web" }, "refused"]],
  statPrefix: [[{ statPrefix: "s", uri: { exact: "/x" } }, "refused"]],
};

describe("gateway-api target: Istio match fields", () => {
  it("decides a fate for every HTTPMatchRequest field of the rollout schema", () => {
    const schema = JSON.parse(
      readFileSync(join(REPO_ROOT, "schemas", "rollout.schema.json"), "utf8"),
    ) as { definitions: { HTTPMatchRequest: { properties: object } } };
    expect(Object.keys(FIELD_FATES).sort()).to.deep.equal(
      Object.keys(schema.definitions.HTTPMatchRequest.properties).sort(),
    );
  });

  for (const [field, samples] of Object.entries(FIELD_FATES)) {
    for (const [match, fate] of samples) {
      it(`${JSON.stringify(match)}: ${fate}`, () => {
        const { problems } = check(gatewaySpec({ route: { match: [match] } }));
        if (fate === "refused") {
          expect(problems).to.have.length(1);
          expect(problems[0]).to.match(new RegExp(`^spec\\.route\\.match\\[0\\]\\.${field}\\b`));
          expect(problems[0]).to.contain("target gateway-api cannot express this");
          // The translation refuses it too, should validation ever let it through.
          expect(() => translateMatch(match)).to.throw(TemplateError);
        } else {
          expect(problems).to.deep.equal([]);
          expect(translateMatch(match).path.value).to.match(/^\//);
        }
      });
    }
  }

  it("translates each form to its HTTPRouteMatch", () => {
    expect(
      translateMatch({
        name: "dropped",
        uri: { prefix: "/api" },
        method: { exact: "GET" },
        headers: { "x-a": { exact: "1" }, "x-b": { regex: "^b" } },
        queryParams: { q: { exact: "2" } },
        ignoreUriCase: false,
      }),
    ).to.deep.equal({
      path: { type: "PathPrefix", value: "/api" },
      method: "GET",
      headers: [
        { name: "x-a", type: "Exact", value: "1" },
        { name: "x-b", type: "RegularExpression", value: "^b" },
      ],
      queryParams: [{ name: "q", type: "Exact", value: "2" }],
    });
    // No uri: the path is written out, so its rank does not rest on the API server's default.
    expect(translateMatch({ headers: { "x-a": { exact: "1" } } }).path).to.deep.equal({
      type: "PathPrefix",
      value: "/",
    });
  });

  it("warns where PathPrefix's whole-segment matching differs from Istio's string prefix", () => {
    const { problems, notes } = check(
      gatewaySpec({
        route: {
          match: [
            { uri: { prefix: "/api" } },
            { uri: { prefix: "/v2/" } },
            { uri: { prefix: "/" } },
          ],
        },
      }),
    );
    expect(problems).to.deep.equal([]);
    expect(notes).to.have.length(2);
    expect(notes[0]).to.match(
      /^r\.yaml:\d+:\d+: spec\.route\.match\[0\]\.uri\.prefix: warning: .*not \/api-more/,
    );
    expect(notes[1]).to.match(
      /spec\.route\.match\[1\]\.uri\.prefix: warning: .*also matches \/v2 itself/,
    );
  });

  it("is silent about the same specs on the istio target", () => {
    const istio = makeSpec({
      spec: {
        route: {
          match: [{ uri: { regex: "/x.*" }, sourceLabels: { app: "web" } }],
          retries: { attempts: 2 },
        },
      },
    });
    expect(check(istio)).to.deep.equal({ problems: [], notes: [] });
  });
});

/** The Gateway API's precedence (HTTPRouteRule.matches, v1.6.1), for the matches this target writes. */
interface GwMatch {
  path: { type: string; value: string };
  method?: string;
  headers?: { name: string; type: string; value: string }[];
  queryParams?: { name: string; type: string; value: string }[];
}
interface Request {
  path: string;
  method: string;
  headers: Record<string, string>;
  query: Record<string, string>;
}

function gwMatches(m: GwMatch, r: Request): boolean {
  const { type, value } = m.path;
  const bare = value.replace(/\/+$/, "");
  const pathOk =
    type === "Exact"
      ? r.path === value
      : bare === "" || r.path === bare || r.path.startsWith(`${bare}/`);
  const valueOk = (c: { type: string; value: string }, actual: string | undefined) =>
    actual !== undefined &&
    (c.type === "Exact" ? actual === c.value : new RegExp(`^(?:${c.value})$`).test(actual));
  return (
    pathOk &&
    (m.method === undefined || m.method === r.method) &&
    (m.headers ?? []).every((h) => valueOk(h, r.headers[h.name])) &&
    (m.queryParams ?? []).every((q) => valueOk(q, r.query[q.name]))
  );
}

/** Larger is more specific: Exact path, longer prefix, method, more headers, more query params. */
function rank(m: GwMatch): number[] {
  return [
    m.path.type === "Exact" ? 1 : 0,
    m.path.value.length,
    m.method === undefined ? 0 : 1,
    m.headers?.length ?? 0,
    m.queryParams?.length ?? 0,
  ];
}

function compareRank(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return (a[i] as number) - (b[i] as number);
  return 0;
}

/** The rule a request takes: most specific matching match, ties to the earlier rule. */
function gwRoute(rules: { name: string; matches: GwMatch[] }[], r: Request): string | undefined {
  let best: { name: string; rank: number[] } | undefined;
  for (const rule of rules) {
    for (const m of rule.matches) {
      if (!gwMatches(m, r)) continue;
      if (best === undefined || compareRank(rank(m), best.rank) > 0)
        best = { name: rule.name, rank: rank(m) };
    }
  }
  return best?.name;
}

/** What the Istio target does with the same spec: the first matching http route (string prefixes, RE2 regex). */
function istioRoute(spec: { match: Record<string, any>[] }, r: Request): string {
  const value = (c: Record<string, string>, actual: string | undefined) =>
    actual !== undefined &&
    (c.exact !== undefined
      ? actual === c.exact
      : c.prefix !== undefined
        ? actual.startsWith(c.prefix)
        : new RegExp(`^(?:${c.regex})$`).test(actual));
  const hit = spec.match.some(
    (m) =>
      (m.uri === undefined || value(m.uri, r.path)) &&
      (m.method === undefined || value(m.method, r.method)) &&
      Object.entries((m.headers ?? {}) as Record<string, Record<string, string>>).every(([k, c]) =>
        value(c, r.headers[k]),
      ) &&
      Object.entries((m.queryParams ?? {}) as Record<string, Record<string, string>>).every(
        ([k, c]) => value(c, r.query[k]),
      ),
  );
  return hit ? "rollout" : "stable";
}

describe("gateway-api target: meaning under the Gateway API's precedence", () => {
  const match = [
    { uri: { exact: "/api/v1/recommend" }, method: { exact: "POST" } },
    { uri: { prefix: "/api/v2" } },
    { headers: { "x-canary": { exact: "always" }, "x-user-cohort": { regex: "beta|alpha" } } },
    { queryParams: { model: { exact: "v2" } } },
    { method: { exact: "GET" }, uri: { prefix: "/" } },
  ];
  const files = compileRollout(makeRollout(gatewaySpec({ route: { match } })));
  const route = parse(
    (files.find((f) => f.path.endsWith("httproute.yaml")) as { content: string }).content,
  ) as { spec: { rules: { name: string; matches: GwMatch[]; backendRefs: unknown[] }[] } };
  const rules = route.spec.rules;

  it("puts every spec match in the one rollout rule, and the catch-all last and least specific", () => {
    expect(rules.map((r) => r.name)).to.deep.equal(["rollout", "stable"]);
    expect(rules[0]?.matches).to.have.length(match.length);
    const catchAll = rules[1]?.matches ?? [];
    expect(catchAll).to.deep.equal([{ path: { type: "PathPrefix", value: "/" } }]);
    for (const m of rules[0]?.matches ?? []) {
      expect(compareRank(rank(m), rank(catchAll[0] as GwMatch))).to.be.at.least(0);
    }
  });

  it("sends every request where the Istio target's first-match routing sends it", () => {
    const paths = ["/", "/api", "/api/v1/recommend", "/api/v2", "/api/v2/x", "/other"];
    const methods = ["GET", "POST", "PUT"];
    const headerSets = [
      {},
      { "x-canary": "always" },
      { "x-canary": "always", "x-user-cohort": "beta" },
    ];
    const queries = [{}, { model: "v2" }, { model: "v1" }];
    let compared = 0;
    for (const path of paths)
      for (const method of methods)
        for (const headers of headerSets)
          for (const query of queries) {
            const r = { path, method, headers, query };
            expect(gwRoute(rules, r), JSON.stringify(r)).to.equal(istioRoute({ match }, r));
            compared++;
          }
    expect(compared).to.equal(162);
  });

  it("differs only where the prefix warning says: PathPrefix /api/v2 does not take /api/v2x", () => {
    const r = { path: "/api/v2x", method: "PUT", headers: {}, query: {} };
    expect(istioRoute({ match }, r)).to.equal("rollout");
    expect(gwRoute(rules, r)).to.equal("stable");
  });

  it("would lose a regular-expression path to the catch-all: why uri.regex is refused", () => {
    // Istio ranks RegularExpression paths below every PathPrefix, even /; modelled as rank -1.
    const regexRank = [-1, 0, 0, 0, 0];
    expect(compareRank(regexRank, rank(rules[1]?.matches[0] as GwMatch))).to.be.below(0);
  });
});

describe("gateway-api target: metrics follow the target", () => {
  const cases: [string, SpecDoc, object][] = [
    [
      "istio: the service's short name and the version label",
      makeSpec(),
      { service: "recommender", namespace: "recs", stableVersion: "v1", canaryVersion: "v2" },
    ],
    [
      "gateway-api: app and version from the pods' labels",
      gatewaySpec(),
      { service: "recommender", namespace: "recs", stableVersion: "v1", canaryVersion: "v2" },
    ],
    [
      "gateway-api: canonical labels first, as Istio reads them",
      gatewaySpec({
        service: {
          host: "recommender",
          port: 8080,
          selector: { app: "rec", "service.istio.io/canonical-name": "recommender-svc" },
        },
        stable: { name: "v1", labels: { version: "v1", "app.kubernetes.io/version": "1.4" } },
        canary: { name: "v2", labels: { "service.istio.io/canonical-revision": "2.0-rc1" } },
      }),
      {
        service: "recommender-svc",
        namespace: "recs",
        stableVersion: "1.4",
        canaryVersion: "2.0-rc1",
      },
    ],
    [
      "gateway-api: a version without a revision label is Istio's latest",
      gatewaySpec({ canary: { name: "v2", labels: { track: "canary" } } }),
      { service: "recommender", namespace: "recs", stableVersion: "v1", canaryVersion: "latest" },
    ],
  ];
  for (const [title, doc, identity] of cases) {
    it(title, () => {
      const rollout = makeRollout(doc);
      expect(targetOf(rollout).metricIdentity(rollout)).to.deep.equal(identity);
    });
  }

  it("defaults the selectors per target; analysis.selectors still overrides", () => {
    expect(makeRollout(makeSpec()).analysis.selectors).to.deep.equal(
      DEFAULT_SELECTORS_BY_TARGET.istio,
    );
    expect(makeRollout(gatewaySpec()).analysis.selectors).to.deep.equal({
      service: "destination_canonical_service",
      namespace: "destination_workload_namespace",
      version: "destination_canonical_revision",
    });
    const overridden = makeRollout(
      gatewaySpec({
        analysis: { interval: "10s", selectors: { version: "destination_workload" } },
      }),
    );
    expect(overridden.analysis.selectors.version).to.equal("destination_workload");
    expect(overridden.analysis.selectors.service).to.equal("destination_canonical_service");
  });
});

describe("gateway-api target: output checks", () => {
  const rollout = makeRollout(gatewaySpec());
  const [route, service] = gatewayApiTarget.manifests(rollout, {}).map((m) => m.manifest);
  const edit = (value: unknown, change: (copy: any) => void) => {
    const copy = structuredClone(value);
    change(copy);
    return copy;
  };

  it("passes its own output", () => {
    expect(gatewayApiTarget.schemaProblems(route as never)).to.deep.equal([]);
    expect(gatewayApiTarget.schemaProblems(service as never)).to.deep.equal([]);
  });

  const broken: [string, (r: any) => void, RegExp][] = [
    [
      "a backendRef without port (CEL)",
      (r) => delete r.spec.rules[0].backendRefs[0].port,
      /Must have port for Service reference/,
    ],
    [
      "a relative path (CEL)",
      (r) => {
        r.spec.rules[0].matches[0].path.value = "api";
      },
      /path\/value: must be an absolute path/,
    ],
    [
      "'//' in a path (CEL)",
      (r) => {
        r.spec.rules[0].matches[0].path.value = "/a//b";
      },
      /must not contain '\/\/'/,
    ],
    [
      "more than 128 matches in all (CEL)",
      (r) => {
        const many = Array.from({ length: 64 }, () => r.spec.rules[0].matches[0]);
        r.spec.rules = [0, 1, 2].map((i) => ({ ...r.spec.rules[0], name: `r${i}`, matches: many }));
      },
      /192 matches in all/,
    ],
    [
      "a header named twice (list map)",
      (r) => {
        r.spec.rules[0].matches[0].headers = [
          { name: "X-A", value: "1" },
          { name: "x-a", value: "2" },
        ];
      },
      /headers: names must be unique/,
    ],
    [
      "the same parent twice (CEL)",
      (r) => r.spec.parentRefs.push(r.spec.parentRefs[0]),
      /same parent need distinct sectionNames/,
    ],
    [
      "a weight above 1,000,000 (schema)",
      (r) => {
        r.spec.rules[0].backendRefs[0].weight = 1_000_001;
      },
      /weight: must be <= 1000000/,
    ],
    [
      "17 rules (schema)",
      (r) => {
        r.spec.rules = Array.from({ length: 17 }, () => r.spec.rules[1]);
      },
      /rules: must NOT have more than 16 items/,
    ],
    [
      "a fractional timeout (schema)",
      (r) => {
        r.spec.rules[0].timeouts = { request: "1.5s" };
      },
      /timeouts\/request: must match pattern/,
    ],
  ];
  for (const [title, change, problem] of broken) {
    it(`refuses ${title}`, () => {
      const problems = gatewayApiTarget.schemaProblems(edit(route, change) as never);
      expect(problems.join("\n")).to.match(problem);
    });
  }

  it("refuses a Service that breaks Kubernetes' schema", () => {
    const bad = edit(service, (s) => {
      s.spec.ports[0].port = "http";
    });
    expect(gatewayApiTarget.schemaProblems(bad as never).join("\n")).to.match(/ports\/0\/port/);
  });
});

describe("meshcanary.yaml target", () => {
  it("reads the repository's default target", () => {
    expect(parseProjectConfig("meshcanary.yaml", "/repo", "target: gateway-api\n").target).to.equal(
      "gateway-api",
    );
    expect(parseProjectConfig("meshcanary.yaml", "/repo", "out: out\n").target).to.equal(undefined);
  });

  it("refuses an unknown target at its position", () => {
    expect(() => parseProjectConfig("meshcanary.yaml", "/repo", "out: out\ntarget: linkerd\n"))
      .to.throw(InvalidConfigError)
      .with.property("message")
      .that.matches(/^meshcanary\.yaml:2:9: target: /);
  });

  it("gives specs without a target the repository's, and a spec's own target wins", () => {
    const text = specYaml(
      gatewaySpec({ target: undefined }),
      makeSpec({
        metadata: { name: "other" },
        spec: { target: "istio", service: { host: "other" } },
      }),
    );
    const parsed = parseRollouts("r.yaml", "r.yaml", text, { target: "gateway-api" });
    expect(parsed.diagnostics).to.deep.equal([]);
    expect(parsed.rollouts.map((r) => r.rollout.target)).to.deep.equal(["gateway-api", "istio"]);
    expect(
      parseRollouts("r.yaml", "r.yaml", text).rollouts.map((r) => r.rollout.target),
    ).to.deep.equal(["istio", "istio"]);
  });
});

describe("the repository's default target reaches every reader", () => {
  const doc = gatewaySpec({ target: undefined });

  it("an edited spec is read back with the default it was read with (the watchdog's decisions)", () => {
    const text = specYaml(doc);
    const [located] = parseRollouts("r.yaml", "r.yaml", text, { target: "gateway-api" }).rollouts;
    const rollout = (located as { rollout: Rollout }).rollout;
    expect(rollout.target).to.equal("gateway-api");
    const edited = text.replace("canaryWeight: 5", "canaryWeight: 10");
    const again = reparse(edited, rollout);
    expect([again.target, again.traffic.canaryWeight]).to.deep.equal(["gateway-api", 10]);
    expect(compileRollout(again).map((f) => f.path)).to.include("recs/recommend/httproute.yaml");
  });

  it("the watchdog's settings carry meshcanary.yaml's target", () => {
    const dir = tempDir();
    writeFiles(dir, { "meshcanary.yaml": "specs: rollouts\nout: out\ntarget: gateway-api\n" });
    expect(watchSettings(dir, {}).defaults).to.deep.equal({ target: "gateway-api" });
    expect(repoDefaults(dir)).to.deep.equal({ target: "gateway-api" });
    writeFiles(dir, { "meshcanary.yaml": "specs: rollouts\nout: out\n" });
    expect(watchSettings(dir, {}).defaults).to.deep.equal({});
  });

  it("a cached parse is not reused under another default target", () => {
    const dir = tempDir();
    writeFiles(dir, { "rollouts/r.yaml": specYaml(doc) });
    const cache: SpecCache = new Map();
    const targets = (target?: "gateway-api") =>
      loadRollouts(["rollouts"], {
        cwd: dir,
        cache,
        ...(target ? { defaults: { target } } : {}),
      }).rollouts.map((r) => r.rollout.target);
    expect(targets("gateway-api")).to.deep.equal(["gateway-api"]);
    expect(targets()).to.deep.equal(["istio"]);
    expect(targets("gateway-api")).to.deep.equal(["gateway-api"]);
  });
});
