/**
 * Global p-norm as a composition of TF.js ops, for backends without a
 * gradclip kernel (webgl, webgpu, tfjs-node). It stays on the device (no host
 * sync) and is overflow-safe: with m = max |x_i| over all tensors,
 *
 *   ||x||_p = m · (Σ (|x_i| / m)^p)^(1/p),
 *
 * so values whose squares overflow float32 still give the right norm.
 * Sums are taken as a tree of float32 partial sums with fan-in
 * {@link FAN_IN} (pad, reshape to [-1, FAN_IN], sum rows, repeat), which keeps
 * the rounding error near float32's own (~1e-7 relative) instead of growing
 * with n as one long float32 reduction does (tfjs-wasm's `sum` loses 4e-6 on
 * 150k elements). The per-tensor parts are added with {@link addNSafe} (never
 * more than 7 inputs per `tf.addN`: tfjs-backend-webgpu's AddN breaks silently
 * at 8). The cpu/wasm/webgl/webgpu kernels accumulate more precisely instead.
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { addNSafe } from './add-n.js';

/** Fan-in of the partial-sum tree. */
export const FAN_IN = 32;

/** Sum of all elements as a tree of float32 partial sums of at most FAN_IN terms. */
export function treeSum(t: Tensor): Scalar {
  return tf.tidy(() => {
    let v: Tensor = tf.reshape(t, [-1]);
    while (v.size > FAN_IN) {
      const rem = v.size % FAN_IN;
      if (rem !== 0) v = tf.pad(v, [[0, FAN_IN - rem]]);
      v = tf.sum(tf.reshape(v, [-1, FAN_IN]), 1);
    }
    return tf.sum(v) as Scalar;
  });
}

/**
 * Overflow-safe p-norm of all elements of `tensors` as one vector (a new scalar).
 * Every per-tensor step runs in its own `tf.tidy`, so the temporaries of one
 * tensor are freed before the next: peak extra memory is about 2× the largest
 * tensor, not a multiple of the whole gradient.
 */
export function globalNormComposite(tensors: readonly Tensor[], p: number): Scalar {
  return tf.tidy(() => {
    if (tensors.length === 0) return tf.scalar(0);
    const maxes = tensors.map((t) => tf.tidy(() => tf.max(tf.abs(t))));
    const m = tf.max(tf.stack(maxes)) as Scalar;
    if (p === Number.POSITIVE_INFINITY) return m;
    const mSafe = tf.where(tf.logicalAnd(tf.greater(m, 0), tf.isFinite(m)), m, tf.onesLike(m));
    const parts = tensors.map((t) =>
      tf.tidy(() => {
        const r = tf.div(tf.abs(t), mSafe);
        return treeSum(p === 2 ? tf.square(r) : p === 1 ? r : tf.pow(r, p));
      }),
    );
    const s = addNSafe(parts);
    const root = p === 2 ? tf.sqrt(s) : p === 1 ? s : tf.pow(s, 1 / p);
    const scaled = tf.mul(root, mSafe);
    // NaN anywhere → NaN (propagates through the sum); Inf (and no NaN) → Inf.
    const anyNaN = tf.isNaN(scaled);
    return tf.where(anyNaN, scaled, tf.where(tf.isInf(m), m, scaled)) as Scalar;
  });
}
