/**
 * The cause **learning-rate-too-high**: clipping fires on most steps while
 * the loss does not improve (every step is cut to the threshold, so the step
 * length is `lr × threshold` and still too large), the loss ends above its
 * value before training, an adaptive optimizer runs far above its customary
 * rate (Kingma & Ba 2015: Adam moves each weight by up to about `lr` per
 * step), a layer's gradient collapses by 10³ or more while the loss stalls high
 * (large steps saturate the units: no spike, no clipping, the gradient just
 * stops reaching them), or a non-recurrent model's gradient explodes. Clipping bounds the
 * step, it does not make a too-large learning rate right (Pascanu, Mikolov &
 * Bengio 2013, arXiv 1211.5063, section 3.2: the threshold is a guard
 * against rare spikes).
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { median } from '../../../core/stats/index.js';
import type { CauseFacts } from './facts.js';
import { clippingKeepsAlive, customaryLr, lowerLrFix } from './fixes.js';
import { candidate, clamp, type Candidate, type Weighted } from './score.js';

/** The loss "did not improve" when its last-window median is at least this fraction of its initial value. */
export const NOT_IMPROVING_RATIO = 0.9;
/** A layer's gradient "collapsed" when the median of its last window is at most this fraction of the median of its first {@link START_STEPS} norms. */
export const COLLAPSE_RATIO = 1e-3;
/** The norms that stand for a layer's gradient at the start (a too-large rate can kill it within a few dozen steps). */
export const START_STEPS = 5;
/** The loss "stalled" when the median of its last window is at least this fraction of the median over the run's third quarter. */
export const STALL_RATIO = 0.98;
/** ... and stalled high: at least this fraction of its initial value (a model that converged also stops improving, far lower). */
export const STALLED_HIGH_RATIO = 0.5;

/** The layer whose gradient fell most from the start to the last window (medians of finite norms), when it fell by {@link COLLAPSE_RATIO} or more. */
function collapsedLayer(f: CauseFacts, w: number): { layer: string; early: number; late: number } | null {
  let best: { layer: string; early: number; late: number } | null = null;
  for (const g of f.groups) {
    const finite = g.norms.filter((x) => Number.isFinite(x));
    if (finite.length < 2 * w) continue;
    const early = median(finite.slice(0, START_STEPS));
    const late = median(finite.slice(-w));
    if (!(early > 0) || late > COLLAPSE_RATIO * early) continue;
    if (best === null || late / early < best.late / best.early) best = { layer: g.name, early, late };
  }
  return best;
}

/** The median loss over the last window and over the run's third quarter, when the first is at least {@link STALL_RATIO} of the second. */
function stalledLoss(f: CauseFacts, w: number): { last: number; quarter: number } | null {
  const losses = f.ctx.stats.map((s) => s.loss).filter((x): x is number => x !== null && Number.isFinite(x));
  const n = losses.length;
  if (n < 4 * w) return null;
  const last = median(losses.slice(-w));
  const quarter = median(losses.slice(Math.floor(n / 2), Math.floor((3 * n) / 4)));
  return last >= STALL_RATIO * quarter && last >= STALLED_HIGH_RATIO * losses[0] ? { last, quarter } : null;
}

function fmt(x: number, digits = 3): string {
  return formatNumber(x, digits);
}

function pct(x: number): string {
  return `${formatNumber(100 * x, 3)}%`;
}

/** Evidence, confidence and fixes for `learning-rate-too-high`, or null. */
export function learningRateTooHigh(f: CauseFacts): Candidate | null {
  const { ctx, run, loss } = f;
  const ev: Weighted[] = [];
  const rate = ctx.clipRate;
  const thr = ctx.opts.clipRateThreshold;
  const saturated = rate !== null && rate > thr;
  const notImproving = loss.ratio !== null && loss.ratio >= NOT_IMPROVING_RATIO;
  const lossText =
    loss.start !== null && loss.lastMedian !== null
      ? `${fmt(loss.start)} before training, median ${fmt(loss.lastMedian)} over the last steps`
      : 'see the loss chart';
  if (saturated && rate !== null) {
    if (notImproving || loss.nonFinite) {
      ev.push({
        w: 0.45 + 0.3 * ((rate - thr) / (1 - thr)),
        text: `Clipping fired on ${pct(rate)} of the steps and the loss did not improve (${lossText}): every step is cut to the threshold, so the step length is set by the learning rate, and it is too large.`,
      });
    } else {
      ev.push({ w: 0.1, text: `Clipping fired on ${pct(rate)} of the steps, but the loss improved (${lossText}): clipping acts as a smaller learning rate.` });
    }
  }
  if (loss.ratio !== null && loss.ratio >= 1 && !loss.nonFinite) {
    const early = loss.start !== null && loss.firstMedian !== null && loss.firstMedian < loss.start;
    const refText = early
      ? `its early level: a median of ${fmt(loss.firstMedian as number)} over the first steps (${fmt(loss.start as number)} before training), against ${fmt(loss.lastMedian as number)} over the last steps`
      : `its initial value (${lossText})`;
    ev.push({ w: f.explodingIdx >= 0 ? 0.15 : 0.35, text: `The loss ended ${fmt(loss.ratio)}× above ${refText}: ${early ? 'the later steps undid what the first ones learned' : 'training made the model worse'}.` });
  }
  const customary = customaryLr(run);
  const lr = run.learningRate;
  if (customary !== null && lr !== undefined && lr >= 10 * customary) {
    const r = lr / customary;
    ev.push({
      w: clamp(0.15 * Math.log10(r), 0, 0.5),
      text: `${run.optimizer}'s learning rate is ${fmt(lr)}, ${fmt(r)}× its customary ${fmt(customary)}: it moves every weight by up to about ${fmt(lr)} per step, whatever the gradient's size.`,
    });
  }
  // Large steps that saturate the units kill a layer's gradient without any spike (Adam far above its rate): the loss then stalls.
  const w = Math.max(5, Math.min(50, Math.round(ctx.n / 10)));
  const collapsed = f.explodingIdx < 0 && !loss.nonFinite ? collapsedLayer(f, w) : null;
  const stalled = collapsed !== null ? stalledLoss(f, w) : null;
  if (collapsed !== null && stalled !== null) {
    const fast = customary !== null && lr !== undefined && lr >= 10 * customary;
    ev.push({
      w: fast ? 0.5 : 0.25,
      text:
        `${collapsed.layer}'s gradient fell ${fmt(collapsed.early / Math.max(collapsed.late, Number.MIN_VALUE))}× (median ${fmt(collapsed.early)} over the first ${START_STEPS} steps, ${fmt(collapsed.late)} over the last ${w}) while the loss stalled (median ${fmt(stalled.last)} over the last ${w} steps, ${fmt(stalled.quarter)} in the third quarter of the run), with no spike: ` +
        (fast
          ? `large steps saturated its units, so almost no gradient reaches them any more; at ${fmt(lr as number)}, ${fmt((lr as number) / (customary as number))}× ${run.optimizer}'s customary rate, that is the learning rate's doing rather than the architecture's.`
          : 'large steps that saturate the units do this; lower the learning rate to tell it from an architecture that vanishes.'),
    });
  }
  if (saturated && customary !== null) {
    ev.push({
      w: 0.2,
      text: `With ${run.optimizer}, clipping the gradient barely changes the step: the update divides by the root of the running mean square of the gradient, so a scaled-down gradient gives about the same step of about lr per weight; only the learning rate sets it.`,
    });
  }
  if (saturated && run.clip === 'norm' && run.clipThreshold !== undefined && lr !== undefined && (run.optimizer === 'sgd' || run.optimizer === 'momentum')) {
    ev.push({ w: 0, text: `With ${run.optimizer} every clipped update has norm lr × threshold = ${fmt(lr)} × ${fmt(run.clipThreshold)} = ${fmt(lr * run.clipThreshold)}${run.optimizer === 'momentum' ? ' before momentum' : ''}.` });
  }
  if (saturated && clippingKeepsAlive(run)) {
    ev.push({ w: 0.25, text: 'The unclipped run of the same configuration diverged: clipping is what keeps this run alive, and the steps it lets through are still too large.' });
  }
  const at = f.flowAtEvent;
  if (f.explodingIdx >= 0 && f.recurrent && at !== null && at.growth < 1) {
    ev.push({
      w: 0.45,
      text: `The gradient norm exploded from step ${ctx.stats[f.explodingIdx].step}, but the gradient flow of that step shrinks going back in time (${fmt(at.growth)}× per time step): the growth does not come from the recurrence, so each update itself is too large for the weights.`,
    });
  }
  if (f.explodingIdx >= 0 && !f.recurrent && f.flowBefore === null) {
    ev.push({ w: 0.4, text: `The gradient norm exploded from step ${ctx.stats[f.explodingIdx].step} in a model without recurrence, where a too-large step is the usual cause.` });
  }
  const j = f.jump;
  if (f.explodingIdx >= 0 && f.recurrent && j && j.leader !== null && !j.leaderRecurrent && j.leaderRatio >= ctx.opts.spikeFactor) {
    ev.push({
      w: 0.35,
      text: `The explosion at step ${ctx.stats[f.explodingIdx].step} was led by a non-recurrent layer: ${j.leader}'s gradient jumped ${fmt(j.leaderRatio)}× (from a median of ${fmt(j.leaderBefore)} to ${fmt(j.leaderNorm)}), more than the recurrent ones: a step too large for the weights rather than the recurrence.`,
    });
  }
  // "keep the threshold" only where clipping is what holds the run (its twin diverged) or the run is failing under it; a run that learns under saturated clipping may raise it (the healthy cause says so)
  const keepClip = saturated && (clippingKeepsAlive(run) || (run.clip !== undefined && run.clip !== 'none' && (notImproving || loss.nonFinite)));
  const fixes = [
    lowerLrFix(run, 10, saturated ? 'then clipping should fire on only a few steps' : 'so that each step stays small against the weights'),
  ];
  if (keepClip) {
    fixes.push(
      clippingKeepsAlive(run)
        ? `Keep the clipping threshold${run.clipThreshold !== undefined ? ` at ${fmt(run.clipThreshold, 6)}` : ''}; do not raise it: without clipping this run diverged.`
        : `Keep the clipping threshold${run.clipThreshold !== undefined ? ` at ${fmt(run.clipThreshold, 6)}` : ''} while lowering the learning rate; raising it would let the larger steps through.`,
    );
  }
  fixes.push('Use a learning-rate warm-up (for example over the first 100-1000 steps) and a decaying schedule.');
  return candidate('learning-rate-too-high', ev, fixes);
}
