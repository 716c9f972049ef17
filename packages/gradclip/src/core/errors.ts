/**
 * The one error class and the argument checks every public gradclip function
 * uses, so that the same mistake always produces the same message: the
 * function, the argument's name, what was received, and how to fix it.
 * Nothing is ever silently clamped or defaulted. Plain data only (no TF.js):
 * tensors are checked structurally.
 */

/** Error thrown for invalid arguments to gradclip functions (the message names the argument and the fix). */
export class GradclipArgumentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GradclipArgumentError';
  }
}

/** A short description of a received value for error messages: numbers as written, strings quoted, else the type. */
export function describeValue(value: unknown): string {
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
      `${fn}: ${name} must be a number, got ${describeValue(value)}; pass a finite ${allowZero ? 'non-negative' : 'positive'} number such as 1.0`,
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
      `${fn}: normType must be a number > 0 or Infinity, got ${describeValue(value)}; use 2 for the Euclidean norm`,
    );
  }
  if (!(value > 0)) {
    throw new GradclipArgumentError(
      `${fn}: normType must be > 0 or Infinity, got ${value}; use 2 for the Euclidean norm, 1 for the L1 norm, Infinity for the max norm`,
    );
  }
  return value;
}

/** Throws unless `v` is a finite number; returns it typed. `hint` says how to fix it. */
export function requireFinite(fn: string, name: string, v: unknown, hint: string): number {
  if (typeof v !== 'number' || !Number.isFinite(v)) {
    throw new GradclipArgumentError(`${fn}: ${name} must be a finite number, got ${describeValue(v)}; ${hint}`);
  }
  return v;
}

/** Throws unless `v` is a finite number `> 0`. */
export function requirePositive(fn: string, name: string, v: unknown, hint: string): number {
  const x = requireFinite(fn, name, v, hint);
  if (!(x > 0)) throw new GradclipArgumentError(`${fn}: ${name} must be > 0, got ${x}; ${hint}`);
  return x;
}

/** Throws unless `v` is an integer `>= min`. */
export function requireInteger(fn: string, name: string, v: unknown, min: number, hint: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) {
    throw new GradclipArgumentError(`${fn}: ${name} must be an integer >= ${min}, got ${describeValue(v)}; ${hint}`);
  }
  if (v < min) throw new GradclipArgumentError(`${fn}: ${name} must be an integer >= ${min}, got ${v}; ${hint}`);
  return v;
}

/** Throws when a transform's state record does not look like the one its `init` returns. */
export function requireState(fn: string, ok: boolean): void {
  if (!ok) {
    throw new GradclipArgumentError(
      `${fn}: state is not a state of ${fn}; pass the state returned by this transform's init() or a previous update() (or its JSON round-trip)`,
    );
  }
}

/** The fields of a TF.js tensor that {@link requireFloatTensor} checks. */
export interface TensorLike {
  readonly dataId: object;
  readonly shape: readonly number[];
  readonly dtype: string;
  readonly isDisposed: boolean;
}

/**
 * Requires a live float32 tensor (gradients are floating point), checked
 * structurally; returns it typed as `T` (the caller's tensor type).
 */
export function requireFloatTensor<T extends TensorLike>(fn: string, name: string, t: unknown): T {
  const x = t as T;
  if (x === null || typeof x !== 'object' || typeof x.dataId !== 'object' || !Array.isArray(x.shape)) {
    throw new GradclipArgumentError(`${fn}: ${name} must be a tf.Tensor, got ${describeValue(t)}`);
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
