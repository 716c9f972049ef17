/**
 * Weight initialisations for the task models, computed in float64 on plain
 * arrays from a seeded {@link Rng} (rounded to float32 when the variables are
 * made).
 *
 * @module
 */

import type { Rng } from '../../core/random.js';
import { randomOrthogonal, spectralRadius } from './linalg.js';

/**
 * The initialisations of Pascanu, Mikolov & Bengio 2013, "On the difficulty
 * of training recurrent neural networks" (arXiv 1211.5063, section 4.1, and
 * the authors' `trainingRNNs/RNN.py`), plus a plain normal one:
 *
 * | name | W_hx | W_hh | W_hy | units |
 * |---|---|---|---|---|
 * | `basic-tanh` | N(0, 0.1) | N(0, 0.1) | N(0, 0.1) | tanh |
 * | `smart-tanh` | N(0, 0.01) | sparse: 15 N(0,1) entries per row, rescaled to spectral radius 0.95 | N(0, 0.01) | tanh |
 * | `sigmoid` | N(0, 0.01) | N(0, 0.01) | N(0, 0.01) | sigmoid |
 * | `normal:<std>` | N(0, std) | N(0, std) | N(0, std) | tanh |
 *
 * (N(0, s) has standard deviation s, NumPy's `normal(scale=s)`.) Biases are 0.
 */
export type RnnInit =
  | { kind: 'basic-tanh' }
  | { kind: 'smart-tanh' }
  | { kind: 'sigmoid' }
  | { kind: 'normal'; std: number };

/** The `--init` spellings accepted for `rnn`. */
export const RNN_INIT_NAMES = ['basic-tanh', 'smart-tanh', 'sigmoid', 'normal:<std>'] as const;

/** Parses a standard deviation from `normal:<std>`; `what` names the argument in errors. */
export function parseNormalStd(text: string, what: string): number {
  const raw = text.slice('normal:'.length);
  const std = raw.trim() === '' ? Number.NaN : Number(raw);
  if (!Number.isFinite(std) || std < 0) {
    throw new Error(`${what} 'normal:<std>' needs a finite std >= 0, got '${text}' (for example 'normal:0.2')`);
  }
  return std;
}

/**
 * Parses an `rnn` initialisation name (see {@link RnnInit}).
 * @throws listing the valid names when `text` is not one of them.
 */
export function parseRnnInit(text: string): RnnInit {
  if (text === 'basic-tanh' || text === 'smart-tanh' || text === 'sigmoid') return { kind: text };
  if (text.startsWith('normal:')) return { kind: 'normal', std: parseNormalStd(text, 'init') };
  throw new Error(`init for rnn must be one of ${RNN_INIT_NAMES.join(', ')}; got '${text}'`);
}

/** `count` independent N(0, std) draws (standard deviation `std`). */
export function normalArray(count: number, std: number, rng: Rng): Float64Array {
  const out = new Float64Array(count);
  for (let i = 0; i < count; i++) out[i] = rng.normal(0, std);
  return out;
}

/** Options of {@link sparseSpectralMatrix}. */
export interface SparseSpectralOptions {
  /** Non-zero entries kept per row (all of them when the row is shorter). @default 15 */
  nonZerosPerRow?: number;
  /** Target spectral radius. @default 0.95 */
  radius?: number;
}

/**
 * Pascanu et al.'s `smart_tanh` recurrent matrix (arXiv 1211.5063 section 4.1,
 * after Sutskever et al. 2013's sparse initialisation): an `n x n` matrix of
 * N(0, 1) entries (drawn row-major); in each row, a uniformly random
 * permutation of the columns is drawn and every column after its first
 * `nonZerosPerRow` is set to 0; the matrix is then multiplied by
 * `radius / rho(W)` so that its spectral radius is `radius`. The N(0, 1)
 * scale does not matter because of the rescaling (the authors draw N(0, 0.01)).
 * The layout is `[in, out]` (`h_t = tanh(h_{t-1} W_hh + ...)`, as in the
 * authors' code), so rows are the outgoing connections of one unit.
 *
 * @returns row-major float64 entries.
 */
export function sparseSpectralMatrix(n: number, rng: Rng, options: SparseSpectralOptions = {}): Float64Array {
  const k = options.nonZerosPerRow ?? 15;
  const radius = options.radius ?? 0.95;
  if (!Number.isInteger(n) || n < 1) throw new Error(`hidden must be an integer >= 1, got ${n}`);
  if (!Number.isInteger(k) || k < 1) throw new Error(`nonZerosPerRow must be an integer >= 1, got ${k}`);
  if (!Number.isFinite(radius) || radius <= 0) throw new Error(`radius must be a finite number > 0, got ${radius}`);
  const w = normalArray(n * n, 1, rng);
  for (let i = 0; i < n; i++) {
    const perm = rng.permutation(n);
    for (let j = k; j < n; j++) w[i * n + perm[j]] = 0;
  }
  const rho = spectralRadius(w, n);
  if (!(rho > 0)) throw new Error(`smart-tanh: the sparse recurrent matrix has spectral radius ${rho}; use another seed`);
  const scale = radius / rho;
  for (let i = 0; i < w.length; i++) w[i] *= scale;
  return w;
}

/**
 * Glorot/Xavier uniform init (Glorot & Bengio 2010, AISTATS):
 * U(-l, l) with `l = sqrt(6 / (fanIn + fanOut))`, `fanIn * fanOut` draws
 * (Keras' default kernel initialiser; for fused gate kernels `fanOut` is the
 * whole fused width, as Keras computes it).
 */
export function glorotUniform(fanIn: number, fanOut: number, rng: Rng): Float64Array {
  const limit = Math.sqrt(6 / (fanIn + fanOut));
  const out = new Float64Array(fanIn * fanOut);
  for (let i = 0; i < out.length; i++) out[i] = rng.uniform(-limit, limit);
  return out;
}

/**
 * A `[n, gates * n]` recurrent kernel made of `gates` independent random
 * orthogonal `n x n` blocks side by side (block `g` in columns
 * `g*n .. (g+1)*n - 1`), the orthogonal init of Saxe et al. 2014 (arXiv
 * 1312.6120) applied per gate.
 */
export function orthogonalBlocks(n: number, gates: number, rng: Rng): Float64Array {
  const width = gates * n;
  const out = new Float64Array(n * width);
  for (let g = 0; g < gates; g++) {
    const q = randomOrthogonal(n, rng);
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) out[i * width + g * n + j] = q[i * n + j];
  }
  return out;
}
