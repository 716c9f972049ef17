/**
 * Strict number syntax of the command line: `Number()` alone accepts `0x10`,
 * `0b1`, `' 12 '`, `''` (0) and `Infinity`, which silently become other
 * values. These accept decimal notation only.
 *
 * @module
 */

const DECIMAL = /^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+([eE]\+?\d+)?$/;

/**
 * The finite number written in decimal notation by `text` (`0.1`, `-2.93`,
 * `1e-3`, `.5`), or null for anything else (hex, binary, octal, empty,
 * blank, `Infinity`, `NaN`, values that overflow to infinity).
 */
export function parseDecimal(text: string): number | null {
  if (!DECIMAL.test(text)) return null;
  const n = Number(text);
  return Number.isFinite(n) ? n : null;
}

/**
 * The integer written by `text` in decimal digits, optionally with a
 * non-negative exponent (`2000`, `-3`, `1e4`), or null for anything else
 * (`1.5`, `0x10`, `1e-1`, blank, a value that overflows to infinity).
 * Integers too large to be exact (`1e300`) come back as they are, for the
 * range checks of `resolveRunConfig` to reject with the bound in the message.
 */
export function parseInteger(text: string): number | null {
  if (!INTEGER.test(text)) return null;
  const n = Number(text);
  return Number.isInteger(n) ? n : null;
}
