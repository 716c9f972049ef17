import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { flattenGrads, type GradContainer } from './containers.js';
import { GradclipArgumentError, requireThreshold } from '../core/errors.js';
import { scaleBy, type FusedOption } from '../kernels/dispatch.js';
import { totalNormFor, type TotalNormOptions } from './total-norm.js';
import { TORCH_CLIP_EPS } from '../core/constants.js';
import { checkOptions } from '../core/options.js';

/** PyTorch's epsilon in the clip coefficient `maxNorm / (total + 1e-6)`. */
export { TORCH_CLIP_EPS };

/** Options of {@link clipGradsWithNorm}. */
export interface ClipGradsWithNormOptions {
  /**
   * Kernel choice for the scale pass, like PyTorch's `foreach`: `undefined`
   * runs gradclip's multi-tensor `GradclipScale` kernel when the backend has
   * one (cpu, wasm), `true` requires it (error otherwise), `false` uses one
   * `tf.mul` per tensor. Results are bit-identical either way.
   * @default undefined (automatic)
   */
  fused?: FusedOption;
  /**
   * Hand the gradients over, like PyTorch's in-place `clip_grad_norm_`: on
   * cpu and wasm each gradient's buffer is overwritten with the clipped values
   * (when no other tensor shares it) and the returned tensor aliases it, so
   * the clip needs no extra memory and no allocation per tensor. The input
   * tensors then hold the clipped values too; dispose them as usual. Other
   * backends return new tensors.
   *
   * Only hand over gradients that nothing reads as a matMul/conv2d weight or
   * bias (or a prelu alpha) afterwards: tfjs-backend-wasm keeps packed copies
   * of those operands keyed by the tensor's id until it is disposed, so a
   * buffer that already served as one would keep serving its old values.
   * Gradients on their way into an optimizer are safe (TF.js optimizers read
   * them with element-wise ops only); this is what the optimizer wrapper does
   * with the gradients of its own `minimize` (DESIGN.md section 7,
   * docs/backends.md).
   * @default false
   */
  inPlace?: boolean;
}

/** Result of {@link clipGradNorm}. */
export interface ClipGradNormResult<G> {
  /** The clipped gradients, in the caller's container form (new tensors). */
  grads: G;
  /** The total norm **before** clipping (a new scalar owned by the caller). */
  totalNorm: Scalar;
}

/**
 * Scales gradients given their total norm, as `torch.nn.utils.clip_grads_with_norm_`:
 *
 *   coef = min(1, maxNorm / (totalNorm + 1e-6)),   g ← coef · g
 *
 * Every gradient is multiplied by the clamped coefficient (no branch, so no
 * host sync). Edge cases follow PyTorch: totalNorm = 0 leaves gradients
 * unchanged; totalNorm = Inf makes finite entries 0; NaN gives NaN;
 * maxNorm = 0 zeroes the gradients.
 *
 * The scale is one multi-tensor kernel call on cpu/wasm (see
 * {@link ClipGradsWithNormOptions.fused}); peak extra memory is the output,
 * 1× the gradients.
 *
 * @param maxNorm - threshold, a finite number >= 0
 * @param totalNorm - the norm to use (from {@link getTotalNorm}, or a number >= 0)
 * @returns new tensors in the caller's container form (inputs are not disposed)
 */
export function clipGradsWithNorm<G extends GradContainer>(
  grads: G,
  maxNorm: number,
  totalNorm: Scalar | number,
  options: ClipGradsWithNormOptions = {},
): G {
  checkOptions<ClipGradsWithNormOptions>('clipGradsWithNorm', options, { fused: 'boolean', inPlace: 'boolean' });
  return clipWithNorm('clipGradsWithNorm', grads, maxNorm, totalNorm, options);
}

function clipWithNorm<G extends GradContainer>(
  fn: string,
  grads: G,
  maxNorm: number,
  totalNorm: Scalar | number,
  options: ClipGradsWithNormOptions,
): G {
  requireThreshold(fn, 'maxNorm', maxNorm, true);
  const flat = flattenGrads(fn, 'grads', grads);
  const total = requireTotalNorm(fn, totalNorm);
  const out = tf.tidy(() => {
    const t = typeof total === 'number' ? tf.scalar(total) : total;
    const coef = tf.minimum(tf.div(maxNorm, tf.add(t, TORCH_CLIP_EPS)), 1) as Scalar;
    return scaleBy(fn, flat.tensors, coef, options.fused, options.inPlace === true);
  });
  return flat.rebuild<G>(out);
}

/**
 * Clips gradients by their total norm, as `torch.nn.utils.clip_grad_norm_`:
 * the composition of {@link getTotalNorm} and {@link clipGradsWithNorm}.
 *
 *   total = ||g||_p,   coef = min(1, maxNorm / (total + 1e-6)),   g ← coef · g
 *
 * Pascanu, Mikolov & Bengio 2013, "On the difficulty of training recurrent
 * neural networks" (arXiv 1211.5063), Algorithm 1 — with PyTorch's epsilon.
 *
 * On cpu and wasm both passes are single fused multi-tensor kernels (one read
 * of the gradients for the norm, one read + write for the scale; WebAssembly
 * SIMD on wasm); `options.fused` chooses like PyTorch's `foreach`.
 *
 * @example
 * ```ts
 * const {value, grads} = tf.variableGrads(loss);
 * const {grads: clipped, totalNorm} = clipGradNorm(grads, 1.0);
 * optimizer.applyGradients(clipped);
 * ```
 * @returns the clipped gradients (same container form) and the pre-clip norm
 */
export function clipGradNorm<G extends GradContainer>(
  grads: G,
  maxNorm: number,
  options: TotalNormOptions & ClipGradsWithNormOptions = {},
): ClipGradNormResult<G> {
  checkOptions<TotalNormOptions & ClipGradsWithNormOptions>('clipGradNorm', options, {
    normType: 'checked',
    fused: 'boolean',
    errorIfNonfinite: 'boolean',
    inPlace: 'boolean',
  });
  requireThreshold('clipGradNorm', 'maxNorm', maxNorm, true);
  const totalNorm = totalNormFor('clipGradNorm', grads, options);
  return { grads: clipWithNorm('clipGradNorm', grads, maxNorm, totalNorm, options), totalNorm };
}

function requireTotalNorm(fn: string, totalNorm: unknown): Scalar | number {
  if (typeof totalNorm === 'number') {
    if (totalNorm < 0) {
      throw new GradclipArgumentError(`${fn}: totalNorm must be >= 0, got ${totalNorm}; pass the value of getTotalNorm(grads)`);
    }
    return totalNorm;
  }
  const t = totalNorm as Tensor;
  if (t === null || typeof t !== 'object' || !Array.isArray(t.shape) || t.rank !== 0) {
    throw new GradclipArgumentError(
      `${fn}: totalNorm must be a scalar tf.Tensor or a number, got ${t === null ? 'null' : Array.isArray(t?.shape) ? `a rank-${t.rank} tensor` : typeof t}; pass getTotalNorm(grads)`,
    );
  }
  if (t.isDisposed) throw new GradclipArgumentError(`${fn}: totalNorm has been disposed; compute it again with getTotalNorm(grads)`);
  if (t.dtype !== 'float32') throw new GradclipArgumentError(`${fn}: totalNorm must be float32, got ${t.dtype}`);
  return t as Scalar;
}
