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

// ---- Power sums with a power-of-two scale: the sufficient statistics of a p-norm split into shards.

/**
 * The binary exponent of a finite `x > 0`: the integer `e` with
 * `x = f · 2^e` and `0.5 ≤ f < 1` (C's `frexp`). Dividing by `2^e` is exact
 * in binary floating point, which is why shards of a norm are scaled by it.
 */
export function binaryExponent(x: number): number {
  let e = Math.floor(Math.log2(x)) + 1;
  // log2 can be off by one near powers of two: settle it exactly
  while (timesPow2(x, -e) >= 1) e++;
  while (timesPow2(x, -e) < 0.5) e--;
  return e;
}

/** `x · 2^n`, exact, in two steps so that neither power of two leaves float64's range. */
function timesPow2(x: number, n: number): number {
  const a = Math.trunc(n / 2);
  return x * Math.pow(2, a) * Math.pow(2, n - a);
}

/**
 * `Σ (|x_i| · 2^-e)^p` in float64 over all buffers, for a finite `p > 0`:
 * the p-th power sum of the vector scaled by the power of two `2^-e` (exact),
 * so values whose p-th powers overflow (or underflow) even float64 stay in
 * range when `2^e` is near the largest magnitude.
 */
export function scaledPowerSum(buffers: readonly NumericBuffer[], p: number, e: number): number {
  const k = Math.pow(2, -e);
  let total = 0;
  for (const b of buffers) {
    let s = 0;
    const n = b.length;
    if (p === 2) {
      for (let i = 0; i < n; i++) {
        const v = b[i] * k;
        s += v * v;
      }
    } else if (p === 1) {
      for (let i = 0; i < n; i++) s += Math.abs(b[i]) * k;
    } else {
      for (let i = 0; i < n; i++) s += Math.pow(Math.abs(b[i]) * k, p);
    }
    total += s;
  }
  return total;
}

/** One shard's p-th power sum as `sum · 2^(p · exponent)` (see {@link normOfScaledSums}). */
export interface ScaledPowerSum {
  /** The integer e of the shard's scale 2^e. */
  readonly exponent: number;
  /** `Σ (|x_i| / 2^e)^p`, float64, `>= 0` (NaN or +Infinity for a shard with such elements). */
  readonly sum: number;
}

/**
 * The p-norm of the union of shards given their scaled power sums, for a
 * finite `p > 0`:
 *
 *   E = max_i e_i (over shards with sum > 0),
 *   ||x||_p = 2^E · (Σ_i sum_i · 2^(p (e_i − E)))^(1/p)
 *
 * Rescaling to the common exponent E multiplies by powers of two (exact for
 * integer p), so shards holding values near float32's largest (3e38, whose
 * squares overflow float32) combine without loss. NaN in any shard gives NaN;
 * otherwise +Infinity in any shard gives Infinity; no shards, or only zero
 * shards, give 0.
 */
export function normOfScaledSums(parts: readonly ScaledPowerSum[], p: number): number {
  let E = Number.NEGATIVE_INFINITY;
  let inf = false;
  for (const s of parts) {
    if (s.sum !== s.sum) return Number.NaN;
    if (s.sum === Number.POSITIVE_INFINITY) inf = true;
    else if (s.sum > 0 && s.exponent > E) E = s.exponent;
  }
  if (inf) return Number.POSITIVE_INFINITY;
  if (E === Number.NEGATIVE_INFINITY) return 0;
  let total = 0;
  for (const s of parts) if (s.sum > 0) total += s.sum * Math.pow(2, p * (s.exponent - E));
  const root = p === 2 ? Math.sqrt(total) : p === 1 ? total : Math.pow(total, 1 / p);
  return root * Math.pow(2, E);
}
