/**
 * Recommending a global-norm clipping threshold from observed gradient norms.
 *
 * The practitioners' rule (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063,
 * section 3.2: "look at statistics on the average norm over a sufficiently
 * large number of updates"; the same advice appears in the PyTorch and Keras
 * documentation of `clip_grad_norm_` / `clipnorm`): run a few hundred steps
 * without clipping, record the pre-clip global norm, and put the threshold
 * above the typical norm but below the spikes, so that clipping only fires
 * on the rare explosions.
 *
 * `diagnose` quotes this threshold in its ranked causes only where the rule
 * applies: for an explosion (computed on the norms before it), and for a
 * healthy run whose clipping fires on most steps while the loss improves.
 * It never proposes it for `learning-rate-too-high` (the norms then measure
 * the learning rate's steps, and a higher threshold lets them through) nor
 * when the context says the unclipped run diverged.
 *
 * Layout of this folder: `options.ts` (options, defaults, validation),
 * `spikes.ts` (robust log-space spike detection), `rounding.ts` (the
 * human-friendly value below the spikes), `rationale.ts` (the plain-words
 * explanation), `types.ts` (the result types) and this file, which runs them.
 *
 * @module
 */

import { GradclipArgumentError } from '../../core/errors.js';
import { percentileOfSorted } from '../../core/stats/index.js';
import { resolveRecommendOptions, type RecommendThresholdOptions } from './options.js';
import { thresholdRationale } from './rationale.js';
import { roundThreshold } from './rounding.js';
import { findSpikes } from './spikes.js';
import type { NormPercentiles, RecommendedThreshold } from './types.js';

export type { RecommendThresholdOptions } from './options.js';
export type { NormPercentiles, NormSpike, RecommendedThreshold } from './types.js';

/** The finite norms with their input indices, and the count of non-finite ones; rejects non-numbers and negative norms. */
function splitFinite(norms: readonly number[]): { finite: number[]; indices: number[]; nonFinite: number } {
  if (!Array.isArray(norms)) {
    throw new GradclipArgumentError(`recommendThreshold: norms must be an array of numbers, got ${typeof norms}`);
  }
  const finite: number[] = [];
  const indices: number[] = [];
  let nonFinite = 0;
  for (let i = 0; i < norms.length; i++) {
    const v = norms[i];
    if (typeof v !== 'number') {
      throw new GradclipArgumentError(`recommendThreshold: norms[${i}] must be a number, got ${v === null ? 'null' : typeof v}`);
    }
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < 0) throw new GradclipArgumentError(`recommendThreshold: norms[${i}] is ${v}; a norm must be >= 0`);
    finite.push(v);
    indices.push(i);
  }
  return { finite, indices, nonFinite };
}

/**
 * Recommends a clipping threshold (`maxNorm` for `clipGradNorm` /
 * `clipByGlobalNorm`, `--clip norm:<t>` in the CLI) from the pre-clip global
 * gradient norms of a few hundred **unclipped** steps.
 *
 * Rule, in order:
 * 1. NaN / ±Infinity norms are ignored and counted (`nonFinite`); negative
 *    norms are an error. At least `minSamples` finite norms are required.
 * 2. Spikes are detected robustly in log10 space, where norms are roughly
 *    normal: with `c = median(log10 n)` and `σ = 1.4826 · MAD(log10 n)` over
 *    the positive norms, a norm is a spike when
 *    `n > 10^c × max(10^(spikeZ·σ), minSpikeRatio)` (`spikeCutoff`).
 * 3. `rawThreshold = max(P(non-spike norms, percentile), headroom × median)`
 *    where `median` is the median of all finite norms. By construction it is
 *    `≥ median` and `<` every spike.
 * 4. `threshold` = `rawThreshold` rounded up to a human-friendly value that
 *    is still below the smallest spike (see {@link RecommendedThreshold.threshold}).
 *
 * @example
 * ```ts
 * const norms = stepStats.map((s) => s.preClipNorm ?? Number.NaN); // StepStats[] of an earlier run
 * const { threshold, rationale } = recommendThreshold(norms);
 * console.log(rationale);
 * const clippedOptimizer = withClipping(optimizer, { globalClipnorm: threshold });
 * ```
 *
 * @throws {@link GradclipArgumentError} if fewer than `minSamples` finite
 *   norms are given, a norm is negative, all norms are zero, or an option is
 *   out of range.
 */
export function recommendThreshold(norms: readonly number[], opts: RecommendThresholdOptions = {}): RecommendedThreshold {
  const o = resolveRecommendOptions(opts);
  const { finite, indices, nonFinite } = splitFinite(norms);
  if (finite.length < o.minSamples) {
    throw new GradclipArgumentError(
      `recommendThreshold: need at least minSamples=${o.minSamples} finite norms, got ${finite.length}` +
        (nonFinite > 0 ? ` (${nonFinite} non-finite ignored)` : '') +
        '; record a few hundred unclipped steps first',
    );
  }

  const split = findSpikes(finite, indices, o.spikeZ, o.minSpikeRatio);
  const sortedAll = Float64Array.from(finite).sort();
  const percentiles: NormPercentiles = {
    p50: percentileOfSorted(sortedAll, 50),
    p90: percentileOfSorted(sortedAll, 90),
    p95: percentileOfSorted(sortedAll, 95),
    p99: percentileOfSorted(sortedAll, 99),
    max: sortedAll[sortedAll.length - 1],
  };
  const med = percentiles.p50;
  // split.rest is non-empty: the median positive norm is never a spike (cutRatio > 1).
  const pRest = percentileOfSorted(Float64Array.from(split.rest).sort(), o.percentile);
  const floor = o.headroom * med;
  const rawThreshold = Math.max(pRest, floor);
  if (!(rawThreshold > 0)) {
    throw new GradclipArgumentError(
      `recommendThreshold: the threshold would be 0 (most norms are 0); ` +
        `raise percentile (got ${o.percentile}) or record steps with non-zero gradients`,
    );
  }
  const minSpike = split.spikes.reduce((m, s) => Math.min(m, s.norm), Number.POSITIVE_INFINITY);
  const { threshold, note } = roundThreshold(rawThreshold, minSpike, o.round);

  return {
    threshold,
    rawThreshold,
    percentiles,
    median: med,
    spikes: split.spikes,
    spikeCutoff: split.spikeCutoff,
    log10Sigma: split.log10Sigma,
    count: finite.length,
    nonFinite,
    rationale: thresholdRationale({
      percentiles,
      count: finite.length,
      nonFinite,
      split,
      minSpike,
      percentile: o.percentile,
      pRest,
      headroom: o.headroom,
      floor,
      rawThreshold,
      roundingNote: note,
    }),
  };
}
