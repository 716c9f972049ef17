/**
 * The hot loops of the cpu kernels: float32 in, float64 accumulation, written
 * so that V8 keeps them fast in any process (bench/cpu-fresh.ts measures it).
 *
 * - Monomorphic: these functions are private to the cpu kernels and only ever
 *   see `Float32Array`s (the kernels check with `instanceof` and fall back to
 *   the generic {@link pNorm} otherwise), so no other code in the process can
 *   make their element loads polymorphic.
 * - Blocked: each tensor is walked in blocks of {@link BLOCK} elements by a
 *   small leaf function. A leaf is called hundreds of times per clip, so V8
 *   optimizes it as a whole function with complete type feedback. A single
 *   long loop is instead compiled on-stack (OSR) in the middle of its first
 *   run, before the code after the loop has any feedback; V8 caches that OSR
 *   code and re-enters it on every later call, which then deoptimizes at the
 *   loop exit every time (seen with `--trace-deopt` on the previous kernels:
 *   one deopt per tensor, and a scale loop 2x slower than the same loop in
 *   isolation).
 * - Unrolled by 4 with 4 independent float64 accumulators: a single
 *   accumulator is bound by the latency of the float64 add (~3 cycles per
 *   element); four let the adds overlap.
 *
 * Accuracy: every float32 square is exact in float64 (48 significant bits),
 * so the only rounding is float64 summation: relative error ~n·2^-53, far
 * below 1e-6, and no overflow for any finite float32 (3.4e38² = 1.2e77).
 * NaN anywhere gives NaN, ±Inf gives Inf (squares and |x| are >= 0, so
 * Inf - Inf cannot occur).
 */

/** Elements per leaf call; a multiple of 4. */
const BLOCK = 4096;

function sumSquaresBlock(x: Float32Array, i: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (; i < end; i += 4) {
    const a = x[i];
    const b = x[i + 1];
    const c = x[i + 2];
    const d = x[i + 3];
    s0 += a * a;
    s1 += b * b;
    s2 += c * c;
    s3 += d * d;
  }
  return s0 + s1 + (s2 + s3);
}

/** Σ x_i² in float64. */
export function sumSquaresF32(x: Float32Array): number {
  const n = x.length;
  const head = n & 3; // the first n mod 4 elements, so every block is a multiple of 4
  let s = 0;
  for (let i = 0; i < head; i++) {
    const v = x[i];
    s += v * v;
  }
  for (let i = head; i < n; i += BLOCK) s += sumSquaresBlock(x, i, Math.min(n, i + BLOCK));
  return s;
}

function sumAbsBlock(x: Float32Array, i: number, end: number): number {
  let s0 = 0;
  let s1 = 0;
  let s2 = 0;
  let s3 = 0;
  for (; i < end; i += 4) {
    s0 += Math.abs(x[i]);
    s1 += Math.abs(x[i + 1]);
    s2 += Math.abs(x[i + 2]);
    s3 += Math.abs(x[i + 3]);
  }
  return s0 + s1 + (s2 + s3);
}

/** Σ |x_i| in float64. */
export function sumAbsF32(x: Float32Array): number {
  const n = x.length;
  const head = n & 3;
  let s = 0;
  for (let i = 0; i < head; i++) s += Math.abs(x[i]);
  for (let i = head; i < n; i += BLOCK) s += sumAbsBlock(x, i, Math.min(n, i + BLOCK));
  return s;
}

function maxAbsBlock(x: Float32Array, i: number, end: number): number {
  // Math.max returns NaN when either argument is NaN: NaN propagates.
  let m0 = 0;
  let m1 = 0;
  let m2 = 0;
  let m3 = 0;
  for (; i < end; i += 4) {
    m0 = Math.max(m0, Math.abs(x[i]));
    m1 = Math.max(m1, Math.abs(x[i + 1]));
    m2 = Math.max(m2, Math.abs(x[i + 2]));
    m3 = Math.max(m3, Math.abs(x[i + 3]));
  }
  return Math.max(Math.max(m0, m1), Math.max(m2, m3));
}

/** max |x_i| (0 when empty, NaN when any element is NaN). */
export function maxAbsF32(x: Float32Array): number {
  const n = x.length;
  const head = n & 3;
  let m = 0;
  for (let i = 0; i < head; i++) m = Math.max(m, Math.abs(x[i]));
  for (let i = head; i < n; i += BLOCK) m = Math.max(m, maxAbsBlock(x, i, Math.min(n, i + BLOCK)));
  return m;
}

function scaleBlock(x: Float32Array, y: Float32Array, c: number, i: number, end: number): void {
  for (; i < end; i += 4) {
    y[i] = x[i] * c;
    y[i + 1] = x[i + 1] * c;
    y[i + 2] = x[i + 2] * c;
    y[i + 3] = x[i + 3] * c;
  }
}

/**
 * `y_i = x_i · c`, rounded to float32 on the store. With `c` a float32 value
 * the float64 product of two float32s is exact, so the stored value is the
 * correctly rounded float32 product: bit-identical to `tf.mul(x, c)` (which
 * computes `a * b` into a Float32Array the same way). `y` may be `x` (in place).
 */
export function scaleF32(x: Float32Array, y: Float32Array, c: number): void {
  const n = x.length;
  const head = n & 3;
  for (let i = 0; i < head; i++) y[i] = x[i] * c;
  for (let i = head; i < n; i += BLOCK) scaleBlock(x, y, c, i, Math.min(n, i + BLOCK));
}

/**
 * The p-norm of all arrays as one vector for p = 2, 1 and ∞ (float64); any
 * other p returns `undefined` (the caller uses the scaled generic form).
 */
export function normF32(arrays: readonly Float32Array[], p: number): number | undefined {
  const k = arrays.length;
  if (p === 2) {
    let s = 0;
    for (let i = 0; i < k; i++) s += sumSquaresF32(arrays[i]);
    return Math.sqrt(s);
  }
  if (p === 1) {
    let s = 0;
    for (let i = 0; i < k; i++) s += sumAbsF32(arrays[i]);
    return s;
  }
  if (p === Number.POSITIVE_INFINITY) {
    let m = 0;
    for (let i = 0; i < k; i++) m = Math.max(m, maxAbsF32(arrays[i]));
    return m;
  }
  return undefined;
}
