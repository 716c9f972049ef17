/**
 * Argument validation shared by every public function, so that the same
 * mistake always produces the same message: the argument's name, what was
 * received, and how to fix it. Nothing is ever silently clamped.
 */
import type { Tensor } from '@tensorflow/tfjs-core';

/** Error thrown for invalid arguments to gradclip functions. */
export class GradclipArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradclipArgumentError';
  }
}

function describe(value: unknown): string {
  if (typeof value === 'number') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  return typeof value;
}

/**
 * Requires a finite number; with `allowZero` it must be `>= 0`, otherwise `> 0`.
 * @returns the value, typed as number
 */
export function requireThreshold(fn: string, name: string, value: unknown, allowZero: boolean): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new GradclipArgumentError(
      `${fn}: ${name} must be a number, got ${describe(value)}; pass a finite ${allowZero ? 'non-negative' : 'positive'} number such as 1.0`,
    );
  }
  if (!Number.isFinite(value)) {
    throw new GradclipArgumentError(
      `${fn}: ${name} must be finite, got ${value}; to disable clipping do not apply the clip at all`,
    );
  }
  if (allowZero ? value < 0 : value <= 0) {
    throw new GradclipArgumentError(
      `${fn}: ${name} must be ${allowZero ? '>= 0' : '> 0'}, got ${value}; pass a ${allowZero ? 'non-negative' : 'positive'} threshold such as 1.0`,
    );
  }
  return value;
}

/** Requires a norm order p > 0 (finite) or `Infinity`. */
export function requireNormType(fn: string, value: unknown): number {
  if (typeof value !== 'number' || Number.isNaN(value)) {
    throw new GradclipArgumentError(
      `${fn}: normType must be a number > 0 or Infinity, got ${describe(value)}; use 2 for the Euclidean norm`,
    );
  }
  if (!(value > 0)) {
    throw new GradclipArgumentError(
      `${fn}: normType must be > 0 or Infinity, got ${value}; use 2 for the Euclidean norm, 1 for the L1 norm, Infinity for the max norm`,
    );
  }
  return value;
}

/** Requires a live float32 tensor (gradients are floating point). */
export function requireFloatTensor(fn: string, name: string, t: unknown): Tensor {
  const x = t as Tensor;
  if (x === null || typeof x !== 'object' || typeof x.dataId !== 'object' || !Array.isArray(x.shape)) {
    throw new GradclipArgumentError(`${fn}: ${name} must be a tf.Tensor, got ${describe(t)}`);
  }
  if (x.isDisposed) {
    throw new GradclipArgumentError(
      `${fn}: ${name} has been disposed; clip the gradients before disposing them (or clone them with tf.clone)`,
    );
  }
  if (x.dtype !== 'float32') {
    throw new GradclipArgumentError(
      `${fn}: ${name} must be a float32 tensor, got dtype ${x.dtype}; gradients are floating point — cast with tf.cast(t, 'float32')`,
    );
  }
  return x;
}
