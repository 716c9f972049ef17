/**
 * Fixed-capacity windows over a series: an immutable push that drops the
 * oldest value, and the median of the values before each index (the baseline
 * of a "k × running median" spike rule).
 *
 * @module
 */

import { percentileOfSorted } from './quantiles.js';
import { GradclipArgumentError } from '../errors.js';

/**
 * Appends `x` to a window of at most `capacity` values and returns a **new**
 * array (oldest first); the oldest value is dropped when full. Handy for
 * immutable transform state: `state.history = rollingPush(state.history, norm, 128)`.
 * O(capacity) per call.
 *
 * @throws if `capacity` is not a positive integer.
 */
export function rollingPush(window: readonly number[], x: number, capacity: number): number[] {
  if (!Number.isInteger(capacity) || capacity < 1) {
    throw new GradclipArgumentError(`rollingPush: capacity must be a positive integer, got ${String(capacity)}`);
  }
  const start = Math.max(0, window.length + 1 - capacity);
  const out = window.slice(start);
  out.push(x);
  return out;
}

/**
 * For every index `i`, the median of the **previous** `window` values
 * `values[max(0, i - window) .. i - 1]` (NaN when there are fewer than
 * `minHistory` of them). Non-finite values are skipped when building the
 * history (they neither count toward `minHistory` nor enter the median).
 * The median is {@link percentileOfSorted} at `p = 50`.
 *
 * This is the baseline of a "k × running median" spike rule: the current
 * value is compared with statistics that do not include it.
 *
 * @param window number of previous finite values kept, a positive integer.
 * @param minHistory minimum number of finite previous values (default 1).
 * @throws if `window` is not a positive integer or `minHistory` is not an integer in [1, window].
 */
export function trailingMedians(values: readonly number[], window: number, minHistory = 1): number[] {
  if (!Number.isInteger(window) || window < 1) {
    throw new GradclipArgumentError(`trailingMedians: window must be a positive integer, got ${String(window)}`);
  }
  if (!Number.isInteger(minHistory) || minHistory < 1 || minHistory > window) {
    throw new GradclipArgumentError(`trailingMedians: minHistory must be an integer in [1, window=${window}], got ${String(minHistory)}`);
  }
  const out: number[] = [];
  let hist: number[] = [];
  for (const v of values) {
    out.push(hist.length >= minHistory ? percentileOfSorted(Float64Array.from(hist).sort(), 50) : Number.NaN);
    if (Number.isFinite(v)) hist = rollingPush(hist, v, window);
  }
  return out;
}
