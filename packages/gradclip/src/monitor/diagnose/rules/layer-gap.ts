/**
 * Rule **layer gap**: early layers whose typical gradient norm is orders of
 * magnitude below that of the last layers — the signature of vanishing
 * gradients in a deep or recurrent network, where the gradient reaching a
 * layer shrinks geometrically with its distance from the loss (Bengio,
 * Simard & Frasconi 1994; Pascanu, Mikolov & Bengio 2013, arXiv 1211.5063).
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { normSummary } from '../../../core/run-metrics.js';
import { minOf } from '../../../core/stats/index.js';
import { vanishingAdvice } from '../advice.js';
import { stepOf, type DiagnosisContext } from '../context.js';
import type { RuleOutcome } from './rule.js';

/**
 * With `L ≥ 2` layers in layer order (first appearance of the `layerNorms`
 * keys), the last `ceil(L / 3)` are "late"; `ref` is the largest median norm
 * among them. An earlier layer is flagged when its median norm is at most
 * `ref / layerGapFactor (1000)`. Finding `layer-gap` naming those layers (at
 * the first record where one of them is at most `1 / layerGapFactor` of
 * that record's largest late norm), with the gap in decades
 * `log10(ref / smallest flagged median)`; evidence `vanishing` there and the
 * vanishing advice.
 */
export function layerGapRule(ctx: DiagnosisContext): RuleOutcome {
  const { layerNames, stats, opts } = ctx;
  const L = layerNames.length;
  if (L < 2) return {};
  const lateCount = Math.ceil(L / 3);
  const late = layerNames.slice(L - lateCount);
  const early = layerNames.slice(0, L - lateCount);
  const typical = new Map<string, number>();
  for (const k of layerNames) {
    const m = normSummary(stats.map((s) => (s.layerNorms && k in s.layerNorms ? s.layerNorms[k] : undefined))).median;
    typical.set(k, m ?? Number.NaN);
  }
  const typicalOf = (k: string): number => typical.get(k) ?? Number.NaN;
  let ref = Number.NEGATIVE_INFINITY;
  let refLayer = '';
  for (const k of late) {
    const t = typicalOf(k);
    if (Number.isFinite(t) && t > ref) {
      ref = t;
      refLayer = k;
    }
  }
  if (!(Number.isFinite(ref) && ref > 0)) return {};
  const gapLayers = early.filter((k) => {
    const t = typicalOf(k);
    return Number.isFinite(t) && t <= ref / opts.layerGapFactor;
  });
  if (gapLayers.length === 0) return {};
  const idx = stats.findIndex((s) => {
    const ln = s.layerNorms;
    if (!ln) return false;
    const lateMax = late.reduce((m, k) => (k in ln && Number.isFinite(ln[k]) ? Math.max(m, ln[k]) : m), Number.NEGATIVE_INFINITY);
    return lateMax > 0 && gapLayers.some((k) => k in ln && Number.isFinite(ln[k]) && ln[k] <= lateMax / opts.layerGapFactor);
  });
  const worst = minOf(gapLayers.map(typicalOf));
  const decades = worst > 0 ? `${formatNumber(Math.log10(ref / worst), 2)} orders of magnitude` : 'infinitely many orders of magnitude';
  const list = gapLayers.map((k) => `${k} (${formatNumber(typicalOf(k))})`).join(', ');
  return {
    finding: {
      kind: 'layer-gap',
      ...stepOf(ctx, idx),
      layers: gapLayers,
      message:
        `Early layers get gradients orders of magnitude smaller than the last layers: median norms ${list} ` +
        `versus ${formatNumber(ref)} for ${refLayer} (up to ${decades}).`,
    },
    evidence: { status: 'vanishing', index: idx },
    advice: () => vanishingAdvice(ctx.run),
  };
}
