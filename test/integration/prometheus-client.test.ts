/** The Prometheus client against Debian's real Prometheus: what a real server can be made to answer. */
import { expect } from "chai";
import { MetricsQueryError, PrometheusClient } from "../../src/prometheus/client.js";
import { type PrometheusServer, startPrometheus } from "../support/prometheus-server.js";
import { TrafficSimulator } from "../support/simulator.js";

describe("Prometheus client (real Prometheus)", function () {
  this.timeout(60_000);
  let prom: PrometheusServer;
  let sim: TrafficSimulator;
  let client: PrometheusClient;
  before(async () => {
    sim = new TrafficSimulator({
      seed: 3,
      rps: 50,
      service: { name: "recommender", namespace: "recs" },
      versions: { v1: { latencyMedianMs: 30 } },
      weights: () => ({ v1: 100 }),
    });
    await sim.start();
    prom = await startPrometheus({ targets: [sim.target] });
    await prom.waitForSeries("istio_requests_total", 30_000);
    client = new PrometheusClient({ url: prom.url, timeoutMs: 5000 });
  });
  after(async () => {
    await sim.stop();
    await prom.close();
  });

  it("reads an instant vector with labels", async () => {
    const samples = await client.query(
      'sum by (destination_version) (istio_requests_total{reporter="destination"})',
      Date.now(),
    );
    expect(samples).to.have.length(1);
    expect(samples[0]?.labels).to.deep.equal({ destination_version: "v1" });
    expect(samples[0]?.value).to.be.greaterThan(0);
  });

  it("reads NaN and ±Inf as numbers", async () => {
    const [nan] = await client.query("vector(0) / vector(0)", Date.now());
    const [inf] = await client.query("vector(1) / vector(0)", Date.now());
    const [ninf] = await client.query("vector(-1) / vector(0)", Date.now());
    expect(nan?.value).to.be.NaN;
    expect(inf?.value).to.equal(Number.POSITIVE_INFINITY);
    expect(ninf?.value).to.equal(Number.NEGATIVE_INFINITY);
  });

  it("returns an empty result for series that do not exist", async () => {
    expect(
      await client.query('istio_requests_total{destination_version="v9"}', Date.now()),
    ).to.deep.equal([]);
  });

  it("reads range queries at exactly the requested step times", async () => {
    const end = Math.floor(Date.now() / 1000) * 1000;
    const series = await client.queryRange("vector(1)", {
      startMs: end - 4000,
      endMs: end,
      stepMs: 1000,
    });
    expect(series[0]?.points.map((p) => p[0])).to.deep.equal([
      end - 4000,
      end - 3000,
      end - 2000,
      end - 1000,
      end,
    ]);
  });

  it("turns Prometheus' error envelope into a MetricsQueryError with its errorType", async () => {
    const error = await client
      .query("sum(istio_requests_total", Date.now())
      .catch((e: unknown) => e);
    expect(error).to.be.instanceOf(MetricsQueryError);
    expect((error as MetricsQueryError).errorType).to.equal("bad_data");
  });

  it("matches escaped label values literally, so a name cannot widen a query", async () => {
    const { escapeRegexLiteral, escapeString } = await import("../../src/analysis/promql.js");
    const hostile = 'recs|.*"} or vector(1) #';
    const exact = await client.query(
      `istio_requests_total{destination_service_namespace="${escapeString(hostile)}"}`,
      Date.now(),
    );
    const regex = await client.query(
      `istio_requests_total{destination_service_namespace=~"${escapeRegexLiteral(hostile)}"}`,
      Date.now(),
    );
    expect([exact, regex]).to.deep.equal([[], []]);
    const dashed = await client.query(
      `istio_requests_total{destination_service_namespace=~"${escapeRegexLiteral("recs")}|${escapeRegexLiteral("a-b.c")}"}`,
      Date.now(),
    );
    expect(dashed.length).to.be.greaterThan(0);
  });
});
