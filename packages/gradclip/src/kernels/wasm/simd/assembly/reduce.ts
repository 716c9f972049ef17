// @ts-nocheck -- AssemblyScript source (compiled by scripts/build-wasm.mjs, not by tsc).
/**
 * Reductions over float32 data: sum of squares, sum of absolute values, max absolute value.
 * Results are float64. (The general p-norm helper `sumAbsPow` lives in the JS loader: a
 * WebAssembly `Math.pow` would bring lookup tables as a data segment, which must not be
 * written into the imported tfjs memory.)
 *
 * Accuracy scheme (DESIGN.md section 2, "float32 partials of at most 4096 elements
 * combined in float64"): within a block of BLOCK elements, float32 SIMD lanes accumulate
 * runs of at most 16 terms, each run is promoted to float64; the block's float64 partial is
 * then added to a float64 total. Blocks whose partial is not finite (float32 overflow of
 * values above ~1.8e19 for squares, or genuine NaN/Inf) are recomputed exactly in float64
 * (f64x2), so huge finite values give the right norm while NaN/Inf inputs still give
 * NaN/Inf.
 */
import { BLOCK, SUB, TINY_SUM, addPromoted, hsum64 } from './common';

/** |x| or x*x of a float32x4, chosen at compile time. */
// @ts-ignore: decorator
@inline
function term(x: v128, squares: bool): v128 {
  return squares ? f32x4.mul(x, x) : f32x4.abs(x);
}

/**
 * Set by blockF32 (squares mode): whether the block had any element with a non-zero
 * magnitude. Lets a block whose float32 sum of squares is 0 tell "all zeros" (common: unused
 * embedding rows) from "all tiny" (squares underflowed) without a second pass.
 */
let blockNonZero: bool = false;

/**
 * float32-SIMD pass over one block of `n` elements at `p` (n <= BLOCK), float32 runs of
 * SUB elements promoted to float64. Trailing n % 4 elements are added in float64.
 * In squares mode it also ORs the raw bits of every element into `blockNonZero`.
 */
// @ts-ignore: decorator
@inline
function blockF32(p: usize, n: i32, squares: bool): f64 {
  let t0 = f64x2.splat(0);
  let t1 = f64x2.splat(0);
  let tail: f64 = 0;
  let bits = i32x4.splat(0);
  let tailBits: i32 = 0;
  let i: i32 = 0;
  while (i < n) {
    const m: i32 = min(SUB, n - i);
    let a0 = f32x4.splat(0);
    let a1 = f32x4.splat(0);
    let a2 = f32x4.splat(0);
    let a3 = f32x4.splat(0);
    let j: i32 = 0;
    let q: usize = p + (<usize>i << 2);
    for (; j + 16 <= m; j += 16, q += 64) {
      const x0 = v128.load(q, 0);
      const x1 = v128.load(q, 16);
      const x2 = v128.load(q, 32);
      const x3 = v128.load(q, 48);
      a0 = f32x4.add(a0, term(x0, squares));
      a1 = f32x4.add(a1, term(x1, squares));
      a2 = f32x4.add(a2, term(x2, squares));
      a3 = f32x4.add(a3, term(x3, squares));
      if (squares) bits = v128.or(bits, v128.or(v128.or(x0, x1), v128.or(x2, x3)));
    }
    for (; j + 4 <= m; j += 4, q += 16) {
      const x = v128.load(q);
      a0 = f32x4.add(a0, term(x, squares));
      if (squares) bits = v128.or(bits, x);
    }
    t0 = addPromoted(t0, a0);
    t1 = addPromoted(t1, a1);
    t0 = addPromoted(t0, a2);
    t1 = addPromoted(t1, a3);
    for (; j < m; j++, q += 4) {
      const x = <f64>load<f32>(q);
      tail += squares ? x * x : abs(x);
      if (squares) tailBits |= load<i32>(q);
    }
    i += m;
  }
  if (squares) {
    blockNonZero = v128.any_true(v128.and(bits, i32x4.splat(0x7fffffff))) || (tailBits & 0x7fffffff) != 0;
  }
  return hsum64(f64x2.add(t0, t1)) + tail;
}

/** Exact float64 pass over one block (the recompute path). */
// @ts-ignore: decorator
@inline
function blockF64(p: usize, n: i32, squares: bool): f64 {
  let t0 = f64x2.splat(0);
  let t1 = f64x2.splat(0);
  let j: i32 = 0;
  let q: usize = p;
  for (; j + 4 <= n; j += 4, q += 16) {
    const x = v128.load(q);
    const lo = f64x2.promote_low_f32x4(x);
    const hi = f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1));
    if (squares) {
      t0 = f64x2.add(t0, f64x2.mul(lo, lo));
      t1 = f64x2.add(t1, f64x2.mul(hi, hi));
    } else {
      t0 = f64x2.add(t0, f64x2.abs(lo));
      t1 = f64x2.add(t1, f64x2.abs(hi));
    }
  }
  let s: f64 = hsum64(f64x2.add(t0, t1));
  for (; j < n; j++, q += 4) {
    const x = <f64>load<f32>(q);
    s += squares ? x * x : abs(x);
  }
  return s;
}

// @ts-ignore: decorator
@inline
function sumBlocks(ptr: usize, len: i32, squares: bool): f64 {
  let total: f64 = 0;
  let i: i32 = 0;
  while (i < len) {
    const n: i32 = min(BLOCK, len - i);
    const p: usize = ptr + (<usize>i << 2);
    let s = blockF32(p, n, squares);
    if (!isFinite<f64>(s)) {
      s = blockF64(p, n, squares);
    } else if (squares && s < TINY_SUM && (s != 0 || blockNonZero)) {
      s = blockF64(p, n, squares);
    }
    total += s;
    i += n;
  }
  return total;
}

/**
 * Sum of squares `sum_i x_i^2` of `len` float32 values at byte offset `ptr`, as float64.
 * Relative error < 1e-6 against float64 for any finite input (see the module doc);
 * Inf input gives Inf, NaN input gives NaN. The 2-norm is `sqrt(sumSquares)`.
 */
export function sumSquares(ptr: usize, len: i32): f64 {
  return sumBlocks(ptr, len, true);
}

/** Sum of absolute values `sum_i |x_i|` (the 1-norm), float64 result, same scheme as sumSquares. */
export function sumAbs(ptr: usize, len: i32): f64 {
  return sumBlocks(ptr, len, false);
}

/**
 * Maximum absolute value `max_i |x_i|` (the Inf-norm), exact. NaN-propagating: any NaN
 * element gives NaN. Empty input gives 0.
 *
 * Works on the bit patterns: with the sign bit cleared, IEEE float32 bits order like the
 * values as signed integers, and every NaN pattern (> 0x7f800000) is above +Inf, so one
 * `i32x4.max_s` per vector gives the max magnitude with NaN winning (cheaper than the
 * NaN-propagating `f32x4.max`, which V8 lowers to several instructions).
 */
export function maxAbs(ptr: usize, len: i32): f64 {
  const mask = i32x4.splat(0x7fffffff);
  let m0 = i32x4.splat(0);
  let m1 = i32x4.splat(0);
  let m2 = i32x4.splat(0);
  let m3 = i32x4.splat(0);
  let j: i32 = 0;
  let q: usize = ptr;
  for (; j + 16 <= len; j += 16, q += 64) {
    m0 = i32x4.max_s(m0, v128.and(v128.load(q, 0), mask));
    m1 = i32x4.max_s(m1, v128.and(v128.load(q, 16), mask));
    m2 = i32x4.max_s(m2, v128.and(v128.load(q, 32), mask));
    m3 = i32x4.max_s(m3, v128.and(v128.load(q, 48), mask));
  }
  for (; j + 4 <= len; j += 4, q += 16) m0 = i32x4.max_s(m0, v128.and(v128.load(q), mask));
  const v = i32x4.max_s(i32x4.max_s(m0, m1), i32x4.max_s(m2, m3));
  let r: i32 = max(
    max(i32x4.extract_lane(v, 0), i32x4.extract_lane(v, 1)),
    max(i32x4.extract_lane(v, 2), i32x4.extract_lane(v, 3)),
  );
  for (; j < len; j++, q += 4) r = max(r, load<i32>(q) & 0x7fffffff);
  return r > 0x7f800000 ? NaN : <f64>reinterpret<f32>(r);
}
