/**
 * Exponential moving average of a mean and a variance, one value at a time:
 * the statistics step of ZClip (Kumar, Owen, Chowdhury, Güra 2025,
 * arXiv 2504.02507).
 *
 * @module
 */
import { GradclipArgumentError } from '../errors.js';

function assertDecay(decay: number, fn: string): void {
  if (typeof decay !== 'number' || !(decay >= 0 && decay < 1)) {
    throw new GradclipArgumentError(`${fn}: decay must be in [0, 1), got ${String(decay)}`);
  }
}

/** EMA estimate of a mean and a variance (see {@link emaMomentsUpdate}). */
export interface EmaMoments {
  /** The EMA of the values, `μ`. */
  readonly mean: number;
  /** The EMA of the squared deviations from the running mean, `σ²`. */
  readonly variance: number;
}

/**
 * One step of the EMA mean/variance pair used by ZClip (Kumar et al. 2025,
 * arXiv 2504.02507, Algorithm 1): the mean first, then the variance around the
 * **updated** mean:
 *
 * ```
 * mean'     = decay * mean + (1 - decay) * x
 * variance' = decay * variance + (1 - decay) * (x - mean')^2
 * ```
 *
 * @param decay weight of the past, in [0, 1) (ZClip's α, 0.97 by default there).
 * @throws if `decay` is outside [0, 1) or `x` is not finite.
 */
export function emaMomentsUpdate(state: EmaMoments, x: number, decay: number): EmaMoments {
  assertDecay(decay, 'emaMomentsUpdate');
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new GradclipArgumentError(`emaMomentsUpdate: x must be a finite number, got ${String(x)}`);
  }
  const m = decay * state.mean + (1 - decay) * x;
  const d = x - m;
  return { mean: m, variance: decay * state.variance + (1 - decay) * d * d };
}
