/**
 * The cause **saturation-after-explosion**: layers whose gradient became
 * exactly 0 (or at most `DEAD_RATIO` of its earlier maximum) after a
 * gradient explosion and stayed there. A huge step pushes the pre-activations
 * of tanh / sigmoid units far from 0, where the derivative is 0 in float32,
 * so no gradient reaches those layers any more: the starved layers are a
 * consequence of the explosion (Pascanu, Mikolov & Bengio 2013, arXiv
 * 1211.5063), not a vanishing-gradient problem of the architecture.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { median } from '../../../core/stats/index.js';
import type { CauseFacts } from './facts.js';
import { clipFix, guardFix, lowerLrFix } from './fixes.js';
import { candidate, type Candidate, type Weighted } from './score.js';

function fmt(x: number): string {
  return formatNumber(x, 3);
}

/**
 * The record index of the explosion that preceded the death of the layers at
 * `deadFrom`: the first exploding evidence of the rules when it is not
 * later, else the largest norm before `deadFrom` when it is at least
 * `spikeFactor` × the first record's norm; -1 when there was none.
 */
export function explosionBefore(f: CauseFacts, deadFrom: number): number {
  if (f.explodingIdx >= 0 && f.explodingIdx <= deadFrom) return f.explodingIdx;
  const norms = f.ctx.norms;
  const first = norms.findIndex((x) => Number.isFinite(x) && x > 0);
  if (first < 0) return -1;
  let best = -1;
  for (let j = first + 1; j <= Math.min(deadFrom, norms.length - 1); j++) {
    if (Number.isFinite(norms[j]) && (best < 0 || norms[j] > norms[best])) best = j;
  }
  return best >= 0 && norms[best] >= f.ctx.opts.spikeFactor * norms[first] ? best : -1;
}

/** Evidence, confidence and fixes for `saturation-after-explosion`, or null. */
export function saturationAfterExplosion(f: CauseFacts): Candidate | null {
  const d = f.dead;
  if (!d) return null;
  const e = explosionBefore(f, d.fromIndex);
  if (e < 0) return null;
  const { stats, norms, opts } = f.ctx;
  const step = (i: number): number => stats[i].step;
  const ev: Weighted[] = [];
  const zero = d.exactZero ? 'exactly 0' : `below ${formatNumber(1e-8, 1)} of its peak`;
  const list = d.layers.join(', ');
  ev.push({
    w: d.exactZero ? 0.6 : 0.45,
    text:
      `The gradient of ${list} was ${zero} from step ${step(d.fromIndex)} to the end (${stats.length - d.fromIndex} records), ` +
      `after the gradient norm exploded at step ${step(e)} (${fmt(norms[e])}): the units saturated, so no gradient reaches ${d.layers.length === 1 ? 'that layer' : 'those layers'} any more.`,
  });
  const peakGroup = f.groups.find((g) => g.name === d.peak.layer);
  const before = peakGroup ? peakGroup.norms.slice(0, Math.max(1, d.peak.index)).filter((x) => Number.isFinite(x)) : [];
  const typical = before.length > 0 ? median(before) : Number.NaN;
  if (typical > 0 && d.peak.norm >= opts.spikeFactor * typical) {
    ev.push({ w: 0.3, text: `Just before, ${d.peak.layer}'s own gradient peaked at ${fmt(d.peak.norm)} (step ${step(d.peak.index)}), ${fmt(d.peak.norm / typical)}× its earlier level.` });
  }
  if (d.alive && d.alive.norm > norms[e]) {
    ev.push({ w: 0.15, text: `Meanwhile the gradient of ${d.alive.layer}, still alive, ran away to ${fmt(d.alive.norm)} (step ${step(d.alive.index)}).` });
  }
  const fixes = [
    `Fix the explosion at step ${step(e)} first (the cause ranked above): the dead gradients are its consequence, not a problem of the architecture.`,
    f.ctx.anyClipped
      ? lowerLrFix(f.run, 10, `the clipping in use did not stop the step of step ${step(e)} from saturating the units`)
      : clipFix(f, `it stops a step like that of step ${step(e)} from pushing the units into saturation`),
    `Restart from the initialisation or from a checkpoint before step ${step(e)}: saturated units do not recover by themselves.`,
  ];
  if (f.nonFiniteIdx.length > 0) fixes.push(guardFix(f));
  return candidate('saturation-after-explosion', ev, fixes, 1, ['exploding-through-time', 'learning-rate-too-high', 'exploding-depth']);
}
