/**
 * Argument checks and the row form shared by the float64 linear algebra of
 * this folder. Matrices are row-major arrays (`Float64Array`, `number[]` or
 * any `ArrayLike<number>`): entry `(i, j)` of an `m × n` matrix is
 * `a[i * n + j]`.
 *
 * @module
 */
import { GradclipArgumentError, describeValue } from '../errors.js';

/** Throws unless `v` is an integer `>= 1` (a matrix dimension). */
export function requireDimension(fn: string, name: string, v: unknown): number {
  if (typeof v !== 'number' || !Number.isInteger(v) || v < 1) {
    throw new GradclipArgumentError(`${fn}: ${name} must be an integer >= 1 (a matrix dimension), got ${describeValue(v)}`);
  }
  return v;
}

/**
 * Throws unless `a` is an array-like of `rows * cols` numbers (row-major).
 * Non-finite entries are allowed here: each function says what it returns
 * for them.
 */
export function requireMatrix(fn: string, a: unknown, rows: number, cols: number): ArrayLike<number> {
  const x = a as ArrayLike<number> | null | undefined;
  if (x === null || x === undefined || typeof x !== 'object' || typeof x.length !== 'number') {
    throw new GradclipArgumentError(`${fn}: matrix must be a row-major array of numbers (Float64Array or number[]), got ${describeValue(a)}`);
  }
  if (x.length !== rows * cols) {
    throw new GradclipArgumentError(`${fn}: matrix must hold rows * cols = ${rows} * ${cols} = ${rows * cols} entries (row-major), got ${x.length}`);
  }
  for (let i = 0; i < x.length; i++) {
    if (typeof x[i] !== 'number') throw new GradclipArgumentError(`${fn}: matrix entry ${i} must be a number, got ${describeValue(x[i])}`);
  }
  return x;
}

/** True when every entry is finite. */
export function allFinite(a: ArrayLike<number>): boolean {
  for (let i = 0; i < a.length; i++) if (!Number.isFinite(a[i])) return false;
  return true;
}

/** A fresh copy of the row-major `rows × cols` matrix `a` as one Float64Array per row. */
export function toRows(a: ArrayLike<number>, rows: number, cols: number): Float64Array[] {
  const out: Float64Array[] = [];
  for (let i = 0; i < rows; i++) {
    const r = new Float64Array(cols);
    for (let j = 0; j < cols; j++) r[j] = a[i * cols + j];
    out.push(r);
  }
  return out;
}
