/**
 * The input check of {@link diagnose}: the records must be an array of
 * {@link StepStats}-shaped objects. A malformed record is an argument error
 * naming `stats[i].field`; non-finite numbers are legal (a diverging run
 * produces them, and they are the evidence of exploding gradients, Pascanu,
 * Mikolov & Bengio 2013, arXiv 1211.5063), but a negative norm is not.
 *
 * @module
 */

import { GradclipArgumentError } from '../../core/errors.js';
import type { StepStats } from '../../core/step-stats.js';
import type { diagnose } from './index.js';

/**
 * Checks that `stats` is an array whose records each have a finite `step`,
 * a `loss` and a `preClipNorm` that are numbers or null (a norm `>= 0` or
 * NaN/±Infinity), and `layerNorms`, when present, an object.
 *
 * @throws {@link GradclipArgumentError} naming the first offending record and field.
 */
export function checkRecords(stats: readonly StepStats[]): void {
  if (!Array.isArray(stats)) {
    throw new GradclipArgumentError(`diagnose: stats must be an array of StepStats records, got ${typeof stats}`);
  }
  const nullableNumber = (r: StepStats, i: number, field: 'loss' | 'preClipNorm'): void => {
    const v = r[field];
    if (v !== null && v !== undefined && typeof v !== 'number') {
      throw new GradclipArgumentError(`diagnose: stats[${i}].${field} must be a number or null, got ${typeof v}`);
    }
  };
  for (let i = 0; i < stats.length; i++) {
    const r = stats[i];
    if (typeof r !== 'object' || r === null) throw new GradclipArgumentError(`diagnose: stats[${i}] must be a StepStats object`);
    if (typeof r.step !== 'number' || !Number.isFinite(r.step)) {
      throw new GradclipArgumentError(`diagnose: stats[${i}].step must be a finite number, got ${String(r.step)}`);
    }
    nullableNumber(r, i, 'loss');
    nullableNumber(r, i, 'preClipNorm');
    const n = r.preClipNorm;
    if (typeof n === 'number' && n < 0) {
      throw new GradclipArgumentError(
        `diagnose: stats[${i}].preClipNorm is ${n}; a norm must be >= 0 (or NaN/Infinity for a diverged step)`,
      );
    }
    if (r.layerNorms !== undefined && (typeof r.layerNorms !== 'object' || r.layerNorms === null)) {
      throw new GradclipArgumentError(`diagnose: stats[${i}].layerNorms must be an object of numbers`);
    }
  }
}
