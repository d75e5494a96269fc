/** Pure statistics for the canary judge: no I/O, no dependencies. */

export {
  clopperPearsonLower,
  clopperPearsonUpper,
} from "./binomial-bounds.js";
export {
  betaQuantile,
  binomialCdf,
  binomialSurvival,
  logGamma,
  normalCdf,
  normalQuantile,
  regularizedIncompleteBeta,
} from "./distributions.js";
export {
  type Alternative,
  binEdges,
  binsFromCumulative,
  type MannWhitneyOptions,
  type MannWhitneyResult,
  mannWhitneyBinned,
} from "./mann-whitney.js";
export {
  type CleanHistogram,
  type CountAbove,
  type CumulativeBucket,
  cleanHistogram,
  countAbove,
  type QuantileExceedance,
  type QuantileInterval,
  type QuantileVerdict,
  quantileExceedance,
  quantileInterval,
} from "./quantile-test.js";
