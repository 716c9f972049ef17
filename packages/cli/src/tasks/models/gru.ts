/**
 * Gated recurrent unit network (Cho et al. 2014, arXiv 1406.1078).
 *
 * @module
 */

import { add, concat, matMul, mul, reshape, sigmoid, slice, split, square, stack, sub, sum, tanh, zeros, type Tensor2D } from '@tensorflow/tfjs-core';
import { gatedKernels, parseGatedInit } from './gated.js';
import type { GatedOptions } from './lstm.js';
import { checkOutput } from './rnn.js';
import { recurrentModel } from './sequence.js';
import type { SequenceModel, StateMatrix } from './types.js';
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
    run(xs, batch, probe) {
      const Uzr = slice(Wh, [0, 0], [hidden, 2 * hidden]) as Tensor2D;
      const Un = slice(Wh, [0, 2 * hidden], [hidden, hidden]) as Tensor2D;
      let h: Tensor2D = zeros([batch, hidden]);
      const states: Tensor2D[] = [];
      for (const xt of xs) {
        h = gruStep(xt, h, Uzr, Un).next;
        if (probe) [h] = probe([h]);
        states.push(h);
      }
      return states;
    },
    state: 'h',
    stateMatrix: (xs, batch) => gruMeanJacobian(xs, batch, hidden, Wh as Tensor2D),
  });
}

/**
 * One GRU step from the projected input `xt` (`[x W_z | x W_r | x W_n] + b`)
 * and the previous state `h`: the update gate `z`, the reset gate `r`, the
 * candidate `n = tanh(x W_n + (r ⊙ h) U_n)` and the next state
 * `z ⊙ h + (1 − z) ⊙ n`.
 */
function gruStep(xt: Tensor2D, h: Tensor2D, Uzr: Tensor2D, Un: Tensor2D): { z: Tensor2D; r: Tensor2D; n: Tensor2D; next: Tensor2D } {
  const [xz, xr, xn] = split(xt, 3, 1) as Tensor2D[];
  const [hz, hr] = split(matMul(h, Uzr), 2, 1) as Tensor2D[];
  const z = sigmoid(add(xz, hz)) as Tensor2D;
  const r = sigmoid(add(xr, hr)) as Tensor2D;
  const n = tanh(add(xn, matMul(mul(r, h), Un))) as Tensor2D;
  return { z, r, n, next: add(mul(z, h), mul(sub(1, z), n)) as Tensor2D };
}

/**
 * The mean over batch and time (t = 1..T) of the GRU's state-to-state
 * Jacobian `∂h_t/∂h_{t−1}` (H × H, row = output unit). With `h'` the
 * previous state, `γ_z = (h' − n) z (1 − z)`, `γ_n = (1 − z)(1 − n²)` and
 * `q = h' r (1 − r)`:
 * `∂h_k/∂h'_j = z_k δ_kj + γ_z,k U_z[j,k] + γ_n,k r_j U_n[j,k] + γ_n,k Σ_m q_m U_n[m,k] U_r[j,m]`.
 * The means of `z`, `γ_z` and of the products `γ_n,k r_j`, `γ_n,k q_m`
 * (two H × H matrices, `γ_nᵀ r` and `γ_nᵀ q`) are summed on the device and
 * read once; the matrix is assembled in float64.
 */
function gruMeanJacobian(xs: Tensor2D[], batch: number, hidden: number, Wh: Tensor2D): StateMatrix {
  const H = hidden;
  const Uzr = slice(Wh, [0, 0], [H, 2 * H]) as Tensor2D;
  const Un = slice(Wh, [0, 2 * H], [H, H]) as Tensor2D;
  let h: Tensor2D = zeros([batch, H]);
  let acc: Tensor2D | null = null; // rows: mean z, mean γ_z, then γ_nᵀ r (H rows), then γ_nᵀ q (H rows)
  for (const xt of xs) {
    const { z, r, n, next } = gruStep(xt, h, Uzr, Un);
    const gz = mul(sub(h, n), mul(z, sub(1, z)));
    const gn = mul(sub(1, z), sub(1, square(n))) as Tensor2D;
    const q = mul(h, mul(r, sub(1, r))) as Tensor2D;
    const vecs = reshape(sum(stack([z, gz]), 1), [2, H]) as Tensor2D;
    const s = concat([vecs, matMul(gn, r as Tensor2D, true, false), matMul(gn, q, true, false)], 0) as Tensor2D;
    acc = acc === null ? s : (add(acc, s) as Tensor2D);
    h = next;
  }
  const m = (acc as Tensor2D).dataSync();
  const w = Wh.dataSync();
  const N = batch * xs.length;
  const U = (block: number, j: number, k: number): number => w[j * 3 * H + block * H + k];
  const M1 = (k: number, j: number): number => m[(2 + k) * H + j] / N;
  const M2 = (k: number, j: number): number => m[(2 + H + k) * H + j] / N;
  const J = new Float64Array(H * H);
  for (let k = 0; k < H; k++) {
    for (let j = 0; j < H; j++) {
      let v = (m[H + k] / N) * U(0, j, k) + M1(k, j) * U(2, j, k);
      for (let mm = 0; mm < H; mm++) v += M2(k, mm) * U(2, mm, k) * U(1, j, mm);
      if (j === k) v += m[k] / N;
      J[k * H + j] = v;
    }
  }
  return { matrix: J, n: H, kind: 'mean-jacobian' };
}
