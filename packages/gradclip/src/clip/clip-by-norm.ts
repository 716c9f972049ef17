import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';
import { GradclipArgumentError, requireFloatTensor, requireThreshold } from '../core/errors.js';
import { normOf } from '../kernels/dispatch.js';

/**
 * Clips one tensor to a maximum L2 norm, as `tf.clip_by_norm`:
 *
 *   t ← t · clipNorm / max(||t||_2 over axes, clipNorm)
 *
 * With `axes` the norm is taken per slice (keeping dims) and each slice is
 * clipped independently. Zero-safe: an all-zero slice is returned unchanged.
 * The whole-tensor norm uses the float64 kernel; per-axis norms are computed
 * overflow-safe (scaled by the slice's max magnitude).
 * This is also Keras' per-variable `clipnorm`.
 *
 * @param clipNorm - a finite number > 0
 * @param axes - axis or axes to compute the norm over (negative counts from the end); all by default
 * @returns a new tensor
 */
export function clipByNorm(t: Tensor, clipNorm: number, axes?: number | number[]): Tensor {
  const fn = 'clipByNorm';
  requireFloatTensor(fn, 't', t);
  requireThreshold(fn, 'clipNorm', clipNorm, false);
  const ax = axes === undefined ? undefined : normalizeAxes(fn, axes, t.rank);
  if (ax === undefined) {
    const norm = normOf(fn, [t], 2, undefined);
    const out = tf.tidy(() => tf.mul(t, tf.div(clipNorm, tf.maximum(norm, clipNorm))));
    norm.dispose();
    return out;
  }
  return tf.tidy(() => tf.mul(t, sliceClipCoef(t, ax, clipNorm)));
}

/**
 * Per-slice coefficient `c / max(||t||₂ over axes, c)` (keepDims), computed
 * overflow-safe with m = max |t| over the slice: `||t|| = m·sqrt(Σ (t/m)²)`,
 * and the coefficient as `(c/m)/sqrt(s)`, so a slice whose norm exceeds the
 * float32 range still gets a finite coefficient.
 */
function sliceClipCoef(t: Tensor, axes: number[], c: number): Tensor {
  const m = tf.max(tf.abs(t), axes, true);
  const ok = tf.logicalAnd(tf.greater(m, 0), tf.isFinite(m));
  const mSafe = tf.where(ok, m, tf.onesLike(m));
  const root = tf.sqrt(tf.sum(tf.square(tf.div(t, mSafe)), axes, true));
  const cm = tf.div(c, mSafe);
  const coef = tf.where(tf.greater(root, cm), tf.div(cm, root), tf.onesLike(root));
  // Inf in the slice: norm Inf → coefficient c/Inf = 0 (as TF); NaN propagates through root.
  return tf.where(tf.isInf(m), tf.zerosLike(m), coef);
}

function normalizeAxes(fn: string, axes: number | number[], rank: number): number[] {
  const list = Array.isArray(axes) ? axes : [axes];
  return list.map((a) => {
    if (!Number.isInteger(a) || a < -rank || a >= rank) {
      throw new GradclipArgumentError(`${fn}: axes must be integers in [${-rank}, ${rank - 1}] for a rank-${rank} tensor, got ${a}`);
    }
    return a < 0 ? a + rank : a;
  });
}
