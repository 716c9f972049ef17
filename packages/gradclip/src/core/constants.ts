/**
 * Numerical constants shared by several layers (one definition each).
 */

/**
 * Epsilon added to the total norm in PyTorch's clip coefficient,
 * `coef = min(1, maxNorm / (total + 1e-6))` (`torch.nn.utils.clip_grad_norm_`).
 * Used by `clipGradNorm`, the `'torch'` rule of `clipByGlobalNorm`, and the
 * host-side coefficient of autoClip and zClip.
 */
export const TORCH_CLIP_EPS = 1e-6;
