/**
 * The statistics of a run that {@link diagnose} computes once from its
 * {@link StepStats} records and that every rule reads: the norm and loss
 * series, the layer order, the running medians the spike rules compare
 * against, the first-window / last-window medians the trend rules compare,
 * and the run metrics (clip rate, skipped steps, norm summary) defined once
 * in `core/run-metrics.ts`.
 *
 * The running-median baseline is the "k × running median" spike test for
 * exploding gradients (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063); the
 * end-window medians measure the growth or collapse of the norm by orders of
 * magnitude (Bengio, Simard & Frasconi 1994).
 *
 * @module
 */

import { clipCounts, clipRate, layerOrder, normSummary } from '../../core/run-metrics.js';
import { median, trailingMedians } from '../../core/stats/index.js';
import type { StepStats } from '../../core/step-stats.js';
import type { ResolvedDiagnoseOptions } from './options.js';
import type { DiagnoseContext } from './run-context.js';
import type { diagnose } from './index.js';
import type { Finding } from './types.js';

/** Medians of the first and the last `w` finite values of a series (the same `w` for both). */
export interface EndMedians {
  /** Median of the first `w` finite values. */
  first: number;
  /** Median of the last `w` finite values. */
  last: number;
}

/** What every rule of {@link diagnose} reads; built once by {@link buildContext}. */
export interface DiagnosisContext {
  /** The records, as given. */
  readonly stats: readonly StepStats[];
  /** The validated options. */
  readonly opts: ResolvedDiagnoseOptions;
  /** The caller's context (validated; `{}` when none was given). */
  readonly run: DiagnoseContext;
  /** Number of records. */
  readonly n: number;
  /** `preClipNorm` of every record, NaN where it was not measured (null). */
  readonly norms: readonly number[];
  /** `loss` of every record, NaN where it was not reported (null). */
  readonly losses: readonly number[];
  /** Layer names in order of first appearance over the records' `layerNorms` (`layerOrder`). */
  readonly layerNames: readonly string[];
  /** Median of the finite pre-clip norms, or null when there are none. */
  readonly medianPreClipNorm: number | null;
  /** Largest finite pre-clip norm, or null when there are none. */
  readonly maxPreClipNorm: number | null;
  /**
   * Spike baseline: for record `i`, the median of the previous `window`
   * finite norms (NaN with fewer than `minHistory` of them).
   */
  readonly normBase: readonly number[];
  /** The same running median over the finite losses (the loss-spike baseline). */
  readonly lossBase: readonly number[];
  /**
   * Records whose norm is a spike: finite and
   * `preClipNorm_i > spikeFactor × normBase_i` with `normBase_i > 0`, in record order.
   */
  readonly spikeIndices: readonly number[];
  /** First / last window medians of the finite norms (see {@link endMedians}), or null when too few. */
  readonly normEnds: EndMedians | null;
  /** First / last window medians of the finite losses, or null when too few. */
  readonly lossEnds: EndMedians | null;
  /** Clip rate: clipped / applied (not skipped) records (`clipRate` of core/run-metrics); null when none was applied. */
  readonly clipRate: number | null;
  /** Records that applied an update (not skipped): the clip rate's denominator. */
  readonly appliedSteps: number;
  /** Applied records that were clipped: the clip rate's numerator. */
  readonly clippedAppliedSteps: number;
  /** True when some record has `clipped = true` (clipping was in use in this run). */
  readonly anyClipped: boolean;
  /** Number of records a guard skipped: `skipped = true`, gradient-accumulation micro-steps (`accumulated`) left out. */
  readonly skippedSteps: number;
}

function num(x: number | null | undefined): number {
  return typeof x === 'number' ? x : Number.NaN;
}

/**
 * Medians of the first and last `w` finite values of `xs`, with
 * `w = min(window, floor(finite count / 2))` so that the two windows never
 * overlap; null when `w < minHistory`.
 */
export function endMedians(xs: readonly number[], window: number, minHistory: number): EndMedians | null {
  const f = xs.filter((x) => Number.isFinite(x));
  const w = Math.min(window, Math.floor(f.length / 2));
  if (w < minHistory) return null;
  return { first: median(f.slice(0, w)), last: median(f.slice(f.length - w)) };
}

/** `{step}` of record `i`, or nothing (no `step: undefined` key) when `i < 0`: spread into a {@link Finding}. */
export function stepOf(ctx: DiagnosisContext, i: number): { step?: number } {
  return i >= 0 ? { step: ctx.stats[i].step } : {};
}

/** Computes the shared statistics of a non-empty, validated run. */
export function buildContext(stats: readonly StepStats[], opts: ResolvedDiagnoseOptions, run: DiagnoseContext = {}): DiagnosisContext {
  const norms = stats.map((s) => num(s.preClipNorm));
  const losses = stats.map((s) => num(s.loss));
  const summary = normSummary(stats.map((s) => s.preClipNorm));
  const normBase = trailingMedians(norms, opts.window, opts.minHistory);
  const spikeIndices: number[] = [];
  for (let i = 0; i < norms.length; i++) {
    const b = normBase[i];
    if (Number.isFinite(norms[i]) && b > 0 && norms[i] > opts.spikeFactor * b) spikeIndices.push(i);
  }
  const counts = clipCounts(stats);
  return {
    stats,
    opts,
    run,
    n: stats.length,
    norms,
    losses,
    layerNames: layerOrder(stats),
    medianPreClipNorm: summary.median,
    maxPreClipNorm: summary.max,
    normBase,
    lossBase: trailingMedians(losses, opts.window, opts.minHistory),
    spikeIndices,
    normEnds: endMedians(norms, opts.window, opts.minHistory),
    lossEnds: endMedians(losses, opts.window, opts.minHistory),
    clipRate: clipRate(stats),
    appliedSteps: counts.applied,
    clippedAppliedSteps: counts.clipped,
    anyClipped: stats.some((s) => s.clipped === true),
    skippedSteps: stats.filter((s) => s.skipped === true && s.accumulated !== true).length,
  };
}
