/**
 * Loader of `test/vectors/flow.json` (generated offline by
 * `scripts/gen_flow_vectors.py` with numpy and torch in float64; see its
 * header for the format) and the LCG matrix recipe, bit-exact with the
 * generator.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

type Num = number | 'NaN' | 'Infinity' | '-Infinity';

/** One matrix case of `linalg`. */
export interface LinalgCase {
  name: string;
  rows: number;
  cols: number;
  matrix?: number[];
  lcg?: { seed: number; scale: number };
  colScale?: number[];
  spectralNorm: number;
  eigRe?: number[];
  eigIm?: number[];
  spectralRadius?: number;
}

/** A recurrent-network case (`rnn`, `lstm`, `gru`). */
export interface NetCase {
  name: string;
  kind?: 'lstm' | 'gru';
  D: number;
  H: number;
  T: number;
  B: number;
  weights: Record<string, number[]>;
  x: number[];
  y: number[];
  loss: number;
  timeNorms: number[];
  spectralNorm: number;
  spectralRadius: number;
  meanJacobian?: number[];
  size?: number;
}

/** The whole file. */
export interface FlowVectors {
  format: string;
  linalg: LinalgCase[];
  growth: { name: string; timeNorms: Num[]; growth: number | null }[];
  rnn: NetCase[];
  lstm: NetCase[];
  gru: NetCase[];
  orthogonal: { n: number; matrix: number[] };
}

/** Reads and checks the vectors file. */
export function loadFlowVectors(): FlowVectors {
  const v = JSON.parse(readFileSync(join(import.meta.dirname, '..', 'vectors', 'flow.json'), 'utf8')) as FlowVectors;
  if (v.format !== 'gradclip-flow-vectors/1') throw new Error(`flow.json: unexpected format ${v.format}`);
  return v;
}

/** A JSON-encoded number back to a number. */
export function decodeNum(x: Num): number {
  if (x === 'NaN') return Number.NaN;
  if (x === 'Infinity') return Number.POSITIVE_INFINITY;
  if (x === '-Infinity') return Number.NEGATIVE_INFINITY;
  return x;
}

/** The row-major float64 matrix of a case (inline or from the LCG recipe). */
export function caseMatrix(c: LinalgCase): Float64Array {
  if (c.matrix) return Float64Array.from(c.matrix);
  const { seed, scale } = c.lcg as { seed: number; scale: number };
  const out = new Float64Array(c.rows * c.cols);
  let s = seed >>> 0;
  for (let k = 0; k < out.length; k++) {
    s = (Math.imul(1664525, s) + 1013904223) >>> 0;
    out[k] = scale * (s / 2 ** 31 - 1);
  }
  if (c.colScale) for (let i = 0; i < c.rows; i++) for (let j = 0; j < c.cols; j++) out[i * c.cols + j] *= c.colScale[j];
  return out;
}
