/**
 * `tf.addN` that never hands a kernel more than {@link MAX_ADDN_INPUTS}
 * tensors: tfjs-backend-webgpu 4.22's AddN binds every input as a storage
 * buffer without splitting, so 8 inputs + 1 output exceed the default limit of
 * 8 storage buffers per shader stage; Chromium then drops the whole command
 * buffer (other queued ops included) and only logs a warning, and the sum
 * reads 0 (DESIGN.md section 7).
 */
import * as tf from '@tensorflow/tfjs-core';
import type { Tensor } from '@tensorflow/tfjs-core';

/** Inputs of one `tf.addN` call: 7 leaves room for the output within 8 storage buffers. */
export const MAX_ADDN_INPUTS = 7;

/**
 * Element-wise sum of same-shape tensors, `Σ_i t_i`, as a tree of `tf.addN`
 * calls of at most {@link MAX_ADDN_INPUTS} inputs (left to right within a
 * level). A new tensor; the inputs are not disposed. Throws on an empty list,
 * like `tf.addN`.
 */
export function addNSafe<T extends Tensor>(tensors: readonly T[]): T {
  if (tensors.length === 0) throw new Error('addNSafe: needs at least one tensor');
  if (tensors.length === 1) return tf.clone(tensors[0]);
  return tf.tidy(() => {
    let level: Tensor[] = [...tensors];
    while (level.length > 1) {
      const next: Tensor[] = [];
      for (let i = 0; i < level.length; i += MAX_ADDN_INPUTS) {
        const part = level.slice(i, i + MAX_ADDN_INPUTS);
        next.push(part.length === 1 ? part[0] : tf.addN(part));
      }
      level = next;
    }
    return level[0] as T;
  });
}
