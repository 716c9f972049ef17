/**
 * Float64 vector norms over several float32 buffers treated as one vector.
 *
 * This is the reference arithmetic behind every gradclip norm: the elements
 * of all buffers form one vector `x` and we return
 *
 *   ||x||_p = (Σ |x_i|^p)^(1/p)        for 0 < p < ∞
 *   ||x||_∞ = max |x_i|
 *
 * accumulated in float64, so the relative error against exact arithmetic is
 * far below 1e-6 for any finite float32 input, including values above 1e19
 * whose squares overflow float32 (PyTorch and TF return Inf there).
 * NaN anywhere gives NaN; otherwise ±Inf anywhere gives Inf.
 * The definitions follow `torch.linalg.vector_norm` / `torch.nn.utils.get_total_norm`.
 *
 * No TF.js here: callers hand in the backends' own buffers without copying.
 */

/** A read-only run of numbers (a Float32Array view of a tensor's buffer, typically). */
export type NumericBuffer = ArrayLike<number>;

/** Σ x_i² in float64 over all buffers (NaN if any NaN, Inf if any ±Inf). */
export function sumSquares(buffers: readonly NumericBuffer[]): number {
  let total = 0;
  for (const b of buffers) {
    let s = 0;
    const n = b.length;
    for (let i = 0; i < n; i++) {
      const v = b[i];
      s += v * v;
    }
    total += s;
  }
  return total;
}

/** Σ |x_i| in float64 over all buffers. */
export function sumAbs(buffers: readonly NumericBuffer[]): number {
  let total = 0;
  for (const b of buffers) {
    let s = 0;
    const n = b.length;
    for (let i = 0; i < n; i++) s += Math.abs(b[i]);
    total += s;
  }
  return total;
}

/** max |x_i| over all buffers; NaN if any element is NaN; 0 for no elements. */
export function maxAbs(buffers: readonly NumericBuffer[]): number {
  let m = 0;
  for (const b of buffers) {
    const n = b.length;
    for (let i = 0; i < n; i++) {
      const a = Math.abs(b[i]);
      if (a > m) m = a;
      else if (a !== a) return Number.NaN;
    }
  }
  return m;
}

/**
 * The p-norm of all elements of all buffers as one vector, in float64.
 *
 * p = 2 and p = 1 accumulate directly (float64 cannot overflow on float32
 * inputs); p = ∞ is the maximum magnitude; any other p is computed scaled by
 * the maximum magnitude m to avoid overflow and underflow:
 * `||x||_p = m · (Σ (|x_i|/m)^p)^(1/p)`.
 *
 * @param buffers - the vector, split into any number of pieces
 * @param p - the norm order, p > 0 or `Infinity`
 */
export function pNorm(buffers: readonly NumericBuffer[], p: number): number {
  if (p === 2) return Math.sqrt(sumSquares(buffers));
  if (p === 1) return sumAbs(buffers);
  const m = maxAbs(buffers);
  if (p === Number.POSITIVE_INFINITY) return m;
  if (m !== m) return Number.NaN;
  if (m === 0) return 0;
  if (m === Number.POSITIVE_INFINITY) return m;
  let total = 0;
  for (const b of buffers) {
    let s = 0;
    const n = b.length;
    for (let i = 0; i < n; i++) s += Math.pow(Math.abs(b[i]) / m, p);
    total += s;
  }
  return m * Math.pow(total, 1 / p);
}
