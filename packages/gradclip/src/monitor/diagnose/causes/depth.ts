/**
 * The depth causes: **vanishing-depth** and **exploding-depth**. Going back
 * through a stack of layers the gradient is multiplied by each layer's
 * Jacobian, so with derivatives and weights that shrink (sigmoid's σ′ ≤ 1/4)
 * or grow it the per-layer norms fall or rise geometrically toward the input
 * (Glorot & Bengio 2010; Bengio, Simard & Frasconi 1994), without any time
 * axis.
 *
 * The evidence is the least-squares slope of `log10(median layer norm)`
 * against the layer's position (layers in the order of their first
 * appearance in `layerNorms`, input first), over the records before the
 * first exploding event: `span = slope × (L − 1)` decades from the first
 * layer to the last. It needs at least {@link MIN_DEPTH_LAYERS} layers.
 *
 * @module
 */

import { formatNumber } from '../../../core/format.js';
import { median } from '../../../core/stats/index.js';
import type { CauseFacts } from './facts.js';
import { clipFix, layerCount, lowerLrFix, normalizationFix, residualFix } from './fixes.js';
import { candidate, clamp, type Candidate, type Weighted } from './score.js';

/** Depth causes need at least this many layers. */
export const MIN_DEPTH_LAYERS = 3;
/** A span of at least this many decades between the first and the last layer counts as evidence. */
export const DEPTH_DECADES = 2;

/** The per-layer profile of the gradient: medians, fitted span in decades, and how monotone it is. */
export interface DepthProfile {
  /** Layer names, input first. */
  layers: string[];
  /** Median norm of each layer. */
  medians: number[];
  /** `slope × (L − 1)`: decades from the first layer to the last (> 0: the last layers get more gradient). */
  span: number;
  /** Fraction of consecutive layer pairs that move in the direction of `span`. */
  monotone: number;
}

/** The {@link DepthProfile} of a run, or null with fewer than {@link MIN_DEPTH_LAYERS} layers with a positive median. */
export function depthProfile(f: CauseFacts): DepthProfile | null {
  if (layerCount(f) < MIN_DEPTH_LAYERS) return null;
  const end = f.explodingIdx >= 0 ? f.explodingIdx : f.ctx.n;
  const layers: string[] = [];
  const medians: number[] = [];
  for (const g of f.groups) {
    const xs = g.norms.slice(0, Math.max(1, end)).filter((x) => Number.isFinite(x) && x > 0);
    if (xs.length === 0) continue;
    layers.push(g.name);
    medians.push(median(xs));
  }
  const L = layers.length;
  if (L < MIN_DEPTH_LAYERS) return null;
  const ys = medians.map((m) => Math.log10(m));
  const xm = (L - 1) / 2;
  const ym = ys.reduce((a, b) => a + b, 0) / L;
  let sxy = 0;
  let sxx = 0;
  for (let k = 0; k < L; k++) {
    sxy += (k - xm) * (ys[k] - ym);
    sxx += (k - xm) * (k - xm);
  }
  const span = (sxy / sxx) * (L - 1);
  let agree = 0;
  for (let k = 1; k < L; k++) if (Math.sign(ys[k] - ys[k - 1]) === Math.sign(span)) agree++;
  return { layers, medians, span, monotone: agree / (L - 1) };
}

function fmt(x: number, digits = 3): string {
  return formatNumber(x, digits);
}

function profileText(p: DepthProfile, vanishing: boolean): string {
  const L = p.layers.length;
  const perLayer = Math.pow(10, Math.abs(p.span) / (L - 1));
  return (
    `Across ${L} layers the gradient ${vanishing ? 'shrinks' : 'grows'} toward the input by about 10^${fmt(Math.abs(p.span), 2)} ` +
    `(${fmt(perLayer)}× per layer): median norm ${fmt(p.medians[0])} at ${p.layers[0]} versus ${fmt(p.medians[L - 1])} at ${p.layers[L - 1]}; ` +
    `${fmt(100 * p.monotone, 3)}% of adjacent layers follow the trend.`
  );
}

function depthCandidate(f: CauseFacts, vanishing: boolean): Candidate | null {
  const p = depthProfile(f);
  if (!p) return null;
  const decades = vanishing ? p.span : -p.span;
  if (!(decades >= DEPTH_DECADES)) return null;
  const ev: Weighted[] = [{ w: clamp((0.3 + 0.1 * decades) * (0.5 + 0.5 * p.monotone), 0, 0.9), text: profileText(p, vanishing) }];
  if (!vanishing && f.explodingIdx >= 0) ev.push({ w: 0.3, text: `The global norm exploded from step ${f.ctx.stats[f.explodingIdx].step}.` });
  let factor = 1;
  if (f.recurrent) {
    factor *= 0.4;
    ev.push({ w: 0, text: 'But the model is recurrent: the gap between its layers may come from time rather than depth.' });
  }
  const act = f.run.activation;
  const fixes: string[] = [];
  const res = residualFix(f);
  if (vanishing) {
    if (act === 'sigmoid' || act === 'tanh') fixes.push(`Use ReLU or GELU instead of ${act}: ${act === 'sigmoid' ? "σ′ ≤ 1/4 divides the gradient by at least 4 at every layer" : 'saturated tanh units pass almost no gradient'}.`);
    if (res) fixes.push(res);
    fixes.push('Initialise with Glorot/Xavier (tanh, sigmoid) or He (ReLU) scaling, so that each layer keeps the gradient\'s variance (Glorot & Bengio 2010; He et al. 2015).');
  } else {
    fixes.push(
      f.run.residual === true
        ? 'Initialise with a smaller scale (Glorot/Xavier or He, and the residual branches scaled by 1/sqrt(2L)), so that no layer amplifies the gradient.'
        : 'Initialise with a smaller scale (Glorot/Xavier or He), so that no layer amplifies the gradient.',
    );
    fixes.push(clipFix(f, 'it bounds the step while the initialisation is fixed'));
    fixes.push(lowerLrFix(f.run, 10));
    if (res) fixes.push(res);
  }
  const nf = normalizationFix(f.run);
  if (nf) fixes.push(nf);
  if (vanishing && !act) fixes.push('If the units are sigmoid or tanh, use ReLU or GELU instead.');
  return candidate(vanishing ? 'vanishing-depth' : 'exploding-depth', ev, fixes, factor);
}

/** Evidence, confidence and fixes for `vanishing-depth`, or null. */
export function vanishingDepth(f: CauseFacts): Candidate | null {
  return depthCandidate(f, true);
}

/** Evidence, confidence and fixes for `exploding-depth`, or null. */
export function explodingDepth(f: CauseFacts): Candidate | null {
  return depthCandidate(f, false);
}
