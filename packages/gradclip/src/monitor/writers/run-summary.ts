/**
 * The `summary.json` a library run folder gets when its writers close
 * ({@link RunWriters}), so that every reader of run folders (`gradclip serve`,
 * `gradclip report`, `gradclip diagnose`) sees a finished run. Its fields are
 * those of the app's run summary that the step records alone determine, with
 * the same names and the shared definitions of `core/run-metrics.ts`.
 * Browser-safe (pure).
 */
import { clipCounts, isNonFiniteStep } from '../../core/run-metrics.js';
import { median } from '../../core/stats/index.js';
import type { StepStats } from '../../core/step-stats.js';

/** The `summary.json` that `RunWriters.close()` writes (the records alone determine every field). */
export interface StepsSummary {
  /** Who wrote it: `"gradclip openRunWriters"`. */
  writer: string;
  /** Records written. */
  steps: number;
  /** True when some step had a non-finite loss or pre-clip norm. */
  diverged: boolean;
  /** The first such step, or null. */
  divergedAtStep: number | null;
  /** Loss of the last record when finite, else null. */
  finalLoss: number | null;
  /** Largest finite pre-clip norm, or null. */
  maxPreClipNorm: number | null;
  /** Median of the finite pre-clip norms, or null. */
  medianPreClipNorm: number | null;
  /** Clipped / applied (not skipped) steps; 0 when no step was applied. */
  clipRate: number;
  /** Steps skipped by a guard (gradient-accumulation micro-steps are not counted). */
  skippedSteps: number;
  /** Gradient-accumulation micro-steps (`StepStats.accumulated`); present only when there were some. */
  accumulatedSteps?: number;
  /** Steps whose loss or pre-clip norm was NaN or ±Inf. */
  nonFiniteSteps: number;
  /** Seconds between the first and the last record's `time` (null without times). */
  wallSeconds: number | null;
}

/** Accumulates a {@link StepsSummary} one record at a time (memory: one number per finite norm). */
export class RunSummaryAccumulator {
  private steps = 0;
  private applied = 0;
  private clipped = 0;
  private skipped = 0;
  private accumulated = 0;
  private nonFinite = 0;
  private divergedAt: number | null = null;
  private lastLoss: number | null = null;
  private readonly norms: number[] = [];
  private maxNorm = Number.NEGATIVE_INFINITY;
  private firstTime: number | null = null;
  private lastTime: number | null = null;

  /** Adds one record. */
  add(s: StepStats): void {
    this.steps++;
    const c = clipCounts([s]);
    this.applied += c.applied;
    this.clipped += c.clipped;
    if (s.accumulated === true) this.accumulated++;
    else if (s.skipped) this.skipped++;
    if (isNonFiniteStep(s)) {
      this.nonFinite++;
      if (this.divergedAt === null) this.divergedAt = s.step;
    }
    this.lastLoss = s.loss;
    const n = s.preClipNorm;
    if (n !== null && Number.isFinite(n)) {
      this.norms.push(n);
      if (n > this.maxNorm) this.maxNorm = n;
    }
    if (typeof s.time === 'number' && Number.isFinite(s.time)) {
      if (this.firstTime === null) this.firstTime = s.time;
      this.lastTime = s.time;
    }
  }

  /** The summary of the records added so far. */
  summary(): StepsSummary {
    const finite = this.norms.length > 0;
    return {
      writer: 'gradclip openRunWriters',
      steps: this.steps,
      diverged: this.divergedAt !== null,
      divergedAtStep: this.divergedAt,
      finalLoss: this.lastLoss !== null && Number.isFinite(this.lastLoss) ? this.lastLoss : null,
      maxPreClipNorm: finite ? this.maxNorm : null,
      medianPreClipNorm: finite ? median(this.norms) : null,
      clipRate: this.applied === 0 ? 0 : this.clipped / this.applied,
      skippedSteps: this.skipped,
      ...(this.accumulated === 0 ? {} : { accumulatedSteps: this.accumulated }),
      nonFiniteSteps: this.nonFinite,
      wallSeconds: this.firstTime !== null && this.lastTime !== null ? (this.lastTime - this.firstTime) / 1000 : null,
    };
  }
}
