/**
 * The "cliff" of Pascanu, Mikolov & Bengio 2013 (arXiv 1211.5063, section
 * 2.3, Fig. 6; the clipping remedy is their section 3.2, Algorithm 1): a
 * one-unit recurrent network without input,
 *
 *   x_t = w * sigmoid(x_{t-1}) + b,  t = 1..50,  x_0 = 0.5,
 *   E   = (sigmoid(x_50) - 0.7)^2,
 *
 * trained directly over its two parameters (w, b). There is no data: every
 * training step and every evaluation computes the same deterministic loss,
 * in TF.js (float32) so the optimizer can differentiate it. The float64
 * reference of the same function, with its analytic gradient, is
 * `tasks/data/cliff.ts`.
 *
 * @module
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { gradientFlow, type FlowProbe, type GradientFlow } from 'gradclip';
import { CLIFF_DEFAULTS } from '../../tasks/data/cliff.js';
import type { RunConfig } from '../config.js';
import { readLoss } from './common.js';
import type { BatchLoss, CliffPosition, Problem, ProblemEval } from './types.js';

/** The fields of a run the cliff problem reads: the starting point (w0, b0). */
export type CliffProblemConfig = Pick<RunConfig, 'cliffW' | 'cliffB'>;

/** The one-unit RNN of Fig. 6 over its parameters (w, b) (see the module comment). */
export class CliffProblem implements Problem {
  /** Recurrent weight w, named `${prefix}cliff/w`. */
  readonly w: Variable;
  /** Bias b, named `${prefix}cliff/b`. */
  readonly b: Variable;
  /** [w, b]. */
  readonly variables: readonly Variable[];
  /** None: both parameters are clipped alike by AGC. */
  readonly outputLayerName = null;
  /** No text, no entropy baseline. */
  readonly entropyBaseline = null;
  /** One line: the recurrence and the loss. */
  readonly description = 'cliff: one-unit RNN x_t = w*sigmoid(x_{t-1}) + b, 50 steps, E = (sigmoid(x_50) - 0.7)^2';
  private disposed = false;

  /** Creates w = `config.cliffW` and b = `config.cliffB` (in that order), named after `prefix`. */
  constructor(config: CliffProblemConfig, prefix: string) {
    const w0 = tf.scalar(config.cliffW);
    const b0 = tf.scalar(config.cliffB);
    this.w = tf.variable(w0, true, `${prefix}cliff/w`);
    this.b = tf.variable(b0, true, `${prefix}cliff/b`);
    tf.dispose([w0, b0]);
    this.variables = [this.w, this.b];
  }

  /** True: the state x_t is probed; the "recurrent matrix" is the 1 × 1 [w]. */
  readonly supportsFlow = true;

  /** The loss at the current (w, b); there is no batch, so nothing to free. */
  batchLoss(): BatchLoss {
    return { loss: () => this.loss(), free: [], flow: () => this.flow() };
  }

  /**
   * The gradient flow of E through x_1..x_50 (`timeNorms[t − 1] = |∂E/∂x_t|`),
   * its growth, and |w| as the spectral norm and radius of the one-unit
   * recurrent "matrix" [w] (the Jacobian is ∂x_t/∂x_{t−1} = w·σ'(x_{t−1})).
   */
  private flow(): GradientFlow {
    const measured = gradientFlow((probe) => this.loss(probe));
    const w = Math.abs(this.w.dataSync()[0]);
    return { ...measured, spectralNorm: w, spectralRadius: w };
  }

  /** The loss at the current (w, b), read once (there is no data to average over). */
  evaluate(): ProblemEval {
    return { loss: readLoss(this.loss()) };
  }

  /** The current (w, b). */
  cliffPosition(): CliffPosition {
    return { w: this.w.dataSync()[0], b: this.b.dataSync()[0] };
  }

  /** Frees w and b. Idempotent. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    this.w.dispose();
    this.b.dispose();
  }

  /** E(w, b) = (sigmoid(x_50) - 0.7)^2: the only place the cliff's loss is computed. */
  private loss(probe?: FlowProbe): Scalar {
    return tf.tidy(() => {
      let x: Tensor = tf.scalar(CLIFF_DEFAULTS.x0);
      for (let t = 0; t < CLIFF_DEFAULTS.steps; t++) {
        x = tf.add(tf.mul(this.w, tf.sigmoid(x)), this.b);
        if (probe) x = probe(x);
      }
      return tf.square(tf.sub(tf.sigmoid(x), CLIFF_DEFAULTS.target)) as Scalar;
    });
  }
}
