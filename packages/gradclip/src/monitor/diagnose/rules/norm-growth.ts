/**
 * Rule **norm growth**: the median norm of the last window is at least
 * `trendFactor (1000)` × that of the first window — a slow, steady
 * explosion that no single step flags as a spike (the long-term components
 * growing exponentially, Bengio, Simard & Frasconi 1994; Pascanu, Mikolov &
 * Bengio 2013, arXiv 1211.5063).
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { explodingAdvice } from '../advice.js';
import { stepOf, type DiagnosisContext } from '../context.js';
import type { RuleOutcome } from './rule.js';

/**
 * `median(last window) ≥ trendFactor × median(first window)` (windows of
 * `w = min(window, floor(finite norms / 2)) ≥ minHistory` finite norms):
 * finding `norm-growth` at the first record whose norm exceeds
 * `spikeFactor × median(first window)`, evidence `exploding` there; advice:
 * clip, lower the learning rate.
 */
export function normGrowthRule(ctx: DiagnosisContext): RuleOutcome {
  const { normEnds: ends, norms, stats, opts } = ctx;
  if (!ends || !(ends.first > 0) || !(ends.last >= opts.trendFactor * ends.first)) return {};
  const idx = norms.findIndex((x) => Number.isFinite(x) && x > opts.spikeFactor * ends.first);
  const outcome: RuleOutcome = {
    finding: {
      kind: 'norm-growth',
      ...stepOf(ctx, idx),
      message:
        `The median gradient norm grew ${formatNumber(ends.last / ends.first)}x over the run ` +
        `(${formatNumber(ends.first)} in the first steps, ${formatNumber(ends.last)} in the last)` +
        (idx >= 0 ? `; it first exceeded ${opts.spikeFactor}x its initial level at step ${stats[idx].step}.` : '.'),
    },
  };
  if (idx >= 0) {
    outcome.evidence = { status: 'exploding', index: idx };
    outcome.advice = ({ recommendedThreshold }) => explodingAdvice(recommendedThreshold, ctx.anyClipped, false);
  }
  return outcome;
}
