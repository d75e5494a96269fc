/**
 * What the simulated clients keep (cookies, in simulated time) and what the
 * simulated proxies report for each target (test/support/mesh/ and the
 * simulator around it).
 */
import { expect } from "chai";
import { CookieJar } from "../support/mesh/cookie-jar.js";
import type { Obj } from "../support/mesh/fields.js";
import { inboundService, workloadLabels } from "../support/mesh/telemetry-labels.js";
import { TrafficSimulator, type TrafficSimulatorOptions } from "../support/simulator.js";

describe("simulated client cookie jar", () => {
  const cases: [string, [string, number][], number, string | undefined][] = [
    ["a session cookie lives on", [["mc=a", 0]], 1e12, "mc=a"],
    ["Max-Age keeps it until then", [["mc=a; Max-Age=10", 0]], 9_999, "mc=a"],
    ["Max-Age expires it in simulated time", [["mc=a; Max-Age=10", 0]], 10_000, undefined],
    [
      "Max-Age=0 deletes it",
      [
        ["mc=a", 0],
        ["mc=a; Max-Age=0", 5],
      ],
      6,
      undefined,
    ],
    [
      "a negative Max-Age deletes it",
      [
        ["mc=a", 0],
        ["mc=; max-age=-1; Path=/", 5],
      ],
      6,
      undefined,
    ],
    [
      "a new value replaces the old in place",
      [
        ["a=1", 0],
        ["mc=a", 0],
        ["a=2; HttpOnly", 1],
      ],
      2,
      "a=2; mc=a",
    ],
    [
      "a later Max-Age restarts the clock",
      [
        ["mc=a; Max-Age=1", 0],
        ["mc=a; Max-Age=1", 900],
      ],
      1_500,
      "mc=a",
    ],
    [
      "a cookie without a name is ignored",
      [
        ["=x", 0],
        ["noequals", 0],
      ],
      1,
      undefined,
    ],
  ];
  for (const [what, received, at, header] of cases) {
    it(what, () => {
      const jar = new CookieJar();
      for (const [setCookie, now] of received) jar.receive(setCookie, now);
      expect(jar.header(at)).to.equal(header);
    });
  }
});

describe("simulated telemetry labels from pod labels", () => {
  const cases: [string, Record<string, string>, Partial<Record<string, string>>][] = [
    [
      "canonical name and revision from the Istio labels first",
      {
        "service.istio.io/canonical-name": "c",
        "app.kubernetes.io/name": "k",
        app: "a",
        "service.istio.io/canonical-revision": "r",
        "app.kubernetes.io/version": "kv",
        version: "v",
      },
      {
        destination_canonical_service: "c",
        destination_canonical_revision: "r",
        destination_version: "v",
      },
    ],
    [
      "then the app.kubernetes.io labels",
      { "app.kubernetes.io/name": "k", app: "a", "app.kubernetes.io/version": "kv", version: "v" },
      { destination_canonical_service: "k", destination_canonical_revision: "kv" },
    ],
    [
      "then app and version",
      { app: "a", version: "v" },
      { destination_canonical_service: "a", destination_canonical_revision: "v" },
    ],
    [
      "else the workload name, latest and unknown",
      { tier: "x" },
      {
        destination_canonical_service: "wl",
        destination_canonical_revision: "latest",
        destination_version: "unknown",
      },
    ],
    [
      "a present empty label counts",
      { app: "", version: "" },
      { destination_canonical_service: "", destination_canonical_revision: "" },
    ],
  ];
  for (const [what, labels, expected] of cases) {
    it(what, () => {
      expect(workloadLabels({ name: "wl", namespace: "recs", labels })).to.include({
        destination_workload: "wl",
        destination_workload_namespace: "recs",
        ...expected,
      });
    });
  }

  it("names the oldest Service selecting the pod on the server side", () => {
    const services = [
      { name: "other", namespace: "recs", selector: { app: "other" } },
      { name: "recommender", namespace: "recs", selector: { app: "r" } },
      { name: "recommender-v2", namespace: "recs", selector: { app: "r", version: "v2" } },
    ];
    const pod = { name: "r-v2", namespace: "recs", labels: { app: "r", version: "v2" } };
    expect(inboundService(services, pod)?.name).to.equal("recommender");
    expect(inboundService(services.slice(2), pod)?.name).to.equal("recommender-v2");
    expect(inboundService(services, { ...pod, namespace: "x" })).to.equal(undefined);
  });
});

/** `istio_requests_total` samples as `{labels, value}`. */
async function samples(
  sim: TrafficSimulator,
): Promise<{ labels: Record<string, string>; value: number }[]> {
  return (await sim.metrics())
    .split("\n")
    .filter((l) => l.startsWith("istio_requests_total{"))
    .map((l) => {
      const m = /^istio_requests_total\{(.*)\} (\S+)$/.exec(l) as RegExpExecArray;
      const labels = Object.fromEntries(
        [...(m[1] as string).matchAll(/(\w+)="([^"]*)"/g)].map((x) => [x[1], x[2]]),
      );
      return { labels: labels as Record<string, string>, value: Number(m[2]) };
    });
}

function sum(
  list: { labels: Record<string, string>; value: number }[],
  where: Record<string, string>,
): number {
  return list
    .filter((s) => Object.entries(where).every(([k, v]) => s.labels[k] === v))
    .reduce((a, s) => a + s.value, 0);
}

const VERSIONS = { v1: { latencyMedianMs: 40 }, v2: { latencyMedianMs: 40 } };

function sim(manifests: Obj[], extra: Partial<TrafficSimulatorOptions> = {}): TrafficSimulator {
  return new TrafficSimulator({
    seed: 11,
    rps: 1000,
    service: { name: "recommender", namespace: "recs" },
    versions: VERSIONS,
    manifests: () => manifests,
    ...extra,
  });
}

async function run(s: TrafficSimulator, ticks: number): Promise<number> {
  let n = 0;
  for (let i = 0; i < ticks; i++) n += (await s.step()).length;
  return n;
}

const GATEWAY: Obj[] = [
  {
    kind: "HTTPRoute",
    metadata: { name: "recommend", namespace: "recs" },
    spec: {
      rules: [
        {
          filters: [
            {
              type: "RequestMirror",
              requestMirror: { backendRef: { name: "recommender-v2", port: 8080 }, percent: 50 },
            },
          ],
          backendRefs: [
            { name: "recommender-v1", port: 8080, weight: 100 },
            { name: "recommender-v2", port: 8080, weight: 0 },
          ],
        },
      ],
    },
  },
  ...["v1", "v2"].map((v) => ({
    kind: "Service",
    metadata: { name: `recommender-${v}`, namespace: "recs" },
    spec: { selector: { app: "recommender", version: v } },
  })),
];

describe("traffic simulator through Gateway API manifests", () => {
  it("reports a mirrored copy only from reporter=destination and serves the client from the route", async () => {
    const s = sim(GATEWAY);
    const n = await run(s, 20);
    const all = await samples(s);
    const t = s.traffic();
    expect(t.served).to.deep.equal({ v1: { clients: n } });
    expect(t.mirrored.v2).to.be.within(n * 0.4, n * 0.6);
    expect(sum(all, { reporter: "source", destination_version: "v2" })).to.equal(0);
    expect(sum(all, { reporter: "destination", destination_version: "v2" })).to.equal(
      t.mirrored.v2,
    );
    expect(sum(all, { reporter: "source", destination_version: "v1" })).to.equal(n);
  });

  it("sees no mirrored copy of a down version anywhere", async () => {
    const s = sim(GATEWAY, { versions: { ...VERSIONS, v2: { latencyMedianMs: 40, down: true } } });
    await run(s, 5);
    expect(s.traffic().mirrored.v2).to.be.greaterThan(0);
    expect(sum(await samples(s), { destination_version: "v2" })).to.equal(0);
  });

  it("labels the backendRef Service on the source side and the oldest Service on the destination side", async () => {
    const split = structuredClone(GATEWAY);
    const rule = (((split[0] as Obj).spec as Obj).rules as Obj[])[0] as Record<string, unknown>;
    rule.filters = [];
    (rule.backendRefs as Record<string, unknown>[])[1] = {
      name: "recommender-v2",
      port: 8080,
      weight: 100,
    };
    const s = sim(split, {
      versions: {
        v1: {
          latencyMedianMs: 40,
          labels: { app: "recommender", version: "v1" },
          workload: "recommender-v1",
        },
        v2: {
          latencyMedianMs: 40,
          labels: { app: "recommender", "app.kubernetes.io/version": "2.0", version: "v2" },
          workload: "recommender-v2",
        },
      },
    });
    await run(s, 5);
    const v2 = (await samples(s)).filter((x) => x.labels.destination_workload === "recommender-v2");
    const by = (reporter: string) => v2.find((x) => x.labels.reporter === reporter)?.labels;
    expect(by("source")).to.include({
      destination_service_name: "recommender-v2",
      destination_service: "recommender-v2.recs.svc.cluster.local",
      destination_canonical_service: "recommender",
      destination_canonical_revision: "2.0",
      destination_version: "v2",
      destination_workload_namespace: "recs",
    });
    expect(by("destination")).to.include({
      destination_service_name: "recommender",
      destination_service: "recommender.recs.svc.cluster.local",
      destination_canonical_service: "recommender",
      destination_canonical_revision: "2.0",
    });
  });
});

describe("traffic simulator clients", () => {
  /** Pinned clients by header; everyone else sticks to v2 by a cookie the canary route sets. */
  const sticky = (canaryWeight: number): Obj[] => [
    {
      kind: "VirtualService",
      metadata: { name: "recommend", namespace: "recs" },
      spec: {
        http: [
          {
            match: [{ headers: { "x-canary": { exact: "always" } } }],
            route: [{ destination: { host: "recommender", subset: "v2" } }],
          },
          {
            match: [{ headers: { cookie: { regex: ".*mc-canary=r1.*" } } }],
            route: [
              { destination: { host: "recommender", subset: canaryWeight > 0 ? "v2" : "v1" } },
            ],
            ...(canaryWeight > 0
              ? {}
              : { headers: { response: { add: { "Set-Cookie": "mc-canary=r1; Max-Age=-1" } } } }),
          },
          {
            route: [
              { destination: { host: "recommender", subset: "v1" }, weight: 100 - canaryWeight },
              {
                destination: { host: "recommender", subset: "v2" },
                weight: canaryWeight,
                headers: { response: { add: { "Set-Cookie": "mc-canary=r1; Max-Age=3600" } } },
              },
            ],
          },
        ],
      },
    },
    {
      kind: "DestinationRule",
      metadata: { name: "recommend", namespace: "recs" },
      spec: {
        host: "recommender",
        subsets: ["v1", "v2"].map((v) => ({ name: v, labels: { version: v } })),
      },
    },
  ];

  it("sends pinned clients to v2 and keeps a client that got v2 there, then back to v1 after a rollback", async () => {
    let manifests = sticky(10);
    const s = sim([], {
      manifests: () => manifests,
      clients: [
        { name: "pinned", count: 5, request: { headers: { "X-Canary": "always" } } },
        { name: "users", count: 95 },
      ],
    });
    await run(s, 20);
    const served = s.traffic().served;
    expect(served.v1?.pinned).to.equal(undefined);
    expect(served.v2?.pinned).to.be.greaterThan(0);
    const users = Object.values(s.clients()).filter((c) => c.group === "users");
    const gotV2 = users.filter((c) => (c.served.v2 ?? 0) > 0);
    expect(gotV2.length).to.be.within(10, 94);
    // Sticky: once a client holds the cookie, the weighted route never sees it again.
    const before = s.clients();
    await run(s, 10);
    for (const [id, c] of Object.entries(s.clients())) {
      if (before[id]?.cookies.some(([n]) => n === "mc-canary"))
        expect(c.served.v1 ?? 0).to.equal(before[id]?.served.v1 ?? 0);
    }
    expect(
      gotV2.every((c) => c.cookies.some(([n, v]) => n === "mc-canary" && v === "r1")),
    ).to.equal(true);

    manifests = sticky(0);
    await run(s, 10);
    const after = s.clients();
    await run(s, 10);
    for (const [id, c] of Object.entries(s.clients())) {
      if (c.group !== "users") continue;
      expect(c.cookies).to.deep.equal([]);
      expect(c.served.v2 ?? 0).to.equal(after[id]?.served.v2 ?? 0);
    }
  });

  it("expires a cookie in simulated time, and the client's requests then take the weighted route", async () => {
    const withCookieAge = (maxAge: number, canaryWeight: number): Obj[] => {
      const m = sticky(canaryWeight);
      const http = ((m[0] as Obj).spec as Obj).http as Record<string, unknown>[];
      http[1] = { ...http[1], route: [{ destination: { host: "recommender", subset: "v2" } }] };
      delete http[1]?.headers;
      const weighted = (http[2] as { route: Record<string, unknown>[] }).route[1] as Record<
        string,
        unknown
      >;
      weighted.headers = { response: { add: { "Set-Cookie": `mc-canary=r1; Max-Age=${maxAge}` } } };
      return m;
    };
    let manifests = withCookieAge(2, 100);
    const s = sim([], {
      manifests: () => manifests,
      rps: 20,
      clients: [{ name: "one", count: 1 }],
    });
    await run(s, 1);
    expect(s.clients()["one#0"]?.cookies).to.deep.equal([["mc-canary", "r1"]]);
    manifests = withCookieAge(2, 0); // the weighted route now sends to v1 and sets no cookie
    await run(s, 18); // 1.9 s of simulated time: still held, still v2
    const held = s.clients()["one#0"];
    expect(held?.cookies).to.deep.equal([["mc-canary", "r1"]]);
    expect(held?.served.v1).to.equal(undefined);
    await run(s, 5);
    const expired = s.clients()["one#0"];
    expect(expired?.cookies).to.deep.equal([]);
    expect(expired?.served.v1).to.be.greaterThan(0);
  });
});
