/**
 * ZClip: z-score based adaptive clipping of the global gradient norm.
 * Kumar, Owen, Chowdhury, Güra, "ZClip: Adaptive Spike Mitigation for LLM
 * Pre-Training", 2025, arXiv:2504.02507 (reference code: bluorion-com/ZClip).
 */
import { registerTransform } from '../registry.js';
import { GradclipArgumentError, isNormList, requireFinite, requireInteger, requirePositive, requireState } from '../../core/errors.js';
import { TORCH_CLIP_EPS } from '../../core/constants.js';
import { emaMomentsUpdate, mean, variance } from '../../core/stats/index.js';
import type { AdaptiveClipTransformation } from './auto-clip.js';
import { clipInfo, readGlobalNorm, scaleAll, requireFloatUpdates } from '../internal.js';
import { checkOptions } from '../../core/options.js';

/** Options of {@link zClip}. */
export interface ZClipOptions {
  /** EMA decay `α` of the mean and variance, in `(0, 1)`. @default 0.97 */
  alpha?: number;
  /** z-score above which a norm is a spike, `> 0`. @default 2.5 */
  zThresh?: number;
  /**
   * Number of norms collected before the statistics are initialised (integer
   * `>= 0`; 0 and 1 behave alike: the first norm initialises them).
   * @default 25
   */
  warmupSteps?: number;
  /**
   * Fixed global-norm ceiling, `> 0`: during warm-up the gradients are clipped
   * to it (nothing else clips then); afterwards the threshold is
   * `min(adaptive threshold, maxGradNorm)`. The reference implementation's
   * default is 1.0 (`ZClip(max_grad_norm=1.0)`), so it clips during warm-up;
   * `null` (its `max_grad_norm=None`) or `Infinity` removes the ceiling, and
   * then nothing is clipped during warm-up.
   * @default 1.0
   */
  maxGradNorm?: number | null;
}

/** State of {@link zClip}: an immutable, JSON-serialisable record. */
export interface ZClipState {
  /** Norms collected during warm-up, oldest first (emptied when the statistics are initialised). */
  readonly warmup: readonly number[];
  /** EMA mean `μ` of the norm; `null` while warming up. */
  readonly mean: number | null;
  /** EMA variance `σ²` of the norm; `null` while warming up. */
  readonly variance: number | null;
}

const FN = 'transforms.zClip';
/** Added to σ in the z-score denominator (the reference implementation's `eps`). */
const Z_EPS = 1e-6;

function isZClipState(s: unknown): s is ZClipState {
  if (typeof s !== 'object' || s === null) return false;
  const r = s as Record<string, unknown>;
  const stat = (v: unknown): boolean => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
  return isNormList(r.warmup) && stat(r.mean) && stat(r.variance) && (r.mean === null) === (r.variance === null);
}

/**
 * ZClip (Kumar et al. 2025, arXiv:2504.02507), z-score mode with the
 * reciprocal ("adaptive scaling") threshold. With `g_t = ||g||_2`:
 *
 * - Warm-up: the first `warmupSteps` norms are collected, then
 *   `μ = mean(norms)` and `σ² = Σ(x - μ)² / n` (population variance). No
 *   adaptive clipping happens during warm-up; the step is clipped to
 *   `maxGradNorm` (1.0 by default, as in the reference code; `null` for none).
 * - Afterwards, with the previous statistics:
 *   `z_t = (g_t - μ_{t-1}) / (σ_{t-1} + 1e-6)`;
 *   if `z_t > zThresh` (a spike) the threshold is
 *   `g*_t = μ_{t-1} + (zThresh² / z_t) · σ_{t-1}`, and the gradients are scaled by
 *   `g*_t / (g_t + 1e-6)` (capped by `maxGradNorm` when set). The EMA is fed the
 *   clipped value `x = g*_t` on a spike, `x = g_t` otherwise:
 *   `μ_t = α μ_{t-1} + (1-α) x`,  `σ²_t = α σ²_{t-1} + (1-α) (x - μ_t)²`
 *   (the variance uses the **updated** mean, like the reference code).
 *
 * Cost: one scalar host read per step (a device sync on GPU backends); the
 * state is three numbers (plus up to `warmupSteps` norms during warm-up).
 * Non-finite norms leave the state unchanged and the gradients pass through
 * (chain {@link skipNonFinite} to skip those steps).
 *
 * @example
 * ```ts
 * const opt = withTransforms(tf.train.adam(1e-3), transforms.zClip({ zThresh: 2.5 }));
 * ```
 * @throws when `alpha` is outside `(0, 1)`, `zThresh <= 0`, `warmupSteps` is
 *   not an integer `>= 0`, or `maxGradNorm <= 0`.
 */
export function zClip(opts: ZClipOptions = {}): AdaptiveClipTransformation<ZClipState> {
  const options = checkOptions<ZClipOptions>(FN, opts, { alpha: 'checked', zThresh: 'checked', warmupSteps: 'checked', maxGradNorm: ['checked', 'null'] });
  const alpha = requireFinite(FN, 'alpha', options.alpha ?? 0.97, 'pass an EMA decay in (0, 1), e.g. 0.97');
  if (!(alpha > 0 && alpha < 1)) {
    throw new GradclipArgumentError(`${FN}: alpha must be in (0, 1), got ${alpha}; it is the EMA decay, e.g. 0.97`);
  }
  const zThresh = requirePositive(FN, 'zThresh', options.zThresh ?? 2.5, 'pass a z-score threshold such as 2.5');
  const warmupSteps = requireInteger(FN, 'warmupSteps', options.warmupSteps ?? 25, 0, 'pass the number of warm-up steps, e.g. 25');
  const ceiling = options.maxGradNorm === undefined ? 1.0 : options.maxGradNorm;
  const maxGradNorm =
    ceiling === null || ceiling === Number.POSITIVE_INFINITY
      ? undefined
      : requirePositive(FN, 'maxGradNorm', ceiling, 'pass a positive global-norm ceiling such as 1.0, or null for none');

  const coefFor = (norm: number, threshold: number): number => (norm > threshold ? threshold / (norm + TORCH_CLIP_EPS) : 1);

  return {
    name: `zClip(${zThresh})`,
    spec: { type: 'zClip', args: [{ alpha, zThresh, warmupSteps, maxGradNorm: maxGradNorm ?? null }] },
    init(): ZClipState {
      return { warmup: [], mean: null, variance: null };
    },
    update(updates, state) {
      requireFloatUpdates(FN, updates);
      requireState(FN, isZClipState(state));
      const norm = readGlobalNorm(FN, updates);
      if (!Number.isFinite(norm)) {
        return { updates: { ...updates }, state, info: { ...clipInfo(norm, 1), threshold: Number.NaN } };
      }
      if (state.mean === null || state.variance === null) {
        const warmup = [...state.warmup, norm];
        let next: ZClipState = { warmup, mean: null, variance: null };
        if (warmup.length >= warmupSteps) {
          next = { warmup: [], mean: mean(warmup), variance: variance(warmup, { ddof: 0 }) };
        }
        const threshold = maxGradNorm ?? Number.POSITIVE_INFINITY;
        const coef = maxGradNorm === undefined ? 1 : coefFor(norm, maxGradNorm);
        return {
          updates: coef === 1 ? { ...updates } : scaleAll(FN, updates, coef),
          state: next,
          info: { ...clipInfo(norm, coef), threshold },
        };
      }
      const mu = state.mean;
      const sigma = Math.sqrt(state.variance);
      const z = (norm - mu) / (sigma + Z_EPS);
      const spike = z > zThresh;
      const adaptive = spike ? mu + ((zThresh * zThresh) / z) * sigma : Number.POSITIVE_INFINITY;
      const threshold = maxGradNorm === undefined ? adaptive : Math.min(adaptive, maxGradNorm);
      const coef = coefFor(norm, threshold);
      const ema = emaMomentsUpdate({ mean: mu, variance: state.variance }, spike ? adaptive : norm, alpha);
      return {
        updates: coef === 1 ? { ...updates } : scaleAll(FN, updates, coef),
        state: { warmup: [], mean: ema.mean, variance: ema.variance },
        info: { ...clipInfo(norm, coef), threshold },
      };
    },
  };
}

registerTransform('zClip', zClip);
