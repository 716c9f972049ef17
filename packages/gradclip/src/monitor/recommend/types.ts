/**
 * The result types of {@link recommendThreshold}: the threshold with the
 * statistics it was chosen from — percentiles, the spikes excluded and the
 * cut-off that defined them, the robust log-space spread — and the
 * plain-words rationale (the rule of Pascanu, Mikolov & Bengio 2013, arXiv
 * 1211.5063, section 3.2: above the typical norm, below the spikes).
 *
 * @module
 */

import type { recommendThreshold } from './index.js';

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
