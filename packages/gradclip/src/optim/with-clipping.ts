import type { Optimizer } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, requireThreshold } from '../core/errors.js';
import { clipByGlobalNorm, clipByNorm, clipByValue } from '../transforms/clip.js';
import type { GradientTransformation } from '../transforms/types.js';
import type { OptimizerName } from './optimizer-names.js';
import { TransformingOptimizer, wrapResolved, type WithTransformsOptions } from './transforming-optimizer.js';

/** The Keras 3 optimizer clipping arguments; set exactly one. */
export interface ClippingOptions {
  /** Clip each variable's gradient to this L2 norm (`tf.clip_by_norm` per variable). */
  clipnorm?: number;
  /** Clip all gradients together to this global L2 norm (`tf.clip_by_global_norm`; NaN everywhere on a non-finite norm). */
  globalClipnorm?: number;
  /** Clamp each element to `[-clipvalue, clipvalue]`. */
  clipvalue?: number;
}

const KEYS = ['clipnorm', 'globalClipnorm', 'clipvalue'] as const;

/** Builds the transform for Keras-style clipping options (validated). */
export function kerasClipTransform(options: ClippingOptions): GradientTransformation {
  const fn = 'withClipping';
  if (options === null || typeof options !== 'object') {
    throw new GradclipArgumentError(`${fn}: options must be an object with one of clipnorm, globalClipnorm, clipvalue`);
  }
  const unknown = Object.keys(options).filter((k) => !(KEYS as readonly string[]).includes(k));
  if (unknown.length > 0) {
    throw new GradclipArgumentError(
      `${fn}: unknown option(s) ${unknown.map((k) => JSON.stringify(k)).join(', ')}; valid options are clipnorm, globalClipnorm, clipvalue (global_clipnorm is spelled globalClipnorm)`,
    );
  }
  const set = KEYS.filter((k) => options[k] !== undefined);
  if (set.length === 0) {
    throw new GradclipArgumentError(`${fn}: set one of clipnorm, globalClipnorm or clipvalue (for example {globalClipnorm: 1})`);
  }
  if (set.length > 1) {
    throw new GradclipArgumentError(
      `${fn}: only one of clipnorm, globalClipnorm, clipvalue can be set, got ${set.join(' and ')}; to combine clips use withTransforms(optimizer, transforms.chain(...))`,
    );
  }
  const key = set[0];
  const v = requireThreshold(fn, key, options[key], false);
  if (key === 'clipnorm') return clipByNorm(v);
  if (key === 'globalClipnorm') return clipByGlobalNorm(v, { rule: 'tf' });
  return clipByValue(v);
}

/**
 * Gives any TF.js optimizer the Keras 3 clipping arguments that TF.js lacks:
 *
 * - `clipnorm: c` — each variable's gradient `g ← g · c / max(||g||₂, c)`
 * - `globalClipnorm: c` — all gradients `g ← g · c / max(||G||₂, c)` with
 *   `||G||₂` the global norm (Pascanu et al. 2013, arXiv 1211.5063); every
 *   gradient becomes NaN when the global norm is not finite, as in Keras
 * - `clipvalue: v` — each element clamped to `[-v, v]`
 *
 * Exactly one may be set. Unlike Keras, which silently ignores a threshold
 * `<= 0`, that is an error here. The result is a real `tf.Optimizer`
 * ({@link TransformingOptimizer}) that clips inside `applyGradients`, so it
 * works in `model.fit`, `minimize`, and survives `model.save`/load.
 *
 * `optimizer` is any `tf.Optimizer`, or a name that `model.compile` accepts
 * (`'sgd'`, `'adam'`, `'adagrad'`, `'adadelta'`, `'adamax'`, `'rmsprop'` and
 * their capitalised spellings; see {@link OptimizerName}), which builds the
 * optimizer tfjs-layers would, with the same defaults.
 *
 * @example
 * ```ts
 * model.compile({optimizer: withClipping(tf.train.sgd(0.1), {globalClipnorm: 1}), loss: 'meanSquaredError'});
 * model.compile({optimizer: withClipping('adam', {clipnorm: 1}), loss: 'meanSquaredError'}); // Adam, lr 0.001
 * ```
 * @throws GradclipArgumentError for invalid options or an unknown optimizer name
 */
export function withClipping(
  optimizer: Optimizer | OptimizerName,
  options: ClippingOptions,
  wrapOptions: WithTransformsOptions = {},
): TransformingOptimizer {
  const transform = kerasClipTransform(options);
  return wrapResolved('withClipping', optimizer, (opt) => new TransformingOptimizer(opt, transform, wrapOptions, 'withClipping'));
}
