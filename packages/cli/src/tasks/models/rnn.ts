/**
 * The vanilla recurrent network of Pascanu, Mikolov & Bengio 2013 (arXiv
 * 1211.5063) with the initialisations of their section 4.1.
 *
 * @module
 */

import { add, matMul, sigmoid, tanh, zeros, type Tensor2D } from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random.js';
import { normalArray, parseRnnInit, sparseSpectralMatrix, type RnnInit } from './init.js';
import { recurrentModel } from './sequence.js';
import type { OutputMode, SequenceModel } from './types.js';
import { checkInt } from './validate.js';
import { VariableSet } from './variables.js';

/** Unit non-linearities of {@link createRnn}. */
export type RnnActivation = 'tanh' | 'sigmoid';

/** Options of {@link createRnn}. */
export interface RnnOptions {
  /** Size `D` of one input vector. */
  inputSize: number;
  /** Size of one prediction. */
  outputSize: number;
  /** Hidden units. @default 50 */
  hidden?: number;
  /** Read out the last state or every state. @default 'last' */
  output?: OutputMode;
  /** Initialisation name (`basic-tanh`, `smart-tanh`, `sigmoid`, `normal:<std>`) or a parsed {@link RnnInit}. @default 'smart-tanh' */
  init?: string | RnnInit;
  /** Unit non-linearity. @default 'sigmoid' for init `sigmoid`, else 'tanh' */
  activation?: RnnActivation;
  /** Variable name prefix. @default '' */
  prefix?: string;
  /** Seeded stream the weights are drawn from (advanced by the call). */
  rng: Rng;
}

/**
 * Builds a one-layer Elman RNN
 *
 * `h_0 = 0`, `h_t = f(x_t W_hx + h_{t-1} W_hh + b_h)`, `y = h_T W_hy + b_y`
 * (or `y_t = h_t W_hy + b_y` for every t with `output: 'sequence'`),
 *
 * with `f = tanh` (or the logistic sigmoid), kernels in TF.js's `[in, out]`
 * layout exactly as in Pascanu et al.'s `trainingRNNs/RNN.py`. Weights are
 * drawn in the order W_hx, W_hh, W_hy from `rng` (see {@link RnnInit});
 * biases start at 0.
 *
 * Variables, in forward order: `rnn/W_hx [D, H]`, `rnn/W_hh [H, H]`,
 * `rnn/b_h [H]`, `out/W_hy [H, out]`, `out/b_y [out]` (each after `prefix`).
 */
export function createRnn(options: RnnOptions): SequenceModel {
  const inputSize = checkInt(options.inputSize, 'inputSize');
  const outputSize = checkInt(options.outputSize, 'outputSize');
  const hidden = checkInt(options.hidden ?? 50, 'hidden');
  const output = checkOutput(options.output ?? 'last');
  const init = typeof options.init === 'object' ? options.init : parseRnnInit(options.init ?? 'smart-tanh');
  const activation = options.activation ?? (init.kind === 'sigmoid' ? 'sigmoid' : 'tanh');
  if (activation !== 'tanh' && activation !== 'sigmoid') {
    throw new Error(`activation must be 'tanh' or 'sigmoid', got '${String(activation)}'`);
  }
  const rng = options.rng;
  const stdIn = init.kind === 'basic-tanh' ? 0.1 : init.kind === 'normal' ? init.std : 0.01;
  const whx = normalArray(inputSize * hidden, stdIn, rng);
  const whh = init.kind === 'smart-tanh' ? sparseSpectralMatrix(hidden, rng) : normalArray(hidden * hidden, stdIn, rng);
  const why = normalArray(hidden * outputSize, stdIn, rng);

  const set = new VariableSet(options.prefix ?? '');
  const Whx = set.add('rnn/W_hx', whx, [inputSize, hidden]);
  const Whh = set.add('rnn/W_hh', whh, [hidden, hidden]);
  const bh = set.add('rnn/b_h', new Float64Array(hidden), [hidden]);
  const Why = set.add('out/W_hy', why, [hidden, outputSize]);
  const by = set.add('out/b_y', new Float64Array(outputSize), [outputSize]);
  const f = activation === 'tanh' ? tanh : sigmoid;

  return recurrentModel({
    kind: 'rnn',
    set,
    inputSize,
    outputSize,
    output,
    wx: Whx,
    b: bh,
    wy: Why,
    by,
    run(xs, batch, probe) {
      let h: Tensor2D = zeros([batch, hidden]);
      const states: Tensor2D[] = [];
      for (const xt of xs) {
        h = f(add(xt, matMul(h, Whh)) as Tensor2D);
        if (probe) [h] = probe([h]);
        states.push(h);
      }
      return states;
    },
    state: 'h',
    // The recurrent kernel itself: the linear part of ∂h_t/∂h_{t−1} = diag(f'(a_t)) W_hhᵀ (same spectra as W_hhᵀ).
    stateMatrix: () => ({ matrix: Float64Array.from(Whh.dataSync()), n: hidden, kind: 'recurrent-weights' }),
  });
}

/** Throws unless `mode` is `'last'` or `'sequence'`. */
export function checkOutput(mode: unknown): OutputMode {
  if (mode !== 'last' && mode !== 'sequence') throw new Error(`output must be 'last' or 'sequence', got '${String(mode)}'`);
  return mode;
}
