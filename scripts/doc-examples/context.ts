/**
 * The names a documentation example may use without declaring them
 * (scripts/check-examples.mjs imports the ones an example uses). An example
 * reads as the middle of a user's training script: TF.js is imported as `tf`,
 * there is a small compiled model with its data, a loss closure and an
 * optimizer, and a few step records from an earlier run. Everything else it
 * uses it must declare or import itself, except the names of the `gradclip`
 * and `gradclip/node` entries (and, in TSDoc, the names its own file exports),
 * which are imported for it.
 *
 * Keep this list short: a name belongs here only when several examples
 * would otherwise each repeat the same setup lines.
 */
import * as tf from '@tensorflow/tfjs';
// Registers the 'wasm' backend, so `await tf.setBackend('wasm')` works in an example.
import '@tensorflow/tfjs-backend-wasm';
import type { StepStats } from 'gradclip';

export { tf };

/** Inputs: 64 rows of 8 features. */
export const xs: tf.Tensor2D = tf.randomNormal([64, 8], 0, 1, 'float32', 1);
/** Targets: 64 rows of 1 value (large, so the gradients are clipped). */
export const ys: tf.Tensor2D = tf.randomNormal([64, 1], 0, 10, 'float32', 2);

/** A two-layer regression model, compiled with SGD and mean squared error. */
export const model: tf.Sequential = tf.sequential({
  layers: [tf.layers.dense({ units: 16, inputShape: [8], activation: 'tanh' }), tf.layers.dense({ units: 1 })],
});
model.compile({ optimizer: tf.train.sgd(0.01), loss: 'meanSquaredError' });

/** The model's loss on (xs, ys), as `tf.variableGrads` and `optimizer.minimize` take it. */
export const loss = (): tf.Scalar => tf.losses.meanSquaredError(ys, model.predict(xs) as tf.Tensor) as tf.Scalar;

/** A plain TF.js optimizer. */
export const optimizer: tf.Optimizer = tf.train.sgd(0.01);

/** 200 step records of a healthy run (pre-clip norms around 1, a few clipped at 1.0). */
export const stepStats: StepStats[] = Array.from({ length: 200 }, (_, i) => {
  const preClipNorm = 0.8 + 0.4 * Math.abs(Math.sin(i * 0.7)) + (i % 50 === 49 ? 2 : 0);
  const clipped = preClipNorm > 1;
  return {
    step: i + 1,
    loss: 1 / (1 + i * 0.05),
    preClipNorm,
    postClipNorm: Math.min(preClipNorm, 1),
    clipCoef: clipped ? 1 / (preClipNorm + 1e-6) : 1,
    clipped,
    skipped: false,
  };
});

/** One step record (the last of {@link stepStats}). */
export const stats: StepStats = stepStats[stepStats.length - 1];
