/**
 * The cause **healthy**: none of the problems is supported. Its confidence is
 * `1 − (the largest confidence of a problem cause)`, × 0.3 when the rules
 * found exploding evidence and × 0.5 when they found vanishing evidence; its evidence is what the
 * run did well (norms within the spike factor of their running median, no
 * NaN/Inf, the loss falling, the clip rate), and its fixes say what to keep.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import type { CauseFacts } from './facts.js';
import { clippingKeepsAlive } from './fixes.js';
import type { Candidate } from './score.js';

function fmt(x: number | null): string {
  return formatNumber(x, 3);
}

/** The `healthy` cause, given the largest confidence of the problem causes (and the name of that cause). */
export function healthyCause(f: CauseFacts, maxProblem: number, strongest: string | null = null): Candidate {
  const { ctx, loss, run } = f;
  const evidence: string[] = [];
  if (ctx.spikeIndices.length === 0 && f.nonFiniteIdx.length === 0) {
    evidence.push(
      `Over ${ctx.n} steps the gradient norm stayed within ${ctx.opts.spikeFactor}× of its running median (median ${fmt(ctx.medianPreClipNorm)}, max ${fmt(ctx.maxPreClipNorm)}), with no NaN/Inf.`,
    );
  }
  if (loss.ratio !== null && loss.start !== null && loss.lastMedian !== null && loss.ratio < 0.9) {
    evidence.push(`The loss fell from ${fmt(loss.start)} to a median of ${fmt(loss.lastMedian)} over the last steps.`);
  }
  if (ctx.clipRate !== null && ctx.anyClipped) evidence.push(`Clipping fired on ${formatNumber(100 * ctx.clipRate, 3)}% of the steps.`);
  if (maxProblem > 0) evidence.push(`The strongest problem found${strongest !== null ? `, ${strongest},` : ''} has confidence ${formatNumber(maxProblem, 2)}.`);
  const fixes: string[] = [];
  const saturated = ctx.clipRate !== null && ctx.clipRate > ctx.opts.clipRateThreshold;
  const improving = loss.ratio !== null && loss.ratio < 0.9;
  if (saturated && improving && f.recommendedThreshold !== null && !clippingKeepsAlive(run)) {
    fixes.push(`Clipping fired on most steps while the loss improved: it acts as a smaller learning rate. To use it only as a guard against spikes, raise the threshold to about ${formatNumber(f.recommendedThreshold, 6)} (recommendThreshold on this run's norms).`);
  } else {
    fixes.push('Nothing to fix in the gradients; keep the current settings.');
  }
  if (!ctx.anyClipped && f.recommendedThreshold !== null && (run.clip === undefined || run.clip === 'none')) {
    fixes.push(`Optionally add a guard against rare spikes: clip by global norm at ${formatNumber(f.recommendedThreshold, 6)} (recommendThreshold on this run's norms), which leaves typical steps alone.`);
  }
  // The rules' verdict was not healthy: exploding evidence × 0.3, vanishing evidence × 0.5.
  const factor = f.explodingIdx >= 0 ? 0.3 : f.vanishingFindings.length > 0 ? 0.5 : 1;
  return { cause: 'healthy', confidence: Math.round(100 * Math.max(0, (1 - maxProblem) * factor)) / 100, evidence, fixes };
}
