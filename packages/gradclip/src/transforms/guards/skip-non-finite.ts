/**
 * Skip steps whose gradients contain NaN or ±Inf, like PyTorch AMP's
 * `GradScaler` (skips `optimizer.step()` on inf/NaN) and Optax's
 * `apply_if_finite` (`optax/_src/transform.py`, `max_consecutive_errors`).
 */
import { registerTransform } from '../registry.js';
import * as tf from '@tensorflow/tfjs-core';
import type { NamedTensorMap, Scalar } from '@tensorflow/tfjs-core';
import type { GradientTransformation, TransformResult } from '../types.js';
import { fusedNormAvailable, normOf } from '../../kernels/dispatch.js';
import { GradclipArgumentError, isCount, requireInteger, requireState } from '../../core/errors.js';
import { entriesOf, requireFloatUpdates } from '../internal.js';
import { addNSafe } from '../../kernels/fallback/add-n.js';
import { checkOptions } from '../../core/options.js';

/** Options of {@link skipNonFinite}. */
export interface SkipNonFiniteOptions {
  /**
   * How many consecutive non-finite steps are tolerated (integer `>= 0`); the
   * next consecutive one throws an error instead of skipping (a run that
   * produces nothing but NaN is broken and should stop). Unset: never throw.
   * Optax's `max_consecutive_errors` lets the NaN update through at that
   * point instead; we stop the run.
   * @default undefined (skip forever)
   */
  maxConsecutive?: number;
}

/** State of {@link skipNonFinite}: an immutable, JSON-serialisable record. */
export interface SkipNonFiniteState {
  /** Steps skipped since `init`. */
  readonly totalSkipped: number;
  /** Skipped steps in a row up to now (0 after a finite step). */
  readonly consecutiveSkipped: number;
}

const FN = 'transforms.skipNonFinite';

/**
 * Whether every gradient element is finite, at the cost of one scalar host
 * read. Where the backend has gradclip's fused norm kernel (cpu, wasm) this is
 * the max-abs norm `max |g_i|`, which is NaN/Inf exactly when some element is
 * (it cannot overflow); elsewhere `Σ (g · 0)`, which is 0 for finite entries
 * and NaN as soon as one entry is NaN or ±Inf.
 */
export function allFinite(updates: NamedTensorMap): boolean {
  const tensors = entriesOf(updates).map(([, t]) => t);
  if (tensors.length === 0) return true;
  const probe = fusedNormAvailable()
    ? normOf(FN, tensors, Number.POSITIVE_INFINITY, true)
    : tf.tidy(() => addNSafe(tensors.map((t) => tf.sum(tf.mul(t, tf.scalar(0))) as Scalar)));
  const v = probe.dataSync()[0];
  probe.dispose();
  return Number.isFinite(v);
}

/**
 * Skips a step whose gradients contain any NaN or ±Inf: `info.skip = true`,
 * so the optimizer wrapper (`withTransforms`) leaves the weights **and** the
 * optimizer's state untouched. The gradients are returned unchanged; a
 * caller that ignores `info.skip` must not apply them.
 *
 * State counts the skipped steps (total and consecutive). With
 * `maxConsecutive = k`, k non-finite steps in a row are skipped and the
 * (k+1)-th throws an error explaining what to try (lower the learning rate,
 * clip, check the data / loss for NaN).
 *
 * Cost: one scalar host read per step (a device sync on GPU backends): the
 * decision to skip is a host boolean.
 *
 * @example
 * ```ts
 * const t = transforms.chain(transforms.skipNonFinite({ maxConsecutive: 10 }), transforms.clipByGlobalNorm(1));
 * ```
 * @throws when `maxConsecutive` is not an integer `>= 0`; on update, after
 *   `maxConsecutive` consecutive skips.
 */
export function skipNonFinite(opts: SkipNonFiniteOptions = {}): GradientTransformation<SkipNonFiniteState> {
  const options = checkOptions<SkipNonFiniteOptions>(FN, opts, { maxConsecutive: 'checked' });
  const maxConsecutive =
    options.maxConsecutive === undefined
      ? undefined
      : requireInteger(FN, 'maxConsecutive', options.maxConsecutive, 0, 'pass how many non-finite steps in a row to tolerate, e.g. 10, or leave it unset');
  return {
    name: maxConsecutive === undefined ? 'skipNonFinite' : `skipNonFinite(${maxConsecutive})`,
    spec: { type: 'skipNonFinite', args: [maxConsecutive === undefined ? {} : { maxConsecutive }] },
    init(): SkipNonFiniteState {
      return { totalSkipped: 0, consecutiveSkipped: 0 };
    },
    update(updates, state): TransformResult<SkipNonFiniteState> {
      requireFloatUpdates(FN, updates);
      requireState(
        FN,
        typeof state === 'object' &&
          state !== null &&
          isCount(state.totalSkipped) &&
          isCount(state.consecutiveSkipped) &&
          state.consecutiveSkipped <= state.totalSkipped,
      );
      if (allFinite(updates)) {
        return { updates: { ...updates }, state: { totalSkipped: state.totalSkipped, consecutiveSkipped: 0 }, info: { skip: false } };
      }
      const consecutive = state.consecutiveSkipped + 1;
      if (maxConsecutive !== undefined && consecutive > maxConsecutive) {
        throw new GradclipArgumentError(
          `${FN}: ${consecutive} consecutive steps had NaN/Inf gradients (maxConsecutive is ${maxConsecutive}); the run has diverged: lower the learning rate, add clipping (e.g. transforms.clipByGlobalNorm(1)), check the inputs and the loss for NaN, or raise maxConsecutive`,
        );
      }
      return {
        updates: { ...updates },
        state: { totalSkipped: state.totalSkipped + 1, consecutiveSkipped: consecutive },
        info: { skip: true },
      };
    },
  };
}

registerTransform('skipNonFinite', skipNonFinite);
