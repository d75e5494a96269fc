/**
 * The shadow on the gateway-api target: a RequestMirror filter only while
 * the phase is Shadow, its share as `percent` or `fraction`, and the golden
 * HTTPRoute valid against the vendored Gateway API schema and its CEL rules.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { expect } from "chai";
import { parse } from "yaml";
import type { Manifest } from "../../src/compile/target.js";
import { mirrorShare } from "../../src/compile/targets/gateway-api.js";
import { gatewayApiSchemaProblems } from "../../src/compile/targets/gateway-api-schema.js";
import { FIXTURES } from "../support/paths.js";

const GOLDEN = join(
  FIXTURES,
  "gateway-api-shadow",
  "expected",
  "recs",
  "recommend",
  "httproute.yaml",
);

function golden(): Manifest & { spec: { rules: Record<string, unknown>[] } } {
  return parse(readFileSync(GOLDEN, "utf8"));
}

describe("gateway-api shadow", () => {
  const shares: [number, unknown][] = [
    [100, { percent: 100 }],
    [50, { percent: 50 }],
    [12.5, { fraction: { numerator: 125, denominator: 1000 } }],
    [0.001, { fraction: { numerator: 1, denominator: 100_000 } }],
    [99.99, { fraction: { numerator: 9999, denominator: 10_000 } }],
    [100 / 3, { fraction: { numerator: 33_333_333, denominator: 100_000_000 } }],
  ];
  for (const [percent, expected] of shares) {
    it(`mirrors ${percent}% as ${JSON.stringify(expected)}`, () => {
      expect(mirrorShare(percent)).to.deep.equal(expected);
    });
  }

  it("the golden HTTPRoute with its RequestMirror filter is valid against the schema and CEL rules", () => {
    const route = golden();
    expect(route.spec.rules[0]?.filters).to.deep.equal([
      {
        type: "RequestMirror",
        requestMirror: {
          backendRef: { group: "", kind: "Service", name: "recommender-v2", port: 8080 },
          fraction: { numerator: 125, denominator: 1000 },
        },
      },
    ]);
    expect(gatewayApiSchemaProblems(route)).to.deep.equal([]);
  });

  const broken: [string, Record<string, unknown>, string][] = [
    [
      "a percent above 100",
      { backendRef: { group: "", kind: "Service", name: "x", port: 8080 }, percent: 101 },
      "/spec/rules/0/filters/0/requestMirror/percent: must be <= 100",
    ],
    [
      "a Service without a port",
      { backendRef: { group: "", kind: "Service", name: "x" }, percent: 5 },
      "/spec/rules/0/filters/0/requestMirror/backendRef: Must have port for Service reference",
    ],
    [
      "percent and fraction",
      {
        backendRef: { group: "", kind: "Service", name: "x", port: 8080 },
        percent: 5,
        fraction: { numerator: 1 },
      },
      "/spec/rules/0/filters/0/requestMirror: Only one of percent or fraction may be specified in HTTPRequestMirrorFilter",
    ],
    [
      "a fraction above one",
      {
        backendRef: { group: "", kind: "Service", name: "x", port: 8080 },
        fraction: { numerator: 3, denominator: 2 },
      },
      "/spec/rules/0/filters/0/requestMirror/fraction: numerator must be less than or equal to denominator",
    ],
  ];
  for (const [what, requestMirror, problem] of broken) {
    it(`refuses a mirror with ${what}`, () => {
      const route = golden();
      (route.spec.rules[0] as Record<string, unknown>).filters = [
        { type: "RequestMirror", requestMirror },
      ];
      expect(gatewayApiSchemaProblems(route)).to.include(problem);
    });
  }
});
