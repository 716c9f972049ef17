/**
 * The one contract between {@link Experiment} and what it trains: a
 * {@link Problem}. One implementation per task family, each in its own file:
 *
 * - `sequence.ts`: Pascanu, Mikolov & Bengio 2013 (arXiv 1211.5063, section
 *   4.1) pathological sequence tasks, learned by a {@link SequenceModel};
 * - `charlm.ts`: next-character prediction on the synthetic corpus, learned
 *   by a token model (transformer, or a one-hot recurrent model);
 * - `cliff.ts`: the one-unit recurrent network of the same paper (section
 *   2.3, Fig. 6) trained directly over its two parameters (w, b).
 *
 * `createProblem` (in `index.ts`) picks the family from the run's `task`.
 *
 * @module
 */
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import type { GradientFlow } from 'gradclip';
import type { Rng } from '../../core/random.js';

/** Which stream a batch is drawn from: training data, or held-out evaluation data. */
export type DataSplit = 'train' | 'valid';

/** The loss of one batch, ready for `optimizer.minimize`, and what to free after it. */
export interface BatchLoss {
  /**
   * The loss of the batch as a closure (the argument of `optimizer.minimize`
   * and of `calibrate`). It runs its forward pass in `tf.tidy`, so every call
   * returns one new scalar and leaves nothing else behind.
   */
  loss: () => Scalar;
  /** The batch's input tensors: dispose them once the closure is no longer called. */
  free: Tensor[];
  /**
   * Measures the gradient flow through time of this batch's loss at the
   * current weights (`--flow-every`; see `measureFlow`); absent where the
   * problem has no recurrent state (the transformer). Changes nothing.
   */
  flow?: () => GradientFlow;
}

/** Evaluation of a problem on its evaluation data (before the step number is attached). */
export interface ProblemEval {
  /** Mean loss over the evaluation data. */
  loss: number;
  /** Pascanu et al.'s error rate on the evaluation data; only for tasks with such a criterion. */
  errorRate?: number;
}

/** Current position (w, b) of the cliff's two parameters. */
export interface CliffPosition {
  /** Recurrent weight w. */
  w: number;
  /** Bias b. */
  b: number;
}

/**
 * What {@link Experiment} trains: the trainable variables, one batch's loss,
 * an evaluation, and a few facts for the summary. A problem owns its
 * variables (and frees them in {@link Problem.dispose}); it owns no optimizer.
 */
export interface Problem {
  /** The trainable variables, in forward order (each named `${prefix}...`). */
  readonly variables: readonly Variable[];
  /**
   * Name of the final read-out weight, which AGC leaves unclipped (as Brock
   * et al. do for the classifier layer); null where no layer is a read-out
   * (the cliff's two scalars).
   */
  readonly outputLayerName: string | null;
  /** Human description of the task. */
  readonly description: string;
  /** True when {@link BatchLoss.flow} is there (a recurrent model, or the cliff). */
  readonly supportsFlow: boolean;
  /** Unigram entropy of the training text in nats/char (the context-free baseline of charlm), else null. */
  readonly entropyBaseline: number | null;
  /**
   * Draws one batch of `batchSize` examples from `rng` (advancing it) and
   * returns its loss closure and input tensors. Problems without data (the
   * cliff) ignore `rng`, `batchSize` and `split`.
   *
   * @param split which data stream to draw from. @default 'train'
   */
  batchLoss(rng: Rng, batchSize: number, split?: DataSplit): BatchLoss;
  /**
   * Mean loss (and error rate, where the task has one) on `evalSize` fresh
   * examples drawn from `rng`, the evaluation stream. Problems without data
   * evaluate their loss once and ignore `evalSize`.
   */
  evaluate(rng: Rng, evalSize: number): ProblemEval;
  /** Current (w, b) for the cliff; null for every other problem. */
  cliffPosition(): CliffPosition | null;
  /** Frees every variable of the problem. Idempotent. */
  dispose(): void;
}
