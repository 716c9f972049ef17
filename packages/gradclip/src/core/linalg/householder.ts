/**
 * The Householder reflector shared by the Hessenberg reduction (`eigen.ts`)
 * and the tridiagonalisation (`symmetric.ts`).
 *
 * @module
 */

/**
 * Fills `v[0..m)` with the Householder vector of `x = (x(0), …, x(m − 1))`
 * (scaled by `Σ|x_i|` against overflow): `P = I − β v vᵀ` maps `x` onto a
 * multiple of `e_0`. Returns `β = 2 / (vᵀv)` and `head`, the first entry
 * of `P x` (the rest are 0); `β` is 0 when `x` is zero (no reflection
 * needed).
 */
export function householder(x: (i: number) => number, m: number, v: Float64Array): { beta: number; head: number } {
  let scale = 0;
  for (let i = 0; i < m; i++) scale += Math.abs(x(i));
  if (scale === 0) return { beta: 0, head: 0 };
  let s2 = 0;
  for (let i = 0; i < m; i++) {
    v[i] = x(i) / scale;
    s2 += v[i] * v[i];
  }
  const alpha = v[0] > 0 ? -Math.sqrt(s2) : Math.sqrt(s2);
  v[0] -= alpha;
  let vtv = 0;
  for (let i = 0; i < m; i++) vtv += v[i] * v[i];
  return { beta: vtv === 0 ? 0 : 2 / vtv, head: alpha * scale };
}
