/**
 * Initialisation shared by the gated recurrent models (LSTM, GRU).
 *
 * @module
 */

import type { Rng } from '../../core/random.js';
import { glorotUniform, normalArray, orthogonalBlocks, parseNormalStd } from './init.js';

/**
 * `glorot` (Keras' defaults: Glorot-uniform input and output kernels,
 * orthogonal recurrent blocks) or `normal:<std>` (every kernel N(0, std)).
 */
export type GatedInit = { kind: 'glorot' } | { kind: 'normal'; std: number };

/** Parses `glorot` or `normal:<std>`; `model` names the model in the error. */
export function parseGatedInit(text: string, model: string): GatedInit {
  if (text === 'glorot') return { kind: 'glorot' };
  if (text.startsWith('normal:')) return { kind: 'normal', std: parseNormalStd(text, 'init') };
  throw new Error(`init for ${model} must be 'glorot' or 'normal:<std>'; got '${text}'`);
}

/** Initial kernels of a gated cell with `gates` fused gate blocks. */
export interface GatedKernels {
  /** Input kernel `[D, gates * H]`. */
  wx: Float64Array;
  /** Recurrent kernel `[H, gates * H]`. */
  wh: Float64Array;
  /** Output kernel `[H, out]`. */
  wy: Float64Array;
}

/** Draws the kernels in the order input, recurrent, output. */
export function gatedKernels(init: GatedInit, d: number, h: number, out: number, gates: number, rng: Rng): GatedKernels {
  if (init.kind === 'normal') {
    return {
      wx: normalArray(d * gates * h, init.std, rng),
      wh: normalArray(h * gates * h, init.std, rng),
      wy: normalArray(h * out, init.std, rng),
    };
  }
  return {
    wx: glorotUniform(d, gates * h, rng),
    wh: orthogonalBlocks(h, gates, rng),
    wy: glorotUniform(h, out, rng),
  };
}
