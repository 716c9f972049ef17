/**
 * The model contracts shared by the CLI, the dashboard and the training loop.
 *
 * Two input kinds exist, told apart by the `input` discriminant:
 * - {@link SequenceModel} (`input: 'sequence'`): real-valued, time-major
 *   inputs `[T, B, D]` as produced by the Pascanu task generators; output
 *   `[B, out]` (`'last'`) or `[T, B, out]` (`'sequence'`).
 * - {@link TokenModel} (`input: 'tokens'`): integer ids `[B, T]` (the
 *   `charlm` task) → logits `[B, T, V]`. The transformer is always a token
 *   model; a recurrent model becomes one through one-hot inputs
 *   ({@link ModelSpec.vocabSize}).
 *
 * @module
 */

import type { Tensor, Tensor2D, Tensor3D, Variable } from '@tensorflow/tfjs-core';
import type { Rng } from '../../core/random.js';

/** The model families `createModel` knows (**contract** with the CLI's `--model`). */
export const MODEL_NAMES = ['rnn', 'lstm', 'gru', 'transformer'] as const;

/** One of {@link MODEL_NAMES}. */
export type ModelName = (typeof MODEL_NAMES)[number];

/** What a sequence model emits: one prediction from the last state, or one per time step. */
export type OutputMode = 'last' | 'sequence';

/** What every model has: its trainable variables and a way to free them. */
export interface ModelBase {
  /** The model family. */
  readonly kind: ModelName;
  /**
   * Trainable variables in forward order (input → recurrent/blocks → output),
   * each named `${prefix}<layer>/<weight>` (for example `run1/rnn/W_hh`).
   * Names are unique within the TF.js variable registry while the model lives.
   */
  readonly variables: readonly Variable[];
  /** The prefix every variable name starts with. */
  readonly prefix: string;
  /** Total number of trainable scalars. */
  readonly numParams: number;
  /** Disposes every variable (and unregisters its name). Idempotent. */
  dispose(): void;
}

/**
 * What a recurrent model hands to the library's `gradientFlow` probe: the
 * state of one time step as a list of `[B, H]` tensors (`[h]` for rnn and
 * gru, `[h, c]` for the LSTM); it returns the same values, marked.
 */
export type StateProbe = (state: Tensor2D[]) => Tensor2D[];

/** The state-to-state matrix whose spectra `--flow-every` reports (row-major float64, `n × n`). */
export interface StateMatrix {
  /** Row-major entries. */
  matrix: Float64Array;
  /** The order n (H, or 2H for the LSTM's `(h, c)`). */
  n: number;
  /**
   * `'recurrent-weights'`: the recurrent kernel `W_hh` of the rnn (its
   * spectra are those of the linear part of the Jacobian,
   * `∂h_t/∂h_{t−1} = diag(f'(a_t)) W_hhᵀ`); `'mean-jacobian'`: the mean over
   * batch and time (t = 1..T) of the state-to-state Jacobian of a gated cell.
   */
  kind: 'recurrent-weights' | 'mean-jacobian';
}

/**
 * The gradient-flow hooks of a recurrent model (`gradclip train
 * --flow-every`; docs/flow.md): the forward pass with every step's state
 * probed, and the state-to-state matrix of a batch.
 */
export interface RecurrentFlow<I extends Tensor> {
  /** What one step's state is: `'h'` (rnn, gru) or `'(h, c)'` (LSTM: h first). */
  readonly state: 'h' | '(h, c)';
  /** Exactly {@link SequenceModel.forward} (or the token model's), with `probe` applied to the state of every step, t = 1..T in order. */
  forward(input: I, probe: StateProbe): Tensor;
  /** The state-to-state matrix at the current weights on this input (one forward pass and a host read; no tensor left behind). */
  stateMatrix(input: I): StateMatrix;
}

/** A model over real-valued time-major sequences (Pascanu et al. 2013 tasks). */
export interface SequenceModel extends ModelBase {
  readonly input: 'sequence';
  /** Size `D` of one input vector. */
  readonly inputSize: number;
  /** Size `out` of one prediction. */
  readonly outputSize: number;
  /** `'last'`: `[B, out]` from the final state; `'sequence'`: `[T, B, out]`. */
  readonly output: OutputMode;
  /**
   * Runs the model on `x` of shape `[T, B, D]` from a zero initial state.
   * Intermediate tensors are released (the body runs in `tf.tidy`); only the
   * result is new, and it is differentiable with respect to {@link variables}.
   */
  forward(x: Tensor3D): Tensor;
  /** The gradient-flow hooks (every recurrent model has them). */
  readonly flow?: RecurrentFlow<Tensor3D>;
}

/** A next-token model: ids `[B, T]` (int32) → logits `[B, T, V]`. */
export interface TokenModel extends ModelBase {
  readonly input: 'tokens';
  /** Vocabulary size `V`; ids must lie in `[0, V)`. */
  readonly vocabSize: number;
  /** Longest sequence accepted (`Infinity` for recurrent models). */
  readonly maxLength: number;
  /** Logits for every position (position `t` sees ids `0..t` only). Intermediates are released. */
  forward(ids: Tensor2D): Tensor3D;
  /** The gradient-flow hooks of a recurrent token model (absent for the transformer); `forward` returns logits `[B, T, V]`. */
  readonly flow?: RecurrentFlow<Tensor2D>;
}

/** Either kind of model; narrow with `model.input`. */
export type Model = SequenceModel | TokenModel;

/** Options for the small causal transformer (defaults are the `charlm` ones). */
export interface TransformerOptions {
  /** Width of the residual stream. @default 64 */
  dModel: number;
  /** Number of pre-LN blocks. @default 2 */
  layers: number;
  /** Attention heads; must divide `dModel`. @default 4 */
  heads: number;
  /** Longest sequence (size of the learned positional table). @default 64 */
  maxLength: number;
  /** Hidden width of the MLP as a multiple of `dModel`. @default 4 */
  mlpRatio: number;
  /** Standard deviation of the N(0, std) weight init (GPT-2's 0.02). @default 0.02 */
  initStd: number;
}

/**
 * Everything `createModel` needs. Validated in one place; every bad field
 * throws an error that names it.
 */
export interface ModelSpec {
  /** Model family: one of {@link MODEL_NAMES} (a string, so the CLI can pass its flag through). */
  name: string;
  /** Prefix for variable names, for example `'run1/'`. Two live models need different prefixes. @default '' */
  prefix?: string;
  /** Seed for the initialisation stream (ignored when `rng` is given). @default 0 */
  seed?: number;
  /** A seeded stream to draw the initial weights from (advanced by the call). */
  rng?: Rng;
  /** Input size `D` for sequence models (not used with `vocabSize`). */
  inputSize?: number;
  /** Output size for sequence models (not used with `vocabSize`). */
  outputSize?: number;
  /** Output mode for sequence models. @default 'last' */
  output?: OutputMode;
  /**
   * Makes a token model: the transformer needs it; for `rnn`/`lstm`/`gru` it
   * turns on one-hot inputs of size `V` and per-step logits of size `V`.
   */
  vocabSize?: number;
  /** Hidden units of a recurrent model. @default 50 */
  hidden?: number;
  /**
   * Initialisation: for `rnn` one of `basic-tanh`, `smart-tanh`, `sigmoid`,
   * `normal:<std>` (see `RnnInit`); for `lstm`/`gru` `glorot` or
   * `normal:<std>`; for the transformer `normal:<std>` overrides `initStd`.
   * @default 'smart-tanh' for rnn, 'glorot' for lstm/gru
   */
  init?: string;
  /**
   * Unit non-linearity of `rnn`. Pascanu et al.'s `sigmoid` initialisation is
   * defined for sigmoid units, so it defaults to `'sigmoid'` with that init
   * and to `'tanh'` otherwise.
   * @default 'tanh' ('sigmoid' with init 'sigmoid')
   */
  activation?: string;
  /** Transformer options (ignored by recurrent models). */
  transformer?: Partial<TransformerOptions>;
}
