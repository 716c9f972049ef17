/**
 * Learning-rate schedules with a linear warm-up (Vaswani et al. 2017,
 * "Attention is all you need", arXiv 1706.03762, section 5.3; Goyal et al.
 * 2017, arXiv 1706.02677; cosine decay from Loshchilov & Hutter 2017, SGDR,
 * arXiv 1608.03983). Pure functions of the step; no TF.js.
 *
 * Steps are **1-based**: the first optimizer update is step 1 (as in Vaswani
 * et al.'s `step_num`), so with `warmupSteps = w` the rate reaches its peak at
 * step `w`.
 *
 * @module
 */

/** The decay that follows the warm-up. */
export type DecayKind = 'constant' | 'inverse-sqrt' | 'cosine';

/** Names accepted for {@link WarmupScheduleOptions.decay}. */
export const DECAY_KINDS: readonly DecayKind[] = ['constant', 'inverse-sqrt', 'cosine'];

/** Options of {@link warmupSchedule}. */
export interface WarmupScheduleOptions {
  /** Peak learning rate, reached at step `warmupSteps`. Must be finite and > 0. */
  peakLr: number;
  /** Length of the linear warm-up, an integer >= 0 (0: no warm-up; `inverse-sqrt` needs >= 1). @default 0 */
  warmupSteps?: number;
  /** Shape after the warm-up. @default 'constant' */
  decay?: DecayKind;
  /** Last step of the cosine decay (required for `cosine`, > `warmupSteps`). */
  totalSteps?: number;
  /** Floor of the cosine decay, in [0, peakLr]. @default 0 */
  minLr?: number;
}

/** A learning rate as a function of the 1-based step. */
export type Schedule = (step: number) => number;

/**
 * Builds a schedule. With `w = warmupSteps`, `s` the step (>= 1) and
 * `p = peakLr`:
 *
 * - warm-up (`s < w`): `lr = p * s / w`;
 * - `constant` (`s >= w`): `lr = p`;
 * - `inverse-sqrt` (`s >= w`): `lr = p * sqrt(w / s)` — together with the
 *   warm-up this is exactly Vaswani et al.'s
 *   `d^-0.5 * min(s^-0.5, s * w^-1.5)` scaled so the peak is `p`
 *   (see {@link noamLearningRate});
 * - `cosine` (`w <= s <= totalSteps`): `lr = minLr + (p - minLr) * (1 + cos(pi * (s - w) / (totalSteps - w))) / 2`,
 *   and `minLr` after `totalSteps`.
 *
 * @throws naming the option for invalid options, and (from the returned
 *   function) for a step that is not an integer >= 1.
 */
export function warmupSchedule(options: WarmupScheduleOptions): Schedule {
  const peak = options.peakLr;
  const w = options.warmupSteps ?? 0;
  const decay = options.decay ?? 'constant';
  if (!Number.isFinite(peak) || peak <= 0) throw new Error(`peakLr must be a finite number > 0, got ${peak}`);
  if (!Number.isInteger(w) || w < 0) throw new Error(`warmupSteps must be an integer >= 0, got ${w}`);
  if (!DECAY_KINDS.includes(decay)) throw new Error(`decay must be one of ${DECAY_KINDS.join(', ')}; got '${String(decay)}'`);
  if (decay === 'inverse-sqrt' && w < 1) throw new Error(`warmupSteps must be >= 1 for decay 'inverse-sqrt' (lr = peakLr * sqrt(warmupSteps / step)), got ${w}`);
  let total = 0;
  let minLr = 0;
  if (decay === 'cosine') {
    if (options.totalSteps === undefined) throw new Error(`totalSteps is required for decay 'cosine'`);
    total = options.totalSteps;
    if (!Number.isInteger(total) || total <= w) throw new Error(`totalSteps must be an integer > warmupSteps (${w}), got ${total}`);
    minLr = options.minLr ?? 0;
    if (!Number.isFinite(minLr) || minLr < 0 || minLr > peak) throw new Error(`minLr must be in [0, peakLr = ${peak}], got ${minLr}`);
  }
  return (step: number): number => {
    if (!Number.isInteger(step) || step < 1) throw new Error(`step must be an integer >= 1 (steps are 1-based), got ${step}`);
    if (step < w) return (peak * step) / w;
    switch (decay) {
      case 'constant':
        return peak;
      case 'inverse-sqrt':
        return peak * Math.sqrt(w / step);
      case 'cosine': {
        if (step >= total) return minLr;
        const progress = (step - w) / (total - w);
        return minLr + ((peak - minLr) * (1 + Math.cos(Math.PI * progress))) / 2;
      }
    }
  };
}

/**
 * Vaswani et al. 2017's rate (arXiv 1706.03762, eq. 3):
 * `lr = factor * dModel^-0.5 * min(step^-0.5, step * warmupSteps^-1.5)`.
 *
 * @param step 1-based step, integer >= 1.
 * @param dModel model width, > 0.
 * @param warmupSteps integer >= 1 (the paper uses 4000).
 * @param factor overall scale. @default 1
 */
export function noamLearningRate(step: number, dModel: number, warmupSteps: number, factor = 1): number {
  if (!Number.isInteger(step) || step < 1) throw new Error(`step must be an integer >= 1 (steps are 1-based), got ${step}`);
  if (!Number.isFinite(dModel) || dModel <= 0) throw new Error(`dModel must be a finite number > 0, got ${dModel}`);
  if (!Number.isInteger(warmupSteps) || warmupSteps < 1) throw new Error(`warmupSteps must be an integer >= 1, got ${warmupSteps}`);
  return factor * dModel ** -0.5 * Math.min(step ** -0.5, step * warmupSteps ** -1.5);
}
