/**
 * Robust spread: the median absolute deviation (MAD) and the factor that
 * turns it into an estimate of the standard deviation of normal data.
 *
 * @module
 */

import { median } from './quantiles.js';
import { assertFiniteArray, assertNonEmpty } from './validate.js';
import { GradclipArgumentError } from '../errors.js';

/**
 * Scale factor that makes the MAD a consistent estimator of the standard
 * deviation for normal data: `1 / Φ⁻¹(3/4) ≈ 1.482602218505602`
 * (as `scipy.stats.median_abs_deviation(scale='normal')`).
 */
export const MAD_NORMAL_SCALE = 1.482602218505602;

/** Options of {@link mad}. */
export interface MadOptions {
  /**
   * Multiplier applied to the raw MAD; pass {@link MAD_NORMAL_SCALE} to
   * estimate a standard deviation.
   * @default 1
   */
  scale?: number;
}

/**
 * Median absolute deviation `scale * median(|x_i - median(x)|)`, a robust
 * spread estimate with a 50% breakdown point (Hampel 1974; Rousseeuw & Croux
 * 1993). Finite, non-empty input only.
 *
 * @throws if `scale` is not a finite number > 0, or `values` is empty or holds a non-finite number.
 */
export function mad(values: readonly number[], opts: MadOptions = {}): number {
  const scale = opts.scale ?? 1;
  if (typeof scale !== 'number' || !(scale > 0) || !Number.isFinite(scale)) {
    throw new GradclipArgumentError(`mad: scale must be a finite number > 0, got ${String(scale)}`);
  }
  assertFiniteArray(values, 'mad');
  assertNonEmpty(values, 'mad');
  const m = median(values);
  return scale * median(values.map((v) => Math.abs(v - m)));
}
