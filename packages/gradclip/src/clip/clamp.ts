import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/**
 * `min(max(g, -v), v)` element-wise with NaN kept as NaN (PyTorch's `clamp`
 * semantics). tfjs-backend-wasm's `ClipByValue` maps NaN to `-v`, so the
 * NaN positions are restored explicitly.
 */
export function clampKeepNaN(g: Tensor, v: number): Tensor {
  return tf.tidy(() => tf.where(tf.isNaN(g), g, tf.clipByValue(g, -v, v)));
}
