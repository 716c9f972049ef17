/**
 * The metrics of a run computed from its {@link StepStats} records, defined
 * once for the library, the CLI's summary and report, and the dashboard:
 *
 * - **clip rate** = clipped steps / applied steps. A skipped step (a guard
 *   stopped the update) applied nothing, so it is in neither count. A clip
 *   rate near 1 means the threshold acts as a smaller learning rate rather
 *   than as a guard against rare spikes (lower the learning rate or raise the
 *   threshold); near 0 means clipping is idle.
 * - **non-finite step**: its loss or its pre-clip norm is NaN or ±Infinity.
 * - **layer order**: layer names in order of first appearance over the records.
 * - **norm summary**: count, finite count, median and maximum of the finite
 *   pre-clip norms, with loops (no argument spreading: any run length).
 */
import { GradclipArgumentError, requireArray, requireRecord } from './errors.js';
import { median } from './stats/index.js';
import type { StepStats } from './step-stats.js';

/** The clip rate's two counts: applied (not skipped) steps, and those of them that were clipped. */
export function clipCounts(steps: readonly Pick<StepStats, 'clipped' | 'skipped'>[]): { applied: number; clipped: number } {
  let applied = 0;
  let clipped = 0;
  for (const s of steps) {
    if (s.skipped) continue;
    applied++;
    if (s.clipped) clipped++;
  }
  return { applied, clipped };
}

/** The clip rate of `steps`: clipped / applied (not skipped) steps; null when no step was applied. */
export function clipRate(steps: readonly Pick<StepStats, 'clipped' | 'skipped'>[]): number | null {
  const { applied, clipped } = clipCounts(steps);
  return applied === 0 ? null : clipped / applied;
}

/** True when the step's loss or its pre-clip norm is NaN or ±Infinity (null means not measured). */
export function isNonFiniteStep(s: Pick<StepStats, 'loss' | 'preClipNorm'>): boolean {
  return (s.loss !== null && s.loss !== undefined && !Number.isFinite(s.loss)) ||
    (s.preClipNorm !== null && s.preClipNorm !== undefined && !Number.isFinite(s.preClipNorm));
}

/** Layer names in order of first appearance over the records' `layerNorms`. */
export function layerOrder(steps: readonly Pick<StepStats, 'layerNorms'>[]): string[] {
  const seen = new Set<string>();
  for (const s of steps) if (s.layerNorms) for (const k of Object.keys(s.layerNorms)) seen.add(k);
  return [...seen];
}

/** What {@link normSummary} reports about a list of norms. */
export interface NormSummary {
  /** Measured values (not null). */
  count: number;
  /** Finite values among them. */
  finite: number;
  /** NaN or ±Infinity values among them. */
  nonFinite: number;
  /** Median of the finite values, or null when there are none. */
  median: number | null;
  /** Largest finite value, or null when there are none. */
  max: number | null;
}

/** Summary of measured norms (nulls are not measured and left out); loop based, so any length works. */
export function normSummary(values: readonly (number | null | undefined)[]): NormSummary {
  const finite: number[] = [];
  let count = 0;
  let max = Number.NEGATIVE_INFINITY;
  for (const v of values) {
    if (v === null || v === undefined) continue;
    count++;
    if (!Number.isFinite(v)) continue;
    finite.push(v);
    if (v > max) max = v;
  }
  return {
    count,
    finite: finite.length,
    nonFinite: count - finite.length,
    median: finite.length ? median(finite) : null,
    max: finite.length ? max : null,
  };
}

/** Running clip rate (clipped / applied steps) over the last `window` applied steps (for progress bars and live charts). */
export class ClipRateWindow {
  /** Number of applied steps the rate covers at most. */
  readonly window: number;
  private readonly flags: boolean[] = [];
  private clippedCount = 0;

  /** @param window - steps in the window, an integer >= 1 (default 100) */
  constructor(window = 100) {
    if (!Number.isInteger(window) || window < 1) {
      throw new GradclipArgumentError(`ClipRateWindow: window must be an integer >= 1, got ${String(window)}`);
    }
    this.window = window;
  }

  /** Adds one step (skipped steps do not count: no update was applied). */
  push(stats: Pick<StepStats, 'clipped' | 'skipped'>): void {
    if (stats.skipped) return;
    this.flags.push(stats.clipped);
    if (stats.clipped) this.clippedCount += 1;
    if (this.flags.length > this.window && this.flags.shift()) this.clippedCount -= 1;
  }

  /** Applied steps currently in the window. */
  get count(): number {
    return this.flags.length;
  }

  /** Fraction of the window's steps that were clipped, or null before the first applied step. */
  get rate(): number | null {
    return this.flags.length === 0 ? null : this.clippedCount / this.flags.length;
  }
}

/** The rolling clip rate after every step of `stats` (null until the first applied step). */
export function rollingClipRate(stats: readonly Pick<StepStats, 'clipped' | 'skipped'>[], window = 100): Array<number | null> {
  requireArray('rollingClipRate', 'stats', stats, 'StepStats records').forEach((s, i) => requireRecord('rollingClipRate', `stats[${i}]`, s, 'a StepStats record'));
  const w = new ClipRateWindow(window);
  return stats.map((s) => {
    w.push(s);
    return w.rate;
  });
}
