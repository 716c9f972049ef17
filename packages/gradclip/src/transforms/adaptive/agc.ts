/**
 * Adaptive Gradient Clipping (AGC), unit-wise.
 * Brock, De, Smith, Simonyan, "High-Performance Large-Scale Image Recognition
 * Without Normalization", ICML 2021, arXiv:2102.06171, section 4.1.
 */
import { registerTransform } from '../registry.js';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar, Tensor } from '@tensorflow/tfjs-core';
import type { GradientTransformation, TransformResult } from '../types.js';
import { GradclipArgumentError, requirePositive, requireState } from '../../core/errors.js';
import { entriesOf, requireFloatUpdates } from '../internal.js';
import { addNSafe } from '../../kernels/fallback/add-n.js';
import { checkOptions } from '../../core/options.js';

/** Selects variables by name: exact names, a regular expression, or a predicate. */
export type NameMatcher = readonly string[] | RegExp | ((name: string) => boolean);

/** Options of {@link adaptiveGradClip}. */
export interface AdaptiveGradClipOptions {
  /** The clipping factor `λ`, `> 0` (the paper uses 0.01 to 0.16 depending on batch size). @default 0.01 */
  clipping?: number;
  /** Floor `ε` on the parameter norm, `> 0`, so zero-initialised weights can move. @default 1e-3 */
  eps?: number;
  /**
   * Variables left unclipped, matched on their names (the keys of the
   * gradient map). The paper does not clip the final linear layer.
   * @default undefined (clip every variable)
   */
  exclude?: NameMatcher;
}

/** State of {@link adaptiveGradClip}: AGC is stateless, so an empty record. */
export type AdaptiveGradClipState = Readonly<Record<string, never>>;

const FN = 'transforms.adaptiveGradClip';
/** Floor on the gradient norm in the scale's denominator (Brock et al.'s reference code). */
const G_EPS = 1e-6;

function matcher(exclude: NameMatcher | undefined): (name: string) => boolean {
  if (exclude === undefined) return () => false;
  if (typeof exclude === 'function') return exclude;
  if (exclude instanceof RegExp) {
    return (name) => {
      exclude.lastIndex = 0;
      return exclude.test(name);
    };
  }
  if (Array.isArray(exclude) && exclude.every((x) => typeof x === 'string')) {
    const set = new Set(exclude);
    return (name) => set.has(name);
  }
  throw new GradclipArgumentError(
    `${FN}: exclude must be an array of variable names, a RegExp or a function (name) => boolean, got ${typeof exclude}`,
  );
}

/**
 * Unit-wise squared L2 norms, shaped to broadcast against `x`: rank <= 1 → the
 * whole tensor (a scalar); rank >= 2 → summed over every axis but the last,
 * with `keepDims` (one value per output unit in TF.js's `[in, out]` dense and
 * `[h, w, in, out]` conv layouts). The tensor is viewed as `[rows, out]`, so
 * one reduction serves any rank.
 */
function unitwiseSquaredNorm(x: Tensor): Tensor {
  return tf.tidy(() => {
    if (x.rank <= 1) return tf.sum(tf.square(x));
    const out = x.shape[x.rank - 1];
    const keep = x.shape.map((d, i) => (i === x.rank - 1 ? d : 1));
    const rows = out === 0 ? 0 : x.size / out;
    return tf.reshape(tf.sum(tf.square(tf.reshape(x, [rows, out])), 0), keep);
  });
}

/**
 * Unit-wise L2 norm used by AGC, `||x_u||_2` per unit, shaped to broadcast
 * against `x`: rank <= 1 → the whole tensor; rank >= 2 → every axis but the
 * last (one norm per output unit in TF.js's `[in, out]` layout).
 */
export function unitwiseNorm(x: Tensor): Tensor {
  return tf.tidy(() => tf.sqrt(unitwiseSquaredNorm(x)));
}

/**
 * Adaptive Gradient Clipping (Brock et al. 2021, arXiv:2102.06171, eq. 3),
 * applied per unit `i` (a row of the weight matrix in the paper's `[out, in]`
 * notation; an output column in TF.js's `[in, out]` layout):
 *
 *   max_i = λ · max(||W_i||_F, ε)
 *   G_i  ← G_i · max_i / max(||G_i||_F, 1e-6)    when ||G_i||_F > max_i, otherwise unchanged
 *
 * Units: for rank >= 2 the norm reduces over every axis but the last; biases,
 * scalars and other rank <= 1 tensors use the whole tensor. (The NFNet code
 * reduces rank-3 kernels over axis 0 only; we treat every rank >= 2 alike.)
 * Variables matched by `exclude` pass through unchanged.
 *
 * Needs the parameters: `update(grads, state, params)`; `withTransforms` passes
 * the variables automatically. Everything stays on the device (no host sync).
 * `info` reports `preClipNorm`, `postClipNorm`, `clipCoef = post / pre` (1 for
 * a zero gradient) and `clipped` (a 0/1 scalar: 1 when any unit was scaled).
 *
 * @example
 * ```ts
 * const opt = withTransforms(tf.train.sgd(0.1), transforms.adaptiveGradClip({ clipping: 0.01, exclude: ['dense_2/kernel'] }));
 * ```
 * @throws when `clipping <= 0` or `eps <= 0`; on update, when `params` is
 *   missing or lacks (or mis-shapes) a clipped variable.
 */
export function adaptiveGradClip(opts: AdaptiveGradClipOptions = {}): GradientTransformation<AdaptiveGradClipState> {
  const options = checkOptions<AdaptiveGradClipOptions>(FN, opts, { clipping: 'checked', eps: 'checked', exclude: 'checked' });
  const clipping = requirePositive(FN, 'clipping', options.clipping ?? 0.01, 'pass the AGC factor lambda, e.g. 0.01');
  const eps = requirePositive(FN, 'eps', options.eps ?? 1e-3, 'pass a small positive floor on the weight norm, e.g. 1e-3');
  const isExcluded = matcher(options.exclude);

  return {
    name: `adaptiveGradClip(${clipping})`,
    // JSON spec only when `exclude` is JSON (a list of names); RegExp / predicate transforms cannot be saved.
    spec:
      options.exclude === undefined
        ? { type: 'adaptiveGradClip', args: [{ clipping, eps }] }
        : Array.isArray(options.exclude)
          ? { type: 'adaptiveGradClip', args: [{ clipping, eps, exclude: [...options.exclude] }] }
          : undefined,
    init(): AdaptiveGradClipState {
      return {};
    },
    update(updates, state, params): TransformResult<AdaptiveGradClipState> {
      requireFloatUpdates(FN, updates);
      requireState(FN, typeof state === 'object' && state !== null);
      if (params === undefined || params === null) {
        throw new GradclipArgumentError(
          `${FN}: update needs the parameters to measure ||W||; call update(grads, state, params) with the variables keyed like the gradients (withTransforms passes them automatically)`,
        );
      }
      const entries = entriesOf(updates);
      for (const [k, g] of entries) {
        if (isExcluded(k)) continue;
        const p = params[k];
        if (p === null || p === undefined) {
          throw new GradclipArgumentError(
            `${FN}: params has no entry "${k}" for the gradient of the same name; pass every clipped variable in params, or add "${k}" to exclude`,
          );
        }
        if (!tf.util.arraysEqual(p.shape, g.shape)) {
          throw new GradclipArgumentError(
            `${FN}: params["${k}"] has shape [${p.shape.join(', ')}] but its gradient has shape [${g.shape.join(', ')}]; pass the variable values keyed like the gradients`,
          );
        }
      }
      const out: NamedTensorMap = { ...updates };
      const info = tf.tidy(() => {
        // Squared norms are kept per unit, so the global pre/post norms cost no extra pass:
        // ||G||² = Σ_units ||G_u||²,  ||G'||² = Σ_units (s_u ||G_u||)².
        const preSq: Scalar[] = [];
        const postSq: Scalar[] = [];
        const fired: Scalar[] = [];
        for (const [k, g] of entries) {
          if (isExcluded(k)) {
            const sq = tf.sum(tf.square(g)) as Scalar;
            preSq.push(sq);
            postSq.push(sq);
            continue;
          }
          const gSq = unitwiseSquaredNorm(g);
          const gNorm = tf.sqrt(gSq);
          const maxNorm = tf.mul(tf.maximum(tf.sqrt(unitwiseSquaredNorm(params[k])), eps), clipping);
          const over = tf.greater(gNorm, maxNorm);
          const scale = tf.where(over, tf.div(maxNorm, tf.maximum(gNorm, G_EPS)), tf.onesLike(gNorm));
          out[k] = tf.keep(tf.mul(g, scale));
          preSq.push(tf.sum(gSq) as Scalar);
          postSq.push(tf.sum(tf.mul(gSq, tf.square(scale))) as Scalar);
          fired.push(tf.any(over) as Scalar);
        }
        const pre = preSq.length === 0 ? tf.scalar(0) : (tf.sqrt(addNSafe(preSq)) as Scalar);
        const post = postSq.length === 0 ? tf.scalar(0) : (tf.sqrt(addNSafe(postSq)) as Scalar);
        const coef = tf.where(tf.greater(pre, 0), tf.div(post, pre), tf.scalar(1)) as Scalar;
        const clippedFlag =
          fired.length === 0 ? tf.scalar(0) : (tf.cast(tf.any(tf.stack(fired)), 'float32') as Scalar);
        return { preClipNorm: pre, postClipNorm: post, clipCoef: coef, clipped: clippedFlag };
      });
      return { updates: out, state: {}, info };
    },
  };
}

registerTransform('adaptiveGradClip', adaptiveGradClip);
