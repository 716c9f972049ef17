/**
 * Input checks shared by the sample summaries of `core/stats` (`median`,
 * `mean`, `variance`, `mad`, ...). Not re-exported by `core/stats/index.ts`.
 *
 * **Non-finite policy.** A summary rejects NaN and ±Infinity with an error
 * naming the offending index: a NaN would otherwise silently poison the
 * result (NumPy returns NaN) and an infinite value makes interpolation
 * undefined. Callers drop non-finite values first.
 *
 * @module
 */
import { GradclipArgumentError } from '../errors.js';

/**
 * Throws unless `values` is an array whose every entry is a finite number;
 * `fn` names the caller and `arg` the argument in the message.
 *
 * @throws `"<fn>: <arg>[i] is NaN; every value must be a finite number ..."` at the first non-finite entry.
 */
export function assertFiniteArray(values: readonly number[], fn: string, arg = 'values'): void {
  if (!Array.isArray(values)) {
    throw new GradclipArgumentError(`${fn}: ${arg} must be an array of numbers, got ${typeof values}`);
  }
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new GradclipArgumentError(
        `${fn}: ${arg}[${i}] is ${String(v)}; every value must be a finite number ` +
          `(drop non-finite values first)`,
      );
    }
  }
}

/**
 * Throws unless `values` has at least one entry.
 *
 * @throws `"<fn>: <arg> must not be empty"`.
 */
export function assertNonEmpty(values: readonly number[], fn: string, arg = 'values'): void {
  if (values.length === 0) throw new GradclipArgumentError(`${fn}: ${arg} must not be empty`);
}
