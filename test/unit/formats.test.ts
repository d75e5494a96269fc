import { expect } from "chai";
import { parseDuration } from "../../src/rollout/duration.js";
import { STRING_FORMATS } from "../../src/rollout/formats.js";
import { editDistance, suggest } from "../../src/rollout/suggest.js";

describe("durations", () => {
  const cases: [string, number | undefined][] = [
    ["500ms", 500],
    ["10s", 10_000],
    ["1m", 60_000],
    ["1h", 3_600_000],
    ["1m30s", 90_000],
    ["1.5s", 1500],
    ["0s", 0],
    ["10", undefined],
    ["10 s", undefined],
    ["s", undefined],
    ["-1s", undefined],
    ["1d", undefined],
    ["", undefined],
  ];
  for (const [text, ms] of cases) {
    it(`parses ${JSON.stringify(text)} as ${ms}`, () => expect(parseDuration(text)).to.equal(ms));
  }
});

describe("string formats", () => {
  const table: [keyof typeof STRING_FORMATS, string[], string[]][] = [
    [
      "dns1123-label",
      ["recs", "a", "a-1", "x".repeat(63)],
      ["", "Recs", "-a", "a-", "a.b", "..", "a/b", "x".repeat(64)],
    ],
    [
      "k8s-label-key",
      ["version", "app.kubernetes.io/version", "a_b.c-d", "example.com/x"],
      ["", "-version", "a/b/c", "Example.com/x", "x/", `${"x".repeat(64)}`],
    ],
    [
      "k8s-label-value",
      ["", "v1", "1.4.2", "A_b-c.d"],
      ["v 1", "-v1", "v1-", "x".repeat(64), "a\nb"],
    ],
    [
      "istio-host",
      ["recommender", "api.example.com", "*.example.com", "*"],
      ["", "Recommender", "a_b", "*example.com", "a..b", "http://x"],
    ],
    [
      "istio-gateway",
      ["mesh", "public-gateway", "istio-ingress/public-gateway"],
      ["", "a/b/c", "Gateway", "a b"],
    ],
    ["duration", ["1ms", "2s", "1h30m"], ["0s", "0ms", "0.5ms", "2", "two seconds"]],
    ["prometheus-label-name", ["destination_version", "_x", "a1"], ["1a", "a-b", "__name__", ""]],
    [
      "rfc3339",
      ["2026-11-20T10:00:00Z", "2026-11-20T10:00:00.5+01:00"],
      ["2026-11-20", "2026-13-40T10:00:00Z", "yesterday"],
    ],
    ["http-header-name", ["x-user-cohort", "content-type"], ["X-Cohort", "a b", "", "a:b"]],
    [
      "text",
      ["plain", "ünïcode ok", "5xx,reset"],
      ["a\nb", "a\tb", "a\u2028b", "a\u0085b", "\ufeff"],
    ],
  ];
  for (const [name, valid, invalid] of table) {
    const format = STRING_FORMATS[name];
    for (const v of valid)
      it(`${name} accepts ${JSON.stringify(v)}`, () => expect(format.validate(v)).to.equal(true));
    for (const v of invalid)
      it(`${name} refuses ${JSON.stringify(v)}`, () => expect(format.validate(v)).to.equal(false));
  }
});

describe("suggestions for unknown fields", () => {
  const cases: [string, string[], string | undefined][] = [
    ["trafic", ["service", "traffic", "route"], "traffic"],
    ["canaryweight", ["canaryWeight", "steps"], "canaryWeight"],
    ["stabel", ["stable", "canary"], "stable"],
    ["zzz", ["stable", "canary"], undefined],
    ["x", ["route"], undefined],
    ["output", ["specs", "out", "apiVersion"], "out"],
    ["hostname", ["host", "port"], "host"],
  ];
  for (const [name, candidates, expected] of cases) {
    it(`${name} → ${expected}`, () => expect(suggest(name, candidates)).to.equal(expected));
  }
  it("computes edit distances", () => {
    expect(editDistance("kitten", "sitting")).to.equal(3);
    expect(editDistance("", "abc")).to.equal(3);
    expect(editDistance("same", "same")).to.equal(0);
  });
});
