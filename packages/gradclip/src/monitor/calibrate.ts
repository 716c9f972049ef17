/**
 * Threshold calibration: the practitioners' recipe for picking a clipping
 * threshold — train a few hundred steps **without** clipping, record the
 * global gradient norm of every step, and clip a little above the typical
 * (median) norm but below the spikes (Pascanu et al. 2013, arXiv 1211.5063,
 * section 3.2: "a good heuristic is to look at statistics on the average
 * norm over a sufficiently large number of updates").
 *
 * The calibration steps run on a copy of the training state: the variables'
 * values are snapshotted and restored bit for bit, and the optimizer used is
 * a fresh clone (`fromConfig(getConfig())` with the original's weights
 * copied in), so the caller's optimizer — its moments and iteration count —
 * is never touched.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Optimizer, Scalar, Tensor, Variable } from '@tensorflow/tfjs-core';
import { serialization } from '@tensorflow/tfjs-core';
import type { LayersModel } from '@tensorflow/tfjs-layers';
import { getTotalNorm } from '../clip/total-norm.js';
import { TransformingOptimizer } from '../optim/transforming-optimizer.js';
import { recommendThreshold, type RecommendedThreshold, type RecommendThresholdOptions } from './recommend/index.js';
import { GradclipArgumentError, requireInteger } from '../core/errors.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link calibrate}. */
export interface CalibrateOptions {
  /** Unclipped steps to run. @default 200 */
  steps?: number;
  /**
   * Optimizer whose unclipped dynamics to imitate (cloned, never modified).
   * A gradclip wrapper is unwrapped: its inner optimizer is used without clipping.
   * @default tf.train.sgd(0.01)
   */
  optimizer?: Optimizer;
  /** Options forwarded to {@link recommendThreshold}. */
  recommend?: RecommendThresholdOptions;
}

/** Result of {@link calibrate}. */
export interface CalibrationResult extends RecommendedThreshold {
  /** The pre-clip global norm of every calibration step (NaN/Inf included). */
  norms: number[];
  /** The loss of every calibration step. */
  losses: number[];
  /**
   * Which loss the steps differentiated: `"loss function"` (the first form),
   * `"data.loss"`, `"compiled: <name>"` (the model's compiled loss), or
   * `"meanSquaredError (the model is not compiled)"`.
   */
  lossUsed: string;
}

/**
 * A training step for calibration: given the step index, returns the scalar
 * loss to differentiate (its data may come from anywhere).
 */
export type CalibrationLoss = (step: number) => Scalar;

/** A `tf.LayersModel` (or `tf.Sequential`) to calibrate. */
export type CalibratableModel = LayersModel;

/** Mini-batch data for calibrating a layers model. */
export interface CalibrationData {
  /** Inputs, batch along the first axis. */
  xs: Tensor;
  /** Targets, batch along the first axis (as many rows as `xs`). */
  ys: Tensor;
  /** @default 32 */
  batchSize?: number;
  /**
   * Loss of predictions vs targets.
   * @default the loss the model was compiled with (its mean over the batch, as
   *   `model.fit` computes it); mean squared error for a model that is not compiled
   */
  loss?: (yTrue: Tensor, yPred: Tensor) => Scalar;
}

/** The loss `model.fit` would use: `data.loss`, else the compiled loss (mean over the batch), else MSE. */
function modelLoss(model: CalibratableModel, given: CalibrationData['loss']): { fn: (y: Tensor, p: Tensor) => Scalar; name: string } {
  if (given !== undefined) return { fn: given, name: 'data.loss' };
  // tfjs-layers keeps the compiled per-output loss functions (per-sample values) in
  // lossFunctions; a tf.Sequential compiles the LayersModel it wraps (`.model`).
  type Compiled = { lossFunctions?: Array<(y: Tensor, p: Tensor) => Tensor>; loss?: unknown; model?: Compiled };
  const c = model as unknown as Compiled;
  const owner = c.lossFunctions === undefined && c.model !== undefined ? c.model : c;
  const compiled = owner.lossFunctions;
  if (Array.isArray(compiled) && compiled.length > 0) {
    if (compiled.length > 1) {
      throw new GradclipArgumentError(
        `calibrate: the model has ${compiled.length} outputs; pass data.loss (yTrue, yPred) => tf.Scalar for the combined loss`,
      );
    }
    const f = compiled[0];
    const raw = owner.loss;
    const label = typeof raw === 'string' ? raw : Array.isArray(raw) && typeof raw[0] === 'string' ? raw[0] : f.name || 'custom';
    return { fn: (y, p) => tf.mean(f(y, p)) as Scalar, name: `compiled: ${label}` };
  }
  return { fn: (y, p) => tf.losses.meanSquaredError(y, p) as Scalar, name: 'meanSquaredError (the model is not compiled)' };
}

function cloneOptimizer(opt: Optimizer): Optimizer {
  const base = opt instanceof TransformingOptimizer ? opt.inner : opt;
  const cls = base.constructor as unknown as serialization.SerializableConstructor<Optimizer> & {
    fromConfig: (c: serialization.SerializableConstructor<Optimizer>, cfg: serialization.ConfigDict) => Optimizer;
  };
  return cls.fromConfig(cls, base.getConfig());
}

async function copyOptimizerState(from: Optimizer, to: Optimizer): Promise<void> {
  const base = from instanceof TransformingOptimizer ? from.inner : from;
  let weights;
  try {
    weights = await base.getWeights();
  } catch {
    return; // an optimizer without state (or without getWeights) starts fresh
  }
  // weights[0] is a fresh iteration-count scalar; the rest are the optimizer's own variables.
  try {
    if (weights.length > 1) await to.setWeights(weights);
  } finally {
    weights[0]?.tensor.dispose();
  }
}

/**
 * Runs `steps` unclipped optimizer steps on a copy of the training state,
 * records the global gradient norm of each, restores every variable exactly,
 * and recommends a clipping threshold (see {@link recommendThreshold}).
 *
 * Two forms:
 * - `calibrate(lossFn, variables, options)` with a {@link CalibrationLoss};
 * - `calibrate(model, data, options)` with a `tf.LayersModel` and `{xs, ys}`.
 *
 * @example
 * ```ts
 * const r = await calibrate(model, {xs, ys, batchSize: 32}, {steps: 300, optimizer: model.optimizer});
 * console.log(r.threshold, r.percentiles);   // e.g. 1.5 {p50: 0.8, p90: 1.1, ...}
 * ```
 */
export async function calibrate(
  target: CalibrationLoss | CalibratableModel,
  dataOrVariables: readonly Variable[] | CalibrationData,
  options: CalibrateOptions = {},
): Promise<CalibrationResult> {
  checkOptions<CalibrateOptions>('calibrate', options, { steps: 'checked', optimizer: 'object', recommend: 'object' });
  const steps = options.steps ?? 200;
  if (!Number.isInteger(steps) || steps < 1) {
    throw new GradclipArgumentError(`calibrate: steps must be an integer >= 1, got ${String(steps)}; a few hundred steps give a reliable median`);
  }
  let lossAt: CalibrationLoss;
  let variables: Variable[];
  let lossUsed = 'loss function';
  if (typeof target === 'function') {
    if (!Array.isArray(dataOrVariables)) {
      throw new GradclipArgumentError('calibrate: with a loss function, the second argument must be the array of variables to train');
    }
    lossAt = target;
    variables = [...(dataOrVariables as Variable[])];
  } else {
    const model = target;
    const data = dataOrVariables as CalibrationData;
    if (!data || typeof data !== 'object' || !('xs' in data) || !('ys' in data)) {
      throw new GradclipArgumentError('calibrate: with a model, the second argument must be {xs, ys, batchSize?}');
    }
    checkOptions<CalibrationData>('calibrate', data, { xs: 'object', ys: 'object', batchSize: 'checked', loss: 'function' }, 'data');
    if (!model || typeof model.apply !== 'function' || !Array.isArray(model.trainableWeights)) {
      throw new GradclipArgumentError('calibrate: the first argument must be a loss function (step) => tf.Scalar or a tf.LayersModel');
    }
    variables = model.trainableWeights.map((w) => w.read() as Variable);
    const n = data.xs.shape[0];
    const bs = Math.min(requireInteger('calibrate', 'data.batchSize', data.batchSize ?? 32, 1, 'pass the mini-batch size, e.g. 32'), n);
    const chosen = modelLoss(model, data.loss);
    const lossFn = chosen.fn;
    lossUsed = chosen.name;
    lossAt = (i) =>
      tf.tidy(() => {
        const start = (i * bs) % Math.max(1, n - bs + 1);
        const x = tf.slice(data.xs, start, bs);
        const y = tf.slice(data.ys, start, bs);
        return lossFn(y, model.apply(x, { training: true }) as Tensor);
      });
    options = { ...options, optimizer: options.optimizer ?? (model.optimizer as Optimizer | undefined) };
  }
  const opt = options.optimizer ? cloneOptimizer(options.optimizer) : tf.train.sgd(0.01);
  if (options.optimizer) await copyOptimizerState(options.optimizer, opt);
  const snapshot = variables.map((v) => tf.keep(tf.clone(v)));
  const norms: number[] = [];
  const losses: number[] = [];
  try {
    for (let i = 0; i < steps; i++) {
      const { value, grads } = tf.variableGrads(() => lossAt(i), variables);
      const norm = getTotalNorm(grads);
      norms.push(norm.dataSync()[0]);
      losses.push(value.dataSync()[0]);
      norm.dispose();
      opt.applyGradients(grads);
      tf.dispose([value, ...Object.values(grads)]);
    }
  } finally {
    variables.forEach((v, i) => v.assign(snapshot[i]));
    tf.dispose(snapshot);
    opt.dispose();
  }
  return { ...recommendThreshold(norms, options.recommend), norms, losses, lossUsed };
}
