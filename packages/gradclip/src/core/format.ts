/**
 * Number formatting for human-readable messages (diagnoses, rationales,
 * reports): a few significant digits, no float noise, exponent notation for
 * very large or very small magnitudes.
 *
 * @module
 */

import { GradclipArgumentError } from './errors.js';

/** Options of {@link formatNumber}. */
export interface FormatNumberOptions {
  /** Significant digits, an integer in [1, 17]. @default 3 */
  digits?: number;
  /** Text for a missing value (`null` or `undefined`). @default '—' */
  missing?: string;
}

/**
 * The one number formatter of gradclip and its app. Formats `x` with `digits` significant digits, trailing zeros removed:
 * `formatNumber(0.012345) = "0.0123"`, `formatNumber(27) = "27"`,
 * `formatNumber(1.5e-9) = "1.5e-9"`, `formatNumber(NaN) = "NaN"`.
 * Plain notation is used for magnitudes in [1e-4, 1e6), exponent notation
 * otherwise.
 *
 * A missing value (`null`/`undefined`) gives `options.missing` ('—').
 *
 * @param options significant digits (a number), or {@link FormatNumberOptions}
 */
export function formatNumber(x: number | null | undefined, options: number | FormatNumberOptions = {}): string {
  const o: FormatNumberOptions = typeof options === 'number' ? { digits: options } : options;
  const digits = o.digits ?? 3;
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) {
    throw new GradclipArgumentError(`formatNumber: digits must be an integer in [1, 17], got ${String(digits)}`);
  }
  if (x === null || x === undefined) return o.missing ?? '—';
  if (Number.isNaN(x)) return 'NaN';
  if (x === Number.POSITIVE_INFINITY) return 'Infinity';
  if (x === Number.NEGATIVE_INFINITY) return '-Infinity';
  if (x === 0) return '0';
  const a = Math.abs(x);
  if (a >= 1e-4 && a < 1e6) {
    const s = x.toPrecision(digits);
    if (s.includes('e')) return String(Number(s));
    return s.includes('.') ? s.replace(/\.?0+$/, '') : s;
  }
  const [mant, exp] = x.toExponential(digits - 1).split('e');
  const m = mant.includes('.') ? mant.replace(/\.?0+$/, '') : mant;
  return `${m}e${exp.replace('+', '')}`;
}
