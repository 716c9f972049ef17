import * as tf from '@tensorflow/tfjs-core';
import type { Scalar, Tensor } from '@tensorflow/tfjs-core';
import { flattenGrads, type GradContainer } from './containers.js';
import { GradclipArgumentError, requireThreshold } from '../core/errors.js';
import { normOf, scaleBy, type FusedOption } from '../kernels/dispatch.js';
import { checkOptions } from '../core/options.js';

/** Options of {@link globalNorm} and {@link clipByGlobalNorm}. */
export interface GlobalNormOptions {
  /**
   * Kernel choice, like PyTorch's `foreach`: `undefined` uses gradclip's fused
   * multi-tensor kernels (norm and scale) when the backend has them (cpu,
   * wasm), `true` requires them (error otherwise), `false` uses the TF.js op
   * composition.
   * @default undefined (automatic)
   */
  fused?: FusedOption;
  /**
   * `clipByGlobalNorm` only: overwrite the tensors' buffers with the clipped
   * values where the backend has the fused kernel (cpu, wasm) and no other
   * tensor shares them; the results alias the inputs (see
   * `ClipGradsWithNormOptions.inPlace`).
   * @default false
   */
  inPlace?: boolean;
}

/**
 * Global L2 norm of several tensors, as `tf.linalg.global_norm`:
 *
 *   global_norm = sqrt(Σ_i ||t_i||_2²)
 *
 * accumulated in float64 (TF accumulates in float32 and returns Inf for
 * values above ~1e19). `null`/`undefined` entries are ignored.
 * @returns a new scalar
 */
export function globalNorm(tensors: GradContainer, opts: GlobalNormOptions = {}): Scalar {
  const options = checkOptions<GlobalNormOptions>('globalNorm', opts, { fused: 'boolean' });
  const { tensors: ts } = flattenGrads('globalNorm', 'tensors', tensors);
  return normOf('globalNorm', ts, 2, options.fused);
}

const GLOBAL_NORM_OPTIONS = { fused: 'boolean', inPlace: 'boolean' } as const;

/**
 * Clips tensors by the ratio of the sum of their norms, as `tf.clip_by_global_norm`
 * (Pascanu et al. 2013, arXiv 1211.5063):
 *
 *   t_i ← t_i · clipNorm / max(globalNorm, clipNorm)
 *
 * computed as TF does, `scale = clipNorm · min(1/globalNorm, 1/clipNorm)`, so a
 * zero norm leaves tensors unchanged; if the norm is NaN or ±Inf **every**
 * output is NaN (TF's signal that the step is broken).
 *
 * On cpu and wasm the norm and the scale are each one fused multi-tensor
 * kernel call (see {@link GlobalNormOptions.fused}).
 *
 * @param clipNorm - a finite number > 0
 * @param useNorm - optional pre-computed global norm (a finite number, or a scalar tensor)
 * @returns `[clipped, norm]`: clipped tensors in the caller's container form, and the
 *   global norm used (a new scalar)
 */
export function clipByGlobalNorm<G extends GradContainer>(
  tensors: G,
  clipNorm: number,
  useNorm?: Scalar | number,
  opts: GlobalNormOptions = {},
): [G, Scalar] {
  const fn = 'clipByGlobalNorm';
  const options = checkOptions<GlobalNormOptions>(fn, opts, GLOBAL_NORM_OPTIONS);
  requireThreshold(fn, 'clipNorm', clipNorm, false);
  const flat = flattenGrads(fn, 'tensors', tensors);
  const norm = useNorm === undefined ? normOf(fn, flat.tensors, 2, options.fused) : requireUseNorm(fn, useNorm);
  const out = tf.tidy(() => {
    const scale = tf.add(tf.mul(clipNorm, tf.minimum(tf.div(1, norm), 1 / clipNorm)), tf.sub(norm, norm)) as Scalar;
    return scaleBy(fn, flat.tensors, scale, options.fused, options.inPlace === true);
  });
  return [flat.rebuild<G>(out), norm];
}

function requireUseNorm(fn: string, useNorm: unknown): Scalar {
  if (typeof useNorm === 'number') {
    if (!Number.isFinite(useNorm) || useNorm < 0) {
      throw new GradclipArgumentError(
        `${fn}: useNorm must be a finite scalar >= 0, got ${useNorm}; pass globalNorm(tensors) or omit it`,
      );
    }
    return tf.scalar(useNorm);
  }
  const t = useNorm as Tensor;
  if (t === null || typeof t !== 'object' || !Array.isArray(t.shape)) {
    throw new GradclipArgumentError(`${fn}: useNorm must be a finite scalar (number or rank-0 tensor), got ${t === null ? 'null' : typeof t}`);
  }
  if (t.isDisposed) throw new GradclipArgumentError(`${fn}: useNorm has been disposed; compute it again with globalNorm(tensors)`);
  if (t.rank !== 0) {
    throw new GradclipArgumentError(`${fn}: useNorm must be a finite scalar, got a rank-${t.rank} tensor of shape [${t.shape.join(', ')}]`);
  }
  if (t.dtype !== 'float32') throw new GradclipArgumentError(`${fn}: useNorm must be float32, got ${t.dtype}`);
  return tf.clone(t) as Scalar;
}
