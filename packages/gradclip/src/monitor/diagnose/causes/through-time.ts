/**
 * The through-time causes: **exploding-through-time** and
 * **vanishing-through-time**. Backpropagation through time multiplies the
 * state-to-state Jacobians, `∂L/∂h_t = J_{t+1}ᵀ ··· J_Tᵀ ∂L/∂h_T`, so the
 * gradient grows or shrinks about `g^(T−t)` on its way back; with units whose
 * derivative is at most 1 (tanh, linear), a recurrent matrix of spectral norm
 * below 1 is sufficient for vanishing and one above 1 necessary for exploding
 * gradients (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063, section 2.1;
 * Bengio, Simard & Frasconi 1994).
 *
 * The direct evidence is the `flow` field of the records (`growth` and
 * `spectralNorm`); without it, a recurrent model whose recurrent layer led a
 * gradient explosion is weaker evidence of the same cause.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import type { CauseFacts, FlowFacts } from './facts.js';
import { clipFix, gatedFix, guardFix, lowerLrFix, truncationSpan } from './fixes.js';
import { candidate, clamp, type Candidate, type Weighted } from './score.js';

/** A flow amplification of at least this many decades over T (10×) counts as evidence. */
export const FLOW_DECADES = 1;

function fmt(x: number, digits = 3): string {
  return formatNumber(x, digits);
}

function flowSpan(fl: FlowFacts): string {
  return fl.count === 1 ? `the flow record of step ${fl.firstStep}` : `median of ${fl.count} flow records, steps ${fl.firstStep}-${fl.lastStep}`;
}

function tText(fl: FlowFacts): string {
  return fl.Tmin === fl.Tmax ? `T = ${fl.Tmin}` : `T = ${fl.Tmin}-${fl.Tmax}`;
}

/** The flow evidence of a growth above 1 (`growing`) or below 1, or null when it is under {@link FLOW_DECADES}. */
function flowEvidence(fl: FlowFacts | null, growing: boolean, when: string, base = 0.35): Weighted | null {
  if (!fl) return null;
  const d = fl.decades;
  if (growing ? !(d >= FLOW_DECADES) : !(d <= -FLOW_DECADES)) return null;
  const amount = growing ? `10^${fmt(d, 2)} times larger` : `10^${fmt(-d, 2)} times smaller`;
  const text =
    `${when}gradients ${growing ? 'grow' : 'shrink to'} about ${fmt(fl.growth)}× per time step backward over ${tText(fl)} ` +
    `(${flowSpan(fl)}): ‖∂L/∂h_1‖ is about ${amount} than ‖∂L/∂h_T‖.`;
  return { w: clamp(base + 0.15 * Math.abs(d), 0, 0.9), text: text.charAt(0).toUpperCase() + text.slice(1) };
}

function gated(f: CauseFacts): boolean {
  return f.run.model === 'lstm' || f.run.model === 'gru';
}

/** Evidence, confidence and fixes for `exploding-through-time`, or null. */
export function explodingThroughTime(f: CauseFacts): Candidate | null {
  const { ctx, run } = f;
  const fl = f.flowBefore;
  if (!fl && !f.recurrent) return null;
  const ev: Weighted[] = [];
  const at = f.flowAtEvent;
  const e0 = f.explodingIdx;
  const atEv = e0 >= 0 ? flowEvidence(at, true, `At the explosion (step ${ctx.stats[e0].step}) `, 0.4) : null;
  const flowEv = atEv ?? flowEvidence(fl, true, e0 >= 0 ? 'Before the explosion ' : '');
  if (flowEv) ev.push(flowEv);
  else {
    const later = flowEvidence(f.flowAfter, true, 'From the explosion on ');
    if (later) ev.push({ ...later, w: later.w * 0.6 });
  }
  const sn = at?.spectralNorm ?? fl?.spectralNorm ?? f.flowAfter?.spectralNorm ?? null;
  if (sn !== null && sn > 1) {
    ev.push({ w: 0.25, text: `The recurrent matrix has spectral norm ${fmt(sn)} > 1, the necessary condition for gradients to explode through time (Pascanu et al. 2013, section 2.1).` });
  }
  const e = f.explodingIdx;
  if (e >= 0 && f.recurrent) {
    const j = f.jump;
    if (j && j.leaderRecurrent && j.leaderRatio >= ctx.opts.spikeFactor) {
      ev.push({
        w: 0.5,
        text: `At step ${ctx.stats[e].step} the gradient of the recurrent layer ${j.leader} jumped ${fmt(j.leaderRatio)}× (from a median of ${fmt(j.leaderBefore)} to ${fmt(j.leaderNorm)}), more than any other layer: the explosion came through the recurrence.`,
      });
    } else {
      ev.push({ w: 0.25, text: `The gradient norm exploded from step ${ctx.stats[e].step} in a recurrent model.` });
    }
    const ends = ctx.normEnds;
    const grew = ends !== null && ends.first > 0 && ends.last >= ctx.opts.trendFactor * ends.first;
    if (grew && ends !== null) {
      ev.push({ w: 0.3, text: `The median gradient norm grew ${fmt(ends.last / ends.first)}× over the run (${fmt(ends.first)} in the first steps, ${fmt(ends.last)} in the last)${f.nonFiniteIdx.length > 0 ? ' and ended non-finite' : ''}.` });
    } else if (f.nonFiniteIdx.length > 0 && f.nonFiniteIdx[0] > e) {
      ev.push({ w: 0.2, text: `The run ended non-finite at step ${ctx.stats[f.nonFiniteIdx[0]].step}.` });
    }
  }
  let factor = 1;
  if (!fl && gated(f)) {
    factor *= 0.7;
    ev.push({ w: 0, text: `The model is gated (${run.model}), whose cell path resists exploding through time; no flow records confirm it.` });
  }
  if (at && at.growth < 1) {
    factor *= 0.3;
    ev.push({ w: 0, text: `But the flow of the exploding step itself shows the gradient shrinking (${fmt(at.growth)}× per step back in time), so the explosion did not come through the recurrence.` });
  } else if (!at && fl && fl.growth < 1 && !flowEv) {
    factor *= 0.5;
    ev.push({ w: 0, text: `But the flow records before the explosion show the gradient shrinking (${fmt(fl.growth)}× per step), so the recurrence did not amplify it then.` });
  }
  const growthFl = flowEv === atEv && atEv ? at : fl;
  const T = growthFl?.T ?? run.sequenceLength;
  const k = growthFl && growthFl.growth > 1 && T !== undefined ? truncationSpan(growthFl.growth, T) : null;
  const fixes = [
    clipFix(f, 'it rescales the steps whose gradient exploded through time and keeps their direction'),
    run.model === 'rnn' || run.model === undefined
      ? `Initialise the recurrent matrix with spectral radius just below 1 (for example orthogonal × 0.95, or the sparse init of Sutskever et al. 2013; CLI --init smart-tanh)${sn !== null ? `: the measured spectral norm is ${fmt(sn)}` : ''}.`
      : 'Initialise the recurrent kernel orthogonally (Saxe et al. 2014, arXiv 1312.6120), so that the state-to-state Jacobian starts near norm 1.',
    ...(k !== null ? [`Truncate backpropagation through time to about ${k} steps (at ${fmt(growthFl?.growth ?? 1)}× per step that bounds the amplification to about 100×).`] : []),
    lowerLrFix(run, 10),
  ];
  if (f.nonFiniteIdx.length > 0) fixes.push(guardFix(f));
  if (!gated(f)) {
    const g = gatedFix(run, 'its additive cell path keeps the backpropagated norm near 1');
    if (g) fixes.push(g);
  }
  return candidate('exploding-through-time', ev, fixes, factor);
}

/** Evidence, confidence and fixes for `vanishing-through-time`, or null. */
export function vanishingThroughTime(f: CauseFacts): Candidate | null {
  const { ctx, run } = f;
  const fl = f.flowBefore;
  if (!fl && !f.recurrent) return null;
  const ev: Weighted[] = [];
  const flowEv = flowEvidence(fl, false, f.explodingIdx >= 0 ? 'Before the explosion ' : '');
  if (flowEv) ev.push(flowEv);
  const sn = fl?.spectralNorm ?? null;
  const boundedUnits = run.activation === undefined || ['tanh', 'linear', 'sigmoid'].includes(run.activation);
  if (sn !== null && sn < 1 && !gated(f) && boundedUnits) {
    ev.push({ w: 0.2, text: `The recurrent matrix has spectral norm ${fmt(sn)} < 1: with units whose derivative is at most 1 this is sufficient for the gradient to vanish through time (Pascanu et al. 2013, section 2.1).` });
  } else if (flowEv && sn !== null && sn > 1 && !gated(f) && run.activation !== 'linear') {
    ev.push({ w: 0, text: `The recurrent matrix has spectral norm ${fmt(sn)} > 1, so the shrinking comes from saturated units (derivative near 0), not from small weights.` });
  }
  if (!fl && f.recurrent) {
    for (const fd of f.vanishingFindings) {
      if (fd.kind === 'norm-collapse') ev.push({ w: 0.3, text: `In this recurrent model: ${fd.message}` });
      if (fd.kind === 'layer-gap') {
        const gapLayers = fd.layers ?? [];
        const rec = f.groups.filter((g) => g.recurrent).flatMap((g) => g.vars);
        if (gapLayers.some((v) => rec.includes(v)) && f.dead === null) ev.push({ w: 0.25, text: `In this recurrent model the recurrent weights get far less gradient than the read-out: ${fd.message}` });
      }
    }
  }
  let factor = 1;
  if (f.explodingIdx >= 0) {
    const at = f.flowAtEvent;
    const grewAtEvent = at !== null && at.growth > 1;
    // layers that died after the explosion: the explosion demonstrably broke the run, whatever the flow looked like before it
    const killedByIt = f.dead !== null && f.dead.fromIndex > f.explodingIdx;
    factor *= grewAtEvent || killedByIt ? 0.3 : 0.5;
    ev.push({
      w: 0,
      text: `But the run's gradient exploded at step ${ctx.stats[f.explodingIdx].step}${grewAtEvent ? `, where the flow grew ${fmt(at.growth)}× per step back in time` : ''}: the vanishing is not what broke it.`,
    });
  }
  const first = f.flowFirst;
  let after: readonly ('learning-rate-too-high' | 'exploding-through-time' | 'exploding-depth')[] | undefined;
  if (flowEv && first && fl && first.firstStep < fl.lastStep && first.decades > -FLOW_DECADES) {
    factor *= 0.5;
    after = ['learning-rate-too-high'];
    ev.push({
      w: 0,
      text: `At the start (step ${first.firstStep}) the gradient shrank only ${fmt(first.growth)}× per step (10^${fmt(-first.decades, 2)} over the sequence): the vanishing set in as training moved the weights, a consequence of the updates rather than of the architecture.`,
    });
  }
  const L = f.loss;
  if (L.ratio !== null && L.ratio <= ctx.opts.convergedLossRatio) {
    factor *= 0.5;
    ev.push({ w: 0, text: `But the loss fell to ${fmt(L.ratio)}× its initial value, so the model learns what the short-range gradient can teach.` });
  }
  ev.push({ w: 0, text: 'Clipping cannot help here: it only scales gradients down.' });
  const T = fl?.T ?? run.sequenceLength;
  const fixes: string[] = [];
  const g = gatedFix(run, 'the cell state carries the gradient over long spans through an additive path');
  if (g) fixes.push(g);
  if (run.model === 'lstm') fixes.push('Initialise the LSTM forget-gate bias to 1 (Jozefowicz, Zaremba & Sutskever 2015), so that the cell keeps its memory and its gradient at the start.');
  if (run.model === 'rnn' || run.model === undefined) {
    fixes.push(`Initialise the recurrent matrix orthogonally with spectral radius near 1 (Saxe et al. 2014; CLI --init smart-tanh gives 0.95)${sn !== null ? `: the measured spectral norm is ${fmt(sn)}` : ''}.`);
  }
  fixes.push(
    `Shorten the span the gradient must cross: truncated backpropagation through time, shorter sequences${T !== undefined ? ` than T = ${T}` : ''} first (a curriculum), or skip connections through time.`,
    "Add Pascanu et al.'s regulariser (2013, section 3.3), which keeps ‖∂L/∂h_t‖ from shrinking as it flows back.",
  );
  return candidate('vanishing-through-time', ev, fixes, factor, after);
}
