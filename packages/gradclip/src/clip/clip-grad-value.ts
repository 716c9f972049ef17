import { flattenGrads, type GradContainer } from './containers.js';
import { requireThreshold } from '../core/errors.js';
import { clampKeepNaN } from './clamp.js';

/**
 * Clamps every gradient element to `[-clipValue, clipValue]`, as
 * `torch.nn.utils.clip_grad_value_` (and Keras `clipvalue`):
 *
 *   g_ij ← min(max(g_ij, -clipValue), clipValue)
 *
 * Unlike norm clipping this changes the gradient's direction. NaN stays NaN;
 * ±Inf becomes ±clipValue.
 *
 * @param clipValue - a finite number >= 0 (0 zeroes the gradients, as in PyTorch)
 * @returns new tensors in the caller's container form
 */
export function clipGradValue<G extends GradContainer>(grads: G, clipValue: number): G {
  const fn = 'clipGradValue';
  requireThreshold(fn, 'clipValue', clipValue, true);
  const flat = flattenGrads(fn, 'grads', grads);
  const out = flat.tensors.map((g) => clampKeepNaN(g, clipValue));
  return flat.rebuild<G>(out);
}
