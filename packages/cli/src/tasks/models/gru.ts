/**
 * Gated recurrent unit network (Cho et al. 2014, arXiv 1406.1078).
 *
 * @module
 */

import { add, matMul, mul, sigmoid, slice, split, sub, tanh, zeros, type Tensor2D } from '@tensorflow/tfjs-core';
import { gatedKernels, parseGatedInit } from './gated.js';
import type { GatedOptions } from './lstm.js';
import { checkOutput } from './rnn.js';
import { recurrentModel } from './sequence.js';
import type { SequenceModel } from './types.js';
import { checkInt } from './validate.js';
import { VariableSet } from './variables.js';

/**
 * Builds a one-layer GRU with a linear read-out, following Cho et al. 2014
 * (arXiv 1406.1078, eqs. 5–8), gate blocks in the order z, r, n:
 *
 * `z = sigma(x W_xz + h_{t-1} U_z + b_z)`, `r = sigma(x W_xr + h_{t-1} U_r + b_r)`,
 * `n = tanh(x W_xn + (r * h_{t-1}) U_n + b_n)`, `h_t = z * h_{t-1} + (1 - z) * n`,
 * `h_0 = 0`; `y = h_T W_y + b_y` (or every `h_t` with `output: 'sequence'`).
 *
 * (The reset gate multiplies the state before `U_n`, as in the paper; cuDNN
 * and PyTorch apply it after.) Biases start at 0; kernels per `GatedInit`.
 * Variables, in forward order: `gru/W_x [D, 3H]`, `gru/W_h [H, 3H]`,
 * `gru/b [3H]`, `out/W_y [H, out]`, `out/b_y [out]`.
 */
export function createGru(options: GatedOptions): SequenceModel {
  const inputSize = checkInt(options.inputSize, 'inputSize');
  const outputSize = checkInt(options.outputSize, 'outputSize');
  const hidden = checkInt(options.hidden ?? 50, 'hidden');
  const output = checkOutput(options.output ?? 'last');
  const init = typeof options.init === 'object' ? options.init : parseGatedInit(options.init ?? 'glorot', 'gru');
  const k = gatedKernels(init, inputSize, hidden, outputSize, 3, options.rng);

  const set = new VariableSet(options.prefix ?? '');
  const Wx = set.add('gru/W_x', k.wx, [inputSize, 3 * hidden]);
  const Wh = set.add('gru/W_h', k.wh, [hidden, 3 * hidden]);
  const b = set.add('gru/b', new Float64Array(3 * hidden), [3 * hidden]);
  const Wy = set.add('out/W_y', k.wy, [hidden, outputSize]);
  const by = set.add('out/b_y', new Float64Array(outputSize), [outputSize]);

  return recurrentModel({
    kind: 'gru',
    set,
    inputSize,
    outputSize,
    output,
    wx: Wx,
    b,
    wy: Wy,
    by,
    run(xs, batch) {
      const Uzr = slice(Wh, [0, 0], [hidden, 2 * hidden]) as Tensor2D;
      const Un = slice(Wh, [0, 2 * hidden], [hidden, hidden]) as Tensor2D;
      let h: Tensor2D = zeros([batch, hidden]);
      const states: Tensor2D[] = [];
      for (const xt of xs) {
        const [xz, xr, xn] = split(xt, 3, 1) as Tensor2D[];
        const [hz, hr] = split(matMul(h, Uzr), 2, 1) as Tensor2D[];
        const z = sigmoid(add(xz, hz));
        const r = sigmoid(add(xr, hr));
        const n = tanh(add(xn, matMul(mul(r, h), Un)));
        h = add(mul(z, h), mul(sub(1, z), n));
        states.push(h);
      }
      return states;
    },
  });
}
