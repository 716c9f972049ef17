/**
 * Long short-term memory network (Hochreiter & Schmidhuber 1997, with the
 * forget gate of Gers, Schmidhuber & Cummins 2000).
 *
 * @module
 */

import { add, matMul, mul, sigmoid, split, square, stack, sub, sum, tanh, zeros, type Tensor2D } from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random.js';
import { gatedKernels, parseGatedInit, type GatedInit } from './gated.js';
import { checkOutput } from './rnn.js';
import { recurrentModel } from './sequence.js';
import type { OutputMode, SequenceModel, StateMatrix } from './types.js';
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
    run(xs, batch, probe) {
      let h: Tensor2D = zeros([batch, hidden]);
      let c: Tensor2D = zeros([batch, hidden]);
      const states: Tensor2D[] = [];
      for (const xt of xs) {
        const [zi, zf, zg, zo] = split(add(xt, matMul(h, Wh)), 4, 1) as Tensor2D[];
        c = add(mul(sigmoid(zf), c), mul(sigmoid(zi), tanh(zg)));
        h = mul(sigmoid(zo), tanh(c));
        if (probe) [h, c] = probe([h, c]);
        states.push(h);
      }
      return states;
    },
    state: '(h, c)',
    stateMatrix: (xs, batch) => lstmMeanJacobian(xs, batch, hidden, Wh as Tensor2D),
  });
}

/**
 * The mean over batch and time (t = 1..T) of the LSTM's state-to-state
 * Jacobian `∂(h_t, c_t)/∂(h_{t−1}, c_{t−1})` (2H × 2H, row = output unit,
 * h before c). With `z = x W_x + h' W_h + b` (blocks i, f, g, o),
 * `c = f c' + i g`, `h = o tanh(c)`, every entry is a per-unit coefficient
 * times a weight: `∂c_k/∂h'_j = c'_k f_k(1−f_k) W_f[j,k] + g_k i_k(1−i_k) W_i[j,k] + i_k(1−g_k²) W_g[j,k]`,
 * `∂h_k/∂h'_j = o_k(1−o_k) tanh(c_k) W_o[j,k] + κ_k ∂c_k/∂h'_j` with
 * `κ = o (1 − tanh² c)`, `∂c/∂c' = diag(f)`, `∂h/∂c' = diag(κ f)`. So the
 * mean needs only the batch-and-time means of nine coefficient vectors
 * (summed on the device, read once); the matrix is assembled in float64.
 */
function lstmMeanJacobian(xs: Tensor2D[], batch: number, hidden: number, Wh: Tensor2D): StateMatrix {
  const H = hidden;
  let h: Tensor2D = zeros([batch, H]);
  let c: Tensor2D = zeros([batch, H]);
  let acc: Tensor2D | null = null;
  for (const xt of xs) {
    const [zi, zf, zg, zo] = split(add(xt, matMul(h, Wh)), 4, 1) as Tensor2D[];
    const i = sigmoid(zi);
    const f = sigmoid(zf);
    const g = tanh(zg);
    const o = sigmoid(zo);
    const c2: Tensor2D = add(mul(f, c), mul(i, g));
    const tc = tanh(c2);
    const kappa = mul(o, sub(1, square(tc)));
    const betaF = mul(c, mul(f, sub(1, f)));
    const betaI = mul(g, mul(i, sub(1, i)));
    const betaG = mul(i, sub(1, square(g)));
    const alphaO = mul(mul(o, sub(1, o)), tc);
    const coef = stack([alphaO, mul(kappa, betaF), mul(kappa, betaI), mul(kappa, betaG), betaF, betaI, betaG, f, mul(kappa, f)]);
    const s = sum(coef, 1) as Tensor2D;
    acc = acc === null ? s : (add(acc, s) as Tensor2D);
    h = mul(o, tc);
    c = c2;
  }
  const m = (acc as Tensor2D).dataSync();
  const w = Wh.dataSync();
  const N = batch * xs.length;
  const n = 2 * H;
  const J = new Float64Array(n * n);
  const W = (block: number, j: number, k: number): number => w[j * 4 * H + block * H + k];
  const mean = (row: number, k: number): number => m[row * H + k] / N;
  for (let k = 0; k < H; k++) {
    for (let j = 0; j < H; j++) {
      J[k * n + j] = mean(0, k) * W(3, j, k) + mean(1, k) * W(1, j, k) + mean(2, k) * W(0, j, k) + mean(3, k) * W(2, j, k);
      J[(H + k) * n + j] = mean(4, k) * W(1, j, k) + mean(5, k) * W(0, j, k) + mean(6, k) * W(2, j, k);
    }
    J[k * n + H + k] = mean(8, k);
    J[(H + k) * n + H + k] = mean(7, k);
  }
  return { matrix: J, n, kind: 'mean-jacobian' };
}
