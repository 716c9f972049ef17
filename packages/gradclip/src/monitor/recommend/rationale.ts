/**
 * The plain-words rationale of {@link recommendThreshold}: the norm
 * statistics, the spikes excluded, and the formula of the threshold with
 * its numbers — the practitioners' rule of Pascanu, Mikolov & Bengio (2013,
 * arXiv 1211.5063, section 3.2), spelled out for the run at hand.
 *
 * @module
 */

import { formatNumber } from '../../core/format.js';
import type { SpikeSplit } from './spikes.js';
import type { NormPercentiles } from './types.js';
import type { recommendThreshold } from './index.js';

/** What {@link thresholdRationale} quotes. */
export interface RationaleInputs {
  /** Percentiles of all finite norms. */
  percentiles: NormPercentiles;
  /** Number of finite norms. */
  count: number;
  /** Number of non-finite norms ignored. */
  nonFinite: number;
  /** The spike split. */
  split: SpikeSplit;
  /** The smallest spike (`Infinity` when there is none). */
  minSpike: number;
  /** The percentile option. */
  percentile: number;
  /** `P_percentile` of the non-spike norms. */
  pRest: number;
  /** The headroom option. */
  headroom: number;
  /** `headroom × median`. */
  floor: number;
  /** `max(pRest, floor)`. */
  rawThreshold: number;
  /** How the raw threshold was rounded. */
  roundingNote: string;
}

/** Three sentences: the norm statistics; the spikes (or none) above the cut-off; the threshold formula with its values. */
export function thresholdRationale(x: RationaleInputs): string {
  const pct = x.percentiles;
  const { spikes, spikeCutoff, cutRatio, log10Sigma } = x.split;
  const parts: string[] = [];
  parts.push(
    `Median pre-clip norm ${formatNumber(pct.p50)} (p90 ${formatNumber(pct.p90)}, p95 ${formatNumber(pct.p95)}, ` +
      `p99 ${formatNumber(pct.p99)}, max ${formatNumber(pct.max)}) over ${x.count} finite steps` +
      (x.nonFinite > 0 ? `, ${x.nonFinite} non-finite ignored.` : '.'),
  );
  parts.push(
    spikes.length > 0
      ? `${spikes.length} spike${spikes.length === 1 ? '' : 's'} above ${formatNumber(spikeCutoff)} ` +
          `(${formatNumber(cutRatio)}× the median; spread ${formatNumber(log10Sigma)} decades) excluded, ` +
          `the smallest ${formatNumber(x.minSpike)}.`
      : `No spikes above ${formatNumber(spikeCutoff)} (${formatNumber(cutRatio)}× the median).`,
  );
  parts.push(
    `Threshold = max(p${x.percentile} of the non-spike norms = ${formatNumber(x.pRest)}, ` +
      `${x.headroom} × median = ${formatNumber(x.floor)}) = ${formatNumber(x.rawThreshold)}, ${x.roundingNote}: ` +
      `clipping will leave typical steps alone and cap the spikes.`,
  );
  return parts.join(' ');
}
