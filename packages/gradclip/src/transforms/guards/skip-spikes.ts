/**
 * Skip steps whose gradient norm is a spike against a rolling window, after
 * OLMo-core's `SkipStepOptimizer` (`olmo_core/optim/skip_step_optimizer.py`)
 * and Levanter's `SkipStepConfig` (`levanter/optim/skipstep.py`).
 */
import { registerTransform } from '../registry.js';
import type { GradientTransformation, TransformResult } from '../types.js';
import { GradclipArgumentError, isCount, isNormList, requireInteger, requirePositive, requireState } from '../../core/errors.js';
import { mean, rollingPush, std } from '../../core/stats/index.js';
import { readGlobalNorm, requireFloatUpdates } from '../internal.js';
import { checkOptions } from '../../core/options.js';

/** Options of {@link skipSpikes}. */
export interface SkipSpikesOptions {
  /** Number of recent accepted norms the statistics use (integer `>= 2`). @default 128 */
  window?: number;
  /** A norm above `mean + sigma · std` of the window is a spike (`> 0`). @default 6 */
  sigma?: number;
  /**
   * No step is skipped until the window holds at least this many norms
   * (integer in `[2, window]`; a standard deviation needs two). The default
   * is half the window, as in OLMo-core and Levanter.
   * @default max(2, floor(window / 2)) (64 for the default window)
   */
  minHistory?: number;
}

/** State of {@link skipSpikes}: an immutable, JSON-serialisable record. */
export interface SkipSpikesState {
  /** The last (at most `window`) accepted finite norms, oldest first. Skipped norms are never added. */
  readonly history: readonly number[];
  /** Steps skipped since `init`. */
  readonly totalSkipped: number;
  /** Skipped steps in a row up to now (0 after an accepted step). */
  readonly consecutiveSkipped: number;
}

const FN = 'transforms.skipSpikes';
/** Floor on the standard deviation (Levanter's `jnp.maximum(std, 1e-6)`). */
const STD_FLOOR = 1e-6;

/**
 * Skips a step when its global gradient norm `g_t = ||g||_2` is a spike
 * against the window `W` of the last `window` **accepted** norms:
 *
 *   skip  ⇔  |W| >= minHistory  and  g_t > mean(W) + sigma · max(std(W), 1e-6)
 *
 * with `std` the sample standard deviation (`n - 1`, like OLMo-core's
 * `torch.std_mean`; Levanter uses `n`) floored at 1e-6 like Levanter, so a
 * constant history does not skip every tiny increase. This is OLMo-core's
 * `z = (g - mean) / std > sigma_factor` test restricted to upward spikes.
 * Unlike OLMo-core and Levanter, a skipped norm is not added to the window, so
 * a spike cannot inflate the statistics that judge the next steps; the
 * flip side is that a lasting jump in the norm level keeps being skipped
 * (watch `consecutiveSkipped`). A non-finite norm is always skipped and
 * never recorded. Only the gradient norm is judged (the loss is not visible
 * to a gradient transform).
 *
 * Skipping sets `info.skip = true`; `withTransforms` then leaves the weights
 * and the optimizer state untouched. Gradients are returned unchanged.
 *
 * Cost: one scalar host read per step (a device sync on GPU backends) and
 * O(window) host work.
 *
 * @example
 * ```ts
 * const t = transforms.chain(transforms.skipSpikes({ window: 128, sigma: 6 }), transforms.clipByGlobalNorm(1));
 * ```
 * @throws when `window` is not an integer `>= 2`, `sigma <= 0`, or `minHistory` is not an integer in `[2, window]`.
 */
export function skipSpikes(opts: SkipSpikesOptions = {}): GradientTransformation<SkipSpikesState> {
  const options = checkOptions<SkipSpikesOptions>(FN, opts, { window: 'checked', sigma: 'checked', minHistory: 'checked' });
  const window = requireInteger(
    FN,
    'window',
    options.window ?? 128,
    2,
    'pass the number of recent norms to compare against, e.g. 128 (a standard deviation needs two)',
  );
  const sigma = requirePositive(FN, 'sigma', options.sigma ?? 6, 'pass how many standard deviations make a spike, e.g. 6');
  const minHistory = requireInteger(
    FN,
    'minHistory',
    options.minHistory ?? Math.max(2, Math.floor(window / 2)),
    2,
    'a standard deviation needs at least two norms; pass e.g. 64',
  );
  if (minHistory > window) {
    throw new GradclipArgumentError(
      `${FN}: minHistory must be <= window, got minHistory ${minHistory} and window ${window}; the window never holds more than ${window} norms, so lower minHistory or raise window`,
    );
  }

  return {
    name: `skipSpikes(${sigma})`,
    spec: { type: 'skipSpikes', args: [{ window, sigma, minHistory }] },
    init(): SkipSpikesState {
      return { history: [], totalSkipped: 0, consecutiveSkipped: 0 };
    },
    update(updates, state): TransformResult<SkipSpikesState> {
      requireFloatUpdates(FN, updates);
      requireState(
        FN,
        typeof state === 'object' &&
          state !== null &&
          isNormList(state.history) &&
          state.history.length <= window &&
          isCount(state.totalSkipped) &&
          isCount(state.consecutiveSkipped) &&
          state.consecutiveSkipped <= state.totalSkipped,
      );
      const norm = readGlobalNorm(FN, updates);
      let spike = !Number.isFinite(norm);
      if (!spike && state.history.length >= minHistory) {
        const sd = std(state.history, { ddof: 1 });
        spike = norm > mean(state.history) + sigma * Math.max(sd, STD_FLOOR);
      }
      if (spike) {
        return {
          updates: { ...updates },
          state: {
            history: state.history,
            totalSkipped: state.totalSkipped + 1,
            consecutiveSkipped: state.consecutiveSkipped + 1,
          },
          info: { skip: true },
        };
      }
      const history = rollingPush(state.history, norm, window);
      return {
        updates: { ...updates },
        state: { history, totalSkipped: state.totalSkipped, consecutiveSkipped: 0 },
        info: { skip: false },
      };
    },
  };
}

registerTransform('skipSpikes', skipSpikes);
