/**
 * Rule **clipping saturated**: clipping fired on more than
 * `clipRateThreshold (0.5)` of the applied steps. Norm clipping is meant as
 * a guard against the rare exploding step (Pascanu, Mikolov & Bengio 2013,
 * arXiv 1211.5063, section 3.2: a threshold above the typical norm); when it
 * fires on most steps it acts as a smaller learning rate instead. Reported
 * whatever the verdict.
 *
 * The clip rate is the run-metrics one, `clipped / applied steps` (a
 * skipped step applied nothing and is in neither count), as in the CLI's
 * summary, progress bar and dashboard.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { normSummary } from '../../../core/run-metrics.js';
import type { DiagnosisContext } from '../context.js';
import type { RuleOutcome } from './rule.js';

/** `x` as a percentage with 3 significant digits: `formatPercent(0.9) = "90%"`. */
function formatPercent(x: number): string {
  return `${formatNumber(100 * x, 3)}%`;
}

/**
 * `clipRate > clipRateThreshold` (strictly): flag and finding
 * `clipping-saturated` with the rate, the counts, the threshold in use (the
 * median post-clip norm of the clipped records, when finite) and the median
 * pre-clip norm; advice: lower the learning rate or raise the threshold (to
 * the recommended one when it is higher than the one in use) — only lower
 * the learning rate and keep the threshold when the context says the
 * unclipped run diverged.
 */
export function clippingSaturatedRule(ctx: DiagnosisContext): RuleOutcome {
  const { clipRate, stats, opts, medianPreClipNorm } = ctx;
  if (clipRate === null || !(clipRate > opts.clipRateThreshold)) return {};
  const currentThreshold = ctx.anyClipped
    ? normSummary(stats.filter((s) => s.clipped === true).map((s) => s.postClipNorm)).median
    : null;
  const counts =
    ctx.appliedSteps === ctx.n
      ? `${ctx.clippedAppliedSteps} of ${ctx.n}`
      : `${ctx.clippedAppliedSteps} of ${ctx.appliedSteps} applied steps`;
  const rate = formatPercent(clipRate);
  return {
    flag: 'clipping-saturated',
    finding: {
      kind: 'clipping-saturated',
      message:
        `Clipping fired on ${rate} of the steps (${counts})` +
        (currentThreshold !== null ? `: the threshold (about ${formatNumber(currentThreshold)}) ` : ': the threshold ') +
        (medianPreClipNorm !== null
          ? `is below the typical pre-clip norm (median ${formatNumber(medianPreClipNorm)}), `
          : 'is below the typical norm, ') +
        'so clipping acts as a smaller learning rate rather than a guard against rare spikes.',
    },
    advice: ({ recommendedThreshold }) => {
      if (ctx.run.unclippedDiverged === true) {
        return [`Clipping fired on ${rate} of the steps: lower the learning rate, and keep the threshold (the unclipped run diverged, so clipping is what keeps this run alive).`];
      }
      const raise =
        recommendedThreshold !== null && (currentThreshold === null || recommendedThreshold > currentThreshold)
          ? ` (for example to ${formatNumber(recommendedThreshold, 6)}, from recommendThreshold)`
          : '';
      return [`Clipping fired on ${rate} of the steps: lower the learning rate, or raise the clipping threshold${raise}.`];
    },
  };
}
