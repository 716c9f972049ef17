/**
 * Rule **skipped steps**: records with `skipped = true`, where a guard (such
 * as `transforms.skipNonFinite()` or `transforms.skipSpikes()`) refused the
 * update — the protection Pascanu, Mikolov & Bengio (2013, arXiv 1211.5063)
 * motivate against the rare exploding step. Reported whatever the verdict.
 *
 * @module
 */

import type { DiagnosisContext } from '../context.js';
import type { RuleOutcome } from './rule.js';

/** At least one skipped record: flag and finding `skipped-steps` with the count. */
export function skippedStepsRule(ctx: DiagnosisContext): RuleOutcome {
  if (ctx.skippedSteps === 0) return {};
  return {
    flag: 'skipped-steps',
    finding: {
      kind: 'skipped-steps',
      message: `${ctx.skippedSteps} of ${ctx.n} steps were skipped by a guard (weights and optimizer state left untouched).`,
    },
  };
}
