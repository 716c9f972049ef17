/**
 * AutoClip: clip to a percentile of the gradient-norm history.
 * Seetharaman, Wichern, Pardo, Le Roux, "AutoClip: Adaptive Gradient Clipping
 * for Source Separation Networks", MLSP 2020, arXiv:2007.14469.
 */
import { registerTransform } from '../registry.js';
import type { NamedTensorMap } from '@tensorflow/tfjs-core';
import { percentileAt } from '../../core/stats/index.js';
import type { GradientTransformation, TransformInfo, TransformResult } from '../types.js';
import { GradclipArgumentError, isNormList, requireFinite, requireInteger, requireState } from '../../core/errors.js';
import { TORCH_CLIP_EPS } from '../../core/constants.js';
import { BlockQueue, SortedBlocks } from '../../core/order-statistics.js';
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
 *
 * The states `update` returns keep the history in persistent sorted blocks
 * (`core/order-statistics.ts`) so that a step costs O(√n), not O(n); `sorted`
 * and `recent` are read-only properties that build a fresh array from them
 * on each access (O(n)), and `JSON.stringify` gives exactly the JSON of the
 * plain record `{sorted, recent}`. Any object of this shape is accepted back
 * (a JSON round trip, a state saved by an earlier version): it is validated
 * and converted once, in O(n).
 */
export interface AutoClipState {
  /** The norms in the history (all of them, or the last `history`), ascending. */
  readonly sorted: readonly number[];
  /** The same norms in arrival order, oldest first; kept only with a bounded `history` (empty otherwise). */
  readonly recent: readonly number[];
}

/** The history behind a state made by `update`. */
interface History {
  readonly sorted: SortedBlocks;
  readonly recent: BlockQueue;
}

/** States made by {@link autoClip}'s update, and the history behind each (nothing else is attached to the state object). */
const HISTORIES = new WeakMap<object, History>();

/**
 * A state made by `update`: its own enumerable properties `sorted` and
 * `recent` are getters returning fresh arrays, in that order (so
 * `JSON.stringify`, spreading, `structuredClone` and deep equality see the
 * plain record `{sorted, recent}`), and it is frozen. It is an instance of
 * this class rather than a plain record so that code walking a state's plain
 * records for tensors (`stateTensors` in ../info.ts, run on every step by
 * `withTransforms` and `chain`) does not read the whole history each step.
 */
class HistoryState implements AutoClipState {
  declare readonly sorted: readonly number[];
  declare readonly recent: readonly number[];

  constructor(h: History) {
    Object.defineProperties(this, {
      sorted: { enumerable: true, get: (): number[] => h.sorted.toArray() },
      recent: { enumerable: true, get: (): number[] => h.recent.toArray() },
    });
    HISTORIES.set(this, h);
    Object.freeze(this);
  }
}

/** The history of `state`: its own when `update` made it, else built from the validated arrays. */
function historyOf(state: unknown): History {
  const h = typeof state === 'object' && state !== null ? HISTORIES.get(state) : undefined;
  if (h !== undefined) return h;
  requireState(FN, isAutoClipState(state));
  const s = state as AutoClipState;
  return { sorted: SortedBlocks.fromSorted(s.sorted), recent: BlockQueue.from(s.recent) };
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
 * GPU backends), and the state holds up to `history` (or all) norms, in
 * persistent sorted blocks of about 1000: an update copies one block and
 * the block index, O(√|H|), so the per-step cost stays flat over a run
 * (a few microseconds at a million norms; docs/benchmarks.md). The state
 * stays exact: the same norms, the same percentile as a sorted array.
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
      const h = historyOf(state);
      const norm = readGlobalNorm(FN, updates);
      if (!Number.isFinite(norm)) {
        return {
          updates: { ...updates },
          state,
          info: { ...clipInfo(norm, 1), threshold: Number.NaN },
        };
      }
      let sorted = h.sorted.insert(norm);
      let recent = BlockQueue.EMPTY;
      if (history !== undefined) {
        recent = h.recent.push(norm);
        while (recent.size > history) {
          const oldest = recent.shift() as { value: number; rest: BlockQueue };
          recent = oldest.rest;
          sorted = sorted.remove(oldest.value);
        }
      }
      const list = sorted;
      const threshold = percentileAt(list.size, (k) => list.at(k) as number, percentile, FN);
      const coef = norm > threshold ? threshold / (norm + TORCH_CLIP_EPS) : 1;
      return {
        updates: coef === 1 ? { ...updates } : scaleAll(FN, updates, coef),
        state: new HistoryState({ sorted, recent }),
        info: { ...clipInfo(norm, coef), threshold },
      };
    },
  };
}

registerTransform('autoClip', autoClip);
