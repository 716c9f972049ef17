/**
 * Eigenvalues and spectral radius of a general real square matrix, in
 * float64, without TF.js.
 *
 * Method (Golub & Van Loan, *Matrix Computations*, 4th ed., sections 7.4,
 * 7.5 and 7.5.7): scaling by the largest entry (no overflow, whatever the
 * magnitude), balancing by powers of two (Parlett & Reinsch 1969; a
 * diagonal similarity, so the eigenvalues are unchanged and the rounding of
 * badly scaled matrices drops), reduction to upper Hessenberg form by
 * Householder reflections, then the Francis implicit double-shift QR
 * iteration with deflation at negligible sub-diagonal entries and an
 * exceptional shift every 10 iterations without deflation (which breaks
 * the cycles of permutations and rotations). Cost O(n³): a 50 × 50
 * matrix takes a few milliseconds, a 200 × 200 one about 0.15 s.
 *
 * @module
 */
import { allFinite, requireDimension, requireMatrix, toRows } from './matrix.js';

import { householder } from './householder.js';
/** Eigenvalues of a real matrix as parallel arrays of real and imaginary parts (unordered; complex ones in conjugate pairs). */
export interface Eigenvalues {
  /** Real parts. */
  re: Float64Array;
  /** Imaginary parts (0 for a real eigenvalue). */
  im: Float64Array;
}

const EPS = Number.EPSILON;

/** In-place balancing `D⁻¹ A D` with `D` a diagonal of powers of two (row and column norms made alike). */
function balance(h: Float64Array[], n: number): void {
  for (let sweep = 0; sweep < 100; sweep++) {
    let changed = false;
    for (let i = 0; i < n; i++) {
      let c = 0;
      let r = 0;
      for (let j = 0; j < n; j++) {
        if (j === i) continue;
        c += Math.abs(h[j][i]);
        r += Math.abs(h[i][j]);
      }
      if (c === 0 || r === 0) continue;
      const total = c + r;
      // Find f = 2^k with c·f² about r (c tracks c·f² below).
      let f = 1;
      while (c < r / 2) {
        f *= 2;
        c *= 4;
      }
      while (c > r * 2) {
        f /= 2;
        c /= 4;
      }
      if ((c + r) / f < 0.95 * total) {
        changed = true;
        const g = 1 / f;
        for (let j = 0; j < n; j++) h[i][j] *= g;
        for (let j = 0; j < n; j++) h[j][i] *= f;
      }
    }
    if (!changed) return;
  }
}

/** In-place reduction to upper Hessenberg form by Householder similarity transformations. */
function toHessenberg(h: Float64Array[], n: number): void {
  const v = new Float64Array(n);
  for (let k = 0; k < n - 2; k++) {
    const m = n - k - 1; // length of the column below the diagonal
    const { beta, head } = householder((i) => h[k + 1 + i][k], m, v);
    if (beta === 0) continue;
    // Left: rows k+1..n-1, columns k+1..n-1 (column k is set below).
    for (let j = k + 1; j < n; j++) {
      let dot = 0;
      for (let i = 0; i < m; i++) dot += v[i] * h[k + 1 + i][j];
      dot *= beta;
      for (let i = 0; i < m; i++) h[k + 1 + i][j] -= dot * v[i];
    }
    // Right: every row, columns k+1..n-1.
    for (let i = 0; i < n; i++) {
      const row = h[i];
      let dot = 0;
      for (let j = 0; j < m; j++) dot += row[k + 1 + j] * v[j];
      dot *= beta;
      for (let j = 0; j < m; j++) row[k + 1 + j] -= dot * v[j];
    }
    h[k + 1][k] = head;
    for (let i = k + 2; i < n; i++) h[i][k] = 0;
  }
}

/** The two eigenvalues of `[[a, b], [c, d]]`, written to `re`/`im` at `i` and `i + 1`. */
function roots2(a0: number, b0: number, c0: number, d0: number, re: Float64Array, im: Float64Array, i: number): void {
  const s = Math.max(Math.abs(a0), Math.abs(b0), Math.abs(c0), Math.abs(d0));
  if (s === 0) {
    re[i] = re[i + 1] = im[i] = im[i + 1] = 0;
    return;
  }
  const a = a0 / s;
  const b = b0 / s;
  const c = c0 / s;
  const d = d0 / s;
  const p = 0.5 * (a - d);
  const mid = 0.5 * (a + d);
  const disc = p * p + b * c;
  if (disc >= 0) {
    const r = Math.sqrt(disc);
    // The root of larger modulus without cancellation, the other from the determinant.
    const big = mid >= 0 ? mid + r : mid - r;
    const small = big !== 0 ? (a * d - b * c) / big : 0;
    re[i] = big * s;
    re[i + 1] = small * s;
    im[i] = im[i + 1] = 0;
  } else {
    const w = Math.sqrt(-disc);
    re[i] = re[i + 1] = mid * s;
    im[i] = w * s;
    im[i + 1] = -w * s;
  }
}

/** Francis double-shift QR on an upper Hessenberg matrix (destroys `h`). */
function hessenbergEigenvalues(h: Float64Array[], n: number): Eigenvalues {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let norm = 0;
  for (let i = 0; i < n; i++) for (let j = Math.max(0, i - 1); j < n; j++) norm += Math.abs(h[i][j]);
  if (norm === 0) return { re, im };
  const maxIterations = 30 * Math.max(10, n);
  let total = 0;
  let its = 0;
  let hi = n - 1;
  while (hi >= 0) {
    // The active block is l..hi: h[l][l-1] is negligible (or l = 0).
    let l = hi;
    while (l > 0) {
      let s = Math.abs(h[l - 1][l - 1]) + Math.abs(h[l][l]);
      if (s === 0) s = norm;
      if (Math.abs(h[l][l - 1]) <= EPS * s) {
        h[l][l - 1] = 0;
        break;
      }
      l--;
    }
    if (l === hi) {
      re[hi] = h[hi][hi];
      im[hi] = 0;
      hi -= 1;
      its = 0;
      continue;
    }
    if (l === hi - 1) {
      roots2(h[hi - 1][hi - 1], h[hi - 1][hi], h[hi][hi - 1], h[hi][hi], re, im, hi - 1);
      hi -= 2;
      its = 0;
      continue;
    }
    if (total >= maxIterations) {
      throw new Error(`eigenvalues: the QR iteration did not converge in ${maxIterations} iterations (order ${n}); please report the matrix`);
    }
    total += 1;
    its += 1;
    // The two shifts as the trace and determinant of a 2 × 2 matrix: the
    // trailing block (Francis), or an exceptional one every 10 iterations.
    let tr: number;
    let det: number;
    if (its % 10 === 0) {
      const s = Math.abs(h[hi][hi - 1]) + Math.abs(h[hi - 1][hi - 2]);
      const h11 = 0.75 * s + h[hi][hi];
      tr = 2 * h11;
      det = h11 * h11 + 0.4375 * s * s;
    } else {
      const a = h[hi - 1][hi - 1];
      const b = h[hi - 1][hi];
      const c = h[hi][hi - 1];
      const d = h[hi][hi];
      tr = a + d;
      det = a * d - b * c;
    }
    // First column of (H − σ₁)(H − σ₂) = H² − tr·H + det·I.
    let x = h[l][l] * h[l][l] + h[l][l + 1] * h[l + 1][l] - tr * h[l][l] + det;
    let y = h[l + 1][l] * (h[l][l] + h[l + 1][l + 1] - tr);
    let z = h[l + 1][l] * h[l + 2][l + 1];
    // Chase the bulge down the active block with 3 × 3 (last: 2 × 2) reflections.
    for (let k = l; k < hi; k++) {
      const three = k + 2 <= hi;
      if (k > l) {
        x = h[k][k - 1];
        y = h[k + 1][k - 1];
        z = three ? h[k + 2][k - 1] : 0;
      }
      const scale = Math.abs(x) + Math.abs(y) + Math.abs(z);
      if (scale === 0) continue;
      const v0s = x / scale;
      const v1 = y / scale;
      const v2 = z / scale;
      const nv = Math.sqrt(v0s * v0s + v1 * v1 + v2 * v2);
      const alpha = v0s > 0 ? -nv : nv;
      const v0 = v0s - alpha;
      const beta = 2 / (v0 * v0 + v1 * v1 + v2 * v2);
      const r0 = h[k];
      const r1 = h[k + 1];
      const r2 = three ? h[k + 2] : r1;
      for (let j = Math.max(l, k - 1); j <= hi; j++) {
        const dot = beta * (v0 * r0[j] + v1 * r1[j] + (three ? v2 * r2[j] : 0));
        r0[j] -= dot * v0;
        r1[j] -= dot * v1;
        if (three) r2[j] -= dot * v2;
      }
      const iMax = Math.min(k + 3, hi);
      for (let i = l; i <= iMax; i++) {
        const row = h[i];
        const dot = beta * (row[k] * v0 + row[k + 1] * v1 + (three ? row[k + 2] * v2 : 0));
        row[k] -= dot * v0;
        row[k + 1] -= dot * v1;
        if (three) row[k + 2] -= dot * v2;
      }
      if (k > l) {
        r0[k - 1] = alpha * scale;
        r1[k - 1] = 0;
        if (three) r2[k - 1] = 0;
      }
    }
  }
  return { re, im };
}

/**
 * All eigenvalues of a real `n × n` matrix (row-major), in float64
 * (see the module comment for the method). A matrix with a NaN or infinite
 * entry gives NaN eigenvalues.
 *
 * @param matrix row-major entries, `n * n` of them (not modified).
 * @param n the order.
 * @throws GradclipArgumentError on a bad size or a non-number entry.
 */
export function eigenvalues(matrix: ArrayLike<number>, n: number): Eigenvalues {
  return eigenvaluesOf('eigenvalues', matrix, n);
}

/** {@link eigenvalues}, with `fn` named in the argument errors. */
function eigenvaluesOf(fn: string, matrix: ArrayLike<number>, n: number): Eigenvalues {
  requireDimension(fn, 'n', n);
  const a = requireMatrix(fn, matrix, n, n);
  if (!allFinite(a)) return { re: new Float64Array(n).fill(Number.NaN), im: new Float64Array(n).fill(Number.NaN) };
  // Work on A / max|a_ij| (no overflow in the shifts' products), then scale back.
  let scale = 0;
  for (let i = 0; i < a.length; i++) scale = Math.max(scale, Math.abs(a[i]));
  if (scale === 0) return { re: new Float64Array(n), im: new Float64Array(n) };
  const h = toRows(a, n, n);
  for (const row of h) for (let j = 0; j < n; j++) row[j] /= scale;
  balance(h, n);
  toHessenberg(h, n);
  const ev = hessenbergEigenvalues(h, n);
  for (let i = 0; i < n; i++) {
    ev.re[i] *= scale;
    ev.im[i] *= scale;
  }
  return ev;
}

/**
 * Spectral radius `ρ(A) = maxᵢ |λᵢ(A)|` of a real `n × n` matrix (row-major),
 * in float64, from `eigenvalues` (this module): the quantity Pascanu, Mikolov &
 * Bengio 2013 (arXiv 1211.5063, section 2.1) compare with 1 (`ρ < 1` is
 * sufficient for vanishing gradients of a linear recurrence, `ρ > 1`
 * necessary for exploding ones). NaN when an entry is not finite.
 *
 * @param matrix row-major entries, `n * n` of them.
 * @param n the order.
 */
export function spectralRadius(matrix: ArrayLike<number>, n: number): number {
  const { re, im } = eigenvaluesOf('spectralRadius', matrix, n);
  let rho = 0;
  for (let i = 0; i < n; i++) {
    const m = Math.hypot(re[i], im[i]);
    if (Number.isNaN(m)) return Number.NaN;
    rho = Math.max(rho, m);
  }
  return rho;
}
