// @ts-nocheck -- AssemblyScript source (compiled by scripts/build-wasm.mjs, not by tsc).
/**
 * Shared constants and helpers of the gradclip SIMD kernels (AssemblyScript).
 *
 * Every pointer is a byte offset into the imported `env.memory` (the tfjs wasm backend's
 * memory); float32 data, little-endian, 4-byte aligned (16-byte alignment is NOT assumed:
 * `v128.load`/`v128.store` are unaligned accesses in WebAssembly).
 */

/**
 * Elements per checked block of the reductions. Each block's float32 partial is promoted
 * to float64 and added to a float64 total; a block whose partial is non-finite (overflow,
 * or genuine NaN/Inf input) or suspiciously tiny (underflow of squares) is recomputed in
 * float64. Contract from DESIGN.md section 2: at most 4096.
 */
export const BLOCK: i32 = 4096;

/**
 * Elements per float32 run inside a block: 4 accumulators x 4 lanes = 16 lanes, so each
 * lane adds at most SUB / 16 = 16 float32 terms before it is promoted to float64. This
 * bounds the float32 rounding error of a lane to about 16 * 2^-24 = 9.5e-7 relative
 * (worst case), far below it in practice.
 */
export const SUB: i32 = 256;

/**
 * A block sum of squares below this value may have lost accuracy to float32 underflow
 * (squares of |x| < 1.1e-19 are subnormal or zero). The absolute error of that underflow
 * is at most 4096 * 2^-150 = 2.9e-42 per block, so above 1e-30 it is < 3e-12 relative.
 */
export const TINY_SUM: f64 = 1e-30;

/** Adds both float64 halves of the float32x4 `x` to the float64x2 accumulator `acc`. */
// @ts-ignore: decorator
@inline
export function addPromoted(acc: v128, x: v128): v128 {
  acc = f64x2.add(acc, f64x2.promote_low_f32x4(x));
  return f64x2.add(acc, f64x2.promote_low_f32x4(v128.shuffle<f32>(x, x, 2, 3, 0, 1)));
}

/** Horizontal sum of a float64x2. */
// @ts-ignore: decorator
@inline
export function hsum64(v: v128): f64 {
  return f64x2.extract_lane(v, 0) + f64x2.extract_lane(v, 1);
}
