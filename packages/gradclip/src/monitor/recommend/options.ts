/**
 * The options of {@link recommendThreshold}: the sample floor, the
 * percentile, the robust spike rule (Iglewicz & Hoaglin's modified z-score
 * in log10 space) and the headroom, with their defaults and the validation
 * that rejects an unknown or out-of-range option with a
 * {@link GradclipArgumentError} naming it.
 *
 * The rule they parametrise is the practitioners' one of Pascanu, Mikolov &
 * Bengio (2013, arXiv 1211.5063, section 3.2): a threshold above the typical
 * norm of many ordinary updates but below the spikes.
 *
 * @module
 */

import { GradclipArgumentError } from '../../core/errors.js';
import type { RecommendedThreshold } from './types.js';
import type { recommendThreshold } from './index.js';

/** Options of {@link recommendThreshold}. */
export interface RecommendThresholdOptions {
  /**
   * Minimum number of finite norms required; fewer throws. A few hundred
   * are recommended; this is only the floor below which the statistics mean
   * nothing.
   * @default 20
   */
  minSamples?: number;
  /**
   * Percentile (linear interpolation, as `np.percentile`) of the non-spike
   * norms used as the raw threshold.
   * @default 95
   */
  percentile?: number;
  /**
   * Spike rule: a norm is a spike when its robust z-score in log10 space,
   * `(log10(norm) - median(log10)) / (1.4826 · MAD(log10))`, exceeds this
   * value (3.5 is Iglewicz & Hoaglin's outlier cut-off).
   * @default 3.5
   */
  spikeZ?: number;
  /**
   * A spike must also be at least this many times the median positive norm
   * (guards against calling mild noise a spike when the norms are nearly
   * constant and the MAD is ~0). Must be greater than `headroom`.
   * @default 3
   */
  minSpikeRatio?: number;
  /**
   * The raw threshold is at least `headroom × median`, so that a run with
   * nearly constant norms is not clipped on half of its steps.
   * Must be ≥ 1 and less than `minSpikeRatio`.
   * @default 1.5
   */
  headroom?: number;
  /**
   * Round the threshold up to a human-friendly value (see
   * {@link RecommendedThreshold.threshold}).
   * @default true
   */
  round?: boolean;
}

/** {@link RecommendThresholdOptions} with every option set (the defaults filled in and validated). */
export type ResolvedRecommendOptions = Required<RecommendThresholdOptions>;

/** The option names, in the order the unknown-option message lists them. */
const OPTION_NAMES = ['minSamples', 'percentile', 'spikeZ', 'minSpikeRatio', 'headroom', 'round'];

/**
 * Fills in the defaults (minSamples 20, percentile 95, spikeZ 3.5,
 * minSpikeRatio 3, headroom 1.5, round true) and validates: `minSamples` an
 * integer ≥ 3; `percentile` in [0, 100]; `spikeZ` finite and > 0;
 * `headroom` finite and ≥ 1; `minSpikeRatio` finite and > `headroom`.
 *
 * @throws {@link GradclipArgumentError} for an unknown option or a value out of range (the message names it).
 */
export function resolveRecommendOptions(opts: RecommendThresholdOptions): ResolvedRecommendOptions {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new GradclipArgumentError(`recommendThreshold: options must be an object such as {percentile: 95} or left out, got ${opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts}`);
  }
  for (const k of Object.keys(opts)) {
    if (!OPTION_NAMES.includes(k)) {
      throw new GradclipArgumentError(`recommendThreshold: unknown option "${k}"; known options: ${OPTION_NAMES.join(', ')}`);
    }
  }
  const o = {
    minSamples: opts.minSamples ?? 20,
    percentile: opts.percentile ?? 95,
    spikeZ: opts.spikeZ ?? 3.5,
    minSpikeRatio: opts.minSpikeRatio ?? 3,
    headroom: opts.headroom ?? 1.5,
    round: opts.round ?? true,
  };
  if (!Number.isInteger(o.minSamples) || o.minSamples < 3) {
    throw new GradclipArgumentError(`recommendThreshold: minSamples must be an integer >= 3, got ${String(o.minSamples)}`);
  }
  if (typeof o.percentile !== 'number' || !(o.percentile >= 0 && o.percentile <= 100)) {
    throw new GradclipArgumentError(`recommendThreshold: percentile must be in [0, 100], got ${String(o.percentile)}`);
  }
  if (typeof o.spikeZ !== 'number' || !(o.spikeZ > 0) || !Number.isFinite(o.spikeZ)) {
    throw new GradclipArgumentError(`recommendThreshold: spikeZ must be a finite number > 0, got ${String(o.spikeZ)}`);
  }
  if (typeof o.headroom !== 'number' || !(o.headroom >= 1) || !Number.isFinite(o.headroom)) {
    throw new GradclipArgumentError(`recommendThreshold: headroom must be a finite number >= 1, got ${String(o.headroom)}`);
  }
  if (typeof o.minSpikeRatio !== 'number' || !Number.isFinite(o.minSpikeRatio) || !(o.minSpikeRatio > o.headroom)) {
    throw new GradclipArgumentError(
      `recommendThreshold: minSpikeRatio must be a finite number > headroom (${o.headroom}), got ${String(o.minSpikeRatio)}`,
    );
  }
  return o;
}
