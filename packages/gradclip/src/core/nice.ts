/**
 * "Human-friendly" rounding of positive numbers to values a person would
 * type as a hyperparameter (0.5, 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10, ...).
 *
 * The mantissa series extends the 1-2-5 series of preferred numbers
 * (Renard series, ISO 3) with the in-between values people actually use for
 * clipping thresholds. Results are built from their decimal spelling
 * (`parseFloat("1.2e-3")`), so they print exactly (`0.0012`, never
 * `0.0012000000000000001`).
 *
 * @module
 */
import { GradclipArgumentError } from './errors.js';

/** Mantissas of the human-friendly series, ascending, in [1, 10). */
export const NICE_MANTISSAS: readonly number[] = [1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8];

function assertPositive(x: number, fn: string): void {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0)) {
    throw new GradclipArgumentError(`${fn}: x must be a finite number > 0, got ${String(x)}`);
  }
}

function niceValue(m: number, k: number): number {
  return Number.parseFloat(`${m}e${k}`);
}

/**
 * The smallest value `m × 10^k` (m in {@link NICE_MANTISSAS}, k an integer)
 * that is **≥ x**. Examples: 0.93 → 1, 1.07 → 1.2, 2.6 → 3, 7 → 8, 8.5 → 10.
 *
 * @throws if `x` is not a finite number > 0.
 */
export function niceCeil(x: number): number {
  assertPositive(x, 'niceCeil');
  const k0 = Math.floor(Math.log10(x));
  // log10 can be off by one near powers of ten: scan the neighbouring decades.
  for (let k = k0 - 1; k <= k0 + 1; k++) {
    for (const m of NICE_MANTISSAS) {
      const v = niceValue(m, k);
      if (v >= x) return v;
    }
  }
  return niceValue(1, k0 + 2);
}

/**
 * The largest value `m × 10^k` (m in {@link NICE_MANTISSAS}) that is
 * **≤ x**. Examples: 1.07 → 1, 2.6 → 2.5, 9.9 → 8.
 *
 * @throws if `x` is not a finite number > 0.
 */
export function niceFloor(x: number): number {
  assertPositive(x, 'niceFloor');
  const k0 = Math.floor(Math.log10(x));
  for (let k = k0 + 1; k >= k0 - 1; k--) {
    for (let i = NICE_MANTISSAS.length - 1; i >= 0; i--) {
      const v = niceValue(NICE_MANTISSAS[i], k);
      if (v <= x) return v;
    }
  }
  return niceValue(8, k0 - 2);
}

/**
 * Rounds `x` **up** to `digits` significant decimal digits
 * (e.g. `ceilSignificant(1.234, 2) = 1.3`, `ceilSignificant(0.0123, 1) = 0.02`).
 * The result is ≥ x and is built from its decimal spelling.
 *
 * @throws if `x` is not a finite number > 0 or `digits` is not an integer in [1, 15].
 */
export function ceilSignificant(x: number, digits: number): number {
  assertPositive(x, 'ceilSignificant');
  if (!Number.isInteger(digits) || digits < 1 || digits > 15) {
    throw new GradclipArgumentError(`ceilSignificant: digits must be an integer in [1, 15], got ${String(digits)}`);
  }
  let k = Math.floor(Math.log10(x)) - (digits - 1);
  // Integer mantissa q with q × 10^k ≥ x, found from the decimal spelling
  // (x / 10^k in binary would add rounding noise).
  const [mantStr, expStr] = x.toExponential().split('e');
  const mant = mantStr;
  const exp = Number(expStr);
  for (;;) {
    const scaled = Number.parseFloat(`${mant}e${exp - k}`);
    let q = Math.ceil(scaled);
    if (Number.parseFloat(`${q}e${k}`) < x) q += 1;
    if (q >= Math.pow(10, digits)) {
      k += 1;
      continue;
    }
    return Number.parseFloat(`${q}e${k}`);
  }
}
