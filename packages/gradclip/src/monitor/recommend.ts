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
 * @module
 */

import { formatNumber } from '../core/format.js';
import { ceilSignificant, niceCeil } from '../core/nice.js';
import { MAD_NORMAL_SCALE, median, mad, percentileOfSorted } from '../core/stats/index.js';

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

/** One norm classified as a spike by {@link recommendThreshold}. */
export interface NormSpike {
  /** Index in the input array. */
  index: number;
  /** The norm. */
  norm: number;
  /** `norm / median positive norm`. */
  ratio: number;
}

/** Percentiles of the finite norms (spikes included), linear interpolation. */
export interface NormPercentiles {
  /** 50th percentile (the median). */
  p50: number;
  /** 90th percentile. */
  p90: number;
  /** 95th percentile. */
  p95: number;
  /** 99th percentile. */
  p99: number;
  /** The largest finite norm. */
  max: number;
}

/** Result of {@link recommendThreshold}. */
export interface RecommendedThreshold {
  /**
   * The recommended `maxNorm`: the raw threshold rounded up to the first
   * human-friendly value `m × 10^k` (m ∈ {1, 1.2, 1.5, 2, 2.5, 3, 4, 5, 6, 8})
   * that stays below the smallest spike; if that value would reach a spike,
   * the raw threshold rounded up to 2 significant digits; if even that
   * reaches a spike, the raw threshold itself. Always `≥ rawThreshold` and
   * `<` every spike.
   */
  threshold: number;
  /** `max(P_percentile(non-spike norms), headroom × median)`, before rounding. */
  rawThreshold: number;
  /** Percentiles of all finite norms, spikes included. */
  percentiles: NormPercentiles;
  /** Median of all finite norms (equals `percentiles.p50`). */
  median: number;
  /** Norms classified as spikes, in input order. */
  spikes: NormSpike[];
  /** Norms above this value are spikes: `median⁺ × max(10^(spikeZ·σ), minSpikeRatio)`. */
  spikeCutoff: number;
  /** Robust spread of the positive norms, `1.4826 · MAD(log10 norm)`, in decades. */
  log10Sigma: number;
  /** Number of finite norms used. */
  count: number;
  /** Number of NaN / ±Infinity norms ignored. */
  nonFinite: number;
  /** Plain-words explanation of how the threshold was chosen. */
  rationale: string;
}

const OPTION_NAMES = ['minSamples', 'percentile', 'spikeZ', 'minSpikeRatio', 'headroom', 'round'];

function checkOpts(opts: RecommendThresholdOptions): Required<RecommendThresholdOptions> {
  for (const k of Object.keys(opts)) {
    if (!OPTION_NAMES.includes(k)) {
      throw new Error(`recommendThreshold: unknown option "${k}"; known options: ${OPTION_NAMES.join(', ')}`);
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
    throw new Error(`recommendThreshold: minSamples must be an integer >= 3, got ${String(o.minSamples)}`);
  }
  if (typeof o.percentile !== 'number' || !(o.percentile >= 0 && o.percentile <= 100)) {
    throw new Error(`recommendThreshold: percentile must be in [0, 100], got ${String(o.percentile)}`);
  }
  if (typeof o.spikeZ !== 'number' || !(o.spikeZ > 0) || !Number.isFinite(o.spikeZ)) {
    throw new Error(`recommendThreshold: spikeZ must be a finite number > 0, got ${String(o.spikeZ)}`);
  }
  if (typeof o.headroom !== 'number' || !(o.headroom >= 1) || !Number.isFinite(o.headroom)) {
    throw new Error(`recommendThreshold: headroom must be a finite number >= 1, got ${String(o.headroom)}`);
  }
  if (typeof o.minSpikeRatio !== 'number' || !Number.isFinite(o.minSpikeRatio) || !(o.minSpikeRatio > o.headroom)) {
    throw new Error(
      `recommendThreshold: minSpikeRatio must be a finite number > headroom (${o.headroom}), got ${String(o.minSpikeRatio)}`,
    );
  }
  return o;
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
 * @throws if fewer than `minSamples` finite norms are given, a norm is
 *   negative, all norms are zero, or an option is out of range.
 */
export function recommendThreshold(norms: readonly number[], opts: RecommendThresholdOptions = {}): RecommendedThreshold {
  const o = checkOpts(opts);
  if (!Array.isArray(norms)) {
    throw new Error(`recommendThreshold: norms must be an array of numbers, got ${typeof norms}`);
  }
  const finite: number[] = [];
  const finiteIdx: number[] = [];
  let nonFinite = 0;
  for (let i = 0; i < norms.length; i++) {
    const v = norms[i];
    if (typeof v !== 'number') {
      throw new Error(`recommendThreshold: norms[${i}] must be a number, got ${v === null ? 'null' : typeof v}`);
    }
    if (!Number.isFinite(v)) {
      nonFinite++;
      continue;
    }
    if (v < 0) throw new Error(`recommendThreshold: norms[${i}] is ${v}; a norm must be >= 0`);
    finite.push(v);
    finiteIdx.push(i);
  }
  if (finite.length < o.minSamples) {
    throw new Error(
      `recommendThreshold: need at least minSamples=${o.minSamples} finite norms, got ${finite.length}` +
        (nonFinite > 0 ? ` (${nonFinite} non-finite ignored)` : '') +
        '; record a few hundred unclipped steps first',
    );
  }

  const positiveLogs = finite.filter((v) => v > 0).map((v) => Math.log10(v));
  if (positiveLogs.length === 0) {
    throw new Error('recommendThreshold: every finite norm is 0; there is nothing to calibrate a threshold on');
  }
  const logCenter = median(positiveLogs);
  const log10Sigma = mad(positiveLogs, { scale: MAD_NORMAL_SCALE });
  const center = Math.pow(10, logCenter);
  const cutRatio = Math.max(Math.pow(10, o.spikeZ * log10Sigma), o.minSpikeRatio);
  const spikeCutoff = center * cutRatio;

  const spikes: NormSpike[] = [];
  const rest: number[] = [];
  for (let j = 0; j < finite.length; j++) {
    const v = finite[j];
    if (v > spikeCutoff) spikes.push({ index: finiteIdx[j], norm: v, ratio: v / center });
    else rest.push(v);
  }

  const sortedAll = Float64Array.from(finite).sort();
  const pct: NormPercentiles = {
    p50: percentileOfSorted(sortedAll, 50),
    p90: percentileOfSorted(sortedAll, 90),
    p95: percentileOfSorted(sortedAll, 95),
    p99: percentileOfSorted(sortedAll, 99),
    max: sortedAll[sortedAll.length - 1],
  };
  const med = pct.p50;
  // rest is non-empty: the median positive norm is never a spike (cutRatio > 1).
  const pRest = percentileOfSorted(Float64Array.from(rest).sort(), o.percentile);
  const floor = o.headroom * med;
  const rawThreshold = Math.max(pRest, floor);
  if (!(rawThreshold > 0)) {
    throw new Error(
      `recommendThreshold: the threshold would be 0 (most norms are 0); ` +
        `raise percentile (got ${o.percentile}) or record steps with non-zero gradients`,
    );
  }
  const minSpike = spikes.reduce((m, s) => Math.min(m, s.norm), Number.POSITIVE_INFINITY);

  let threshold = rawThreshold;
  let roundingNote = 'not rounded (round: false)';
  if (o.round) {
    const nice = niceCeil(rawThreshold);
    const sig2 = ceilSignificant(rawThreshold, 2);
    if (nice < minSpike) {
      threshold = nice;
      roundingNote = `rounded up to the human-friendly ${formatNumber(nice, 6)}`;
    } else if (sig2 < minSpike) {
      threshold = sig2;
      roundingNote = `rounded up to 2 significant digits (${formatNumber(sig2, 6)}; ${formatNumber(nice, 6)} would reach a spike)`;
    } else {
      roundingNote = 'left unrounded (rounding up would reach a spike)';
    }
  }

  const parts: string[] = [];
  parts.push(
    `Median pre-clip norm ${formatNumber(med)} (p90 ${formatNumber(pct.p90)}, p95 ${formatNumber(pct.p95)}, ` +
      `p99 ${formatNumber(pct.p99)}, max ${formatNumber(pct.max)}) over ${finite.length} finite steps` +
      (nonFinite > 0 ? `, ${nonFinite} non-finite ignored.` : '.'),
  );
  parts.push(
    spikes.length > 0
      ? `${spikes.length} spike${spikes.length === 1 ? '' : 's'} above ${formatNumber(spikeCutoff)} ` +
          `(${formatNumber(cutRatio)}× the median; spread ${formatNumber(log10Sigma)} decades) excluded, ` +
          `the smallest ${formatNumber(minSpike)}.`
      : `No spikes above ${formatNumber(spikeCutoff)} (${formatNumber(cutRatio)}× the median).`,
  );
  parts.push(
    `Threshold = max(p${o.percentile} of the non-spike norms = ${formatNumber(pRest)}, ` +
      `${o.headroom} × median = ${formatNumber(floor)}) = ${formatNumber(rawThreshold)}, ${roundingNote}: ` +
      `clipping will leave typical steps alone and cap the spikes.`,
  );

  return {
    threshold,
    rawThreshold,
    percentiles: pct,
    median: med,
    spikes,
    spikeCutoff,
    log10Sigma,
    count: finite.length,
    nonFinite,
    rationale: parts.join(' '),
  };
}
