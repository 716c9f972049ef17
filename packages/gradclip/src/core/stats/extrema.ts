/**
 * Largest and smallest value of a list by a plain loop, for lists of any
 * length (a training run's per-step norms can exceed 100k values).
 *
 * @module
 */

/**
 * `max_i values_i` by a loop (`-Infinity` for an empty list), like
 * `Math.max(...values)` without spreading the list into arguments, which
 * throws "Maximum call stack size exceeded" past ~100k values.
 */
export function maxOf(values: readonly number[]): number {
  let m = Number.NEGATIVE_INFINITY;
  for (const v of values) if (v > m || Number.isNaN(v)) m = Number.isNaN(m) ? m : v;
  return m;
}

/** `min_i values_i` by a loop (`Infinity` for an empty list); see {@link maxOf}. */
export function minOf(values: readonly number[]): number {
  let m = Number.POSITIVE_INFINITY;
  for (const v of values) if (v < m || Number.isNaN(v)) m = Number.isNaN(m) ? m : v;
  return m;
}
