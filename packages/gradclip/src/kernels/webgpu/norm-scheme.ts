/**
 * The arithmetic of gradclip's GPU norm kernels (WebGPU and WebGL share it;
 * no TF.js or backend import here).
 *
 * GPUs have no float64, so the sum `Σ |x_i|^p` (p = 1, 2) is accumulated in
 * float32 in a way that neither overflows, underflows nor loses accuracy:
 *
 * 1. **Three ranges, one pass** (the scaled accumulators of Blue's algorithm,
 *    as in LAPACK's `snrm2`). Elements are read four at a time; the group's
 *    largest magnitude m, compared as IEEE bit patterns (exact, no float
 *    compare on NaN), picks one of three accumulators:
 *    - mid, `lo ≤ m ≤ hi` (or m = 0): `Σ |x|^p` as is;
 *    - big, `m > hi`: `Σ (|x| · 2^-bigShift)^p`, so squares of values up to
 *      3.4e38 stay finite;
 *    - small, `0 < m < lo`: `Σ (|x| · 2^smallShift)^p`, so squares of tiny and
 *      subnormal values do not underflow (built from the bits, so a GPU that
 *      flushes subnormals still counts them).
 *    Scaling by a power of two is exact. NaN and ±Inf never enter a sum: the
 *    largest magnitude bit pattern of everything read (NaN patterns are above
 *    +Inf's) gives the flag (2 NaN, 1 Inf, 0 finite).
 * 2. **Two float32 words per accumulator.** Every addition is Kahan-compensated
 *    (`y ← t - c; s' ← s + y; c ← (s' - s) - y`), so the rounding error stays
 *    near float32's unit roundoff whatever the count (a plain float32 sum of
 *    4096 terms can be off by 2e-6 on random data, and more on adversarial data).
 * 3. **Records.** A thread, a workgroup (WebGPU) or a fragment (WebGL) ends with
 *    one record `(hi, lo, e, flag)` = `(hi + lo) · 2^e` with `hi ∈ [1, 2)` (or 0):
 *    a double-float32 mantissa with an exponent of its own, so the three ranges
 *    (2^168 apart for p = 2) combine exactly. Records add with exponent
 *    alignment and an error-free TwoSum of the high words; flags combine with max.
 * 4. **Final.** p = 2: `sqrt((hi + lo) · 2^e)` with the exponent halved
 *    separately; p = 1: `(hi + lo) · 2^e`; the power of two is applied in two
 *    exact steps, so only a norm above float32's range becomes Inf.
 *
 * p = ∞ is the largest magnitude bit pattern itself (records carry it as two
 * 16-bit halves). Any other p takes two passes: m = max |x| (p = ∞), then
 * `m · (Σ (|x| / m)^p)^(1/p)` with the sum as above (every term ≤ 1).
 *
 * Error bound for finite input (p = 1, 2): each term is one float32 product
 * (≤ 2^-24 relative), a group of four adds ≤ 3 · 2^-24, the compensated sums
 * add ≈ 2 · 2^-24, and the final rounding, sqrt and scaling a few float32 ulps:
 * well below the 1e-6 relative of DESIGN.md section 2, for any count.
 */

/** Constants of one summation mode (p = 2 or p = 1). */
export interface SumScheme {
  /** The norm order this scheme sums (`|x|^p`). */
  readonly p: 1 | 2;
  /** Largest magnitude of the mid range, as a float32 bit pattern. */
  readonly midHiBits: number;
  /** Smallest nonzero magnitude of the mid range, as a float32 bit pattern. */
  readonly midLoBits: number;
  /** Big values are multiplied by `2^-bigShift` (exponent field minus this). */
  readonly bigShift: number;
  /** Small normal values are multiplied by `2^smallShift` (exponent field plus this). */
  readonly smallShift: number;
  /** Subnormal values: mantissa bits as an integer times `2^subExp` (= `2^(-149 + smallShift)`). */
  readonly subExp: number;
  /** The big accumulator's sum is in units of `2^expBig` (= `p · bigShift`). */
  readonly expBig: number;
  /** The small accumulator's sum is in units of `2^expSmall` (= `-p · smallShift`). */
  readonly expSmall: number;
}

const bitsOfPow2 = (e: number): number => ((127 + e) << 23) >>> 0;

/**
 * p = 2: mid range [2^-46, 2^46] (squares within [2^-92, 2^92], so 2^36
 * elements cannot overflow a sum); big values scaled by 2^-84 (squares ≤
 * 2^88); small ones by 2^90 (squares of subnormals ≥ 2^-118, still normal).
 */
export const SUM_P2: SumScheme = {
  p: 2,
  midHiBits: bitsOfPow2(46),
  midLoBits: bitsOfPow2(-46),
  bigShift: 84,
  smallShift: 90,
  subExp: -149 + 90,
  expBig: 168,
  expSmall: -180,
};

/** p = 1: mid range [2^-88, 2^88]; big values scaled by 2^-64, small ones by 2^88. */
export const SUM_P1: SumScheme = {
  p: 1,
  midHiBits: bitsOfPow2(88),
  midLoBits: bitsOfPow2(-88),
  bigShift: 64,
  smallShift: 88,
  subExp: -149 + 88,
  expBig: 64,
  expSmall: -88,
};

/** Float32 bit pattern of +Inf; patterns above it (with the sign cleared) are NaN. */
export const INF_BITS = 0x7f800000;

/** Alignment shifts below this many binary orders drop the smaller record (its share is < 2^-100). */
export const ALIGN_DROP = -100;

/**
 * The integer `p` for which `|x|^p` is computed by repeated multiplication
 * (exact to float32 rounding) instead of `pow` (whose GPU accuracy is only
 * specified loosely); `undefined` for other orders.
 */
export function integerPower(p: number): number | undefined {
  return Number.isInteger(p) && p >= 1 && p <= 8 ? p : undefined;
}

/** WGSL/GLSL literal of a float32 power of two (`2^e`, e within the normal range). */
export function pow2Literal(e: number): string {
  if (!Number.isInteger(e) || e < -126 || e > 127) throw new Error(`pow2Literal: ${e} is outside float32's normal exponents`);
  return Math.pow(2, e).toExponential();
}

/** A float literal for GLSL/WGSL from a JS number (finite), always with a decimal point or exponent. */
export function floatLiteral(x: number): string {
  if (!Number.isFinite(x)) throw new Error(`floatLiteral: ${x} is not finite`);
  const s = String(Math.fround(x));
  return /[.eE]/.test(s) ? s : `${s}.0`;
}
