/**
 * Rule **non-finite**: the first record whose `loss` or `preClipNorm` (the
 * run-metrics definition of a non-finite step) or one of whose `layerNorms`
 * entries is NaN/±Infinity. It is conclusive evidence of exploding gradients
 * (Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063: a gradient explosion
 * ends in an overflow), even in a run shorter than `minSteps`.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { isNonFiniteStep } from '../../../core/run-metrics.js';
import { explodingAdvice } from '../advice.js';
import type { DiagnosisContext } from '../context.js';
import type { Finding } from '../types.js';
import type { RuleOutcome } from './rule.js';

/**
 * Finds the first non-finite record: finding `non-finite` naming what became
 * non-finite (and the layers, in layer order), flag `non-finite`, evidence
 * `exploding` at that record; advice: clip, lower the learning rate, add a
 * non-finite guard.
 */
export function nonFiniteRule(ctx: DiagnosisContext): RuleOutcome {
  const { stats, layerNames } = ctx;
  for (let i = 0; i < stats.length; i++) {
    const s = stats[i];
    const ln = s.layerNorms;
    const badLayers = ln ? layerNames.filter((k) => k in ln && !Number.isFinite(ln[k])) : [];
    if (!isNonFiniteStep(s) && badLayers.length === 0) continue;
    const badNorm = isNonFiniteStep({ loss: null, preClipNorm: s.preClipNorm });
    const badLoss = isNonFiniteStep({ loss: s.loss, preClipNorm: null });
    const what: string[] = [];
    if (badNorm) what.push(`the gradient norm became ${formatNumber(s.preClipNorm)}`);
    if (badLoss) what.push(`the loss became ${formatNumber(s.loss)}`);
    if (!badNorm && badLayers.length > 0) what.push(`some layer gradients became non-finite`);
    const finding: Finding = {
      kind: 'non-finite',
      step: s.step,
      message: `At step ${s.step} ${what.join(' and ')}` + (badLayers.length > 0 ? ` (layers: ${badLayers.join(', ')}).` : '.'),
    };
    if (badLayers.length > 0) finding.layers = badLayers;
    return {
      finding,
      flag: 'non-finite',
      evidence: { status: 'exploding', index: i },
      advice: ({ recommendedThreshold }) => explodingAdvice(recommendedThreshold, ctx.anyClipped, true),
    };
  }
  return {};
}
