/**
 * Rule **loss spike**: a loss that jumps within `lossLag (5)` records after a
 * norm spike — the loss spike (or NaN) that often follows an exploding
 * gradient step (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063). It is
 * further evidence only: a loss spike with no norm spike before it is not
 * reported, and it does not decide the verdict by itself.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import type { DiagnosisContext } from '../context.js';
import type { RuleOutcome } from './rule.js';

/**
 * Record `j` is a loss spike when its loss is non-finite, or
 * `loss_j - m > (lossSpikeFactor - 1) × |m|` with `m` the running median of
 * the previous `window` finite losses (for positive losses:
 * `loss_j > lossSpikeFactor (2) × m`).
 */
function isLossSpike(ctx: DiagnosisContext, j: number): boolean {
  const loss = ctx.stats[j].loss;
  if (loss === null || loss === undefined) return false;
  if (!Number.isFinite(loss)) return true;
  const m = ctx.lossBase[j];
  return Number.isFinite(m) && loss - m > (ctx.opts.lossSpikeFactor - 1) * Math.abs(m);
}

/**
 * Loss spikes within `lossLag` records after a norm spike (each counted
 * once): finding `loss-spike` at the first (with the lag to its norm spike
 * and the count), flag `loss-spikes`.
 */
export function lossSpikeRule(ctx: DiagnosisContext): RuleOutcome {
  const { stats, losses, lossBase, spikeIndices, n, opts } = ctx;
  let first: { i: number; j: number } | null = null;
  let count = 0;
  const counted = new Set<number>();
  for (const i of spikeIndices) {
    for (let j = i + 1; j <= Math.min(n - 1, i + opts.lossLag); j++) {
      if (counted.has(j) || !isLossSpike(ctx, j)) continue;
      counted.add(j);
      count++;
      if (!first) first = { i, j };
    }
  }
  if (!first) return {};
  const { i, j } = first;
  const lag = `${j - i} step${j - i === 1 ? '' : 's'}`;
  const lj = losses[j];
  const message =
    (Number.isFinite(lj)
      ? `The loss jumped to ${formatNumber(lj)} (running median ${formatNumber(lossBase[j])}) at step ${stats[j].step}, ` +
        `${lag} after the gradient-norm spike at step ${stats[i].step}.`
      : `The loss became ${formatNumber(lj)} at step ${stats[j].step}, ${lag} ` +
        `after the gradient-norm spike at step ${stats[i].step}.`) +
    (count > 1 ? ` ${count} loss spikes followed norm spikes in all.` : '');
  return { finding: { kind: 'loss-spike', step: stats[j].step, message }, flag: 'loss-spikes' };
}
