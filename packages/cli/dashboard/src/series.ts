/**
 * Turns step records into the column arrays uPlot draws (pure, no DOM):
 * x = step, one column per quantity, `null` for gaps. Log-scale columns keep
 * only positive finite values (a log axis cannot show 0, NaN or Inf); the
 * non-finite steps are collected separately and drawn as markers instead.
 * What counts as a non-finite step, the clip rate and the layer order are
 * the library's definitions (`gradclip/internal`), shared with the report.
 */
import { clipRate, isNonFiniteStep, layerOrder } from 'gradclip/internal';
import type { StepStats } from './lib.js';

/** Display name of a variable: the experiment's instance prefix (`gc12/`) removed. */
export function shortLayerName(name: string): string {
  return name.replace(/^gc\d+\//, '');
}

/** `x` when it is a positive finite number, else null (for log-scale axes). */
export function logSafe(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) && x > 0 ? x : null;
}

/** `x` when it is finite, else null. */
export function finiteOrNull(x: number | null | undefined): number | null {
  return typeof x === 'number' && Number.isFinite(x) ? x : null;
}

/** Columns of one run's charts, grown one step at a time. */
export class RunSeries {
  /** Step numbers (x). */
  readonly steps: number[] = [];
  /** Loss, positive finite only (log axis). */
  readonly loss: (number | null)[] = [];
  /** Pre-clip global norm, positive finite only. */
  readonly pre: (number | null)[] = [];
  /** Post-clip global norm, positive finite only. */
  readonly post: (number | null)[] = [];
  /** Clip coefficient (finite only). */
  readonly coef: (number | null)[] = [];
  /** Variable names in order of first appearance. */
  readonly layerNames: string[] = [];
  /** One column per entry of {@link layerNames}, positive finite only. */
  readonly layers: (number | null)[][] = [];
  /** Steps whose loss or pre-clip norm was NaN or ±Inf. */
  readonly nonFiniteSteps: number[] = [];
  /** Steps a guard skipped. */
  readonly skippedSteps: number[] = [];
  /** The records that carry `flow` (every `--flow-every` steps), for the flow heat map. */
  readonly flowRecords: StepStats[] = [];
  /** Steps of {@link flowRecords} (x of the spectral chart). */
  readonly flowSteps: number[] = [];
  /** Spectral norm of each flow record, positive finite only. */
  readonly spectralNorm: (number | null)[] = [];
  /** Spectral radius of each flow record, positive finite only. */
  readonly spectralRadius: (number | null)[] = [];
  /** Fitted growth per time step of each flow record, positive finite only. */
  readonly growth: (number | null)[] = [];
  /** Raw losses (finite or not), for the off-scale markers of the loss chart. */
  readonly rawLoss: (number | null)[] = [];
  /** The clipped and skipped flags of every record, for the clip rate. */
  private readonly flags: Pick<StepStats, 'clipped' | 'skipped'>[] = [];
  /** Set when a new variable name appeared (the layer chart must be rebuilt). */
  layersChanged = false;

  /** Appends one record. */
  push(s: StepStats): void {
    const i = this.steps.length;
    this.steps.push(s.step);
    this.loss.push(logSafe(s.loss));
    this.rawLoss.push(s.loss);
    if (s.flow !== undefined) {
      this.flowRecords.push(s);
      this.flowSteps.push(s.step);
      this.spectralNorm.push(logSafe(s.flow.spectralNorm));
      this.spectralRadius.push(logSafe(s.flow.spectralRadius));
      this.growth.push(logSafe(s.flow.growth));
    }
    this.pre.push(logSafe(s.preClipNorm));
    this.post.push(logSafe(s.postClipNorm));
    this.coef.push(finiteOrNull(s.clipCoef));
    if (isNonFiniteStep(s)) this.nonFiniteSteps.push(s.step);
    if (s.skipped) this.skippedSteps.push(s.step);
    this.flags.push({ clipped: s.clipped, skipped: s.skipped });
    const ln = s.layerNorms ?? {};
    // The layer order of all records so far is the previous order followed by this record's new names.
    for (const name of layerOrder([s])) {
      if (!this.layerNames.includes(name)) {
        this.layerNames.push(name);
        this.layers.push(new Array<number | null>(i).fill(null));
        this.layersChanged = true;
      }
    }
    this.layerNames.forEach((name, k) => this.layers[k].push(logSafe(ln[name])));
  }

  /** Fraction of applied steps that were clipped (null before the first applied step). */
  get clipRate(): number | null {
    return clipRate(this.flags);
  }

  /** Last finite loss, or null. */
  get lastFiniteLoss(): number | null {
    for (let i = this.loss.length - 1; i >= 0; i--) if (this.loss[i] !== null) return this.loss[i];
    return null;
  }
}

/** Builds the columns of a whole run at once. */
export function seriesOf(stats: readonly StepStats[]): RunSeries {
  const s = new RunSeries();
  for (const r of stats) s.push(r);
  return s;
}
