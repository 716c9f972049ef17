/**
 * Small dense float64 linear algebra for model initialisation: eigenvalues of
 * a general real square matrix (for the spectral radius used by Pascanu et
 * al.'s `smart-tanh` initialisation) and random orthogonal matrices (Saxe et
 * al.'s orthogonal initialisation). Pure TypeScript, no TF.js; matrices are
 * row-major `Float64Array`s (or any `ArrayLike<number>`) of `n * n` entries.
 *
 * @module
 */

import type { Rng } from '../../core/random.js';

/** Eigenvalues of a real matrix as parallel arrays of real and imaginary parts (unordered). */
export interface Eigenvalues {
  /** Real parts. */
  re: Float64Array;
  /** Imaginary parts (complex eigenvalues come in conjugate pairs). */
  im: Float64Array;
}

function checkSquare(a: ArrayLike<number>, n: number, fn: string): void {
  if (!Number.isInteger(n) || n < 1) throw new Error(`${fn}: n must be an integer >= 1, got ${n}`);
  if (a.length !== n * n) {
    throw new Error(`${fn}: matrix must have n * n = ${n * n} entries (row-major), got ${a.length}`);
  }
  for (let i = 0; i < a.length; i++) {
    if (!Number.isFinite(a[i])) throw new Error(`${fn}: matrix entry ${i} is not finite (${a[i]}); pass a finite matrix`);
  }
}

/** `|a|` with the sign of `b` (Fortran SIGN). */
function sign(a: number, b: number): number {
  return b >= 0 ? Math.abs(a) : -Math.abs(a);
}

/**
 * All eigenvalues of a general real `n x n` matrix, in float64.
 *
 * Method: reduction to upper Hessenberg form by stabilised elementary
 * similarity transformations (Gaussian elimination with partial pivoting),
 * then the Francis implicit double-shift QR iteration on the Hessenberg matrix
 * with Wilkinson's exceptional shifts after 10 and 20 stalled iterations
 * (the EISPACK `elmhes` + `hqr` pair; Golub & Van Loan, *Matrix
 * Computations*, 4th ed., Algorithms 7.4.2 and 7.5.2). Cost O(n^3); a 50 x 50
 * matrix takes well under a millisecond.
 *
 * @param matrix row-major entries, length `n * n`, all finite (not modified).
 * @param n the order of the matrix.
 * @throws when the QR iteration fails to converge within 30 iterations for
 *   one eigenvalue (does not happen for ordinary matrices).
 */
export function eigenvalues(matrix: ArrayLike<number>, n: number): Eigenvalues {
  checkSquare(matrix, n, 'eigenvalues');
  const a: Float64Array[] = [];
  for (let i = 0; i < n; i++) {
    const row = new Float64Array(n);
    for (let j = 0; j < n; j++) row[j] = matrix[i * n + j];
    a.push(row);
  }
  toHessenberg(a, n);
  return hessenbergEigenvalues(a, n);
}

/** In-place reduction to upper Hessenberg form by stabilised elimination (similarity transform). */
function toHessenberg(a: Float64Array[], n: number): void {
  for (let m = 1; m < n - 1; m++) {
    // Pivot: the largest entry of column m-1 on or below row m.
    let x = 0;
    let piv = m;
    for (let j = m; j < n; j++) {
      if (Math.abs(a[j][m - 1]) > Math.abs(x)) {
        x = a[j][m - 1];
        piv = j;
      }
    }
    if (piv !== m) {
      // Swap rows piv and m, then columns piv and m (keeps it a similarity).
      const tmp = a[piv];
      a[piv] = a[m];
      a[m] = tmp;
      for (let j = 0; j < n; j++) {
        const t = a[j][piv];
        a[j][piv] = a[j][m];
        a[j][m] = t;
      }
    }
    if (x !== 0) {
      for (let i = m + 1; i < n; i++) {
        let y = a[i][m - 1];
        if (y === 0) continue;
        y /= x;
        // Row i -= y * row m; column m += y * column i (the inverse transform).
        for (let j = m - 1; j < n; j++) a[i][j] -= y * a[m][j];
        a[i][m - 1] = 0;
        for (let j = 0; j < n; j++) a[j][m] += y * a[j][i];
      }
    }
  }
  for (let i = 2; i < n; i++) for (let j = 0; j < i - 1; j++) a[i][j] = 0;
}

/** Francis double-shift QR on an upper Hessenberg matrix (destroys `a`). */
function hessenbergEigenvalues(a: Float64Array[], n: number): Eigenvalues {
  const re = new Float64Array(n);
  const im = new Float64Array(n);
  let anorm = 0;
  for (let i = 0; i < n; i++) for (let j = Math.max(i - 1, 0); j < n; j++) anorm += Math.abs(a[i][j]);
  let nn = n - 1;
  let t = 0; // accumulated exceptional shifts
  let its = 0;
  while (nn >= 0) {
    // Find the lowest l such that a[l][l-1] is negligible (the active block is l..nn).
    let l = nn;
    for (; l >= 1; l--) {
      let s = Math.abs(a[l - 1][l - 1]) + Math.abs(a[l][l]);
      if (s === 0) s = anorm;
      if (Math.abs(a[l][l - 1]) + s === s) {
        a[l][l - 1] = 0;
        break;
      }
    }
    let x = a[nn][nn];
    if (l === nn) {
      // One real root deflates.
      re[nn] = x + t;
      im[nn] = 0;
      nn -= 1;
      its = 0;
      continue;
    }
    let y = a[nn - 1][nn - 1];
    let w = a[nn][nn - 1] * a[nn - 1][nn];
    if (l === nn - 1) {
      // A 2x2 block deflates: its two roots, real or a conjugate pair.
      const p = 0.5 * (y - x);
      const q = p * p + w;
      let z = Math.sqrt(Math.abs(q));
      x += t;
      if (q >= 0) {
        z = p + sign(z, p);
        re[nn - 1] = re[nn] = x + z;
        if (z !== 0) re[nn] = x - w / z;
        im[nn - 1] = im[nn] = 0;
      } else {
        re[nn - 1] = re[nn] = x + p;
        im[nn - 1] = -z;
        im[nn] = z;
      }
      nn -= 2;
      its = 0;
      continue;
    }
    if (its === 30) {
      throw new Error(`eigenvalues: the QR iteration did not converge after 30 iterations (order ${n}); the matrix may be badly scaled`);
    }
    if (its === 10 || its === 20) {
      // Exceptional shift.
      t += x;
      for (let i = 0; i <= nn; i++) a[i][i] -= x;
      const s = Math.abs(a[nn][nn - 1]) + Math.abs(a[nn - 1][nn - 2]);
      x = 0.75 * s;
      y = x;
      w = -0.4375 * s * s;
    }
    its += 1;
    // Look for two consecutive small sub-diagonal elements; form the first
    // column of the double-shift polynomial (p, q, r).
    let m = nn - 2;
    let p = 0;
    let q = 0;
    let r = 0;
    let z = 0;
    for (; m >= l; m--) {
      z = a[m][m];
      r = x - z;
      const s0 = y - z;
      p = (r * s0 - w) / a[m + 1][m] + a[m][m + 1];
      q = a[m + 1][m + 1] - z - r - s0;
      r = a[m + 2][m + 1];
      const s = Math.abs(p) + Math.abs(q) + Math.abs(r);
      p /= s;
      q /= s;
      r /= s;
      if (m === l) break;
      const u = Math.abs(a[m][m - 1]) * (Math.abs(q) + Math.abs(r));
      const v = Math.abs(p) * (Math.abs(a[m - 1][m - 1]) + Math.abs(z) + Math.abs(a[m + 1][m + 1]));
      if (u + v === v) break;
    }
    for (let i = m + 2; i <= nn; i++) {
      a[i][i - 2] = 0;
      if (i !== m + 2) a[i][i - 3] = 0;
    }
    // Chase the bulge with 3x3 Householder reflections.
    for (let k = m; k <= nn - 1; k++) {
      if (k !== m) {
        p = a[k][k - 1];
        q = a[k + 1][k - 1];
        r = k !== nn - 1 ? a[k + 2][k - 1] : 0;
        x = Math.abs(p) + Math.abs(q) + Math.abs(r);
        if (x !== 0) {
          p /= x;
          q /= x;
          r /= x;
        }
      }
      const s = sign(Math.sqrt(p * p + q * q + r * r), p);
      if (s === 0) continue;
      if (k === m) {
        if (l !== m) a[k][k - 1] = -a[k][k - 1];
      } else {
        a[k][k - 1] = -s * x;
      }
      p += s;
      x = p / s;
      y = q / s;
      z = r / s;
      q /= p;
      r /= p;
      for (let j = k; j <= nn; j++) {
        let pp = a[k][j] + q * a[k + 1][j];
        if (k !== nn - 1) {
          pp += r * a[k + 2][j];
          a[k + 2][j] -= pp * z;
        }
        a[k + 1][j] -= pp * y;
        a[k][j] -= pp * x;
      }
      const iMax = Math.min(nn, k + 3);
      for (let i = l; i <= iMax; i++) {
        let pp = x * a[i][k] + y * a[i][k + 1];
        if (k !== nn - 1) {
          pp += z * a[i][k + 2];
          a[i][k + 2] -= pp * r;
        }
        a[i][k + 1] -= pp * q;
        a[i][k] -= pp;
      }
    }
  }
  return { re, im };
}

/**
 * Spectral radius `rho(A) = max_i |lambda_i(A)|` of a real `n x n` matrix, in
 * float64, from {@link eigenvalues} (the quantity `numpy.max(abs(eigvals(W)))`
 * that Pascanu et al. 2013, arXiv 1211.5063, rescale to 0.95 in `smart_tanh`).
 *
 * @param matrix row-major entries, length `n * n`, all finite.
 * @param n the order of the matrix.
 */
export function spectralRadius(matrix: ArrayLike<number>, n: number): number {
  const { re, im } = eigenvalues(matrix, n);
  let rho = 0;
  for (let i = 0; i < n; i++) rho = Math.max(rho, Math.hypot(re[i], im[i]));
  return rho;
}

/**
 * A random `n x n` orthogonal matrix drawn from the Haar measure: the `Q` of
 * the QR factorisation of a matrix of N(0, 1) entries, with the columns'
 * signs fixed so that `R` has a positive diagonal (Mezzadri 2007, "How to
 * generate random matrices from the classical compact groups", arXiv
 * math-ph/0609050). Used as the orthogonal initialisation of recurrent
 * kernels (Saxe, McClelland & Ganguli 2014, arXiv 1312.6120). QR by modified
 * Gram–Schmidt with one re-orthogonalisation pass, in float64; row-major.
 *
 * @param n the order, an integer >= 1.
 * @param rng the seeded stream to draw from.
 */
export function randomOrthogonal(n: number, rng: Rng): Float64Array {
  if (!Number.isInteger(n) || n < 1) throw new Error(`randomOrthogonal: n must be an integer >= 1, got ${n}`);
  // Columns of the Gaussian matrix.
  const cols: Float64Array[] = [];
  for (let j = 0; j < n; j++) {
    const c = new Float64Array(n);
    for (let i = 0; i < n; i++) c[i] = rng.normal();
    cols.push(c);
  }
  for (let j = 0; j < n; j++) {
    const v = cols[j];
    for (let pass = 0; pass < 2; pass++) {
      for (let k = 0; k < j; k++) {
        const qk = cols[k];
        let dot = 0;
        for (let i = 0; i < n; i++) dot += qk[i] * v[i];
        for (let i = 0; i < n; i++) v[i] -= dot * qk[i];
      }
    }
    let norm = 0;
    for (let i = 0; i < n; i++) norm += v[i] * v[i];
    norm = Math.sqrt(norm);
    // R's diagonal entry is `norm > 0` with this construction, so no sign flip is needed.
    for (let i = 0; i < n; i++) v[i] /= norm;
  }
  const q = new Float64Array(n * n);
  for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) q[i * n + j] = cols[j][i];
  return q;
}
