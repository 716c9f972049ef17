/**
 * The largest eigenvalue of a real symmetric matrix, in float64: Householder
 * tridiagonalisation, then bisection on the Sturm sequence count of the
 * tridiagonal matrix (Golub & Van Loan, *Matrix Computations*, 4th ed.,
 * sections 8.3.1 and 8.4.1). Bisection is exact in its logic (the count of
 * eigenvalues below x is the number of negative pivots of the LDLᵀ
 * factorisation of T − xI) and accurate to a few units of `ε·‖T‖`.
 *
 * @module
 */

import { householder } from './householder.js';
const EPS = Number.EPSILON;

/** In-place Householder tridiagonalisation of the symmetric `g` (rows); returns the diagonal and the sub-diagonal. */
export function tridiagonalize(g: Float64Array[], n: number): { d: Float64Array; e: Float64Array } {
  const v = new Float64Array(n);
  const p = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1;
    const { beta, head } = householder((i) => g[k + 1 + i][k], m, v);
    if (beta === 0) continue;
    // B ← P B P with P = I − β v vᵀ on the trailing block B = g[k+1.., k+1..]:
    // p = β B v, w = p − (β/2)(pᵀv) v, B ← B − v wᵀ − w vᵀ.
    let pv = 0;
    for (let i = 0; i < m; i++) {
      const row = g[k + 1 + i];
      let s = 0;
      for (let j = 0; j < m; j++) s += row[k + 1 + j] * v[j];
      p[i] = beta * s;
      pv += p[i] * v[i];
    }
    const half = 0.5 * beta * pv;
    for (let i = 0; i < m; i++) p[i] -= half * v[i];
    for (let i = 0; i < m; i++) {
      const row = g[k + 1 + i];
      for (let j = 0; j < m; j++) row[k + 1 + j] -= v[i] * p[j] + p[i] * v[j];
    }
    g[k + 1][k] = g[k][k + 1] = head;
    for (let i = k + 2; i < n; i++) g[i][k] = g[k][i] = 0;
  }
  const d = new Float64Array(n);
  const e = new Float64Array(Math.max(0, n - 1));
  for (let i = 0; i < n; i++) d[i] = g[i][i];
  for (let i = 0; i + 1 < n; i++) e[i] = g[i + 1][i];
  return { d, e };
}

/** Number of eigenvalues of the tridiagonal (d, e) below `x` (negative pivots of T − xI). */
function countBelow(d: Float64Array, e2: Float64Array, x: number, pivmin: number): number {
  let count = 0;
  let q = d[0] - x;
  if (Math.abs(q) <= pivmin) q = -pivmin;
  if (q < 0) count++;
  for (let i = 1; i < d.length; i++) {
    q = d[i] - x - e2[i - 1] / q;
    if (Math.abs(q) <= pivmin) q = -pivmin;
    if (q < 0) count++;
  }
  return count;
}

/** The largest eigenvalue of the symmetric tridiagonal matrix with diagonal `d` and sub-diagonal `e`, by bisection. */
export function largestTridiagonalEigenvalue(d: Float64Array, e: Float64Array): number {
  const n = d.length;
  const e2 = new Float64Array(e.length);
  let maxE2 = 0;
  let lo = Number.POSITIVE_INFINITY;
  let hi = Number.NEGATIVE_INFINITY;
  for (let i = 0; i < n; i++) {
    const left = i > 0 ? Math.abs(e[i - 1]) : 0;
    const right = i < n - 1 ? Math.abs(e[i]) : 0;
    lo = Math.min(lo, d[i] - left - right);
    hi = Math.max(hi, d[i] + left + right);
    if (i < n - 1) {
      e2[i] = e[i] * e[i];
      maxE2 = Math.max(maxE2, e2[i]);
    }
  }
  const size = Math.max(Math.abs(lo), Math.abs(hi));
  if (size === 0) return 0;
  const pivmin = Number.MIN_VALUE * 1e10 * Math.max(1, maxE2);
  // Gershgorin's interval, widened so that count(lo) < n and count(hi) = n.
  lo -= 2 * EPS * size + pivmin;
  hi += 2 * EPS * size + pivmin;
  for (let it = 0; it < 2200; it++) {
    const mid = 0.5 * (lo + hi);
    if (mid <= lo || mid >= hi || hi - lo <= 2 * EPS * Math.max(Math.abs(lo), Math.abs(hi))) break;
    if (countBelow(d, e2, mid, pivmin) === n) hi = mid;
    else lo = mid;
  }
  return 0.5 * (lo + hi);
}

/** The largest eigenvalue of the symmetric `n × n` matrix `g` (rows; destroyed). */
export function largestSymmetricEigenvalue(g: Float64Array[], n: number): number {
  if (n === 1) return g[0][0];
  const { d, e } = tridiagonalize(g, n);
  return largestTridiagonalEigenvalue(d, e);
}
