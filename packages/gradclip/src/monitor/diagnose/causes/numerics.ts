/**
 * The cause **bad-data-or-numerics**: a non-finite step in an otherwise
 * healthy run. A gradient explosion announces itself — the norm grows or
 * spikes, and overflow shows ±Infinity first (Pascanu, Mikolov & Bengio
 * 2013, arXiv 1211.5063) — while a bad batch (a NaN in the inputs or
 * targets) or an invalid operation (0/0, log 0) gives a NaN out of stable
 * norms, and the run goes on normally when a guard skipped that step.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import type { CauseFacts } from './facts.js';
import { guardFix } from './fixes.js';
import { candidate, type Candidate, type Weighted } from './score.js';

/** At most this many non-finite records count as isolated. */
export const MAX_ISOLATED = 3;

function fmt(x: number): string {
  return formatNumber(x, 3);
}

/** Evidence, confidence and fixes for `bad-data-or-numerics`, or null. */
export function badDataOrNumerics(f: CauseFacts): Candidate | null {
  const nf = f.nonFiniteIdx;
  if (nf.length === 0) return null;
  const { ctx } = f;
  const first = nf[0];
  const s = ctx.stats[first];
  // Stable history: no exploding evidence before the non-finite step, and the last finite norm before it within spikeFactor of its running median.
  if (f.explodingIdx >= 0 && f.explodingIdx < first) return null;
  let prev = first - 1;
  while (prev >= 0 && !Number.isFinite(ctx.norms[prev])) prev--;
  const history = ctx.norms.slice(0, first).filter((x) => Number.isFinite(x)).length;
  if (history < ctx.opts.minHistory) return null;
  const base = prev >= 0 ? ctx.normBase[prev] : Number.NaN;
  if (prev >= 0 && Number.isFinite(base) && base > 0 && ctx.norms[prev] > ctx.opts.spikeFactor * base) return null;
  const ev: Weighted[] = [];
  const what = [
    typeof s.loss === 'number' && !Number.isFinite(s.loss) ? `the loss was ${fmt(s.loss)}` : '',
    typeof s.preClipNorm === 'number' && !Number.isFinite(s.preClipNorm) ? `the gradient norm was ${fmt(s.preClipNorm)}` : '',
  ].filter((x) => x).join(' and ') || 'a layer gradient was non-finite';
  ev.push({
    w: 0.45,
    text: `At step ${s.step} ${what}, out of stable norms: the ${history} steps before it stayed within ${ctx.opts.spikeFactor}× of their running median${prev >= 0 ? ` (last ${fmt(ctx.norms[prev])})` : ''}, with no growth or spike announcing an explosion.`,
  });
  const values = [s.loss, s.preClipNorm, ...Object.values(s.layerNorms ?? {})].filter((x): x is number => typeof x === 'number' && !Number.isFinite(x));
  if (values.length > 0 && values.every((x) => Number.isNaN(x))) {
    ev.push({ w: 0.15, text: 'It is NaN, not ±Infinity: an overflow would show Infinity first; NaN comes from the data (a NaN input or target) or an invalid operation (0/0, log 0, sqrt of a negative).' });
  }
  const last = nf[nf.length - 1];
  const after = ctx.n - 1 - last;
  if (nf.length <= MAX_ISOLATED && after >= 1) {
    ev.push({ w: 0.4, text: `It was isolated: ${nf.length} non-finite step${nf.length === 1 ? '' : 's'}, and the ${after} step${after === 1 ? '' : 's'} after ${nf.length === 1 ? 'it' : 'them'} ran normally.` });
  } else if (after >= 1) {
    ev.push({ w: 0, text: `Every step after it was non-finite too (${nf.length} in all): the non-finite update destroyed the weights.` });
  }
  const fixes = [
    `Check the batch of step ${s.step} for NaN/Inf values in the inputs or targets, and the loss for log(0) or a division by zero (add an epsilon).`,
    guardFix(f),
    'Leave the learning rate and the clipping as they are: the gradient was stable before, and clipping cannot repair a NaN (the clipped gradient is NaN too).',
  ];
  return candidate('bad-data-or-numerics', ev, fixes);
}
