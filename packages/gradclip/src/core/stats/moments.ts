/**
 * Mean, variance and standard deviation of a finite sample, accumulated with
 * Welford's one-pass update (stable for values with a large common offset,
 * where the naive `Σx² / n - mean²` loses every digit).
 *
 * Source: B. P. Welford, "Note on a method for calculating corrected sums of
 * squares and products", Technometrics 4(3), 1962; Knuth, TAOCP vol. 2, 4.2.2.
 *
 * @module
 */

import { assertFiniteArray, assertNonEmpty } from './validate.js';
import { GradclipArgumentError } from '../errors.js';

/**
 * Welford's one-pass mean and sum of squared deviations `m2 = Σ (x_i - mean)^2`
 * of finite values: per value `n' = n + 1`, `δ = x - mean`,
 * `mean' = mean + δ / n'`, `m2' = m2 + δ * (x - mean')`.
 */
function welford(values: readonly number[]): { count: number; mean: number; m2: number } {
  let count = 0;
  let mean = 0;
  let m2 = 0;
  for (const x of values) {
    count = count + 1;
    const delta = x - mean;
    mean = mean + delta / count;
    m2 = m2 + delta * (x - mean);
  }
  return { count, mean, m2 };
}

/**
 * Mean `Σ x_i / n` of a finite, non-empty sample (Welford's update, stable
 * for large offsets).
 *
 * @throws if `values` is empty or holds a non-finite number.
 */
export function mean(values: readonly number[]): number {
  assertFiniteArray(values, 'mean');
  assertNonEmpty(values, 'mean');
  return welford(values).mean;
}

/** Options of {@link variance} and {@link std}. */
export interface VarianceOptions {
  /**
   * Delta degrees of freedom: the divisor is `n - ddof` (0 = population
   * variance as `np.var`, 1 = sample variance as `statistics.variance`).
   * @default 0
   */
  ddof?: number;
}

/**
 * Variance `Σ (x_i - mean)^2 / (n - ddof)` computed with Welford's algorithm.
 *
 * @throws on non-finite input, a `ddof` that is not a non-negative integer, or fewer than `ddof + 1` values.
 */
export function variance(values: readonly number[], opts: VarianceOptions = {}): number {
  const ddof = opts.ddof ?? 0;
  assertFiniteArray(values, 'variance');
  if (!Number.isInteger(ddof) || ddof < 0) {
    throw new GradclipArgumentError(`variance: ddof must be a non-negative integer, got ${String(ddof)}`);
  }
  if (values.length <= ddof) {
    throw new GradclipArgumentError(`variance: need more than ddof=${ddof} values, got ${values.length}`);
  }
  const s = welford(values);
  return s.m2 / (s.count - ddof);
}

/**
 * Standard deviation, `sqrt(variance(values, opts))` (see {@link variance}).
 *
 * @throws as {@link variance}.
 */
export function std(values: readonly number[], opts: VarianceOptions = {}): number {
  return Math.sqrt(variance(values, opts));
}
