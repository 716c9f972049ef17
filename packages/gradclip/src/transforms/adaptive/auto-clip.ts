/**
 * AutoClip: clip to a percentile of the gradient-norm history.
 * Seetharaman, Wichern, Pardo, Le Roux, "AutoClip: Adaptive Gradient Clipping
 * for Source Separation Networks", MLSP 2020, arXiv:2007.14469.
 */
import { registerTransform } from '../registry.js';
import type { NamedTensorMap } from '@tensorflow/tfjs-core';
import { percentileOfSorted } from '../../core/stats/index.js';
import type { GradientTransformation, TransformInfo, TransformResult } from '../types.js';
import { GradclipArgumentError, isNormList, requireFinite, requireInteger, requireState } from '../../core/errors.js';
import { TORCH_CLIP_EPS } from '../../core/constants.js';
import { insertSorted, removeSorted } from '../../core/sorted.js';
import { clipInfo, readGlobalNorm, scaleAll, requireFloatUpdates } from '../internal.js';
import { checkOptions } from '../../core/options.js';

/** Options of {@link autoClip}. */
export interface AutoClipOptions {
  /**
   * Percentile `p` of the norm history used as the threshold, in `[0, 100]`
   * (the paper found 10 a good default for its networks).
   * @default 10
   */
  percentile?: number;
  /**
   * Keep only the last `history` norms (a bounded window; integer `>= 1`).
   * Unset: every norm seen so far, as in the paper.
   * @default undefined (unbounded)
   */
  history?: number;
}

/**
 * State of {@link autoClip}: an immutable, JSON-serialisable record.
 * Only finite norms are recorded.
 */
export interface AutoClipState {
  /** The norms in the history (all of them, or the last `history`), ascending. */
  readonly sorted: readonly number[];
  /** The same norms in arrival order, oldest first; kept only with a bounded `history` (empty otherwise). */
  readonly recent: readonly number[];
}

/** `info` of an adaptive clip: the usual fields plus the host-side threshold of the step. */
export interface AdaptiveClipInfo extends TransformInfo {
  /**
   * The global-norm threshold of this step (the gradients were scaled when the
   * norm exceeded it); `Infinity` when no threshold applied, NaN when the norm
   * was not finite and no threshold could be evaluated.
   */
  threshold: number;
}

/** A gradient transformation whose `update` also reports its threshold. */
export interface AdaptiveClipTransformation<S> extends GradientTransformation<S> {
  update(
    updates: NamedTensorMap,
    state: S,
    params?: NamedTensorMap,
  ): TransformResult<S> & {
    /** The step's info, with the threshold it used. */
    info: AdaptiveClipInfo;
  };
}

const FN = 'transforms.autoClip';

function isAutoClipState(s: unknown): s is AutoClipState {
  if (typeof s !== 'object' || s === null) return false;
  const r = s as Record<string, unknown>;
  return isNormList(r.sorted, true) && isNormList(r.recent);
}

/**
 * AutoClip (Seetharaman et al. 2020, arXiv:2007.14469): each step the global
 * norm `||g||_2` is appended to the history `H` and the gradients are clipped
 * to the `p`-th percentile of `H`, **the current norm included** (the paper's
 * Algorithm 1 appends before taking the percentile):
 *
 *   η_t = percentile_p({||g_1||, …, ||g_t||})   (linear interpolation, numpy's default)
 *   g  ← g · η_t / (||g|| + 1e-6)   when ||g|| > η_t, otherwise unchanged
 *
 * The coefficient is the one of `torch.nn.utils.clip_grad_norm_` used by the
 * authors' code; we skip the multiply when the norm is within the threshold
 * (PyTorch would multiply by `η/(η+1e-6)` when `||g|| = η`).
 * With `history` only the last `history` norms form `H`.
 *
 * Cost: the norm is read to the host each step (one scalar, a device sync on
 * GPU backends), and the state holds up to `history` (or all) norms; an
 * update is O(|H|) (sorted insertion).
 *
 * Non-finite norms are not recorded and the gradients pass unchanged (put
 * {@link skipNonFinite} in the chain to skip such steps).
 *
 * @example
 * ```ts
 * const opt = withTransforms(tf.train.adam(1e-3), transforms.autoClip({ percentile: 10 }));
 * ```
 * @throws when `percentile` is outside `[0, 100]` or `history` is not an integer `>= 1`.
 */
export function autoClip(opts: AutoClipOptions = {}): AdaptiveClipTransformation<AutoClipState> {
  const options = checkOptions<AutoClipOptions>(FN, opts, { percentile: 'checked', history: 'checked' });
  const percentile = requireFinite(FN, 'percentile', options.percentile ?? 10, 'pass a percentile in [0, 100], e.g. 10');
  if (percentile < 0 || percentile > 100) {
    throw new GradclipArgumentError(`${FN}: percentile must be in [0, 100], got ${percentile}; e.g. 10 for the paper's default`);
  }
  const history =
    options.history === undefined
      ? undefined
      : requireInteger(FN, 'history', options.history, 1, 'pass the number of recent norms to keep, or leave it unset to keep them all');

  return {
    name: history === undefined ? `autoClip(${percentile})` : `autoClip(${percentile}, history=${history})`,
    spec: { type: 'autoClip', args: [history === undefined ? { percentile } : { percentile, history }] },
    init(): AutoClipState {
      return { sorted: [], recent: [] };
    },
    update(updates, state) {
      requireFloatUpdates(FN, updates);
      requireState(FN, isAutoClipState(state));
      const norm = readGlobalNorm(FN, updates);
      if (!Number.isFinite(norm)) {
        return {
          updates: { ...updates },
          state,
          info: { ...clipInfo(norm, 1), threshold: Number.NaN },
        };
      }
      let sorted = insertSorted(state.sorted, norm);
      let recent: number[] = [];
      if (history !== undefined) {
        recent = [...state.recent, norm];
        while (recent.length > history) {
          const dropped = recent.shift() as number;
          sorted = removeSorted(sorted, dropped);
        }
      }
      const threshold = percentileOfSorted(sorted, percentile);
      const coef = norm > threshold ? threshold / (norm + TORCH_CLIP_EPS) : 1;
      return {
        updates: coef === 1 ? { ...updates } : scaleAll(FN, updates, coef),
        state: { sorted, recent },
        info: { ...clipInfo(norm, coef), threshold },
      };
    },
  };
}

registerTransform('autoClip', autoClip);
