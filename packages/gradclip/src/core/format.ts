/**
 * Number formatting for human-readable messages (diagnoses, rationales,
 * reports): a few significant digits, no float noise, exponent notation for
 * very large or very small magnitudes.
 *
 * @module
 */

/**
 * Formats `x` with `digits` significant digits, trailing zeros removed:
 * `formatNumber(0.012345) = "0.0123"`, `formatNumber(27) = "27"`,
 * `formatNumber(1.5e-9) = "1.5e-9"`, `formatNumber(NaN) = "NaN"`.
 * Plain notation is used for magnitudes in [1e-4, 1e6), exponent notation
 * otherwise.
 *
 * @param digits significant digits, an integer in [1, 17].
 * @default digits 3
 */
export function formatNumber(x: number, digits = 3): string {
  if (!Number.isInteger(digits) || digits < 1 || digits > 17) {
    throw new Error(`formatNumber: digits must be an integer in [1, 17], got ${String(digits)}`);
  }
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
