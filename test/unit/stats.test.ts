import { expect } from "chai";
import {
  betaQuantile,
  binomialCdf,
  binomialSurvival,
  binsFromCumulative,
  clopperPearsonLower,
  clopperPearsonUpper,
  countAbove,
  logGamma,
  mannWhitneyBinned,
  normalCdf,
  normalQuantile,
  quantileExceedance,
  quantileInterval,
  regularizedIncompleteBeta,
} from "../../src/stats/index.js";

// Reference values come from outside the code under test:
//  - [mp]    mpmath 1.3 at 50 significant digits (ncdf, loggamma, betainc, findroot);
//  - [boost] scipy 1.17 special.betainc/betaincc (Boost's ibeta), inverted with
//            brentq to 1e-15 where a quantile is needed (mpmath cannot do a, b ~ 1e7);
//  - [exact] closed forms, or exact rational sums (Python fractions);
//  - [R]     R's documented wilcox.test / binom.test examples;
//  - [scipy] scipy.stats (binom, mannwhitneyu(method="asymptotic", use_continuity=True)).

/** |actual − expected| ≤ rel·|expected| (or exact equality). */
function closeRel(actual: number, expected: number, rel: number): void {
  if (actual === expected) return;
  expect(Math.abs(actual - expected), `${actual} vs ${expected}`).to.be.at.most(
    rel * Math.abs(expected),
  );
}

/** Seeded PRNG (mulberry32), so simulations are reproducible. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("stats: normal distribution", () => {
  const cdf: [number, number][] = [
    [1.96, 0.9750021048517795], // [mp]
    [0, 0.5],
    [0.5, 0.6914624612740131], // [mp]
    [3, 0.9986501019683699], // [mp]
    [-1.96, 0.024997895148220435], // [mp]
    [-5, 2.866515718791939e-7], // [mp]
    [-20, 2.7536241186062337e-89], // [mp], relative accuracy in the far tail
  ];
  for (const [z, p] of cdf) {
    it(`Φ(${z}) = ${p}`, () => closeRel(normalCdf(z), p, 1e-13));
  }
  const quantiles: [number, number][] = [
    [0.975, 1.959963984540054], // [mp], the textbook 1.96
    [0.99, 2.326347874040841], // [mp]
    [0.999, 3.0902323061678136], // [mp]
    [0.5, 0],
    [0.3, -0.5244005127080408], // [mp]
    [0.02425, -1.9729610513118849], // [mp], Acklam's region boundary
    [1e-10, -6.361340902404056], // [mp]
    [1e-300, -37.0470962993612], // [mp]
  ];
  for (const [p, z] of quantiles) {
    it(`Φ⁻¹(${p}) = ${z}`, () => {
      const got = normalQuantile(p);
      if (z === 0) expect(Math.abs(got)).to.be.below(1e-15);
      else closeRel(got, z, 1e-13);
    });
  }
  it("Φ⁻¹ has infinite ends and NaN outside [0, 1]", () => {
    expect(normalQuantile(0)).to.equal(Number.NEGATIVE_INFINITY);
    expect(normalQuantile(1)).to.equal(Number.POSITIVE_INFINITY);
    expect(normalQuantile(1.5)).to.be.NaN;
  });
});

describe("stats: log-gamma and incomplete beta", () => {
  const lgamma: [number, number][] = [
    [0.5, 0.5723649429247001], // [exact] ln √π
    [1, 0],
    [2.5, 0.2846828704729192], // [mp]
    [10, 12.801827480081469], // [exact] ln 9!
    [1e-3, 6.907178885383854], // [mp]
    [123.456, 469.60554712992945], // [mp]
    [1e7, 151180949.3694739], // [mp]
  ];
  for (const [x, expected] of lgamma) {
    it(`lnΓ(${x})`, () => {
      const got = logGamma(x);
      // Absolute near the zeros at 1 and 2, relative for large x.
      expect(Math.abs(got - expected)).to.be.at.most(4e-15 * Math.max(1, Math.abs(expected)));
    });
  }

  const ibeta: [number, number, number, number, number][] = [
    // x, a, b, I_x(a, b), relative tolerance
    [0.3, 2, 5, 0.579825, 1e-13], // [exact] Σ binomial terms
    [0.2, 0.5, 3.5, 0.7725471819402369, 1e-13], // [mp]
    [0.95, 40, 3, 0.6489863906537715, 1e-13], // [mp]
    [0.01, 1.5, 200, 0.741238848306005, 1e-13], // [mp]
    [0.6, 30, 20, 0.492299800342352, 1e-13], // [mp]
    [0.001, 30, 20, 1.8508062761415366e-77, 1e-12], // [mp], tiny but full relative accuracy
    [0.4999, 1e7, 1e7, 0.18554668535934785, 1e-10], // [boost]
    [1e-4, 1000, 1e7, 0.505466072524595, 1e-10], // [boost]
    [0.99999, 1e7, 50, 1.1779945358677694e-8, 1e-9], // [boost] (hardest corner: x → 1, a huge)
  ];
  for (const [x, a, b, expected, rel] of ibeta) {
    it(`I_${x}(${a}, ${b})`, () => closeRel(regularizedIncompleteBeta(x, a, b), expected, rel));
  }

  it("matches closed forms: I_x(a,1) = xᵃ, I_x(1,b) = 1−(1−x)ᵇ, arcsine law", () => {
    for (const x of [1e-8, 0.1, 0.5, 0.77, 0.999]) {
      for (const a of [0.001, 0.5, 3, 250])
        closeRel(regularizedIncompleteBeta(x, a, 1), x ** a, 1e-12);
      for (const b of [0.001, 0.5, 3, 250]) {
        closeRel(regularizedIncompleteBeta(x, 1, b), -Math.expm1(b * Math.log1p(-x)), 1e-12);
      }
      closeRel(
        regularizedIncompleteBeta(x, 0.5, 0.5),
        (2 / Math.PI) * Math.asin(Math.sqrt(x)),
        1e-12,
      );
    }
  });

  it("is symmetric: I_x(a,b) = 1 − I_{1−x}(b,a)", () => {
    for (const [x, a, b] of [
      [0.25, 2, 9],
      [0.5, 0.3, 7],
      [0.9, 1e4, 1e3],
    ] as const) {
      const sum = regularizedIncompleteBeta(x, a, b) + regularizedIncompleteBeta(1 - x, b, a);
      expect(sum).to.be.closeTo(1, 1e-14);
    }
  });
});

describe("stats: beta quantile", () => {
  const cases: [number, number, number, number, number][] = [
    // p, a, b, quantile, relative tolerance
    [0.5, 1e-3, 1, 0.5 ** 1000, 1e-12], // [exact] Beta(a,1) quantile is p^(1/a) = 9.3e-302
    [1e-300, 1, 1, 1e-300, 1e-12], // [exact] uniform
    [0.3, 1, 1e-3, -Math.expm1(Math.log1p(-0.3) / 1e-3), 1e-12], // [exact] 1−(1−p)^(1/b)
    [0.25, 0.5, 0.5, Math.sin((Math.PI * 0.25) / 2) ** 2, 1e-13], // [exact] arcsine law
    [1e-9, 1e7, 1e7, 0.4993294250830819, 1e-14], // [boost]
    [0.999999, 1e7, 1e7, 0.5005314488505624, 1e-14], // [boost]
    [0.01, 1000, 1e7, 9.278187687980507e-5, 1e-13], // [boost]
    [0.99, 1e5, 3, 0.9999956396014598, 1e-14], // [boost]
    [1e-6, 2.5, 1e6, 6.448075246404677e-9, 1e-13], // [boost]
  ];
  for (const [p, a, b, expected, rel] of cases) {
    it(`Beta(${a}, ${b}) quantile at ${p}`, () => closeRel(betaQuantile(p, a, b), expected, rel));
  }

  it("inverts the incomplete beta over a,b in 1e-3..1e7 and p near 0 and 1", () => {
    // p must lie between I at x's neighbouring doubles (the best any double can do),
    // give or take 1e-9 relative. Near x = 1 the upper tail I_{1−x}(b, a) is the
    // accurate side, and 1 − x is exact there.
    const ps = [1e-12, 1e-4, 0.05, 0.5, 0.95, 1 - 1e-4, 1 - 1e-10];
    for (const a of [1e-3, 0.7, 4, 300, 1e7]) {
      for (const b of [1e-3, 1, 25, 1e5, 1e7]) {
        for (const p of ps) {
          const x = betaQuantile(p, a, b);
          const where = `a=${a} b=${b} p=${p} x=${x}`;
          expect(x, where).to.be.within(0, 1);
          const step = 4 * Math.max(x * Number.EPSILON, Number.MIN_VALUE);
          const [left, right] = [Math.max(0, x - step), Math.min(1, x + step)];
          if (x < 0.5) {
            const slack = 1e-9 * Math.min(p, 1 - p);
            expect(regularizedIncompleteBeta(left, a, b), where).to.be.at.most(p + slack);
            expect(regularizedIncompleteBeta(right, a, b), where).to.be.at.least(p - slack);
          } else {
            const q = 1 - p;
            const slack = 1e-9 * q;
            expect(regularizedIncompleteBeta(1 - right, b, a), where).to.be.at.most(q + slack);
            expect(regularizedIncompleteBeta(1 - left, b, a), where).to.be.at.least(q - slack);
          }
        }
      }
    }
  });

  it("has exact ends and NaN for bad parameters", () => {
    expect(betaQuantile(0, 2, 3)).to.equal(0);
    expect(betaQuantile(1, 2, 3)).to.equal(1);
    expect(betaQuantile(0.5, 0, 3)).to.be.NaN;
  });
});

/** P(X ≤ k), X ~ Binomial(n, p), by summing the pmf directly (independent of the beta). */
function binomialCdfBySum(k: number, n: number, p: number): number {
  let logTerm = n * Math.log1p(-p); // log P(X = 0)
  let sum = 0;
  for (let i = 0; i <= k; i++) {
    sum += Math.exp(logTerm);
    logTerm += Math.log(n - i) - Math.log(i + 1) + Math.log(p) - Math.log1p(-p);
  }
  return sum;
}

describe("stats: binomial CDF", () => {
  const cases: [number, number, number, number][] = [
    [5, 20, 0.25, 0.6171726543871046], // [exact]
    [0, 10, 0.5, 0.0009765625], // [exact] 2^-10
    [2, 10, 0.5, 0.0546875], // [exact] 56/1024
    [3, 1000, 0.001, 0.9810731665496396], // [exact]
    [95, 10000, 0.01, 0.33028551192588834], // [exact]
  ];
  for (const [k, n, p, expected] of cases) {
    it(`P(Bin(${n}, ${p}) ≤ ${k})`, () => closeRel(binomialCdf(k, n, p), expected, 1e-12));
  }
  it("handles the ends", () => {
    expect(binomialCdf(-1, 10, 0.3)).to.equal(0);
    expect(binomialCdf(10, 10, 0.3)).to.equal(1);
    expect(binomialSurvival(0, 10, 0.3)).to.equal(1);
    expect(binomialSurvival(11, 10, 0.3)).to.equal(0);
    closeRel(binomialSurvival(3, 10, 0.3), 1 - binomialCdfBySum(2, 10, 0.3), 1e-12);
  });
});

describe("stats: binomial bounds", () => {
  const cp: [string, () => number, number][] = [
    // Two-sided 95% limits are one-sided 97.5% bounds.
    [
      "0/10 upper at 97.5% (= 1 − 0.025^(1/10))",
      () => clopperPearsonUpper(0, 10, 0.975),
      0.3084971078187608,
    ],
    [
      "0/50 upper at 99% (= 1 − 0.01^(1/50))",
      () => clopperPearsonUpper(0, 50, 0.99),
      0.08798916064409024,
    ],
    [
      "5/20 lower at 97.5% (R binom.test(5, 20): 0.08657147)",
      () => clopperPearsonLower(5, 20, 0.975),
      0.08657146910143462,
    ],
    [
      "5/20 upper at 97.5% (R binom.test(5, 20): 0.49104587)",
      () => clopperPearsonUpper(5, 20, 0.975),
      0.49104587170795744,
    ],
    [
      "1/50 lower at 99% (= 1 − 0.99^(1/50))",
      () => clopperPearsonLower(1, 50, 0.99),
      2.009865165733764e-4,
    ],
    [
      "10/1000 lower at 99% [scipy]",
      () => clopperPearsonLower(10, 1000, 0.99),
      0.004140298065144728,
    ],
    [
      "10/1000 upper at 99% [scipy]",
      () => clopperPearsonUpper(10, 1000, 0.99),
      0.02004260590087893,
    ],
    [
      "995/1000 lower at 99.9% [scipy]",
      () => clopperPearsonLower(995, 1000, 0.999),
      0.9836392488450223,
    ],
    [
      "50/100000 upper at 99% [scipy]",
      () => clopperPearsonUpper(50, 100000, 0.99),
      6.906065059266389e-4,
    ],
  ];
  for (const [what, got, expected] of cp) {
    it(`Clopper–Pearson ${what}`, () => closeRel(got(), expected, 1e-9));
  }

  it("Clopper–Pearson bounds solve their defining equations (pmf summed directly)", () => {
    // P(X ≥ k | p = lower) = α and P(X ≤ k | p = upper) = α, α = 1 − c.
    for (const [k, n, c] of [
      [1, 50, 0.99],
      [7, 40, 0.95],
      [30, 300, 0.999],
      [199, 200, 0.9],
    ] as const) {
      const lower = clopperPearsonLower(k, n, c);
      const upper = clopperPearsonUpper(k, n, c);
      closeRel(1 - binomialCdfBySum(k - 1, n, lower), 1 - c, 1e-9);
      closeRel(binomialCdfBySum(k, n, upper), 1 - c, 1e-9);
    }
  });

  it("Clopper–Pearson ends: lower 0 at k = 0, upper 1 at k = n, [0, 1] at n = 0", () => {
    expect(clopperPearsonLower(0, 25, 0.99)).to.equal(0);
    expect(clopperPearsonUpper(25, 25, 0.99)).to.equal(1);
    expect(clopperPearsonLower(0, 0, 0.99)).to.equal(0);
    expect(clopperPearsonUpper(0, 0, 0.99)).to.equal(1);
  });

  it("rounds fractional counts to the nearest integer", () => {
    expect(clopperPearsonLower(4.6, 19.7, 0.975)).to.equal(clopperPearsonLower(5, 20, 0.975));
    expect(clopperPearsonUpper(4.6, 19.7, 0.975)).to.equal(clopperPearsonUpper(5, 20, 0.975));
  });

  it("rejects impossible inputs", () => {
    expect(() => clopperPearsonLower(5, 4, 0.99)).to.throw(RangeError);
    expect(() => clopperPearsonUpper(1, 4, 1)).to.throw(RangeError);
  });
});

const ISTIO_MS = [
  0.5,
  1,
  5,
  10,
  25,
  50,
  100,
  250,
  500,
  1000,
  2500,
  5000,
  10000,
  30000,
  60000,
  300000,
  600000,
  1800000,
  3600000,
  Number.POSITIVE_INFINITY,
];

/** Cumulative buckets over ISTIO_MS from raw observations. */
function histogramOf(values: readonly number[]) {
  const perBin = ISTIO_MS.map(() => 0);
  for (const v of values) {
    const i = ISTIO_MS.findIndex((le) => v <= le);
    perBin[i] = (perBin[i] as number) + 1;
  }
  let running = 0;
  return ISTIO_MS.map((le, i) => {
    running += perBin[i] as number;
    return { le, count: running };
  });
}

/** `count` observations in the Istio bucket whose upper bound is `le`. */
function allIn(le: number, count: number) {
  return ISTIO_MS.map((bound) => ({ le: bound, count: bound >= le ? count : 0 }));
}

describe("stats: count above a threshold", () => {
  const buckets = [
    { le: 100, count: 50 },
    { le: 200, count: 90 },
    { le: 500, count: 100 },
    { le: 300, count: 90 }, // empty bucket (200, 300], given out of order
    { le: Number.POSITIVE_INFINITY, count: 104 },
  ];
  const cases: [string, number, number, boolean][] = [
    ["at an edge: exact", 200, 14, false],
    ["inside a bucket: interpolated", 150, 34, true], // 104 − (50 + 40·½)
    ["inside a bucket: rounded", 110, 50, true], // 104 − round(50 + 40·0.1) = 104 − 54
    ["inside an empty bucket: exact", 250, 14, false],
    ["below zero: everything", -1, 104, false],
    ["at +Inf: nothing", Number.POSITIVE_INFINITY, 0, false],
  ];
  for (const [what, threshold, above, interpolated] of cases) {
    it(what, () => {
      const got = countAbove(buckets, threshold);
      expect(got.n).to.equal(104);
      expect(got.above).to.equal(above);
      expect(got.interpolated).to.equal(interpolated);
      expect(got.aboveMin).to.be.at.most(above);
      expect(got.aboveMax).to.be.at.least(above);
    });
  }
  it("beyond the last finite edge: Prometheus' answer, with the honest range", () => {
    const got = countAbove(buckets, 800);
    expect(got).to.deep.equal({ n: 104, above: 0, interpolated: true, aboveMin: 0, aboveMax: 4 });
  });
  it("repairs fractional, non-monotonic counts like Prometheus, then rounds", () => {
    const got = countAbove(
      [
        { le: 10, count: 6.4 },
        { le: 20, count: 5.9 }, // running max lifts it to 6.4
        { le: Number.POSITIVE_INFINITY, count: 9.6 },
      ],
      20,
    );
    expect(got).to.include({ n: 10, above: 4, interpolated: false });
  });
  it("is empty without a +Inf bucket", () => {
    expect(countAbove([{ le: 100, count: 5 }], 50)).to.include({ n: 0, above: 0 });
  });
});

describe("stats: quantile exceedance", () => {
  const cases: [string, { le: number; count: number }[], number, string, boolean][] = [
    // name, buckets, threshold, verdict, interpolated — q = 0.99, confidence 0.99 throughout
    ["all far above", allIn(2500, 1000), 500, "above", false],
    ["all far below", allIn(10, 1000), 500, "below", false],
    [
      "exactly 1% above: at the boundary",
      [...allIn(10, 990).slice(0, -1), { le: Infinity, count: 1000 }],
      5000,
      "unknown",
      false,
    ],
    ["too few to tell", allIn(10, 5), 500, "unknown", false],
    ["100 all above is enough", allIn(2500, 100), 500, "above", false],
    ["threshold inside the occupied bucket", allIn(2500, 1000), 1750, "above", true],
    ["no data", ISTIO_MS.map((le) => ({ le, count: 0 })), 500, "unknown", false],
  ];
  for (const [what, buckets, threshold, verdict, interpolated] of cases) {
    it(what, () => {
      const got = quantileExceedance(buckets, 0.99, threshold, 0.99);
      expect(got.verdict).to.equal(verdict);
      expect(got.interpolated).to.equal(interpolated);
      expect(got.pAboveLower).to.be.at.most(got.pAboveUpper);
    });
  }
  it("uses the exact one-sided bounds on the count above", () => {
    // 1000 observations, all above: lower bound 0.01^(1/1000) [exact].
    const above = quantileExceedance(allIn(2500, 1000), 0.99, 500, 0.99);
    expect(above).to.include({ n: 1000, above: 1000 });
    closeRel(above.pAboveLower, 0.01 ** (1 / 1000), 1e-12);
    // None above: upper bound 1 − 0.01^(1/1000) [exact], below 1 − q = 0.01.
    const below = quantileExceedance(allIn(10, 1000), 0.99, 500, 0.99);
    closeRel(below.pAboveUpper, -Math.expm1(Math.log(0.01) / 1000), 1e-12);
    // 10 of 1000 above: p̂ = 1 − q, bounds straddle it [scipy values above].
    const edge = quantileExceedance(
      [...allIn(10, 990).slice(0, -1), { le: Infinity, count: 1000 }],
      0.99,
      5000,
      0.99,
    );
    closeRel(edge.pAboveLower, 0.004140298065144728, 1e-9);
    closeRel(edge.pAboveUpper, 0.02004260590087893, 1e-9);
  });
  it("does not call it below when the tail hides in +Inf", () => {
    // 20 of 1000 beyond the last finite bound: they could all exceed 4e6 ms.
    const buckets = [...allIn(10, 980).slice(0, -1), { le: Infinity, count: 1000 }];
    expect(quantileExceedance(buckets, 0.99, 4_000_000, 0.99).verdict).to.equal("unknown");
  });
  it("reports n = 0 as unknown with the vacuous bounds", () => {
    const got = quantileExceedance([], 0.99, 500, 0.99);
    expect(got).to.deep.equal({
      n: 0,
      above: 0,
      pAboveLower: 0,
      pAboveUpper: 1,
      verdict: "unknown",
      interpolated: false,
    });
  });
});

/** Prometheus' histogram_quantile (promql/quantile.go), re-written here as a reference. */
function histogramQuantile(q: number, buckets: readonly { le: number; count: number }[]): number {
  const b = [...buckets].sort((x, y) => x.le - y.le);
  let max = Number.NEGATIVE_INFINITY;
  const counts = b.map((x) => (max = Math.max(max, x.count)));
  const total = counts.at(-1) as number;
  const rank = q * total;
  let i = 0;
  while (i < b.length - 1 && (counts[i] as number) < rank) i++;
  if (i === b.length - 1) return (b[b.length - 2] as { le: number }).le;
  const start = i === 0 ? 0 : (b[i - 1] as { le: number }).le;
  const below = i === 0 ? 0 : (counts[i - 1] as number);
  return (
    start +
    ((b[i] as { le: number }).le - start) * ((rank - below) / ((counts[i] as number) - below))
  );
}

describe("stats: quantile confidence interval", () => {
  const simple = [
    { le: 100, count: 50 },
    { le: 200, count: 90 },
    { le: 500, count: 100 },
    { le: Number.POSITIVE_INFINITY, count: 100 },
  ];
  // By hand: rank 95 lies in (200, 500] holding 10, 5 of them in: 200 + 300·5/10.
  const estimates: [number, number][] = [
    [0.95, 350],
    [0.5, 100],
    [0.7, 150], // 100 + 100·20/40
  ];
  for (const [q, expected] of estimates) {
    it(`estimate of q = ${q} is histogram_quantile's ${expected}`, () => {
      const got = quantileInterval(simple, q, 0.95);
      expect(got.estimate).to.be.closeTo(expected, 1e-9);
      expect(got.estimate).to.be.closeTo(histogramQuantile(q, simple), 1e-9);
      expect(got.low).to.be.at.most(got.estimate);
      expect(got.high).to.be.at.least(got.estimate);
    });
  }

  /** n observations 1..n, each alone in bucket (i−1, i]: order statistic X₍ᵢ₎ maps to i. */
  const unit = (n: number) => [
    ...Array.from({ length: n }, (_, i) => ({ le: i + 1, count: i + 1 })),
    { le: Number.POSITIVE_INFINITY, count: n },
  ];
  const ranks: [number, number, number, number, number, string][] = [
    [10, 0.5, 0.95, 2, 9, "textbook (X₍₂₎, X₍₉₎) for the median of 10"],
    [20, 0.5, 0.95, 6, 15, "textbook (X₍₆₎, X₍₁₅₎) for the median of 20"],
    [100, 0.5, 0.99, 37, 64, "[scipy] binom"],
    [200, 0.9, 0.9, 173, 188, "[scipy] binom"],
    [1000, 0.99, 0.95, 983, 997, "[scipy] binom"],
  ];
  for (const [n, q, c, r, s, source] of ranks) {
    it(`order-statistic ranks n=${n} q=${q} c=${c}: ${source}`, () => {
      const got = quantileInterval(unit(n), q, c);
      expect(got.low).to.be.closeTo(r, 1e-9);
      expect(got.high).to.be.closeTo(s, 1e-9);
    });
  }

  it("is unbounded above when the upper rank passes n or lands in +Inf", () => {
    expect(quantileInterval(unit(5), 0.99, 0.95)).to.include({ low: 4, high: Infinity });
    const tail = [...allIn(10, 990).slice(0, -1), { le: Infinity, count: 1000 }];
    expect(quantileInterval(tail, 0.995, 0.95).high).to.equal(Infinity);
  });

  it("is NaN without observations", () => {
    const got = quantileInterval(
      ISTIO_MS.map((le) => ({ le, count: 0 })),
      0.99,
      0.95,
    );
    expect(got.low).to.be.NaN;
    expect(got.high).to.be.NaN;
    expect(got.estimate).to.be.NaN;
  });

  it("covers the true quantile (at bucket level) at least at the nominal rate", () => {
    // Lognormal latencies, median 100 ms, σ = 1; 2,000 samples of 200 each.
    const random = mulberry32(20240611);
    const normal = () => {
      const u = 1 - random();
      return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * random());
    };
    const bucketOf = (v: number) => ISTIO_MS.findIndex((le) => v <= le);
    const zq: [number, number][] = [
      [0.5, 0],
      [0.9, 1.2815515655446004], // [mp]
      [0.99, 2.3263478740408408], // [mp]
    ];
    for (const [q, z] of zq) {
      const truth = bucketOf(100 * Math.exp(z));
      let covered = 0;
      const runs = 2000;
      for (let run = 0; run < runs; run++) {
        const sample = Array.from({ length: 200 }, () => 100 * Math.exp(normal()));
        const got = quantileInterval(histogramOf(sample), q, 0.95);
        expect(got.low).to.be.at.most(got.estimate);
        expect(got.estimate).to.be.at.most(got.high);
        if (bucketOf(got.low) <= truth && truth <= bucketOf(got.high)) covered++;
      }
      expect(covered / runs, `q = ${q}`).to.be.at.least(0.95 - 0.015);
    }
  });
});

/** Brute force: expand bins to observations (value = bin index) and do it by the book. */
function mannWhitneyByHand(canary: readonly number[], stable: readonly number[]) {
  const x = canary.flatMap((count, bin) => Array<number>(count).fill(bin));
  const y = stable.flatMap((count, bin) => Array<number>(count).fill(bin));
  let u = 0;
  for (const a of x) for (const b of y) u += a > b ? 1 : a === b ? 0.5 : 0;
  // Midranks of the pooled sample, and U again from the canary rank sum.
  const pooled = [...x.map((v) => ({ v, canary: true })), ...y.map((v) => ({ v, canary: false }))];
  pooled.sort((p, q) => p.v - q.v);
  let rankSum = 0;
  let tieTerm = 0;
  for (let i = 0; i < pooled.length; ) {
    let j = i;
    while (j < pooled.length && (pooled[j] as { v: number }).v === (pooled[i] as { v: number }).v)
      j++;
    const midrank = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if ((pooled[k] as { canary: boolean }).canary) rankSum += midrank;
    const t = j - i;
    tieTerm += t ** 3 - t;
    i = j;
  }
  const n1 = x.length;
  const n2 = y.length;
  const n = n1 + n2;
  const uFromRanks = rankSum - (n1 * (n1 + 1)) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - tieTerm / (n * (n - 1)));
  return { u, uFromRanks, n1, n2, variance };
}

describe("stats: Mann–Whitney on binned samples", () => {
  // R: x <- c(0.80, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46)
  //    y <- c(1.15, 0.88, 0.90, 0.74, 1.21); wilcox.test(x, y, "greater") gives W = 35.
  // Normal approximation (exact = FALSE, correct = TRUE), no ties:
  //   z = (35 − 10·5/2 − 0.5) / sqrt(10·5·(10+5+1)/12) = 9.5 / sqrt(66.67) = 1.1635076278220096
  //   p = 1 − Φ(z) = 0.12231180256349172 [mp]; scipy's mannwhitneyu agrees.
  const x = [0.8, 0.83, 1.89, 1.04, 1.45, 1.38, 1.91, 1.64, 0.73, 1.46];
  const y = [1.15, 0.88, 0.9, 0.74, 1.21];
  const values = [...new Set([...x, ...y])].sort((a, b) => a - b);
  const canary = values.map((v) => x.filter((w) => w === v).length);
  const stable = values.map((v) => y.filter((w) => w === v).length);
  const r: [string, "greater" | "less" | "two-sided", number, number][] = [
    ["greater", "greater", 1.1635076278220096, 0.12231180256349172],
    ["less", "less", (10 + 0.5) / Math.sqrt(800 / 12), 0.9007753482039939],
    ["two-sided", "two-sided", 1.1635076278220096, 0.24462360512698345],
  ];
  for (const [what, alternative, z, p] of r) {
    it(`R's wilcox.test example, ${what}`, () => {
      const got = mannWhitneyBinned(canary, stable, { alternative });
      expect(got).to.include({ u: 35, n1: 10, n2: 5 });
      closeRel(got.z, z, 1e-14);
      closeRel(got.pValue, p, 1e-12);
      closeRel(got.probabilityOfSuperiority, 0.7, 1e-15);
      closeRel(got.rankBiserial, 0.4, 1e-14);
    });
  }

  it("a tied example worked by hand", () => {
    // Bins:     b0  b1  b2
    // canary     1   2   1     n1 = 4
    // stable     2   1   0     n2 = 3, N = 7
    // U = 1·(0 + 2/2) + 2·(2 + 1/2) + 1·(3 + 0) = 1 + 5 + 3 = 9; mean n1·n2/2 = 6.
    // Ties t = 3, 3, 1: Σ(t³ − t) = 24 + 24 + 0 = 48.
    // σ² = 12/12 · (8 − 48/(7·6)) = 6.857142857…; z = (9 − 6 − 0.5)/σ = 0.954703269782467.
    // p(greater) = 1 − Φ(z) = 0.169863887933049 [mp]; scipy mannwhitneyu: 0.16986388793304896.
    const got = mannWhitneyBinned([1, 2, 1], [2, 1, 0], { alternative: "greater" });
    expect(got).to.include({ u: 9, n1: 4, n2: 3 });
    closeRel(got.z, 0.954703269782467, 1e-13);
    closeRel(got.pValue, 0.169863887933049, 1e-12);
    const twoSided = mannWhitneyBinned([1, 2, 1], [2, 1, 0]);
    closeRel(twoSided.pValue, 0.3397277758660979, 1e-12); // [scipy]
    const less = mannWhitneyBinned([1, 2, 1], [2, 1, 0], { alternative: "less" });
    closeRel(less.pValue, 0.9093208620478432, 1e-12); // [scipy]
  });

  it("a latency-histogram-sized example matches scipy", () => {
    const c = [0, 5, 30, 40, 20, 5, 0];
    const s = [2, 10, 50, 30, 8, 0, 0];
    const got = mannWhitneyBinned(c, s, { alternative: "greater" });
    expect(got.u).to.equal(6645);
    closeRel(got.pValue, 1.0252577115698757e-5, 1e-10); // [scipy]
  });

  it("matches a brute-force expansion on random binned samples", () => {
    const random = mulberry32(7);
    for (let trial = 0; trial < 300; trial++) {
      const bins = 1 + Math.floor(random() * 8);
      const draw = () => (random() < 0.3 ? 0 : Math.floor(random() * 7));
      const c = Array.from({ length: bins }, draw);
      const s = Array.from({ length: bins }, draw);
      const ref = mannWhitneyByHand(c, s);
      const alternatives = ["greater", "less", "two-sided"] as const;
      const alternative = alternatives[trial % 3] as (typeof alternatives)[number];
      const continuity = trial % 5 !== 0;
      const got = mannWhitneyBinned(c, s, { alternative, continuity });
      expect(got.u).to.equal(ref.u);
      expect(got.u).to.equal(ref.uFromRanks);
      if (ref.n1 === 0 || ref.n2 === 0) {
        expect(got.pValue).to.be.NaN;
        continue;
      }
      if (ref.variance < 1e-9) {
        expect(got).to.include({ z: 0, pValue: 1 });
        continue;
      }
      const d = ref.u - (ref.n1 * ref.n2) / 2;
      const correction = !continuity
        ? 0
        : alternative === "two-sided"
          ? 0.5 * Math.sign(d)
          : alternative === "greater"
            ? 0.5
            : -0.5;
      const z = (d - correction) / Math.sqrt(ref.variance);
      expect(got.z).to.be.closeTo(z, 1e-12);
      const p =
        alternative === "greater"
          ? normalCdf(-z)
          : alternative === "less"
            ? normalCdf(z)
            : 2 * normalCdf(-Math.abs(z));
      expect(got.pValue).to.be.closeTo(p, 1e-12);
      expect(got.probabilityOfSuperiority).to.be.closeTo(ref.u / (ref.n1 * ref.n2), 1e-15);
    }
  });

  it("handles the degenerate cases and rounds fractional counts", () => {
    expect(mannWhitneyBinned([0, 0], [3, 4]).pValue).to.be.NaN;
    expect(mannWhitneyBinned([0, 5, 0], [0, 7, 0])).to.include({ z: 0, pValue: 1, u: 17.5 });
    const rounded = mannWhitneyBinned([0.4, 2.6, 1], [1.5, 0.2, 0]);
    const whole = mannWhitneyBinned([0, 3, 1], [2, 0, 0]);
    expect(rounded).to.deep.equal(whole);
    expect(() => mannWhitneyBinned([1], [1, 2])).to.throw(RangeError);
    expect(() => mannWhitneyBinned([-1, 2], [1, 2])).to.throw(RangeError);
  });

  it("turns cumulative histograms into per-bin whole counts", () => {
    const bins = binsFromCumulative([
      { le: Number.POSITIVE_INFINITY, count: 10.2 },
      { le: 5, count: 3.4 },
      { le: 1, count: 1.6 },
      { le: 10, count: 3.1 }, // non-monotonic: lifted to 3.4
    ]);
    expect(bins).to.deep.equal([2, 1, 0, 7]);
  });
});
