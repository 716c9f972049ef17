/**
 * The growth factor of gradient norms through time.
 *
 * @module
 */
import { GradclipArgumentError, describeValue } from '../errors.js';

/**
 * The fitted growth factor per time step backward of a gradient flow
 * (`GradientFlow.growth`): with `timeNorms[t − 1] = ‖∂L/∂h_t‖` for
 * t = 1..T, the least-squares line `ln ‖∂L/∂h_t‖ ≈ a + b·t` is fitted over
 * the norms that are positive and finite, and the result is `exp(−b)`.
 * Backpropagation through time multiplies the state-to-state Jacobians
 * (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063, section 2:
 * `∂L/∂h_t = (∏_{k>t} ∂h_k/∂h_{k−1})ᵀ ∂L/∂h_T`), so the norm changes by
 * about this factor per step on its way back: above 1 the gradient grows
 * going back in time (exploding), below 1 it shrinks (vanishing). For
 * `‖∂L/∂h_t‖ = c·ρ^(T−t)` it is exactly ρ.
 *
 * @param timeNorms the norms in time order (t = 1 first); NaN, infinite,
 *   zero and negative entries are left out of the fit.
 * @returns the factor, or null when fewer than two norms are positive and finite.
 * @throws GradclipArgumentError when `timeNorms` is not an array of numbers.
 */
export function fitGrowth(timeNorms: readonly number[]): number | null {
  if (!Array.isArray(timeNorms)) throw new GradclipArgumentError(`fitGrowth: timeNorms must be an array of numbers (‖∂L/∂h_t‖ for t = 1..T), got ${describeValue(timeNorms)}`);
  let count = 0;
  let st = 0;
  let sy = 0;
  for (let i = 0; i < timeNorms.length; i++) {
    const x: unknown = timeNorms[i];
    if (typeof x !== 'number') throw new GradclipArgumentError(`fitGrowth: timeNorms[${i}] must be a number, got ${describeValue(x)}`);
    if (x < 0) throw new GradclipArgumentError(`fitGrowth: timeNorms[${i}] is ${x}, but a norm is >= 0; pass the norms ‖∂L/∂h_t‖ (0, NaN and ±Infinity are skipped by the fit)`);
    if (!(x > 0) || !Number.isFinite(x)) continue;
    count++;
    st += i + 1;
    sy += Math.log(x);
  }
  if (count < 2) return null;
  const tMean = st / count;
  const yMean = sy / count;
  let sxy = 0;
  let sxx = 0;
  for (let i = 0; i < timeNorms.length; i++) {
    const x = timeNorms[i];
    if (!(x > 0) || !Number.isFinite(x)) continue;
    const dt = i + 1 - tMean;
    sxy += dt * (Math.log(x) - yMean);
    sxx += dt * dt;
  }
  return Math.exp(-sxy / sxx);
}
