/**
 * The Prometheus client against a stand-in server for the answers a real
 * Prometheus does not give (test/integration covers the real one).
 */
import { expect } from "chai";
import { MetricsQueryError, PrometheusClient, parseValue } from "../../src/prometheus/client.js";
import { json, type StandIn, startStandIn } from "../support/stand-in-server.js";

describe("Prometheus client (stand-in server)", () => {
  let server: StandIn;
  let reply: (res: import("node:http").ServerResponse) => void = () => {};
  before(async () => {
    server = await startStandIn((_req, res) => reply(res));
  });
  after(() => server.close());

  const client = (timeoutMs = 2000) =>
    new PrometheusClient({ url: `${server.url}/prefix/`, timeoutMs });

  it("POSTs the query form to /api/v1/query_range under the base path and parses NaN and ±Inf", async () => {
    reply = (res) =>
      json(res, 200, {
        status: "success",
        data: {
          resultType: "matrix",
          result: [
            {
              metric: { v: "a" },
              values: [
                [1.5, "NaN"],
                [2, "+Inf"],
                [2.5, "-Inf"],
                [3, "0.25"],
              ],
            },
          ],
        },
      });
    const series = await client().queryRange("up", { startMs: 1500, endMs: 3000, stepMs: 500 });
    expect(series).to.have.length(1);
    expect(series[0]?.labels).to.deep.equal({ v: "a" });
    const [nan, inf, ninf, quarter] = series[0]?.points ?? [];
    expect(nan?.[0]).to.equal(1500);
    expect(nan?.[1]).to.be.NaN;
    expect(inf?.[1]).to.equal(Number.POSITIVE_INFINITY);
    expect(ninf?.[1]).to.equal(Number.NEGATIVE_INFINITY);
    expect(quarter).to.deep.equal([3000, 0.25]);
    const last = server.requests.at(-1);
    expect(last?.method).to.equal("POST");
    expect(last?.url).to.equal("/prefix/api/v1/query_range");
    expect(Object.fromEntries(new URLSearchParams(last?.body))).to.deep.equal({
      query: "up",
      start: "1.500",
      end: "3.000",
      step: "0.500",
    });
  });

  const failures: [string, (res: import("node:http").ServerResponse) => void, string, RegExp][] = [
    [
      "the error envelope",
      (res) =>
        json(res, 422, { status: "error", errorType: "execution", error: "many-to-many matching" }),
      "execution",
      /execution: many-to-many/,
    ],
    [
      "an HTML 500 page",
      (res) => res.writeHead(500, { "content-type": "text/html" }).end("<html>oops</html>"),
      "http",
      /HTTP 500/,
    ],
    ["a 503 with no body", (res) => res.writeHead(503).end(), "http", /HTTP 503/],
    [
      "garbage",
      (res) => res.writeHead(200).end("\u0000\u0001garbage"),
      "invalid_response",
      /not JSON/,
    ],
    [
      "truncated JSON",
      (res) => res.writeHead(200).end('{"status":"success","data":{"resultType":"vector","res'),
      "invalid_response",
      /not JSON/,
    ],
    [
      "success without data",
      (res) => json(res, 200, { status: "success" }),
      "invalid_response",
      /no data.result/,
    ],
    [
      "the wrong result type",
      (res) =>
        json(res, 200, { status: "success", data: { resultType: "string", result: [1, "x"] } }),
      "invalid_response",
      /expected a vector/,
    ],
    [
      "a number where a string belongs",
      (res) =>
        json(res, 200, {
          status: "success",
          data: { resultType: "vector", result: [{ metric: {}, value: [1, 5] }] },
        }),
      "invalid_response",
      /not a string/,
    ],
    [
      "a value that is no number",
      (res) =>
        json(res, 200, {
          status: "success",
          data: { resultType: "vector", result: [{ metric: {}, value: [1, "lots"] }] },
        }),
      "invalid_response",
      /not a number/,
    ],
    [
      "labels that are not strings",
      (res) =>
        json(res, 200, {
          status: "success",
          data: { resultType: "vector", result: [{ metric: { a: 1 }, value: [1, "1"] }] },
        }),
      "invalid_response",
      /label value/,
    ],
    ["a connection that hangs past the timeout", () => {}, "timeout", /no answer within 300 ms/],
    [
      "an answer slower than the timeout",
      (res) =>
        setTimeout(
          () => json(res, 200, { status: "success", data: { resultType: "vector", result: [] } }),
          1000,
        ),
      "timeout",
      /no answer within 300 ms/,
    ],
  ];
  for (const [what, handler, errorType, message] of failures) {
    it(`turns ${what} into a MetricsQueryError (${errorType})`, async () => {
      reply = handler;
      const error = await client(300)
        .query("up", 0)
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(error).to.be.instanceOf(MetricsQueryError);
      expect((error as MetricsQueryError).errorType).to.equal(errorType);
      expect((error as MetricsQueryError).message).to.match(message);
      expect((error as MetricsQueryError).exitCode).to.equal(3);
    });
  }

  it("reports a refused connection as a network error", async () => {
    const closed = await startStandIn(() => {});
    await closed.close();
    const error = await new PrometheusClient({ url: closed.url })
      .query("up", 0)
      .catch((e: unknown) => e);
    expect((error as MetricsQueryError).errorType).to.equal("network");
  });

  const values: [string, number][] = [
    ["1", 1],
    ["0.5", 0.5],
    ["1e3", 1000],
    ["+Inf", Number.POSITIVE_INFINITY],
    ["-Inf", Number.NEGATIVE_INFINITY],
  ];
  for (const [raw, value] of values)
    it(`parses the sample value ${raw}`, () => expect(parseValue(raw)).to.equal(value));
  it("parses NaN", () => expect(parseValue("NaN")).to.be.NaN);
  for (const bad of ["", " ", "abc", null, 1]) {
    it(`refuses the sample value ${JSON.stringify(bad)}`, () =>
      expect(() => parseValue(bad)).to.throw(MetricsQueryError));
  }
});
