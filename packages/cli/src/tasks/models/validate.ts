/**
 * Argument checks shared by the model factories; every error names the
 * argument and says what is expected.
 *
 * @module
 */

import type { Tensor } from '@tensorflow/tfjs-core';

/** Throws unless `value` is an integer >= `min`. */
export function checkInt(value: unknown, name: string, min = 1): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min) {
    throw new Error(`${name} must be an integer >= ${min}, got ${String(value)}`);
  }
  return value;
}

/** Throws unless the sequence input `x` is `[T, B, inputSize]` with T, B >= 1. */
export function checkSequenceInput(x: Tensor, inputSize: number, who: string): void {
  if (x.rank !== 3) {
    throw new Error(`${who}.forward: x must be a time-major [T, B, D] tensor, got rank ${x.rank} (shape [${x.shape.join(', ')}])`);
  }
  const [t, b, d] = x.shape;
  if (d !== inputSize) {
    throw new Error(`${who}.forward: x has D = ${d} but the model was built with inputSize ${inputSize}`);
  }
  if (t < 1 || b < 1) throw new Error(`${who}.forward: x needs T >= 1 and B >= 1, got shape [${x.shape.join(', ')}]`);
  if (x.dtype !== 'float32') throw new Error(`${who}.forward: x must be float32, got ${x.dtype}`);
}
