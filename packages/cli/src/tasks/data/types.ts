/**
 * Shared types of the synthetic sequence tasks (Pascanu, Mikolov & Bengio 2013,
 * arXiv 1211.5063, section 4.1; task generators as in the authors' code,
 * https://github.com/pascanur/trainingRNNs).
 *
 * Layout convention (all tasks): **time-major**. `inputs` is `[time, batch,
 * inputDim]`, per-step `targets` are `[time, batch, outputDim]`, last-step
 * `targets` are `[batch, outputDim]`, `mask` is `[time, batch]`; all flattened
 * row-major into `Float32Array`s. This is the layout of the authors' Theano
 * `scan` code, so a batch element `b` at step `t` channel `c` lives at
 * `inputs[(t * batch + b) * inputDim + c]`.
 *
 * Plain arrays only (no TF.js), so generators run anywhere.
 */
import type { Rng } from '../../core/random.js';

/** Names of the six pathological tasks (CLI `--task` values; contract). */
export type TaskName =
  | 'addition'
  | 'multiplication'
  | 'temporal-order'
  | '3bit-temporal-order'
  | 'random-permutation'
  | 'memorization';

/**
 * Training loss of a task, as in the authors' `RNN.py`:
 * - `'mse'` (`classifType = 'lastLinear'`): linear read-out of the last state,
 *   `mean over batch of sum over outputs (t - y)^2`.
 * - `'softmax-xent'` (`'lastSoftmax'` / `'softmax'`): softmax read-out,
 *   `-(t * log softmax(y))` summed over classes and averaged over the rows
 *   (batch rows for last-step tasks, all time x batch rows for per-step tasks).
 * - `'sigmoid-xent'`: element-wise sigmoid cross-entropy (not used by the six
 *   tasks; kept for multi-label data).
 */
export type TaskLoss = 'mse' | 'softmax-xent' | 'sigmoid-xent';

/** Where a task's targets live: only after the last step, or at every step. */
export type TargetKind = 'last' | 'sequence';

/** One mini-batch of a sequence task (time-major; see the module comment). */
export interface SequenceBatch {
  /** `[time, batch, inputDim]`, time-major. */
  inputs: Float32Array;
  /**
   * `[batch, outputDim]` when `targetKind === 'last'`, `[time, batch,
   * outputDim]` when `targetKind === 'sequence'`. Classification targets are
   * one-hot rows (as in the authors' code); regression targets are the values.
   */
  targets: Float32Array;
  /**
   * `[time, batch]`: 1 where a step carries a target, 0 elsewhere. Present for
   * per-step tasks only.
   */
  mask?: Float32Array;
  /** Number of time steps of this batch (one length for the whole batch, as the authors sample it). */
  time: number;
  /** Number of sequences. */
  batch: number;
  /** Channels per input step. */
  inputDim: number;
  /** Channels per target row. */
  outputDim: number;
  /** Where the targets live. */
  targetKind: TargetKind;
  /** The loss the task is trained with. */
  loss: TaskLoss;
}

/** A task: a seeded batch generator plus its success criterion. */
export interface SequenceTask {
  /** Registry name. */
  name: TaskName;
  /** Channels per input step. */
  inputDim: number;
  /** Channels per target row (1 for regression, number of classes otherwise). */
  outputDim: number;
  /** Training loss (see {@link TaskLoss}). */
  loss: TaskLoss;
  /** Where the targets live. */
  targetKind: TargetKind;
  /**
   * Smallest accepted `length` argument of {@link SequenceTask.sample}
   * (the authors' position formulas need `floor(0.1 * length) >= 1`, i.e.
   * length >= 10, for the marker tasks).
   */
  minLength: number;
  /**
   * Draws one batch. `length` is the task's nominal sequence length `T`; the
   * actual number of steps (`batch.time`) is `T` for most tasks, `T` plus a
   * random extra of up to 10% for addition / multiplication, and
   * `T + 2 * nPos` for memorization (see each task's documentation).
   */
  sample(rng: Rng, batch: number, length: number): SequenceBatch;
  /**
   * Fraction of sequences the predictions get wrong, by Pascanu et al.'s
   * criterion (authors' `RNN.py`, `eval_step`):
   * - regression: `sum over outputs (t - y)^2 > 0.04`;
   * - last-step classification: `argmax(y) != argmax(t)`;
   * - per-step classification: wrong if **any** step with a target is
   *   misclassified.
   *
   * `predictions` has the shape of `batch.targets`; for classification they
   * may be logits or probabilities (only the argmax matters; ties go to the
   * lowest index, like NumPy's `argmax`).
   */
  errorRate(predictions: Float32Array | Float64Array, batch: SequenceBatch): number;
  /** One-paragraph human description (input channels, positions, target). */
  description: string;
}

/** Options accepted by the task factories (each task reads the ones it knows). */
export interface TaskOptions {
  /**
   * Memorization: number of distinct symbols in the pattern.
   * @default 5
   */
  nValues?: number;
  /**
   * Memorization: number of symbols in the pattern.
   * @default 10
   */
  nPos?: number;
}
