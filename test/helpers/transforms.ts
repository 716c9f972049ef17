/** Small helpers shared by the transform tests. */
import assert from 'node:assert/strict';
import type { TransformInfo } from 'gradclip';
import { tf } from './backends.js';

/** Gradients {a: [3k], b: [4k]} whose global norm is exactly 5k (squares exact in float32). */
export function gradsWithNorm(n: number): tf.NamedTensorMap {
  const k = n / 5;
  return { a: tf.tensor1d([3 * k]), b: tf.tensor1d([4 * k]) };
}

/** Disposes every tensor an info record holds (also inside layerNorms). */
export function disposeInfo(info: TransformInfo): void {
  for (const v of Object.values(info)) {
    if (v instanceof tf.Tensor) v.dispose();
    else if (v && typeof v === 'object') for (const t of Object.values(v)) if (t instanceof tf.Tensor) t.dispose();
  }
}

/** |actual − expected| ≤ rel · max(1, |expected|). */
export function close(actual: number, expected: number, rel = 1e-6, msg?: string): void {
  assert.ok(Math.abs(actual - expected) <= rel * Math.max(1, Math.abs(expected)), `${msg ?? ''} expected ${expected}, got ${actual}`);
}
