import { expect } from "chai";
import {
  escapeRegexLiteral,
  escapeString,
  latencyBucketsQuery,
  renderCustomQuery,
  requestsQuery,
} from "../../src/analysis/promql.js";
import { serviceOf, versionOf } from "../../src/compile/targets/istio.js";
import { DEFAULT_SELECTORS } from "../../src/rollout/types.js";
import { makeRollout, makeSpec } from "../support/make-spec.js";

describe("PromQL", () => {
  const scope = {
    selectors: DEFAULT_SELECTORS,
    window: "1m",
    namespaces: ["recs", "search"],
    services: ["recommender", "ranker"],
  };

  it("batches every rollout into one latency query over the server side", () => {
    expect(latencyBucketsQuery(scope)).to.equal(
      'sum by (destination_service_name, destination_service_namespace, destination_version, le) (rate(istio_request_duration_milliseconds_bucket{reporter="destination", destination_service_namespace=~"recs|search", destination_service_name=~"ranker|recommender"}[1m]))',
    );
  });

  it("counts requests from both reporters", () => {
    expect(requestsQuery(scope)).to.equal(
      'sum by (reporter, destination_service_name, destination_service_namespace, destination_version, response_code) (increase(istio_requests_total{destination_service_namespace=~"recs|search", destination_service_name=~"ranker|recommender"}[1m]))',
    );
  });

  it("uses renamed selector labels", () => {
    const q = requestsQuery({
      ...scope,
      selectors: { service: "svc", namespace: "ns", version: "ver" },
    });
    expect(q)
      .to.contain("sum by (reporter, svc, ns, ver, response_code)")
      .and.to.contain('ns=~"recs|search", svc=~"ranker|recommender"');
  });

  const escapes: [string, string, string][] = [
    ['a"b', 'a\\"b', 'a\\"b'],
    ["a\\b", "a\\\\b", "a\\\\\\\\b"],
    ["a\nb", "a\\nb", "a\\nb"],
    ["a.b|c", "a.b|c", "a\\\\.b\\\\|c"],
    ['x"}) or vector(1) #', 'x\\"}) or vector(1) #', 'x\\"\\\\}\\\\) or vector\\\\(1\\\\) #'],
  ];
  for (const [raw, str, regex] of escapes) {
    it(`escapes ${JSON.stringify(raw)} so it stays inside its quotes`, () => {
      expect(escapeString(raw)).to.equal(str);
      expect(escapeRegexLiteral(raw)).to.equal(regex);
    });
  }

  it("fills custom metric placeholders with escaped values", () => {
    const vars = {
      namespace: "recs",
      service: 'svc"}',
      stableVersion: "v1",
      canaryVersion: "v2",
      window: "1m",
    };
    expect(
      renderCustomQuery(
        'avg_over_time(gpu{ns="{{ namespace }}", svc="{{service}}", v="{{ canaryVersion }}"}[{{ window }}])',
        vars,
      ),
    ).to.equal('avg_over_time(gpu{ns="recs", svc="svc\\"}", v="v2"}[1m])');
    expect(() => renderCustomQuery("{{ pod }}", vars)).to.throw("unknown placeholder {{ pod }}");
  });

  it("finds the version label value and the Istio service name", () => {
    const r = (spec: Record<string, unknown>) => makeRollout(makeSpec({ spec }));
    expect(versionOf({ name: "v2", labels: { version: "2.0" } })).to.equal("2.0");
    expect(versionOf({ name: "v2", labels: { "app.kubernetes.io/version": "2.1" } })).to.equal(
      "2.1",
    );
    expect(versionOf({ name: "canary", labels: { track: "c" } })).to.equal("canary");
    expect(serviceOf(r({ service: { host: "recommender" } }))).to.deep.equal({
      service: "recommender",
      namespace: "recs",
    });
    expect(serviceOf(r({ service: { host: "emb.ml.svc.cluster.local" } }))).to.deep.equal({
      service: "emb",
      namespace: "ml",
    });
    expect(serviceOf(r({ service: { host: "api.example.com" } }))).to.deep.equal({
      service: "api.example.com",
      namespace: "recs",
    });
  });
});
