/**
 * Pieces shared by the recurrent models: the input projection of all time
 * steps at once and the linear read-out of the last or of every state.
 *
 * @module
 */

import { add, matMul, reshape, stack, tidy, unstack, type Tensor, type Tensor2D, type Tensor3D } from '@tensorflow/tfjs-core';
import type { OutputMode, SequenceModel, StateMatrix, StateProbe } from './types.js';
import { checkSequenceInput } from './validate.js';
import type { VariableSet } from './variables.js';

/**
 * `x_t W + b` for every step in one matrix product: `x` is `[T, B, D]`, `w`
 * is `[D, K]`, `b` is `[K]`; returns the `T` slices `[B, K]`.
 */
export function projectInputs(x: Tensor3D, w: Tensor, b: Tensor): Tensor2D[] {
  const [t, batch, d] = x.shape;
  const k = w.shape[1] as number;
  const flat = add(matMul(reshape(x, [t * batch, d]), w as Tensor2D), b) as Tensor2D;
  return unstack(reshape(flat, [t, batch, k])) as Tensor2D[];
}

/**
 * The linear output layer `y = h W_y + b_y`: on the last state (`'last'`,
 * `[B, out]`) or on every state (`'sequence'`, `[T, B, out]`).
 */
export function readout(states: Tensor2D[], mode: OutputMode, w: Tensor, b: Tensor): Tensor {
  const out = w.shape[1] as number;
  if (mode === 'last') return add(matMul(states[states.length - 1], w as Tensor2D), b);
  const t = states.length;
  const [batch, h] = states[0].shape;
  const flat = add(matMul(reshape(stack(states), [t * batch, h]), w as Tensor2D), b);
  return reshape(flat, [t, batch, out]);
}

/** Runs `fn` in a `tf.tidy` (every tensor it makes is released) and returns its host result. */
export function hostTidy<T>(fn: () => T): T {
  let result: T | undefined;
  tidy(() => {
    result = fn();
  });
  return result as T;
}

/** What a recurrent model is made of (see {@link recurrentModel}). */
export interface RecurrentParts {
  kind: 'rnn' | 'lstm' | 'gru';
  /** The model's variables (all of them, in forward order). */
  set: VariableSet;
  inputSize: number;
  outputSize: number;
  output: OutputMode;
  /** Input kernel `[D, K]` and bias `[K]` applied to every step at once. */
  wx: Tensor;
  b: Tensor;
  /** Read-out `[H, out]` and bias `[out]`. */
  wy: Tensor;
  by: Tensor;
  /**
   * Runs the cell over the projected inputs from a zero state; returns every
   * step's hidden state `[B, H]`. With `probe`, each step's state (`[h]`, or
   * `[h, c]`) goes through it before anything uses it (gradient flow).
   */
  run(xs: Tensor2D[], batch: number, probe?: StateProbe): Tensor2D[];
  /** What one step's state is (see `RecurrentFlow.state`). */
  state: 'h' | '(h, c)';
  /** The state-to-state matrix of the projected inputs (see `RecurrentFlow.stateMatrix`); runs inside a `tf.tidy`. */
  stateMatrix(xs: Tensor2D[], batch: number): StateMatrix;
}

/**
 * A {@link SequenceModel} from its cell: `y = readout(run(x W_x + b))`, in a
 * `tf.tidy` so only the output survives a forward pass.
 */
export function recurrentModel(p: RecurrentParts): SequenceModel {
  const { kind, set, inputSize, outputSize, output } = p;
  return {
    kind,
    input: 'sequence',
    inputSize,
    outputSize,
    output,
    prefix: set.prefix,
    variables: set.list,
    get numParams() {
      return set.numParams;
    },
    forward(x: Tensor3D): Tensor {
      checkSequenceInput(x, inputSize, kind);
      return tidy(() => readout(p.run(projectInputs(x, p.wx, p.b), x.shape[1]), output, p.wy, p.by));
    },
    flow: {
      state: p.state,
      forward(x: Tensor3D, probe: StateProbe): Tensor {
        checkSequenceInput(x, inputSize, kind);
        return tidy(() => readout(p.run(projectInputs(x, p.wx, p.b), x.shape[1], probe), output, p.wy, p.by));
      },
      stateMatrix(x: Tensor3D): StateMatrix {
        checkSequenceInput(x, inputSize, kind);
        return hostTidy(() => p.stateMatrix(projectInputs(x, p.wx, p.b), x.shape[1]));
      },
    },
    dispose: () => set.dispose(),
  };
}
