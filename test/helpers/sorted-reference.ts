/**
 * Immutable edits of ascending number arrays by binary search: O(n) copies.
 * autoClip's history now lives in `./order-statistics.ts` (O(√n) per edit);
 * these are the flat reference its tests and bench/autoclip-history.ts
 * compare against.
 */

/** A new ascending array with `x` inserted after any equal values (binary search; input untouched). */
export function insertSorted(sorted: readonly number[], x: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] <= x) lo = mid + 1;
    else hi = mid;
  }
  const out = sorted.slice(0, lo);
  out.push(x);
  for (let i = lo; i < sorted.length; i++) out.push(sorted[i]);
  return out;
}

/** A new ascending array with one occurrence of `x` removed (input untouched; unchanged copy when absent). */
export function removeSorted(sorted: readonly number[], x: number): number[] {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  const out = sorted.slice();
  if (lo < out.length && out[lo] === x) out.splice(lo, 1);
  return out;
}
