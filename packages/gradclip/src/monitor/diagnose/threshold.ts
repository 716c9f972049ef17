/**
 * The clipping threshold {@link diagnose} recommends: {@link recommendThreshold}
 * on the run's pre-clip norms — only those before the first exploding event
 * when the run exploded, since only they describe healthy training (the
 * practitioners' rule of Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063,
 * section 3.2: set the threshold from the statistics of the norm over many
 * ordinary updates). A threshold is never taken from the explosion itself.
 *
 * @module
 */

import { recommendThreshold } from '../recommend/index.js';
import type { diagnose } from './index.js';

/** Fewer finite norms than this (recommendThreshold's default `minSamples`) give no threshold. */
export const MIN_THRESHOLD_SAMPLES = 20;

/**
 * `recommendThreshold(norms[0 .. firstExplodingIdx - 1]).threshold` (all the
 * norms when `firstExplodingIdx < 0`), or null when that sample holds fewer
 * than {@link MIN_THRESHOLD_SAMPLES} finite norms or recommendThreshold
 * rejects it (for example when every norm is 0).
 */
export function thresholdBeforeFirstEvent(norms: readonly number[], firstExplodingIdx: number): number | null {
  const sample = firstExplodingIdx >= 0 ? norms.slice(0, firstExplodingIdx) : norms;
  if (sample.filter((x) => Number.isFinite(x)).length < MIN_THRESHOLD_SAMPLES) return null;
  try {
    return recommendThreshold(sample).threshold;
  } catch {
    return null;
  }
}
