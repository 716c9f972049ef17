/**
 * Rule **norm spike**: a record whose pre-clip norm is more than
 * `spikeFactor (10)` × the median of the previous `window (20)` finite norms
 * (at least `minHistory (5)` of them) — the sudden jump of the gradient norm
 * by which exploding gradients show (Pascanu, Mikolov & Bengio 2013, arXiv
 * 1211.5063; Bengio, Simard & Frasconi 1994). The spikes themselves are
 * found once, in the context (`spikeIndices`), because the loss-spike rule
 * reads them too.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { explodingAdvice } from '../advice.js';
import type { DiagnosisContext } from '../context.js';
import type { RuleOutcome } from './rule.js';

/**
 * `preClipNorm_t > spikeFactor × median(previous window)`: finding
 * `norm-spike` at the first spike (with the ratio, the median and the
 * number of spikes), evidence `exploding` there; advice: clip, lower the
 * learning rate.
 */
export function normSpikeRule(ctx: DiagnosisContext): RuleOutcome {
  const { spikeIndices, stats, norms, normBase, opts } = ctx;
  if (spikeIndices.length === 0) return {};
  const i = spikeIndices[0];
  return {
    finding: {
      kind: 'norm-spike',
      step: stats[i].step,
      message:
        `At step ${stats[i].step} the gradient norm ${formatNumber(norms[i])} was ${formatNumber(norms[i] / normBase[i])}x ` +
        `the median (${formatNumber(normBase[i])}) of the previous ${opts.window} steps` +
        (spikeIndices.length > 1 ? `; ${spikeIndices.length} steps were such spikes in all.` : '.'),
    },
    evidence: { status: 'exploding', index: i },
    advice: ({ recommendedThreshold }) => explodingAdvice(recommendedThreshold, ctx.anyClipped, false),
  };
}
