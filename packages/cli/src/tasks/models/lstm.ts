/**
 * Long short-term memory network (Hochreiter & Schmidhuber 1997, with the
 * forget gate of Gers, Schmidhuber & Cummins 2000).
 *
 * @module
 */

import { add, matMul, mul, sigmoid, split, tanh, zeros, type Tensor2D } from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random.js';
import { gatedKernels, parseGatedInit, type GatedInit } from './gated.js';
import { checkOutput } from './rnn.js';
import { recurrentModel } from './sequence.js';
import type { OutputMode, SequenceModel } from './types.js';
import { checkInt } from './validate.js';
import { VariableSet } from './variables.js';

/** Options of {@link createLstm} and {@link createGru}. */
export interface GatedOptions {
  /** Size `D` of one input vector. */
  inputSize: number;
  /** Size of one prediction. */
  outputSize: number;
  /** Hidden units. @default 50 */
  hidden?: number;
  /** Read out the last state or every state. @default 'last' */
  output?: OutputMode;
  /** `glorot` or `normal:<std>` (or parsed). @default 'glorot' */
  init?: string | GatedInit;
  /** Variable name prefix. @default '' */
  prefix?: string;
  /** Seeded stream the weights are drawn from. */
  rng: Rng;
}

/**
 * Builds a one-layer LSTM with a linear read-out. With gate blocks in the
 * order i, f, g, o of `z_t = x_t W_x + h_{t-1} W_h + b` (`[B, 4H]`):
 *
 * `i = sigma(z_i)`, `f = sigma(z_f)`, `g = tanh(z_g)`, `o = sigma(z_o)`,
 * `c_t = f * c_{t-1} + i * g`, `h_t = o * tanh(c_t)`, `h_0 = c_0 = 0`;
 * `y = h_T W_y + b_y` (or every `h_t` with `output: 'sequence'`).
 *
 * Init: the forget-gate bias is 1, other biases 0 (Gers et al. 2000;
 * Jozefowicz, Zaremba & Sutskever 2015); kernels per {@link GatedInit}.
 * Variables, in forward order: `lstm/W_x [D, 4H]`, `lstm/W_h [H, 4H]`,
 * `lstm/b [4H]`, `out/W_y [H, out]`, `out/b_y [out]`.
 */
export function createLstm(options: GatedOptions): SequenceModel {
  const inputSize = checkInt(options.inputSize, 'inputSize');
  const outputSize = checkInt(options.outputSize, 'outputSize');
  const hidden = checkInt(options.hidden ?? 50, 'hidden');
  const output = checkOutput(options.output ?? 'last');
  const init = typeof options.init === 'object' ? options.init : parseGatedInit(options.init ?? 'glorot', 'lstm');
  const k = gatedKernels(init, inputSize, hidden, outputSize, 4, options.rng);
  const bias = new Float64Array(4 * hidden);
  bias.fill(1, hidden, 2 * hidden);

  const set = new VariableSet(options.prefix ?? '');
  const Wx = set.add('lstm/W_x', k.wx, [inputSize, 4 * hidden]);
  const Wh = set.add('lstm/W_h', k.wh, [hidden, 4 * hidden]);
  const b = set.add('lstm/b', bias, [4 * hidden]);
  const Wy = set.add('out/W_y', k.wy, [hidden, outputSize]);
  const by = set.add('out/b_y', new Float64Array(outputSize), [outputSize]);

  return recurrentModel({
    kind: 'lstm',
    set,
    inputSize,
    outputSize,
    output,
    wx: Wx,
    b,
    wy: Wy,
    by,
    run(xs, batch) {
      let h: Tensor2D = zeros([batch, hidden]);
      let c: Tensor2D = zeros([batch, hidden]);
      const states: Tensor2D[] = [];
      for (const xt of xs) {
        const [zi, zf, zg, zo] = split(add(xt, matMul(h, Wh)), 4, 1) as Tensor2D[];
        c = add(mul(sigmoid(zf), c), mul(sigmoid(zi), tanh(zg)));
        h = mul(sigmoid(zo), tanh(c));
        states.push(h);
      }
      return states;
    },
  });
}
