import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, requireThreshold } from '../clip/errors.js';
import { TORCH_CLIP_EPS } from '../clip/clip-grad-norm.js';
import { normOf, scaleBy, type FusedOption } from '../clip/norm-engine.js';
import { clampKeepNaN } from '../clip/clamp.js';
import { registerTransform } from './registry.js';
import type { GradientTransformation, TransformResult } from './types.js';

/** Stateless transforms keep an empty record as state. */
export type EmptyState = Readonly<Record<string, never>>;

/**
 * Which coefficient rule a global-norm clip uses (they differ only at the
 * boundary and for non-finite norms):
 * - `'optax'`: `coef = 1 if n < c else c / n` (Optax `clip_by_global_norm`, Pascanu et al. Algorithm 1: clip at `>=`, no epsilon)
 * - `'tf'`: `coef = c · min(1/n, 1/c) + (n − n)` (`tf.clip_by_global_norm`, Keras `global_clipnorm`: NaN everywhere when n is not finite)
 * - `'torch'`: `coef = min(1, c / (n + 1e-6))` (`torch.nn.utils.clip_grad_norm_`)
 */
export type GlobalNormRule = 'optax' | 'tf' | 'torch';

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
 * What an optimizer wrapper needs to run a global-norm clip itself (scaling
 * gradients it owns in place, or folding the coefficient into a fused
 * optimizer update): found on transforms made by {@link clipByGlobalNorm}.
 */
export interface FusableGlobalClip {
  /** The threshold c. */
  readonly maxNorm: number;
  /** The coefficient rule. */
  readonly rule: GlobalNormRule;
  /** The kernel choice the transform was made with. */
  readonly fused: FusedOption;
}

const FUSABLE = Symbol.for('gradclip.fusableGlobalClip');

/** The clip parameters when `t` is a plain {@link clipByGlobalNorm} transform, else undefined. */
export function fusableGlobalClipOf(t: GradientTransformation): FusableGlobalClip | undefined {
  return (t as unknown as Record<symbol, FusableGlobalClip | undefined>)[FUSABLE];
}

/**
 * The info a global-norm clip reports: `preClipNorm = n`, `postClipNorm = n · coef`,
 * `clipCoef = coef`, `clipped = coef < 1` (takes ownership of `n` and `coef`).
 */
export function globalClipInfo(n: Scalar, coef: Scalar): TransformResult<EmptyState>['info'] {
  const post = tf.mul(n, coef) as Scalar;
  const clipped = tf.tidy(() => tf.cast(tf.less(coef, 1), 'float32')) as Scalar;
  return { preClipNorm: n, postClipNorm: post, clipCoef: coef, clipped };
}

/** The clip coefficient for global norm `n` and threshold `c` under `rule` (a new scalar). */
export function globalClipCoef(n: Scalar, c: number, rule: GlobalNormRule): Scalar {
  return tf.tidy(() => {
    if (rule === 'torch') return tf.minimum(tf.div(c, tf.add(n, TORCH_CLIP_EPS)), 1) as Scalar;
    if (rule === 'tf') return tf.add(tf.mul(c, tf.minimum(tf.div(1, n), 1 / c)), tf.sub(n, n)) as Scalar;
    return tf.where(tf.less(n, c), tf.onesLike(n), tf.div(c, n)) as Scalar;
  });
}

/**
 * Multiplies every update by `coef` (new tensors; one fused multi-tensor
 * kernel call on cpu/wasm). With `consume` the caller hands the updates over
 * (see {@link scaleBy}): they may be scaled in place, and must be disposed.
 */
export function scaleAll(fn: string, updates: NamedTensorMap, coef: Scalar, fused: FusedOption, consume = false): NamedTensorMap {
  const keys = Object.keys(updates);
  const scaled = scaleBy(fn, keys.map((k) => updates[k]), coef, fused, consume);
  const out: NamedTensorMap = {};
  keys.forEach((k, i) => (out[k] = scaled[i]));
  return out;
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
 * (`options.fused`). Inside {@link withTransforms}/{@link withClipping} the
 * wrapper recognises this transform and, on wasm, folds the coefficient into
 * a fused SGD/Adam/AdamW update (no scale pass at all), or else scales the
 * gradients it owns in place (no extra memory).
 *
 * @param maxNorm - a finite threshold > 0
 */
export function clipByGlobalNorm(maxNorm: number, options: ClipByGlobalNormOptions = {}): GradientTransformation<EmptyState> {
  const fn = 'transforms.clipByGlobalNorm';
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
  const transform: GradientTransformation<EmptyState> = {
    name: `clipByGlobalNorm(${maxNorm})`,
    spec: { type: 'clipByGlobalNorm', args: [maxNorm, specOptions] },
    init: () => ({}),
    update(updates, state): TransformResult<EmptyState> {
      const n = normOf(fn, Object.values(updates), 2, fused);
      const coef = globalClipCoef(n, maxNorm, rule);
      const out = scaleAll(fn, updates, coef, fused);
      return { updates: out, state, info: globalClipInfo(n, coef) };
    },
  };
  const fusable: FusableGlobalClip = { maxNorm, rule, fused };
  Object.defineProperty(transform, FUSABLE, { value: fusable, enumerable: false });
  return transform;
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
