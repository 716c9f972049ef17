/**
 * Names and attributes of gradclip's own TF.js kernels. Every name carries the
 * `Gradclip` prefix: registering an existing TF.js name would silently replace
 * TF.js's kernel.
 */

/**
 * Multi-tensor norm: inputs are any number of float32 tensors treated as one
 * vector, the output a float32 scalar `||x||_p` accumulated in float64.
 */
export const GRADCLIP_GLOBAL_NORM = 'GradclipGlobalNorm';

/** Attributes of {@link GRADCLIP_GLOBAL_NORM}. */
export interface GlobalNormAttrs {
  /** Norm order p > 0, or `Infinity`. */
  normType: number;
  [key: string]: number;
}

/**
 * Multi-tensor scale: inputs are `n` float32 tensors followed by one float32
 * scalar `coef`; the outputs are the `n` tensors `t_i · coef` (one IEEE
 * float32 multiply per element, bit-identical to `tf.mul(t_i, coef)`), in one
 * kernel call instead of `n` `Mul` kernels. This is the second pass of a
 * global-norm clip (`torch.nn.utils.clip_grads_with_norm_`'s `_foreach_mul_`).
 */
export const GRADCLIP_SCALE = 'GradclipScale';

/** Attributes of {@link GRADCLIP_SCALE}. */
export interface ScaleAttrs {
  /**
   * 1: the caller hands over ownership of the inputs, so a kernel may write
   * `t_i · coef` into `t_i`'s own buffer and return an alias of it (then the
   * caller must dispose the inputs and use only the outputs). Kernels do so
   * only for inputs whose buffer no other tensor shares (backend refCount 1,
   * and not repeated in the list); the others are scaled out of place.
   * 0: always out of place (the inputs are untouched).
   */
  inPlace: number;
  [key: string]: number;
}
