import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, requireThreshold } from '../core/errors.js';
import { normOf, type FusedOption } from '../kernels/dispatch.js';
import { clampKeepNaN } from '../clip/clamp.js';
import { clipInfo, globalClipCoef, scaleAll, requireFloatUpdates } from './internal.js';
import { registerTransform } from './registry.js';
import type { GlobalNormRule, GradientTransformation, TransformResult } from './types.js';
import { checkOptions } from '../core/options.js';

export type { GlobalNormRule } from './types.js';
export { globalClipCoef } from './internal.js';

/** Stateless transforms keep an empty record as state. */
export type EmptyState = Readonly<Record<string, never>>;

/** Options of {@link clipByGlobalNorm}. */
export interface ClipByGlobalNormOptions {
  /** Coefficient rule. @default 'optax' */
  rule?: GlobalNormRule;
  /**
   * Kernel choice, like PyTorch's `foreach`: `undefined` uses gradclip's fused
   * multi-tensor norm and scale kernels when the backend has them (cpu, wasm),
   * `true` requires them (error at the first step otherwise), `false` uses the
   * TF.js op composition.
   * @default undefined (automatic)
   */
  fused?: FusedOption;
}

/**
 * Clips the whole gradient to a maximum global L2 norm, preserving its direction:
 *
 *   n = sqrt(Σ_i ||g_i||²),   g_i ← g_i · coef(n, maxNorm)
 *
 * Pascanu, Mikolov & Bengio 2013 (arXiv 1211.5063), Algorithm 1; coefficient
 * rule per {@link GlobalNormRule} (Optax's by default). Reports `preClipNorm`,
 * `postClipNorm = n · coef`, `clipCoef` and `clipped` (as tensors: no host sync).
 *
 * The norm and the scale are each one fused multi-tensor kernel on cpu/wasm
 * (`options.fused`). The transform declares itself in `fusableClip`, so
 * inside `withTransforms`/`withClipping` (also as the clip of a `chain` after
 * `monitor()`) the wrapper, on wasm, folds the coefficient into a fused
 * SGD/Adam/AdamW update (no scale pass at all), or else scales the gradients
 * it owns in place (no extra memory).
 *
 * @param maxNorm - a finite threshold > 0
 */
export function clipByGlobalNorm(maxNorm: number, opts: ClipByGlobalNormOptions = {}): GradientTransformation<EmptyState> {
  const fn = 'transforms.clipByGlobalNorm';
  const options = checkOptions<ClipByGlobalNormOptions>(fn, opts, { rule: 'checked', fused: 'checked' });
  requireThreshold(fn, 'maxNorm', maxNorm, false);
  const rule = options.rule ?? 'optax';
  if (rule !== 'optax' && rule !== 'tf' && rule !== 'torch') {
    throw new GradclipArgumentError(`${fn}: rule must be 'optax', 'tf' or 'torch', got ${JSON.stringify(rule)}`);
  }
  const fused = options.fused;
  if (fused !== undefined && typeof fused !== 'boolean') {
    throw new GradclipArgumentError(`${fn}: fused must be true, false or undefined, got ${JSON.stringify(fused)}`);
  }
  const specOptions: Record<string, unknown> = { rule };
  if (fused !== undefined) specOptions.fused = fused;
  return {
    name: `clipByGlobalNorm(${maxNorm})`,
    spec: { type: 'clipByGlobalNorm', args: [maxNorm, specOptions] },
    fusableClip: { maxNorm, rule, fused },
    init: () => ({}),
    update(updates, state): TransformResult<EmptyState> {
      requireFloatUpdates(fn, updates);
      const n = normOf(fn, Object.values(updates), 2, fused);
      const coef = globalClipCoef(n, maxNorm, rule);
      const out = scaleAll(fn, updates, coef, { fused });
      return { updates: out, state, info: clipInfo(n, coef) };
    },
  };
}

/**
 * Clamps every element to `[-maxDelta, maxDelta]` (Optax `clip`, Keras
 * `clipvalue`, `torch.nn.utils.clip_grad_value_`). Changes the direction of
 * the gradient. Reports `clipped` = whether any element exceeded the bound.
 *
 * @param maxDelta - a finite bound > 0
 */
export function clipByValue(maxDelta: number): GradientTransformation<EmptyState> {
  const fn = 'transforms.clipByValue';
  requireThreshold(fn, 'maxDelta', maxDelta, false);
  return {
    name: `clipByValue(${maxDelta})`,
    spec: { type: 'clipByValue', args: [maxDelta] },
    init: () => ({}),
    update(updates, state): TransformResult<EmptyState> {
      requireFloatUpdates(fn, updates);
      const out: NamedTensorMap = {};
      const gs = Object.values(updates);
      for (const [k, g] of Object.entries(updates)) out[k] = clampKeepNaN(g, maxDelta);
      const clipped = tf.tidy(() =>
        gs.length === 0
          ? tf.scalar(0)
          : tf.cast(tf.greater(tf.max(tf.stack(gs.map((g) => tf.max(tf.abs(g))))), maxDelta), 'float32'),
      ) as Scalar;
      return { updates: out, state, info: { clipped } };
    },
  };
}

/**
 * Clips each gradient tensor separately to a maximum L2 norm (Keras `clipnorm`,
 * `tf.clip_by_norm` per variable):
 *
 *   g_i ← g_i · c / max(||g_i||_2, c)
 *
 * Zero-safe. Reports `clipped` = whether any tensor exceeded `c`.
 *
 * @param maxNorm - a finite threshold > 0
 */
export function clipByNorm(maxNorm: number): GradientTransformation<EmptyState> {
  const fn = 'transforms.clipByNorm';
  requireThreshold(fn, 'maxNorm', maxNorm, false);
  return {
    name: `clipByNorm(${maxNorm})`,
    spec: { type: 'clipByNorm', args: [maxNorm] },
    init: () => ({}),
    update(updates, state): TransformResult<EmptyState> {
      requireFloatUpdates(fn, updates);
      const out: NamedTensorMap = {};
      const norms: Tensor[] = [];
      for (const [k, g] of Object.entries(updates)) {
        const n = normOf(fn, [g], 2, undefined);
        norms.push(n);
        out[k] = tf.tidy(() => tf.mul(g, tf.div(maxNorm, tf.maximum(n, maxNorm))));
      }
      const clipped = tf.tidy(() =>
        norms.length === 0 ? tf.scalar(0) : tf.cast(tf.greater(tf.max(tf.stack(norms)), maxNorm), 'float32'),
      ) as Scalar;
      tf.dispose(norms);
      return { updates: out, state, info: { clipped } };
    },
  };
}

registerTransform('clipByGlobalNorm', clipByGlobalNorm);
registerTransform('clipByValue', clipByValue);
registerTransform('clipByNorm', clipByNorm);
