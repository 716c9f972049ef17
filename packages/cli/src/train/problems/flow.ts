/**
 * The gradient flow through time of one batch (`--flow-every`, docs/flow.md):
 * the library's `gradientFlow` over a recurrent model's probed forward pass,
 * and the spectra of its state-to-state matrix.
 *
 * @module
 */
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { gradientFlow, spectralNorm, spectralRadius, type GradientFlow } from 'gradclip';
import type { RecurrentFlow } from '../../tasks/models/types.js';

/**
 * `timeNorms[t − 1] = ‖∂L/∂s_t‖` (s_t the state of step t: h, or (h, c) for
 * the LSTM; the whole batch), `growth`, and the float64 `spectralNorm` and
 * `spectralRadius` of `flow.stateMatrix(input)`, at the current weights.
 * Touches no variable, optimizer or random stream; leaves no tensor behind.
 *
 * @param loss the training loss of the model's output (the same the step minimises).
 */
export function measureFlow<I extends Tensor>(flow: RecurrentFlow<I>, input: I, loss: (output: Tensor) => Scalar): GradientFlow {
  const measured = gradientFlow((probe) => loss(flow.forward(input, (state) => probe(state))));
  const m = flow.stateMatrix(input);
  return { ...measured, spectralNorm: spectralNorm(m.matrix, m.n, m.n), spectralRadius: spectralRadius(m.matrix, m.n) };
}
