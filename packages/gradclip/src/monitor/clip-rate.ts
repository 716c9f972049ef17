/**
 * Clip rate over a rolling window of steps: the fraction of the last `window`
 * applied (not skipped) steps on which clipping changed the gradients. A clip
 * rate near 1 means the threshold acts as a smaller learning rate rather than
 * as a guard against rare spikes (lower the learning rate or raise the
 * threshold); near 0 means clipping is idle.
 */
import type { StepStats } from '../core/step-stats.js';

/** Running clip rate over the last `window` applied steps. */
export class ClipRateWindow {
  /** Number of applied steps the rate covers at most. */
  readonly window: number;
  private readonly flags: boolean[] = [];
  private clippedCount = 0;

  /** @param window - steps in the window, an integer >= 1 (default 100) */
  constructor(window = 100) {
    if (!Number.isInteger(window) || window < 1) {
      throw new Error(`ClipRateWindow: window must be an integer >= 1, got ${String(window)}`);
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
  const w = new ClipRateWindow(window);
  return stats.map((s) => {
    w.push(s);
    return w.rate;
  });
}
