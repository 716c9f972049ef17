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

/**
 * Thrown by `withRecovery` when training cannot be rescued: more than
 * `maxRecoveries` rollbacks were needed, or no kept snapshot is finite. The
 * variables are left at the newest finite snapshot (when there is one), so
 * the model can still be saved. A class of its own, not a
 * {@link GradclipArgumentError}: the arguments were fine, the run diverged
 * (an app maps argument errors to "bad input" and this one to a diverged run).
 */
export class GradclipRecoveryError extends Error {
  /** Rollbacks performed before giving up. */
  readonly recoveries: number;
  /** The step (`StepStats.step`) whose check failed last. */
  readonly step: number;
  constructor(message: string, recoveries: number, step: number) {
    super(message);
    this.name = 'GradclipRecoveryError';
    this.recoveries = recoveries;
    this.step = step;
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

/** True when `v` is an array of finite numbers `>= 0` (ascending too with `ascending`); for validating restored states. */
export function isNormList(v: unknown, ascending = false): v is number[] {
  if (!Array.isArray(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const x: unknown = v[i];
    if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) return false;
    if (ascending && i > 0 && x < (v[i - 1] as number)) return false;
  }
  return true;
}

/** True when `v` is an integer `>= 0` (a counter of a restored state). */
export function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 0;
}

/** Throws unless `v` is an array; returns it typed. */
export function requireArray<T>(fn: string, name: string, v: unknown, what: string): readonly T[] {
  if (!Array.isArray(v)) throw new GradclipArgumentError(`${fn}: ${name} must be an array of ${what}, got ${describeValue(v)}`);
  return v as readonly T[];
}

/** Throws unless `v` is an array of strings. */
export function requireStringArray(fn: string, name: string, v: unknown): readonly string[] {
  const a = requireArray<unknown>(fn, name, v, 'strings');
  const i = a.findIndex((x) => typeof x !== 'string');
  if (i >= 0) throw new GradclipArgumentError(`${fn}: ${name}[${i}] must be a string, got ${describeValue(a[i])}`);
  return a as readonly string[];
}

/** Throws unless `v` is a non-empty string (a file or folder path, a name). */
export function requireNonEmptyString(fn: string, name: string, v: unknown): string {
  if (typeof v !== 'string' || v.length === 0) {
    throw new GradclipArgumentError(`${fn}: ${name} must be a non-empty string, got ${v === '' ? 'an empty string' : describeValue(v)}`);
  }
  return v;
}

/** Throws unless `v` is a non-null object (not an array); `shape` describes the expected record. */
export function requireRecord(fn: string, name: string, v: unknown, shape: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) {
    throw new GradclipArgumentError(`${fn}: ${name} must be ${shape}, got ${Array.isArray(v) ? 'an array' : describeValue(v)}`);
  }
  return v as Record<string, unknown>;
}

/** Throws unless `v` looks like a StepStats record (an object with an integer `step`). */
export function requireStepRecord(fn: string, name: string, v: unknown): void {
  const r = requireRecord(fn, name, v, 'a StepStats record {step, loss, preClipNorm, ...}');
  if (typeof r.step !== 'number' || !Number.isInteger(r.step)) {
    throw new GradclipArgumentError(`${fn}: ${name}.step must be an integer, got ${describeValue(r.step)}`);
  }
}

/** Throws unless `v` is a Uint8Array (file contents as bytes). */
export function requireBytes(fn: string, name: string, v: unknown): Uint8Array {
  if (!(v instanceof Uint8Array)) {
    throw new GradclipArgumentError(
      `${fn}: ${name} must be a Uint8Array (the file's bytes, e.g. fs.readFileSync(path)), got ${describeValue(v)}`,
    );
  }
  return v;
}
