/**
 * Spike detection for {@link recommendThreshold}: gradient norms are roughly
 * log-normal, so spikes are found robustly in log10 space with the modified
 * z-score of Iglewicz & Hoaglin (1993): median and `1.4826 · MAD`, which a
 * few spikes cannot drag along. Spikes are the rare exploding steps that a
 * clipping threshold must cap and must not be calibrated on (Pascanu,
 * Mikolov & Bengio 2013, arXiv 1211.5063, section 3.2).
 *
 * @module
 */

import { GradclipArgumentError } from '../../core/errors.js';
import { MAD_NORMAL_SCALE, mad, median } from '../../core/stats/index.js';
import type { NormSpike } from './types.js';
import type { recommendThreshold } from './index.js';

/** What {@link findSpikes} reports. */
export interface SpikeSplit {
  /** `10^median(log10 n)` over the positive norms: the typical norm. */
  center: number;
  /** `1.4826 · MAD(log10 n)` over the positive norms, in decades. */
  log10Sigma: number;
  /** `max(10^(spikeZ · log10Sigma), minSpikeRatio)`: how far above `center` a spike starts. */
  cutRatio: number;
  /** `center × cutRatio`: norms strictly above it are spikes. */
  spikeCutoff: number;
  /** The spikes, in input order. */
  spikes: NormSpike[];
  /** The other norms, in input order (never empty: the median norm is no spike). */
  rest: number[];
}

/**
 * Splits finite, non-negative norms into spikes and the rest: with
 * `c = median(log10 n)` and `σ = 1.4826 · MAD(log10 n)` over the positive
 * norms, a norm is a spike when `n > 10^c × max(10^(spikeZ·σ), minSpikeRatio)`.
 *
 * @param finite the finite norms
 * @param indices `finite[j]`'s index in the caller's input (reported in {@link NormSpike.index})
 * @throws {@link GradclipArgumentError} when every norm is 0 (there is nothing to calibrate on).
 */
export function findSpikes(
  finite: readonly number[],
  indices: readonly number[],
  spikeZ: number,
  minSpikeRatio: number,
): SpikeSplit {
  const positiveLogs = finite.filter((v) => v > 0).map((v) => Math.log10(v));
  if (positiveLogs.length === 0) {
    throw new GradclipArgumentError('recommendThreshold: every finite norm is 0; there is nothing to calibrate a threshold on');
  }
  const logCenter = median(positiveLogs);
  const log10Sigma = mad(positiveLogs, { scale: MAD_NORMAL_SCALE });
  const center = Math.pow(10, logCenter);
  const cutRatio = Math.max(Math.pow(10, spikeZ * log10Sigma), minSpikeRatio);
  const spikeCutoff = center * cutRatio;
  const spikes: NormSpike[] = [];
  const rest: number[] = [];
  for (let j = 0; j < finite.length; j++) {
    const v = finite[j];
    if (v > spikeCutoff) spikes.push({ index: indices[j], norm: v, ratio: v / center });
    else rest.push(v);
  }
  return { center, log10Sigma, cutRatio, spikeCutoff, spikes, rest };
}
