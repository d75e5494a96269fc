import { expect } from "chai";
import {
  formatLevel,
  formatMeasured,
  formatMs,
  formatNumber,
  formatRatio,
} from "../../src/analysis/format.js";

describe("formatting values for prose (analysis/format.ts)", () => {
  const cases: [string, string, string][] = [
    ["a short latency keeps a decimal", formatMs(4.25), "4.3 ms"],
    ["a long latency is whole milliseconds", formatMs(412.6), "413 ms"],
    ["an unbounded latency", formatMs(Number.POSITIVE_INFINITY), "∞"],
    ["a latency with no value", formatMs(Number.NaN), "no value"],
    ["a ratio as a percentage with two decimals", formatRatio(0.0123), "1.23%"],
    ["a confidence level, trailing zeros dropped", formatLevel(0.99), "99%"],
    ["a finer level", formatLevel(0.999), "99.9%"],
    ["a plain number, trailing zeros dropped", formatNumber(12.5), "12.5"],
    ["a plain number, rounded", formatNumber(0.123456), "0.12"],
    ["a huge number in exponent form", formatNumber(123456789), "1.23e+8"],
    ["a measurement in ms", formatMeasured(150, "ms"), "150 ms"],
    ["a measurement as a ratio", formatMeasured(0.05, "ratio"), "5.00%"],
    ["a custom metric's integer", formatMeasured(3, ""), "3"],
    ["a custom metric's fraction", formatMeasured(0.123456, ""), "0.1235"],
  ];
  for (const [name, actual, expected] of cases) {
    it(name, () => expect(actual).to.equal(expected));
  }
});
