/**
 * The spectral norm (largest singular value) of a real matrix, in float64.
 *
 * @module
 */
import { requireDimension, requireMatrix } from './matrix.js';
import { largestSymmetricEigenvalue } from './symmetric.js';

/**
 * Largest singular value `σ₁(A) = ‖A‖₂ = max_{‖x‖=1} ‖Ax‖` of a real
 * `rows × cols` matrix (row-major), in float64: `A` is scaled by its largest
 * entry, the smaller Gram matrix (`AᵀA` or `AAᵀ`) is formed, and its largest
 * eigenvalue λ is found by tridiagonalisation and bisection, so
 * `σ₁ = scale · √λ` (relative error a small multiple of `n·ε`). For a
 * recurrent matrix `W`, `‖W‖₂ > 1` is the necessary condition of Pascanu,
 * Mikolov & Bengio 2013 (arXiv 1211.5063, section 2.1) for gradients that
 * explode through time (`γ‖W‖₂ > 1`, with γ the bound on the
 * non-linearity's derivative).
 *
 * Returns 0 for a zero matrix, NaN when an entry is NaN, and Infinity when
 * an entry is infinite.
 *
 * @param matrix row-major entries, `rows * cols` of them (not modified).
 * @param rows number of rows m.
 * @param cols number of columns n.
 * @throws GradclipArgumentError on a bad size or a non-number entry.
 */
export function spectralNorm(matrix: ArrayLike<number>, rows: number, cols: number): number {
  requireDimension('spectralNorm', 'rows', rows);
  requireDimension('spectralNorm', 'cols', cols);
  const a = requireMatrix('spectralNorm', matrix, rows, cols);
  let scale = 0;
  for (let i = 0; i < a.length; i++) {
    const x = Math.abs(a[i]);
    if (Number.isNaN(x)) return Number.NaN;
    if (x > scale) scale = x;
  }
  if (scale === 0) return 0;
  if (!Number.isFinite(scale)) return Number.POSITIVE_INFINITY;
  // Gram matrix of the shorter side: k × k with k = min(rows, cols).
  const byCols = cols <= rows;
  const k = byCols ? cols : rows;
  const inner = byCols ? rows : cols;
  const at = (i: number, j: number): number => (byCols ? a[j * cols + i] : a[i * cols + j]) / scale;
  const vecs: Float64Array[] = [];
  for (let i = 0; i < k; i++) {
    const v = new Float64Array(inner);
    for (let j = 0; j < inner; j++) v[j] = at(i, j);
    vecs.push(v);
  }
  const g: Float64Array[] = [];
  for (let i = 0; i < k; i++) g.push(new Float64Array(k));
  for (let i = 0; i < k; i++) {
    for (let j = i; j < k; j++) {
      let s = 0;
      const vi = vecs[i];
      const vj = vecs[j];
      for (let t = 0; t < inner; t++) s += vi[t] * vj[t];
      g[i][j] = g[j][i] = s;
    }
  }
  const lambda = largestSymmetricEigenvalue(g, k);
  return scale * Math.sqrt(Math.max(lambda, 0));
}
