import type { Scalar } from '@tensorflow/tfjs-core';
import { flattenGrads, type GradContainer } from './containers.js';
import { GradclipArgumentError, requireNormType } from '../core/errors.js';
import { normOf, type FusedOption } from '../kernels/dispatch.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link getTotalNorm} and {@link clipGradNorm}. */
export interface TotalNormOptions {
  /**
   * Order p of the norm: any p > 0, or `Infinity` for the largest magnitude.
   * @default 2
   */
  normType?: number;
  /**
   * Throw when the total norm is NaN or ±Inf. Checking reads the norm to the
   * host (one sync), exactly like PyTorch's `error_if_nonfinite`.
   * @default false
   */
  errorIfNonfinite?: boolean;
  /** Kernel choice (see {@link FusedOption}). @default undefined (automatic) */
  fused?: FusedOption;
}

/**
 * Total p-norm of all gradients taken together as one vector,
 * `||g||_p = (Σ_i Σ_j |g_ij|^p)^(1/p)` (`max |g_ij|` for p = ∞).
 *
 * Matches `torch.nn.utils.get_total_norm` (the norm of the per-tensor norms,
 * which is the same number), except that the accumulation is float64: huge
 * finite values whose squares overflow float32 give the true norm instead of
 * Inf. An empty container gives 0; `null`/`undefined` entries are skipped.
 *
 * @example
 * ```ts
 * const {grads} = tf.variableGrads(loss);
 * const norm = getTotalNorm(grads);          // tf.Scalar, no host sync
 * ```
 * @returns a new scalar owned by the caller
 */
export function getTotalNorm(grads: GradContainer, options: TotalNormOptions = {}): Scalar {
  return totalNormFor('getTotalNorm', grads, options);
}

/**
 * {@link getTotalNorm} with the public function name `fn` used in error
 * messages (so `clipGradNorm`'s errors name `clipGradNorm`).
 * @internal
 */
export function totalNormFor(fn: string, grads: GradContainer, options: TotalNormOptions): Scalar {
  if (fn === 'getTotalNorm') checkOptions<TotalNormOptions>(fn, options, { normType: 'checked', fused: 'boolean', errorIfNonfinite: 'boolean' });
  const p = requireNormType(fn, options.normType ?? 2);
  const { tensors } = flattenGrads(fn, 'grads', grads);
  const total = normOf(fn, tensors, p, options.fused);
  if (options.errorIfNonfinite === true) throwIfNonfinite(fn, total, p);
  return total;
}

/** Reads `total` (one host sync) and throws, disposing it, when it is NaN or ±Inf. */
export function throwIfNonfinite(fn: string, total: Scalar, p: number): void {
  const v = total.dataSync()[0];
  if (!Number.isFinite(v)) {
    total.dispose();
    throw new GradclipArgumentError(
      `${fn}: the total norm of order ${p} of the gradients is ${v}, so they cannot be clipped; ` +
        'set errorIfNonfinite: false to scale by the non-finite norm anyway, or skip such steps with transforms.skipNonFinite()',
    );
  }
}
