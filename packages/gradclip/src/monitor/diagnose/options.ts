/**
 * The options of {@link diagnose}: every threshold its rules use, their
 * defaults, and the validation that rejects an unknown or out-of-range option
 * with a {@link GradclipArgumentError} naming it (nothing is clamped).
 *
 * The spike, trend and layer-gap rules follow the symptoms described by
 * Pascanu, Mikolov & Bengio (2013, arXiv 1211.5063) and Bengio, Simard &
 * Frasconi (1994): exploding gradients as sudden norm spikes and norms
 * growing by orders of magnitude, vanishing gradients as norms collapsing
 * toward zero and early layers receiving orders of magnitude less gradient.
 *
 * @module
 */

import { GradclipArgumentError } from '../../core/errors.js';
import type { diagnose } from './index.js';

/** Options of {@link diagnose}. */
export interface DiagnoseOptions {
  /**
   * Length of the trailing window for the running medians, and of the
   * first / last windows compared by the trend rules.
   * @default 20
   */
  window?: number;
  /**
   * Norm-spike rule: step t is a spike when
   * `preClipNorm_t > spikeFactor × median(previous window of finite norms)`.
   * @default 10
   */
  spikeFactor?: number;
  /**
   * Minimum number of previous finite norms before the spike rule applies.
   * @default 5
   */
  minHistory?: number;
  /**
   * A loss spike "follows" a norm spike at step t when it occurs within the
   * next `lossLag` records.
   * @default 5
   */
  lossLag?: number;
  /**
   * Loss-spike rule: the loss is non-finite, or
   * `loss - m > (lossSpikeFactor - 1) × |m|` with `m` the median of the
   * previous window of finite losses (for positive losses: `loss > factor × m`).
   * @default 2
   */
  lossSpikeFactor?: number;
  /**
   * Trend rules: exploding when the median norm of the last window is at
   * least `trendFactor` × that of the first window; collapsing (vanishing)
   * when the first is at least `trendFactor` × the last.
   * @default 1000
   */
  trendFactor?: number;
  /**
   * A norm collapse is read as convergence, not vanishing, when the median
   * loss of the last window is at most `convergedLossRatio` × that of the
   * first window.
   * @default 0.1
   */
  convergedLossRatio?: number;
  /**
   * Layer-gap rule: an early layer is flagged when its median norm is at
   * most `1 / layerGapFactor` of the largest median norm among the last
   * third of the layers.
   * @default 1000
   */
  layerGapFactor?: number;
  /**
   * Clipping is "saturated" when it fired on more than this fraction of
   * the applied (not skipped) steps, i.e. when the clip rate
   * `clipped / applied steps > clipRateThreshold`.
   * @default 0.5
   */
  clipRateThreshold?: number;
  /**
   * Runs with fewer records (and no non-finite value) get the status
   * `insufficient-data`.
   * @default 10
   */
  minSteps?: number;
}

/** {@link DiagnoseOptions} with every option set (the defaults filled in and validated). */
export type ResolvedDiagnoseOptions = Required<DiagnoseOptions>;

/** The defaults of {@link DiagnoseOptions}, in the order the unknown-option message lists them. */
export const DIAGNOSE_DEFAULTS: Readonly<ResolvedDiagnoseOptions> = {
  window: 20,
  spikeFactor: 10,
  minHistory: 5,
  lossLag: 5,
  lossSpikeFactor: 2,
  trendFactor: 1000,
  convergedLossRatio: 0.1,
  layerGapFactor: 1000,
  clipRateThreshold: 0.5,
  minSteps: 10,
};

/**
 * Fills in the defaults and validates: `window`, `minHistory`, `lossLag`,
 * `minSteps` integers ≥ 1 with `minHistory ≤ window`; `spikeFactor`,
 * `lossSpikeFactor`, `trendFactor`, `layerGapFactor` finite and > 1;
 * `convergedLossRatio` in (0, 1); `clipRateThreshold` in [0, 1).
 *
 * @throws {@link GradclipArgumentError} for an unknown option or a value out of range (the message names it).
 */
export function resolveDiagnoseOptions(opts: DiagnoseOptions): ResolvedDiagnoseOptions {
  if (opts === null || typeof opts !== 'object' || Array.isArray(opts)) {
    throw new GradclipArgumentError(`diagnose: options must be an object such as {window: 50} or left out, got ${opts === null ? 'null' : Array.isArray(opts) ? 'an array' : typeof opts}`);
  }
  const o: ResolvedDiagnoseOptions = { ...DIAGNOSE_DEFAULTS };
  for (const [k, v] of Object.entries(opts) as [keyof ResolvedDiagnoseOptions, number | undefined][]) {
    if (!(k in DIAGNOSE_DEFAULTS)) {
      throw new GradclipArgumentError(
        `diagnose: unknown option "${String(k)}"; known options: ${Object.keys(DIAGNOSE_DEFAULTS).join(', ')}`,
      );
    }
    if (v !== undefined) o[k] = v;
  }
  const posInt = (name: keyof ResolvedDiagnoseOptions, min: number): void => {
    const v = o[name];
    if (!Number.isInteger(v) || v < min) {
      throw new GradclipArgumentError(`diagnose: ${name} must be an integer >= ${min}, got ${String(v)}`);
    }
  };
  const gt = (name: keyof ResolvedDiagnoseOptions, min: number): void => {
    const v = o[name];
    if (typeof v !== 'number' || !Number.isFinite(v) || !(v > min)) {
      throw new GradclipArgumentError(`diagnose: ${name} must be a finite number > ${min}, got ${String(v)}`);
    }
  };
  posInt('window', 1);
  posInt('minHistory', 1);
  posInt('lossLag', 1);
  posInt('minSteps', 1);
  if (o.minHistory > o.window) {
    throw new GradclipArgumentError(`diagnose: minHistory must be <= window (${o.window}), got ${o.minHistory}`);
  }
  gt('spikeFactor', 1);
  gt('lossSpikeFactor', 1);
  gt('trendFactor', 1);
  gt('layerGapFactor', 1);
  if (typeof o.convergedLossRatio !== 'number' || !(o.convergedLossRatio > 0 && o.convergedLossRatio < 1)) {
    throw new GradclipArgumentError(`diagnose: convergedLossRatio must be in (0, 1), got ${String(o.convergedLossRatio)}`);
  }
  if (typeof o.clipRateThreshold !== 'number' || !(o.clipRateThreshold >= 0 && o.clipRateThreshold < 1)) {
    throw new GradclipArgumentError(`diagnose: clipRateThreshold must be in [0, 1), got ${String(o.clipRateThreshold)}`);
  }
  return o;
}
