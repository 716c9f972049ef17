/**
 * Rule **norm collapse**: the median norm of the first window is at least
 * `trendFactor (1000)` × that of the last — the norm collapsing toward zero
 * by which vanishing gradients show (Bengio, Simard & Frasconi 1994;
 * Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063). A collapse while the
 * loss also fell to at most `convergedLossRatio (0.1)` × its initial median
 * is convergence, not vanishing: it is reported, but is no evidence.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { vanishingAdvice } from '../advice.js';
import { stepOf, type DiagnosisContext } from '../context.js';
import type { RuleOutcome } from './rule.js';

/**
 * `median(first window) ≥ trendFactor × median(last window)`, first > 0:
 * finding `norm-collapse` at the first record whose norm is below
 * `median(first window) / spikeFactor`. Unless the loss converged
 * (`lossLast ≤ convergedLossRatio × lossFirst`, `lossFirst > 0`), evidence
 * `vanishing` there and the vanishing advice.
 */
export function normCollapseRule(ctx: DiagnosisContext): RuleOutcome {
  const { normEnds: ends, lossEnds, norms, stats, opts } = ctx;
  if (!ends || !(ends.last >= 0) || !(ends.first >= opts.trendFactor * ends.last) || !(ends.first > 0)) return {};
  const converged =
    lossEnds !== null && lossEnds.first > 0 && lossEnds.last >= 0 && lossEnds.last <= opts.convergedLossRatio * lossEnds.first;
  const idx = norms.findIndex((x) => Number.isFinite(x) && x < ends.first / opts.spikeFactor);
  const ratio = ends.last > 0 ? `${formatNumber(ends.first / ends.last)}x` : 'to zero';
  let message =
    `The median gradient norm fell ${ratio} over the run (${formatNumber(ends.first)} in the first steps, ` +
    `${formatNumber(ends.last)} in the last)`;
  if (converged && lossEnds) {
    message += `, but the loss also fell from ${formatNumber(lossEnds.first)} to ${formatNumber(lossEnds.last)}: this looks like convergence, not vanishing gradients.`;
    return { finding: { kind: 'norm-collapse', ...stepOf(ctx, idx), message } };
  }
  message +=
    (lossEnds
      ? ` while the loss stayed high (median ${formatNumber(lossEnds.first)} at the start, ${formatNumber(lossEnds.last)} at the end)`
      : '') + (idx >= 0 ? `; it dropped below 1/${opts.spikeFactor} of its initial level at step ${stats[idx].step}.` : '.');
  return {
    finding: { kind: 'norm-collapse', ...stepOf(ctx, idx), message },
    evidence: { status: 'vanishing', index: idx },
    advice: () => vanishingAdvice(ctx.run),
  };
}
