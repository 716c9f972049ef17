/**
 * Percentiles with NumPy's default linear interpolation
 * (`np.percentile(a, p)`, Hyndman & Fan 1996 definition 7) and the median.
 *
 * @module
 */

import { assertFiniteArray, assertNonEmpty } from './validate.js';
import { GradclipArgumentError } from '../errors.js';

function assertPercentile(p: number, fn: string): void {
  if (typeof p !== 'number' || !(p >= 0 && p <= 100)) {
    throw new GradclipArgumentError(`${fn}: percentile must be in [0, 100], got ${String(p)}`);
  }
}

/**
 * Percentile of an **already sorted** (ascending), finite, non-empty sample,
 * with linear interpolation exactly as NumPy's default
 * `np.percentile(a, p, method='linear')` (Hyndman & Fan 1996, definition 7):
 *
 * ```
 * h = (n - 1) * (p / 100),  j = floor(h),  g = h - j
 * Q = x[j] + g * (x[j+1] - x[j])        if g <  0.5
 * Q = x[j+1] - (1 - g) * (x[j+1] - x[j]) if g >= 0.5   (NumPy's _lerp, for monotonicity)
 * Q = x[n-1]                            if h >= n - 1
 * ```
 *
 * No validation of sortedness or finiteness is done (this is the inner loop
 * of {@link median} and of AutoClip's and recommendThreshold's percentiles);
 * `p` is validated.
 *
 * Source: `numpy/lib/_function_base_impl.py` (`_quantile`, `_lerp`);
 * R. J. Hyndman and Y. Fan, "Sample Quantiles in Statistical Packages",
 * The American Statistician 50(4), 1996.
 *
 * @throws if `p` is outside [0, 100] or `sorted` is empty.
 */
export function percentileOfSorted(sorted: ArrayLike<number>, p: number): number {
  return percentileAt(sorted.length, (k) => sorted[k], p, 'percentileOfSorted');
}

/**
 * {@link percentileOfSorted} of a sorted sample of size `n` read through
 * `at(k)` (the k-th smallest value, 0-based), for samples kept in a structure
 * other than an array (AutoClip's `SortedBlocks`); reads at most two values.
 * The same arithmetic as {@link percentileOfSorted}, so both give the same
 * double for the same sample.
 *
 * @param fn - the public function named in error messages
 * @throws if `p` is outside [0, 100] or `n` is 0.
 */
export function percentileAt(n: number, at: (k: number) => number, p: number, fn = 'percentileAt'): number {
  assertPercentile(p, fn);
  if (n === 0) throw new GradclipArgumentError(`${fn}: sorted must not be empty`);
  const h = (n - 1) * (p / 100);
  if (h >= n - 1) return at(n - 1);
  const j = Math.floor(h);
  const g = h - j;
  const a = at(j);
  const b = at(j + 1);
  const d = b - a;
  return g >= 0.5 ? b - d * (1 - g) : a + d * g;
}

/**
 * Median of a finite, non-empty sample: {@link percentileOfSorted} at
 * `p = 50` of a sorted copy (the middle value for odd n, the mean of the two
 * middle values for even n), as `np.median`. The input is not modified.
 *
 * @throws if `values` is empty or holds a non-finite number.
 */
export function median(values: readonly number[]): number {
  assertFiniteArray(values, 'median');
  assertNonEmpty(values, 'median');
  return percentileOfSorted(Float64Array.from(values).sort(), 50);
}
